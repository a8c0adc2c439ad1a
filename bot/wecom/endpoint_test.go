package wecom_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"deliverybot/bot"
	"deliverybot/bot/wecom"
	"deliverybot/bot/wecom/wecomtest"
)

// recordingAcceptor dedupes by key like the real queue and can be made to fail.
type recordingAcceptor struct {
	mu   sync.Mutex
	keys map[string]bool
	msgs []bot.Message
	fail error
	hook func()
}

func (a *recordingAcceptor) Accept(_ context.Context, msg bot.Message, key string) (bool, error) {
	if a.hook != nil {
		a.hook()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail != nil {
		return false, a.fail
	}
	if a.keys == nil {
		a.keys = map[string]bool{}
	}
	if a.keys[key] {
		return true, nil
	}
	a.keys[key] = true
	a.msgs = append(a.msgs, msg)
	return false, nil
}

func (a *recordingAcceptor) accepted() []bot.Message {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]bot.Message(nil), a.msgs...)
}

func (a *recordingAcceptor) setFail(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fail = err
}

type endpoint struct {
	url  string
	acc  *recordingAcceptor
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startEndpoint(t *testing.T, cfg wecom.Config, now func() time.Time, tweak func(*wecom.CallbackDeps)) *endpoint {
	t.Helper()
	acc := &recordingAcceptor{}
	logs := &syncBuffer{}
	deps := wecom.CallbackDeps{Acceptor: acc, Now: now, Log: slog.New(slog.NewTextHandler(logs, nil))}
	if tweak != nil {
		tweak(&deps)
	}
	e := echo.New()
	if _, err := wecom.Register(e, cfg, deps); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &endpoint{url: srv.URL, acc: acc, logs: logs}
}

func vectorConfig(v vector) wecom.Config {
	return wecom.Config{CorpID: v.CorpID, AgentID: 1, Secret: "s", Token: v.Token, AESKey: v.AESKey, MaxSkew: 5 * time.Minute}
}

func vectorClock(v vector) func() time.Time {
	ts, _ := time.Parse(time.RFC3339, "2000-01-01T00:00:00Z")
	var sec int64
	for _, c := range v.Timestamp {
		sec = sec*10 + int64(c-'0')
	}
	if sec > 0 {
		ts = time.Unix(sec, 0).Add(30 * time.Second)
	}
	return func() time.Time { return ts }
}

func do(t *testing.T, method, url string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestEndpointVectors(t *testing.T) {
	vf := loadVectors(t)
	all := append(vf.accepted(), vf.Forged...)
	for _, v := range all {
		if v.Kind == "decrypt_msg" && v.BodyFormat != "xml" {
			continue // JSON envelopes are the AI-bot format; this endpoint is XML only
		}
		t.Run(v.Name, func(t *testing.T) {
			ep := startEndpoint(t, vectorConfig(v), vectorClock(v), nil)
			method, body := http.MethodPost, []byte(v.Body)
			if v.Kind == "verify_url" {
				method, body = http.MethodGet, nil
			}
			status, got := do(t, method, ep.url+wecom.CallbackPath+"?"+v.RawQuery, body)
			if v.Expected == "accept" {
				if status != http.StatusOK {
					t.Fatalf("status %d; logs: %s", status, ep.logs)
				}
				if v.Kind == "verify_url" {
					if got != v.ExpectedPlaintext {
						t.Fatalf("body %q, want exactly %q", got, v.ExpectedPlaintext)
					}
					return
				}
				if got != "" {
					t.Fatalf("POST answered %q, want empty body", got)
				}
				if n := len(ep.acc.accepted()); n != 1 {
					t.Fatalf("accepted %d messages, want 1", n)
				}
				return
			}
			if status < 400 || status > 499 {
				t.Fatalf("forged vector answered %d, want 4xx", status)
			}
			if n := len(ep.acc.accepted()); n != 0 {
				t.Fatalf("forged vector accepted %d messages", n)
			}
			if c := strings.Count(ep.logs.String(), "wecom callback rejected"); c != 1 {
				t.Fatalf("want exactly one rejection log line, got %d: %s", c, ep.logs)
			}
		})
	}
}

// fakeSetup returns a config and a callback client for it, posting to ep.
func fakeSetup(t *testing.T, tweak func(*wecom.CallbackDeps)) (*endpoint, *wecomtest.CallbackClient, wecom.Config) {
	t.Helper()
	fake := wecomtest.NewServer()
	t.Cleanup(fake.Close)
	cfg := fake.Config()
	ep := startEndpoint(t, cfg, time.Now, tweak)
	cc, err := wecomtest.NewCallbackClient(ep.url+wecom.CallbackPath, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return ep, cc, cfg
}

func TestEndpointRejectsWithoutAccepting(t *testing.T) {
	ctx := context.Background()
	ep, cc, cfg := fakeSetup(t, nil)
	other := cfg
	other.CorpID = "wwsomeoneelse"
	wrongCorp, _ := wecomtest.NewCallbackClient(cc.URL, other)
	stale, _ := wecomtest.NewCallbackClient(cc.URL, cfg)
	stale.Now = func() time.Time { return time.Now().Add(-10 * time.Minute) }

	post := func(s wecomtest.Signed) int {
		st, err := cc.Post(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	seal := func(c *wecomtest.CallbackClient, plain []byte) wecomtest.Signed {
		s, err := c.Seal(plain)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	text := cc.Text("u1", "你好").XML()

	cases := map[string]func() int{
		"forged signature": func() int {
			s := seal(cc, text)
			s.Signature = strings.Repeat("0", 40)
			return post(s)
		},
		"wrong corp id": func() int { return post(seal(wrongCorp, text)) },
		"stale timestamp": func() int {
			return post(seal(stale, stale.Text("u1", "旧消息").XML()))
		},
		"non-XML body": func() int {
			st, _ := do(t, http.MethodPost, cc.URL+"?msg_signature=a&timestamp=1&nonce=2", []byte("hello"))
			return st
		},
		"non-XML plaintext": func() int { return post(seal(cc, []byte("just text, no xml"))) },
		"truncated ciphertext": func() int {
			s := seal(cc, text)
			s.Encrypt = s.Encrypt[:len(s.Encrypt)-24] // drop whole base64 quads: valid base64, short
			s.Signature = cc.Crypto().Sign(s.Timestamp, s.Nonce, s.Encrypt)
			s.Body = []byte("<xml><Encrypt><![CDATA[" + s.Encrypt + "]]></Encrypt></xml>")
			return post(s)
		},
		"oversized body": func() int {
			s := seal(cc, text)
			s.Body = append(bytes.Repeat([]byte(" "), wecom.MaxBodyBytes), s.Body...)
			return post(s)
		},
		"missing signature": func() int {
			st, _ := do(t, http.MethodPost, cc.URL, seal(cc, text).Body)
			return st
		},
	}
	for name, run := range cases {
		t.Run(name, func(t *testing.T) {
			before := strings.Count(ep.logs.String(), "wecom callback rejected")
			if st := run(); st < 400 || st > 499 {
				t.Fatalf("status %d, want 4xx", st)
			}
			if n := len(ep.acc.accepted()); n != 0 {
				t.Fatalf("%d messages accepted", n)
			}
			if after := strings.Count(ep.logs.String(), "wecom callback rejected"); after != before+1 {
				t.Fatalf("want one log line with the reason, got %d", after-before)
			}
		})
	}
}

func TestEndpointAcceptsAllKindsAndIgnoresContactChanges(t *testing.T) {
	ctx := context.Background()
	ep, cc, _ := fakeSetup(t, nil)
	payloads := []wecomtest.Payload{
		cc.Text("0012", "报修"),
		cc.Image("0012", "media1", "https://pic/1.jpg"),
		cc.Event("0012", "click", "帮助"),
		cc.CardClick("0012", "task1", "确认", "rc1"),
	}
	for _, p := range payloads {
		if st, err := cc.Deliver(ctx, p); err != nil || len(st) != 1 || st[0] != 200 {
			t.Fatalf("%s: statuses %v, err %v", p.MsgType, st, err)
		}
	}
	change := cc.Event("sys", "change_contact", "")
	change.ChangeType = "update_user"
	if st, err := cc.Deliver(ctx, change); err != nil || st[0] != 200 {
		t.Fatalf("change_contact: %v %v", st, err)
	}
	got := ep.acc.accepted()
	if len(got) != 4 {
		t.Fatalf("accepted %d, want 4 (change_contact ignored)", len(got))
	}
	if got[0].Text != "报修" || got[0].UserID != "0012" {
		t.Errorf("text: %+v", got[0])
	}
	if len(got[1].Media) != 1 || got[1].Media[0].MediaID != "media1" {
		t.Errorf("image: %+v", got[1])
	}
	if got[3].Event == nil || got[3].Event.Kind != bot.EventCardButton || got[3].Text != "确认" || got[3].Event.ResponseCode != "rc1" {
		t.Errorf("card click: %+v", got[3])
	}
}

func TestEndpointRetriesAndReplays(t *testing.T) {
	ctx := context.Background()
	ep, cc, _ := fakeSetup(t, nil)

	// WeCom re-sends the same request when our answer was slow: processed once.
	st, err := cc.DeliverTimes(ctx, cc.Text("u1", "一次"), 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s != http.StatusOK {
			t.Fatalf("statuses %v, want all 200", st)
		}
	}
	if n := len(ep.acc.accepted()); n != 1 {
		t.Fatalf("accepted %d times, want 1", n)
	}
	if !strings.Contains(ep.logs.String(), "not processed again") {
		t.Fatalf("replay not logged: %s", ep.logs)
	}

	// Same message re-signed with a new nonce (WeCom retry after a failure) is caught
	// by the dedupe key instead.
	p := cc.Text("u1", "两次")
	if _, err := cc.Deliver(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := cc.Deliver(ctx, p); err != nil {
		t.Fatal(err)
	}
	if n := len(ep.acc.accepted()); n != 2 {
		t.Fatalf("accepted %d, want 2", n)
	}
}

func TestEndpointAcceptFailureIs503ThenRetrySucceeds(t *testing.T) {
	ctx := context.Background()
	var ep *endpoint
	calls := 0
	ep, cc, _ := fakeSetup(t, func(d *wecom.CallbackDeps) {})
	ep.acc.hook = func() {
		calls++
		if calls == 2 {
			ep.acc.setFail(nil) // "Redis" back before the second retry
		}
	}
	ep.acc.setFail(errors.New("redis down"))
	st, err := cc.Deliver(ctx, cc.Text("u1", "重要"))
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 2 || st[0] != http.StatusServiceUnavailable || st[1] != http.StatusOK {
		t.Fatalf("statuses %v, want [503 200]", st)
	}
	if n := len(ep.acc.accepted()); n != 1 {
		t.Fatalf("accepted %d, want 1", n)
	}
}

func TestEndpointRecoversFromPanic(t *testing.T) {
	ctx := context.Background()
	ep, cc, _ := fakeSetup(t, nil)
	ep.acc.hook = func() { panic("boom") }
	cc.Retries = 0
	st, _ := cc.Deliver(ctx, cc.Text("u1", "x"))
	if len(st) != 1 || st[0] != http.StatusInternalServerError {
		t.Fatalf("statuses %v, want [500]", st)
	}
	if !strings.Contains(ep.logs.String(), "panic") {
		t.Fatal("panic not logged")
	}
}

func TestSkewZeroDisablesWindow(t *testing.T) {
	fake := wecomtest.NewServer()
	defer fake.Close()
	cfg := fake.Config()
	cfg.MaxSkew = 0
	ep := startEndpoint(t, cfg, time.Now, nil)
	cc, _ := wecomtest.NewCallbackClient(ep.url+wecom.CallbackPath, cfg)
	cc.Now = func() time.Time { return time.Date(2014, 9, 2, 0, 0, 0, 0, time.UTC) }
	if st, err := cc.Deliver(context.Background(), cc.Text("u1", "old")); err != nil || st[0] != 200 {
		t.Fatalf("%v %v", st, err)
	}
}

func TestVerifyURLWithCallbackClientAndMessageOracle(t *testing.T) {
	ctx := context.Background()
	_, cc, _ := fakeSetup(t, nil)
	body, st, err := cc.VerifyURL(ctx, "7162534499887766554")
	if err != nil || st != 200 || body != "7162534499887766554" {
		t.Fatalf("got %q %d %v", body, st, err)
	}
	// A captured POST's Encrypt replayed as echostr must not be decrypted back.
	_, st, _ = cc.VerifyURL(ctx, string(cc.Text("u1", "秘密").XML()))
	if st != http.StatusBadRequest {
		t.Fatalf("message plaintext answered via GET: %d", st)
	}
}

func TestHealthReadyAndDomainVerify(t *testing.T) {
	fake := wecomtest.NewServer()
	defer fake.Close()
	cfg := fake.Config()
	cfg.DomainVerify = "AbC123"
	ready := errors.New("redis down")
	ep := startEndpoint(t, cfg, time.Now, func(d *wecom.CallbackDeps) {
		d.Ready = func(context.Context) error { return ready }
	})
	if st, _ := do(t, http.MethodGet, ep.url+"/healthz", nil); st != 200 {
		t.Fatalf("healthz %d", st)
	}
	if st, _ := do(t, http.MethodGet, ep.url+"/readyz", nil); st != 503 {
		t.Fatalf("readyz while down %d", st)
	}
	ready = nil
	if st, _ := do(t, http.MethodGet, ep.url+"/readyz", nil); st != 200 {
		t.Fatalf("readyz %d", st)
	}
	if st, body := do(t, http.MethodGet, ep.url+"/WW_verify_AbC123.txt", nil); st != 200 || body != "AbC123" {
		t.Fatalf("domain verify %d %q", st, body)
	}
	if st, _ := do(t, http.MethodGet, ep.url+"/WW_verify_other.txt", nil); st != 404 {
		t.Fatalf("unknown verify file %d", st)
	}
}

func TestRegisterRequiresAcceptor(t *testing.T) {
	fake := wecomtest.NewServer()
	defer fake.Close()
	if _, err := wecom.Register(echo.New(), fake.Config(), wecom.CallbackDeps{}); err == nil {
		t.Fatal("Register without Acceptor succeeded")
	}
}

// A rejected callback is logged with the peer that sent it; an
// X-Forwarded-For it carries is logged as a claim, never as the remote.
func TestEndpointRejectionLogsPeerNotForwardedFor(t *testing.T) {
	ep, cc, _ := fakeSetup(t, nil)
	req, err := http.NewRequest(http.MethodPost, cc.URL+"?msg_signature=a&timestamp=1&nonce=2", strings.NewReader("forged"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Forwarded-For", "10.9.8.7")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	logs := ep.logs.String()
	if !strings.Contains(logs, "remote=127.0.0.1:") || strings.Contains(logs, "remote=10.9.8.7") {
		t.Fatalf("remote is not the peer address: %s", logs)
	}
	if !strings.Contains(logs, "x_forwarded_for=10.9.8.7") {
		t.Fatalf("forwarded-for claim not logged: %s", logs)
	}
}
