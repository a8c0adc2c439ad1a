package wecom_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"deliverybot/bot/queue"
	"deliverybot/bot/redisstore/redistest"
	"deliverybot/bot/wecom"
	"deliverybot/bot/wecom/wecomtest"
)

// The real Redis queue satisfies the endpoint's consumer-side interfaces.
var (
	_ wecom.Acceptor    = (*queue.Queue)(nil)
	_ wecom.ReplayGuard = (*queue.Queue)(nil)
	_ wecom.Limiter     = (*queue.SendLimiter)(nil)
)

func TestEndpointWithRedisQueue(t *testing.T) {
	ctx := context.Background()
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			fake := wecomtest.NewServer()
			defer fake.Close()
			cfg := fake.Config()
			q := queue.New(b.Client, b.Prefix, queue.Options{})
			e := echo.New()
			deps := wecom.CallbackDeps{Acceptor: q, Replay: q, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Ready: func(ctx context.Context) error { return b.Client.Ping(ctx).Err() }}
			if _, err := wecom.Register(e, cfg, deps); err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(e)
			defer srv.Close()
			cc, _ := wecomtest.NewCallbackClient(srv.URL+wecom.CallbackPath, cfg)

			// Same request delivered 4 times (WeCom's retries) → one queued message.
			if st, err := cc.DeliverTimes(ctx, cc.Text("u1", "帮助"), 4); err != nil || st[3] != 200 {
				t.Fatalf("%v %v", st, err)
			}
			// Same message re-signed (new nonce) → dedupe key stops it.
			p := cc.CardClick("u1", "task1", "确认", "rc1")
			for range 2 {
				if _, err := cc.Deliver(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			depth, _, err := q.Stats(ctx)
			if err != nil || depth != 2 {
				t.Fatalf("queue depth %d (%v), want 2", depth, err)
			}

			if b.Mini == nil {
				return // taking real Redis down is not something a test may do
			}
			// Redis down at receipt → 503 so WeCom retries; after recovery the retry is
			// processed once.
			b.Mini.Close()
			cc.Retries = 0
			down := cc.Text("u2", "Redis 挂了")
			if st, _ := cc.Deliver(ctx, down); st[0] != http.StatusServiceUnavailable {
				t.Fatalf("status %v with Redis down, want 503", st)
			}
			if st, _ := do(t, http.MethodGet, srv.URL+"/readyz", nil); st != http.StatusServiceUnavailable {
				t.Fatalf("readyz %d with Redis down", st)
			}
			if err := b.Mini.Restart(); err != nil {
				t.Fatal(err)
			}
			if st, err := cc.Deliver(ctx, down); err != nil || st[0] != 200 {
				t.Fatalf("after recovery %v %v", st, err)
			}
			if st, _ := cc.Deliver(ctx, down); st[0] != 200 {
				t.Fatalf("retry %v", st)
			}
			if depth, _, _ := q.Stats(ctx); depth != 3 {
				t.Fatalf("depth %d, want 3", depth)
			}
		})
	}
}
