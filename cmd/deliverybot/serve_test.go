package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"deliverybot/bot"
	"deliverybot/bot/redisstore"
	"deliverybot/bot/redisstore/redistest"
	"deliverybot/bot/wecom"
	"deliverybot/bot/wecom/wecomtest"
	"deliverybot/handlers/ticket/ticketstore"
)

// liveServer is `serve` running on a loopback port against a fake WeCom API.
type liveServer struct {
	fake *wecomtest.Server
	cc   *wecomtest.CallbackClient
	srv  *server
}

// startServe runs the real serve wiring. With REDIS_URL set it uses that Redis under
// a random key prefix (cleaned up), else the embedded store in a temp dir.
func startServe(t *testing.T, setup func(r *bot.Router)) *liveServer {
	t.Helper()
	return startServeIn(t, t.TempDir(), os.Getenv("REDIS_URL"), setup)
}

// startServeIn is startServe on a given data dir and Redis URL ("" = embedded).
func startServeIn(t *testing.T, dataDir, redisURL string, setup func(r *bot.Router)) *liveServer {
	t.Helper()
	fake := wecomtest.NewServer()
	t.Cleanup(fake.Close)
	var sc serveConfig
	sc.common = commonConfig{DataDir: dataDir, KBPath: demoKB, Projects: demoProjects, TimeZone: "Asia/Shanghai",
		FormTTL: 30 * time.Minute, DigestCron: "0 9 * * 1", RedisURL: redisURL}
	if sc.common.RedisURL != "" {
		b := redistest.Real(t, sc.common.RedisURL) // registers cleanup of the prefix
		sc.common.Prefix = b.Prefix
	}
	sc.wecom = fake.Config()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := newServer(ctx, sc, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(srv.app.router)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve stopped with error: %v", err)
		}
	})
	cc, err := wecomtest.NewCallbackClient("http://"+ln.Addr().String()+wecom.CallbackPath, fake.Config())
	if err != nil {
		t.Fatal(err)
	}
	return &liveServer{fake: fake, cc: cc, srv: srv}
}

