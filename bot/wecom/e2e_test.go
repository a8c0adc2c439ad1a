package wecom_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"deliverybot/bot"
	"deliverybot/bot/queue"
	"deliverybot/bot/redisstore/redistest"
	"deliverybot/bot/wecom"
	"deliverybot/bot/wecom/wecomtest"
)

// lockedBlobs is a concurrency-safe in-memory bot.BlobStore.
type lockedBlobs struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (b *lockedBlobs) Put(_ context.Context, data []byte, _ string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ref := fmt.Sprintf("blob-%d", len(b.m))
	b.m[ref] = data
	return ref, nil
}

func (b *lockedBlobs) Get(_ context.Context, ref string) ([]byte, string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.m[ref], "", nil
}

// echoReplies stands in for the router: it answers what it understood.
func echoReplies(msg bot.Message) []bot.Reply {
	switch {
	case msg.Event != nil && msg.Event.Kind == bot.EventCardButton:
		return []bot.Reply{{Text: "按钮：" + msg.Text}}
	case len(msg.Media) > 0:
		return []bot.Reply{{Text: "图片：" + msg.Media[0].Ref + " " + msg.Media[0].ContentType}}
	default:
		return []bot.Reply{{Text: "收到：" + msg.Text}}
	}
}

type pipeline struct {
	fake *wecomtest.Server
	cc   *wecomtest.CallbackClient
	q    *queue.Queue
}

// startPipeline wires endpoint → Redis queue → pool → Sender → fake WeCom, the way
// `serve` does.
func startPipeline(t *testing.T, b *redistest.Backend) *pipeline {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	fake := wecomtest.NewServer()
	t.Cleanup(fake.Close)
	cfg := fake.Config()
	opts := queue.Options{Partitions: 4, PollInterval: 5 * time.Millisecond, Logger: quiet}
	q := queue.New(b.Client, b.Prefix, opts)
	client := wecom.NewClient(cfg, wecom.WithRetry(fastRetry), wecom.WithLogger(quiet))
	sender := wecom.NewSender(client, queue.NewSendLimiter(b.Client, b.Prefix))
	outbox := queue.NewOutbox(b.Client, b.Prefix, 0)
	blobs := &lockedBlobs{m: map[string][]byte{}}

	process := func(ctx context.Context, msg bot.Message) error {
		if err := wecom.FetchMedia(ctx, client, blobs, &msg); err != nil {
			return err
		}
		return sender.DeliverOnce(ctx, outbox, msg, echoReplies(msg))
	}
	pool := queue.NewPool(b.Client, b.Prefix, opts, process)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = pool.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	e := echo.New()
	if _, err := wecom.Register(e, cfg, wecom.CallbackDeps{Acceptor: q, Replay: q, Log: quiet}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	cc, err := wecomtest.NewCallbackClient(srv.URL+wecom.CallbackPath, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &pipeline{fake: fake, cc: cc, q: q}
}

// drain waits until the queue is empty and want messages were delivered. Polling
// only bounds how long we wait; nothing here asserts speed.
func (p *pipeline) drain(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		depth, _, err := p.q.Stats(context.Background())
		if err == nil && depth == 0 && len(p.fake.Messages()) >= want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("not drained: %d of %d delivered", len(p.fake.Messages()), want)
}

func TestEndToEndCallbackToReply(t *testing.T) {
	ctx := context.Background()
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			p := startPipeline(t, b)
			// text, delivered 3 times as WeCom retries → one reply
			if _, err := p.cc.DeliverTimes(ctx, p.cc.Text("0012", "帮助"), 3); err != nil {
				t.Fatal(err)
			}
			p.drain(t, 1)
			// the token expires mid-run
			p.fake.ExpireTokens()
			id := p.fake.AddMedia(append([]byte{0xff, 0xd8, 0xff, 0xe0}, make([]byte, 64)...), "image/jpeg")
			if _, err := p.cc.Deliver(ctx, p.cc.Image("0012", id, "https://pic")); err != nil {
				t.Fatal(err)
			}
			click := p.cc.CardClick("0012", "task1@0a0b0c0d", "确认", "rc1")
			if _, err := p.cc.Deliver(ctx, click); err != nil {
				t.Fatal(err)
			}
			if _, err := p.cc.Deliver(ctx, click); err != nil { // re-signed retry of the same click
				t.Fatal(err)
			}
			p.drain(t, 3)
			var got []string
			for _, m := range p.fake.MessagesTo("0012") {
				got = append(got, m.Text.Content)
			}
			want := []string{"收到：帮助", "图片：blob-0 image/jpeg", "按钮：确认"}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Fatalf("replies %q, want %q", got, want)
			}
			if n := p.fake.Calls("cgi-bin/gettoken"); n != 2 {
				t.Fatalf("gettoken %d times, want 2 (start + after expiry)", n)
			}
		})
	}
}

