package queue

import (
	"context"
	"errors"
	"testing"
	"time"

	"deliverybot/bot/redisstore/redistest"
)

func TestSendLimiterPacesWeComLimits(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			// Two replicas share the limit through Redis.
			l1 := NewSendLimiter(b.Client, b.Prefix)
			l2 := NewSendLimiter(b.Client, b.Prefix)
			for i := range 30 {
				l := []*SendLimiter{l1, l2}[i%2]
				d, _, err := l.Reserve(ctx, "0042")
				if err != nil || d != 0 {
					t.Fatalf("send %d: delay %v, %v; want immediate", i+1, d, err)
				}
			}
			d, _, err := l1.Reserve(ctx, "0042")
			if err != nil || d < 56*time.Second || d > 61*time.Second {
				t.Fatalf("31st send in a minute: delay %v, %v; want about 61s", d, err)
			}
			if d, _, _ := l2.Reserve(ctx, "42"); d != 0 {
				t.Fatalf("other user delayed %v; limits are per user", d)
			}
		})
	}
}

func TestSendLimiterHourWindowAndCancel(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			l := NewSendLimiter(b.Client, b.Prefix, Limit{Per: time.Minute, N: 3}, Limit{Per: time.Hour, N: 5})
			want := []time.Duration{0, 0, 0, time.Minute, time.Minute, time.Hour}
			for i, w := range want {
				d, cancel, err := l.Reserve(ctx, "u1")
				if err != nil {
					t.Fatal(err)
				}
				if d > w || d < w-5*time.Second {
					t.Errorf("send %d: delay %v, want about %v", i+1, d, w)
				}
				if i == len(want)-1 {
					cancel() // the send is abandoned: its slot is free again
				}
			}
			d, _, _ := l.Reserve(ctx, "u1")
			if d > time.Hour || d < time.Hour-5*time.Second {
				t.Errorf("after cancel: delay %v, want the cancelled slot (about 1h)", d)
			}
		})
	}
}

func TestSendLimiterWait(t *testing.T) {
	b := redistest.New(t)
	l := NewSendLimiter(b.Client, b.Prefix, Limit{Per: 50 * time.Millisecond, N: 1})
	ctx := context.Background()
	for range 3 {
		if err := l.Wait(ctx, "u1"); err != nil {
			t.Fatal(err)
		}
	}
	long := NewSendLimiter(b.Client, b.Prefix, Limit{Per: time.Hour, N: 1})
	if err := long.Wait(ctx, "u2"); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := long.Wait(cctx, "u2"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait past the deadline: %v", err)
	}
	if err := NewSendLimiter(deadClient(t), b.Prefix).Wait(ctx, "u1"); err == nil {
		t.Fatal("Redis down: no error")
	}
}
