package queue

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"deliverybot/bot/redisstore/redistest"
)

func TestAcceptDeduplicates(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			q := New(b.Client, b.Prefix, testOptions(4))
			for i, wantDup := range []bool{false, true, true} {
				dup, err := q.Accept(ctx, textMsg("u1", "", "帮助"), "msg:1001")
				if err != nil {
					t.Fatalf("accept %d: %v", i, err)
				}
				if dup != wantDup {
					t.Fatalf("accept %d: duplicate = %v, want %v", i, dup, wantDup)
				}
			}
			depth, _, err := q.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if depth != 1 {
				t.Fatalf("depth = %d, want 1", depth)
			}
			entries, err := b.Client.XRange(ctx, q.keys.stream(q.keys.partition("u1")), "-", "+").Result()
			if err != nil || len(entries) != 1 {
				t.Fatalf("stream entries = %v, %v; want one", entries, err)
			}
			e := &entry{id: entries[0].ID, values: entries[0].Values}
			msg, err := decodeEntry(e)
			if err != nil {
				t.Fatal(err)
			}
			if msg.ID != "msg:1001" || msg.Text != "帮助" {
				t.Fatalf("stored message = %+v; want ID from dedupe key and the text", msg)
			}
			ttl, err := b.Client.PTTL(ctx, q.keys.dedupe(q.keys.partition("u1"), "msg:1001")).Result()
			if err != nil || ttl < 23*time.Hour {
				t.Fatalf("dedupe TTL = %v, %v; want about 24h", ttl, err)
			}
		})
	}
}

func TestAcceptRejectsBadInput(t *testing.T) {
	b := redistest.New(t)
	q := New(b.Client, b.Prefix, testOptions(4))
	ctx := context.Background()
	if _, err := q.Accept(ctx, textMsg("u1", "1", "x"), ""); err == nil {
		t.Error("empty dedupe key accepted")
	}
	if _, err := q.Accept(ctx, textMsg("", "1", "x"), "k"); err == nil {
		t.Error("message without user accepted")
	}
}

// When Redis is down Accept fails (the endpoint answers 503) and leaves no dedupe
// mark, so WeCom's retry after recovery is accepted exactly once.
func TestAcceptRedisDownThenRetry(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			msg := textMsg("u7", "", "我要报修")
			down := New(deadClient(t), b.Prefix, testOptions(4))
			if _, err := down.Accept(ctx, msg, "msg:down"); err == nil {
				t.Fatal("accept with Redis down: no error")
			}
			q := New(b.Client, b.Prefix, testOptions(4))
			if b.Mini != nil {
				// A real outage of the same server: stop it, fail, restart with its data.
				b.Mini.Close()
				if _, err := q.Accept(ctx, msg, "msg:down"); err == nil {
					t.Fatal("accept with miniredis closed: no error")
				}
				if err := b.Mini.Restart(); err != nil {
					t.Fatal(err)
				}
			}
			var accepted int
			for range 3 { // WeCom retries
				dup, err := q.Accept(ctx, msg, "msg:down")
				if err != nil {
					t.Fatalf("accept after recovery: %v", err)
				}
				if !dup {
					accepted++
				}
			}
			if accepted != 1 {
				t.Fatalf("accepted %d times after recovery, want 1", accepted)
			}
			if depth, _, _ := q.Stats(ctx); depth != 1 {
				t.Fatalf("depth = %d, want 1", depth)
			}
		})
	}
}

func TestAcceptQueueFullLeavesNoMark(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			opts := testOptions(1)
			opts.MaxLen = 2
			q := New(b.Client, b.Prefix, opts)
			for i := range 2 {
				if _, err := q.Accept(ctx, textMsg("u1", "", "x"), fmt.Sprint("k", i)); err != nil {
					t.Fatal(err)
				}
			}
			_, err := q.Accept(ctx, textMsg("u1", "", "x"), "k2")
			if !errors.Is(err, ErrQueueFull) {
				t.Fatalf("third accept: err = %v, want ErrQueueFull", err)
			}
			if n, _ := b.Client.Exists(ctx, q.keys.dedupe(0, "k2")).Result(); n != 0 {
				t.Fatal("refused message left a dedupe mark; its retry would be dropped")
			}
		})
	}
}

func TestReplayGuard(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			q := New(b.Client, b.Prefix, testOptions(4))
			seen, err := q.Seen(ctx, "1700000000", "nonce1")
			if err != nil || seen {
				t.Fatalf("fresh pair: seen = %v, %v", seen, err)
			}
			if err := q.Record(ctx, "1700000000", "nonce1", time.Minute); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				ts, nonce string
				want      bool
			}{{"1700000000", "nonce1", true}, {"1700000000", "nonce2", false}, {"1700000001", "nonce1", false}} {
				seen, err := q.Seen(ctx, tc.ts, tc.nonce)
				if err != nil || seen != tc.want {
					t.Errorf("Seen(%s, %s) = %v, %v; want %v", tc.ts, tc.nonce, seen, err, tc.want)
				}
			}
			if b.Mini != nil {
				b.Mini.FastForward(2 * time.Minute)
				if seen, _ := q.Seen(ctx, "1700000000", "nonce1"); seen {
					t.Error("pair still seen after its TTL")
				}
			}
			if _, err := New(deadClient(t), b.Prefix, testOptions(4)).Seen(ctx, "1", "n"); err == nil {
				t.Error("Seen with Redis down: no error")
			}
		})
	}
}

func TestStatsDepthAndAge(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			q := New(b.Client, b.Prefix, testOptions(4))
			depth, age, err := q.Stats(ctx)
			if err != nil || depth != 0 || age != 0 {
				t.Fatalf("empty queue: %d, %v, %v", depth, age, err)
			}
			for i := range 5 {
				if _, err := q.Accept(ctx, textMsg(fmt.Sprint("u", i), "", "x"), fmt.Sprint("k", i)); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(30 * time.Millisecond)
			depth, age, err = q.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if depth != 5 {
				t.Errorf("depth = %d, want 5", depth)
			}
			if age < 25*time.Millisecond || age > time.Minute {
				t.Errorf("oldest age = %v, want about 30ms", age)
			}
		})
	}
}

func BenchmarkAccept(b *testing.B) {
	be := redistest.New(b)
	q := New(be.Client, be.Prefix, Options{})
	ctx := context.Background()
	msg := textMsg("u1", "", "请问系统怎么登录？")
	b.ResetTimer()
	for i := range b.N {
		msg.UserID = fmt.Sprint("u", i%100)
		if _, err := q.Accept(ctx, msg, fmt.Sprint("msg:", i)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAcceptParallel(b *testing.B) {
	be := redistest.New(b)
	q := New(be.Client, be.Prefix, Options{})
	ctx := context.Background()
	var n atomicCounter
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.next()
			msg := textMsg(fmt.Sprint("u", i%100), "", "请问系统怎么登录？")
			if _, err := q.Accept(ctx, msg, fmt.Sprint("msg:", i)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