func TestEndToEndPerUserOrder(t *testing.T) {
	ctx := context.Background()
	b := redistest.New(t)
	p := startPipeline(t, b)
	const users, perUser = 8, 10
	var wg sync.WaitGroup
	for u := 0; u < users; u++ {
		wg.Add(1)
		go func(u int) {
			defer wg.Done()
			for i := 0; i < perUser; i++ {
				if _, err := p.cc.Deliver(ctx, p.cc.Text(fmt.Sprintf("user%02d", u), fmt.Sprintf("第%02d条", i))); err != nil {
					t.Error(err)
				}
			}
		}(u)
	}
	wg.Wait()
	p.drain(t, users*perUser)
	for u := 0; u < users; u++ {
		msgs := p.fake.MessagesTo(fmt.Sprintf("user%02d", u))
		if len(msgs) != perUser {
			t.Fatalf("user%02d got %d replies, want %d", u, len(msgs), perUser)
		}
		for i, m := range msgs {
			if want := fmt.Sprintf("收到：第%02d条", i); m.Text.Content != want {
				t.Fatalf("user%02d reply %d = %q, want %q", u, i, m.Text.Content, want)
			}
		}
	}
}

// probeLimiter records, while a send waits for budget, whether the outbox
// already marks the reply as being sent (what a crash then would leave).
type probeLimiter struct {
	outbox *queue.Outbox
	msgID  string
	marked []bool
}

func (p *probeLimiter) Wait(ctx context.Context, _ string) error {
	m, err := p.outbox.Marked(ctx, p.msgID, 0)
	if err != nil {
		return err
	}
	p.marked = append(p.marked, m)
	return nil
}

// A worker that dies while waiting for the user's send budget has not marked
// the reply, so the retry sends it rather than writing it off as maybe sent;
// and a reply already sent does not wait for budget again.
func TestDeliverOnceWaitsForBudgetBeforeMarking(t *testing.T) {
	b := redistest.New(t)
	fake := wecomtest.NewServer()
	defer fake.Close()
	client := wecom.NewClient(fake.Config(), wecom.WithLogger(slog.New(slog.DiscardHandler)))
	outbox := queue.NewOutbox(b.Client, b.Prefix, 0)
	msg := bot.Message{ID: "m-budget", UserID: "u1", Text: "你好"}
	probe := &probeLimiter{outbox: outbox, msgID: msg.ID}
	sender := wecom.NewSender(client, probe)
	for range 2 { // processed twice, as after a crash
		if err := sender.DeliverOnce(context.Background(), outbox, msg, echoReplies(msg)); err != nil {
			t.Fatal(err)
		}
	}
	if len(probe.marked) != 1 || probe.marked[0] {
		t.Fatalf("marked while waiting for budget = %v, want [false]", probe.marked)
	}
	if got := fake.MessagesTo("u1"); len(got) != 1 || wecomtest.MessageText(got[0]) != "收到：你好" {
		t.Fatalf("u1 got %d messages, want the reply once", len(got))
	}
}