// waitMessages waits until user has received n messages (or fails after a generous deadline).
func (l *liveServer) waitMessages(t *testing.T, user string, n int) []wecom.MessageRequest {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := l.fake.MessagesTo(user)
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitText waits until a message at index from or later contains want, returns its index,
// and fails the test after a generous deadline.
func (l *liveServer) waitText(t *testing.T, user string, from int, want string) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := l.fake.MessagesTo(user)
		for i := from; i < len(got); i++ {
			if strings.Contains(wecomtest.MessageText(got[i]), want) {
				return i
			}
		}
		if time.Now().After(deadline) {
			var texts []string
			for _, m := range got[min(from, len(got)):] {
				texts = append(texts, wecomtest.MessageText(m))
			}
			t.Fatalf("no message containing %q after index %d; got %q", want, from, texts)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitCardUpdate waits for the accepted update_template_card call using code.
func (l *liveServer) waitCardUpdate(t *testing.T, code string) *wecom.UpdateTemplateCardRequest {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, r := range l.fake.Requests() {
			if r.Update != nil && r.Update.ResponseCode == code && r.Code == 0 {
				return r.Update
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no card update with response code %s", code)
	return nil
}

func TestServeEndToEndTextImageAndCardButton(t *testing.T) {
	l := startServe(t, nil)
	ctx := context.Background()
	if _, err := l.cc.Deliver(ctx, l.cc.Text("wulei", "vpn登不上怎么办")); err != nil {
		t.Fatal(err)
	}
	msgs := l.waitMessages(t, "wulei", 2) // the answer and its feedback card
	if len(msgs) != 2 || !strings.Contains(wecomtest.MessageText(msgs[0]), "VPN") {
		t.Fatalf("no KB answer delivered: %v", msgs)
	}
	// A card button (the feedback card's 有用) comes back as a template_card_event.
	before := len(l.fake.MessagesTo("wulei"))
	code := l.fake.IssueResponseCode()
	if _, err := l.cc.Deliver(ctx, l.cc.CardClick("wulei", "faq", "有用 vpn-cannot-login", code)); err != nil {
		t.Fatal(err)
	}
	msgs = l.waitMessages(t, "wulei", before+1)
	if len(msgs) <= before || !strings.Contains(wecomtest.MessageText(msgs[len(msgs)-1]), "感谢反馈") {
		t.Fatalf("card click not answered: %q", wecomtest.MessageText(msgs[len(msgs)-1]))
	}
	// The clicked card's buttons are replaced, so it cannot be answered twice.
	if u := l.waitCardUpdate(t, code); u.Button == nil || u.Button.ReplaceName != "已收到" || len(u.UserIDs) != 1 || u.UserIDs[0] != "wulei" {
		t.Fatalf("card update = %+v, want wulei's buttons replaced by 已收到", u)
	}
	// A photo during a 报修 form is fetched with media/get and accepted by the form.
	for _, s := range []string{"报修", "1", "打印机驱动装不上总是报错", "跳过", "仅我", "一般", "跳过"} {
		if _, err := l.cc.Deliver(ctx, l.cc.Text("wulei", s)); err != nil {
			t.Fatal(err)
		}
	}
	// Wait for the photo step's prompt by its text: a step may send more than one message,
	// so a message count would race the form.
	n := l.waitText(t, "wulei", before+1, "（7/7）")
	mediaID := l.fake.AddMedia(tinyPNG(), "image/png")
	if _, err := l.cc.Deliver(ctx, l.cc.Image("wulei", mediaID, "")); err != nil {
		t.Fatal(err)
	}
	l.waitText(t, "wulei", n+1, "已收到 1 张照片")
	if l.fake.Calls("cgi-bin/media/get") == 0 {
		t.Fatal("media/get never called")
	}
}

func TestServeRetriedCallbackAnsweredOnce(t *testing.T) {
	l := startServe(t, nil)
	// Baseline: how many WeCom messages one 帮助 produces (the menu may take two).
	if _, err := l.cc.DeliverTimes(context.Background(), l.cc.Text("u0", "帮助"), 1); err != nil {
		t.Fatal(err)
	}
	l.waitMessages(t, "u0", 1)
	time.Sleep(300 * time.Millisecond)
	once := len(l.fake.MessagesTo("u0"))
	statuses, err := l.cc.DeliverTimes(context.Background(), l.cc.Text("u1", "帮助"), 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range statuses {
		if st != 200 {
			t.Fatalf("statuses %v, want all 200", statuses)
		}
	}
	l.waitMessages(t, "u1", once)
	time.Sleep(300 * time.Millisecond) // give a wrong second reply time to show up
	rec := httptest.NewRecorder()
	l.srv.handler().ServeHTTP(rec, httptest.NewRequest("GET", "/queuez", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"depth":0`) {
		t.Fatalf("/queuez after the queue drained = %d %s", rec.Code, rec.Body.String())
	}
	if got := l.fake.MessagesTo("u1"); len(got) != once {
		t.Fatalf("3 deliveries of one callback produced %d messages, one delivery %d", len(got), once)
	}
}

// 50 users × 20 messages at once: every message answered exactly once, each user's in order.
func TestServeManyUsersInOrderExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	l := startServe(t, func(r *bot.Router) {
		r.Command([]string{"echo"}, "", bot.HandlerFunc(func(_ context.Context, req *bot.Request) ([]bot.Reply, error) {
			return []bot.Reply{bot.Text("echo %s", req.Args())}, nil
		}))
	})
	const users, each = 50, 20
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, users)
	for u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := l.cc.Deliver(ctx, l.cc.Text(fmt.Sprintf("user%02d", u), fmt.Sprintf("echo %d", i))); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for u := range users {
		user := fmt.Sprintf("user%02d", u)
		got := l.waitMessages(t, user, each)
		if len(got) != each {
			t.Fatalf("%s got %d replies, want %d", user, len(got), each)
		}
		for i, m := range got {
			if want := fmt.Sprintf("echo %d", i); wecomtest.MessageText(m) != want {
				t.Fatalf("%s reply %d = %q, want %q (out of order or duplicated)", user, i, wecomtest.MessageText(m), want)
			}
		}
	}
}

// With the embedded store, a message WeCom was told we received is on disk:
// a kill -9 right after the acknowledgement loses nothing, and the restarted
// bot answers it once the dead process's partition lease has run out.
func TestServeEmbeddedAcknowledgedMessageSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a lease to expire")
	}
	dir := t.TempDir()
	dead := make(chan struct{})
	stuck := startServeIn(t, dir, "", func(r *bot.Router) {
		r.Command([]string{"echo"}, "", bot.HandlerFunc(func(context.Context, *bot.Request) ([]bot.Reply, error) {
			<-dead // the process "dies" before it replies
			return nil, errors.New("killed")
		}))
	})
	t.Cleanup(func() { close(dead) }) // runs before stuck's shutdown
	ctx := context.Background()
	if _, err := stuck.cc.Deliver(ctx, stuck.cc.Text("wulei", "echo 活着")); err != nil {
		t.Fatal(err)
	}
	// The data dir as a kill -9 right now would leave it.
	data, err := os.ReadFile(filepath.Join(dir, redisstore.SnapshotFile))
	if err != nil {
		t.Fatalf("acknowledged but nothing on disk: %v", err)
	}
	crashed := t.TempDir()
	if err := os.WriteFile(filepath.Join(crashed, redisstore.SnapshotFile), data, 0o600); err != nil {
		t.Fatal(err)
	}
	restarted := startServeIn(t, crashed, "", func(r *bot.Router) {
		r.Command([]string{"echo"}, "", bot.HandlerFunc(func(_ context.Context, req *bot.Request) ([]bot.Reply, error) {
			return []bot.Reply{bot.Text("echo %s", req.Args())}, nil
		}))
	})
	start := time.Now()
	got := restarted.waitMessages(t, "wulei", 1)
	t.Logf("answered %v after restart", time.Since(start).Round(time.Millisecond))
	if len(got) != 1 || wecomtest.MessageText(got[0]) != "echo 活着" {
		t.Fatalf("after restart wulei got %d messages %v, want exactly [echo 活着]", len(got), got)
	}
}

func tinyPNG() []byte {
	// 1×1 transparent PNG.
	return []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
}

// A 报修 filed over WeCom, with every callback delivered three times (as WeCom
// retries), creates exactly one ticket.
func TestServeDuplicateCallbacksFileOneTicket(t *testing.T) {
	l := startServe(t, nil)
	ctx := context.Background()
	steps := []string{"报修", "1", "打印机驱动装不上总是报错", "跳过", "仅我", "一般", "跳过", "跳过", "确认"}
	for _, s := range steps {
		if _, err := l.cc.DeliverTimes(ctx, l.cc.Text("wulei", s), 3); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		msgs := l.fake.MessagesTo("wulei")
		if len(msgs) > 0 && strings.Contains(wecomtest.MessageText(msgs[len(msgs)-1]), "报修已提交") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ticket never confirmed; last messages: %d", len(msgs))
		}
		time.Sleep(20 * time.Millisecond)
	}
	list, err := l.srv.app.ticketStore.List(ctx, ticketstore.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("3× delivered callbacks created %d tickets, want 1", len(list))
	}
}

func TestLocalURL(t *testing.T) {
	for addr, want := range map[string]string{
		":8080":          "http://127.0.0.1:8080",
		"0.0.0.0:18080":  "http://127.0.0.1:18080",
		"127.0.0.1:9000": "http://127.0.0.1:9000",
		"[::]:8080":      "http://127.0.0.1:8080",
		"10.0.0.5:80":    "http://10.0.0.5:80",
	} {
		if got := localURL(addr); got != want {
			t.Errorf("localURL(%q) = %q, want %q", addr, got, want)
		}
	}
}

// A first deployment usually gets several things wrong at once: serve reports
// the bad shared settings and the missing WECOM_* variables in one go (exit
// status 2), so the admin does not fix them one restart at a time.
func TestServeReportsAllConfigProblemsAtOnce(t *testing.T) {
	for _, k := range []string{wecom.EnvCorpID, wecom.EnvAgentID, wecom.EnvSecret, wecom.EnvToken, wecom.EnvAESKey} {
		t.Setenv(k, "")
	}
	t.Setenv("DELIVERYBOT_TZ", "Mars/Olympus")
	var stdout, stderr strings.Builder
	err := run(context.Background(), []string{"serve", "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0"}, strings.NewReader(""), &stdout, &stderr)
	var ue usageError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want a usage error (exit status 2)", err)
	}
	for _, want := range []string{"DELIVERYBOT_TZ", wecom.EnvCorpID, wecom.EnvSecret, wecom.EnvAESKey} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

// lockedBuffer is a strings.Builder safe to read while serve writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// As the README says, `serve --fake-wecom` and `send` both use the WECOM_*
// credentials when they are set (an admin trying their real token and AES key
// locally), so what send signs serve accepts.
func TestServeFakeWeComAndSendShareWecomEnv(t *testing.T) {
	isolateRedis(t)
	t.Setenv(wecom.EnvCorpID, "wwmycorp123")
	t.Setenv(wecom.EnvAgentID, "1000005")
	t.Setenv(wecom.EnvSecret, "MyRealSecretValue")
	t.Setenv(wecom.EnvToken, "MyToken123")
	t.Setenv(wecom.EnvAESKey, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--fake-wecom", "--addr", addr, "--data-dir", t.TempDir(), "--kb", demoKB,
			"--projects", demoProjects}, strings.NewReader(""), &out, &errOut)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(errOut.String(), "deliverybot serving") {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	var sendOut, sendErr strings.Builder
	if err := run(context.Background(), []string{"send", "--to", "http://" + addr, "--user", "u1", "帮助"}, strings.NewReader(""), &sendOut, &sendErr); err != nil {
		t.Fatalf("send: %v\n%s", err, errOut.String())
	}
	for !strings.Contains(out.String(), "→ u1") {
		if time.Now().After(deadline) {
			t.Fatalf("no reply to u1; send said %q; serve log:\n%s", sendOut.String(), errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A callback the server refuses (wrong token or AES key) makes send fail
// instead of printing 已发送 and exiting 0.
func TestSendFailsWhenTheServerRejectsTheCallback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	var out, errOut strings.Builder
	err := run(context.Background(), []string{"send", "--to", srv.URL, "--user", "u1", "帮助"}, strings.NewReader(""), &out, &errOut)
	if err == nil {
		t.Fatalf("send succeeded against a server answering 401; printed %q", out.String())
	}
	if !strings.Contains(err.Error(), "401") {
		t.Errorf("error does not give the status: %v", err)
	}
}
