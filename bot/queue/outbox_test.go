package queue

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"deliverybot/bot"
	"deliverybot/bot/redisstore/redistest"
)

// Many workers reprocessing the same message at once: each reply goes out once.
func TestOutboxNeverSendsTwiceUnderConcurrentReprocessing(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			o := NewOutbox(b.Client, b.Prefix, 0)
			replies := []bot.Reply{{Text: "收到"}, {Text: "工单已创建"}, {Text: "请补充照片"}}
			var sent [3]atomic.Int32
			var wg sync.WaitGroup
			errs := make(chan error, 16)
			for range 16 {
				wg.Go(func() {
					errs <- o.SendAll(ctx, "m1", replies, func(ctx context.Context, r bot.Reply) error {
						for i := range replies {
							if replies[i].Text == r.Text {
								sent[i].Add(1)
							}
						}
						return nil
					})
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil && !errors.Is(err, ErrMaybeSent) {
					t.Errorf("SendAll: %v", err)
				}
			}
			for i := range sent {
				if n := sent[i].Load(); n != 1 {
					t.Errorf("reply %d sent %d times, want 1", i, n)
				}
			}
			// Once everything is recorded as sent, reprocessing is silent and clean.
			if err := o.SendAll(ctx, "m1", replies, func(context.Context, bot.Reply) error {
				t.Error("reply sent again after completion")
				return nil
			}); err != nil {
				t.Errorf("reprocessing a finished message: %v", err)
			}
		})
	}
}

func TestOutboxFailureSemantics(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			o := NewOutbox(b.Client, b.Prefix, 0)
			calls := map[string]int{}
			count := func(key string, err error) func(context.Context) error {
				return func(context.Context) error { calls[key]++; return err }
			}
			tests := []struct {
				name      string
				first     error
				wantFirst func(error) bool
				// second attempt: does it call send?
				wantResend bool
			}{
				{"delivered", nil, func(e error) bool { return e == nil }, false},
				{"api refused", NotSent(errors.New("errcode 45009")), IsNotSent, true},
				{"timeout, outcome unknown", errors.New("context deadline exceeded"), func(e error) bool { return errors.Is(e, ErrMaybeSent) }, false},
			}
			for i, tc := range tests {
				msgID := fmt.Sprint("msg", i)
				if err := o.SendOnce(ctx, msgID, 0, count(tc.name, tc.first)); !tc.wantFirst(err) {
					t.Errorf("%s: first SendOnce = %v", tc.name, err)
				}
				err := o.SendOnce(ctx, msgID, 0, count(tc.name, nil))
				if resent := calls[tc.name] == 2; resent != tc.wantResend {
					t.Errorf("%s: resent = %v, want %v (err %v)", tc.name, resent, tc.wantResend, err)
				}
				if tc.wantResend && err != nil {
					t.Errorf("%s: retry after NotSent: %v", tc.name, err)
				}
			}
			// Redis down before sending: an error that is not ErrMaybeSent (safe to retry), nothing sent.
			down := NewOutbox(deadClient(t), b.Prefix, 0)
			err := down.SendOnce(ctx, "m9", 0, func(context.Context) error { t.Error("sent with Redis down"); return nil })
			if err == nil || errors.Is(err, ErrMaybeSent) {
				t.Errorf("Redis down: err = %v, want a retryable error", err)
			}
		})
	}
}

// A worker that died after marking a reply "sending" leaves it not resent.
func TestOutboxCrashWindowIsAtMostOnce(t *testing.T) {
	b := redistest.New(t)
	ctx := context.Background()
	o := NewOutbox(b.Client, b.Prefix, 0)
	if err := b.Client.Set(ctx, o.keys.outbox("m1", 0), "sending:deadbeef", 0).Err(); err != nil {
		t.Fatal(err)
	}
	err := o.SendOnce(ctx, "m1", 0, func(context.Context) error { t.Error("resent in crash window"); return nil })
	if !errors.Is(err, ErrMaybeSent) {
		t.Fatalf("err = %v, want ErrMaybeSent", err)
	}
}

// With a store that is durable only on request, the "sending" mark is made
// durable before the send; if that fails nothing is sent and a retry can send.
func TestOutboxPersistsMarkBeforeSending(t *testing.T) {
	b := redistest.New(t)
	ctx := context.Background()
	var order []string
	syncErr := errors.New("disk full")
	o := NewOutbox(b.Client, b.Prefix, 0).WithSync(func(context.Context) error {
		order = append(order, "sync")
		return syncErr
	})
	send := func(context.Context) error { order = append(order, "send"); return nil }
	if err := o.SendOnce(ctx, "m1", 0, send); err == nil || errors.Is(err, ErrMaybeSent) {
		t.Fatalf("sync failed: err = %v, want a retryable error", err)
	}
	if len(order) != 1 || order[0] != "sync" {
		t.Fatalf("sync failed: calls = %v, want only [sync]", order)
	}
	syncErr, order = nil, nil
	if err := o.SendOnce(ctx, "m1", 0, send); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if len(order) != 2 || order[0] != "sync" || order[1] != "send" {
		t.Fatalf("retry: calls = %v, want [sync send]", order)
	}
}
