package queue

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"deliverybot/bot"
	"deliverybot/bot/redisstore/redistest"
)

// 50 users × 20 messages accepted concurrently and drained by two pools: every
// message processed exactly once, each user's in order, both pools working.
func TestPoolsProcessEachMessageOnceInUserOrder(t *testing.T) {
	const users, perUser = 50, 20
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			opts := testOptions(8)
			rec := newRecorder()
			pools := make([]*Pool, 2)
			for i := range pools {
				o := opts
				o.Consumer = fmt.Sprint("pool", i)
				pools[i] = NewPool(b.Client, b.Prefix, o, func(ctx context.Context, msg bot.Message) error {
					if rand.IntN(4) == 0 {
						time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
					}
					rec.done(o.Consumer, msg)
					return nil
				})
				runPool(t, pools[i])
			}
			eventually(t, 10*time.Second, "both pools to hold a share of partitions", func() bool {
				a, c := pools[0].held.Load(), pools[1].held.Load()
				return a > 0 && c > 0 && a+c == int32(opts.Partitions)
			})

			q := New(b.Client, b.Prefix, opts)
			var wg sync.WaitGroup
			for u := range users {
				wg.Go(func() {
					user := fmt.Sprintf("user%02d", u)
					for i := range perUser {
						id := fmt.Sprintf("%s-%02d", user, i)
						if dup, err := q.Accept(ctx, textMsg(user, id, "消息"), "msg:"+id); err != nil || dup {
							t.Errorf("accept %s: dup=%v err=%v", id, dup, err)
						}
					}
				})
			}
			wg.Wait()
			eventually(t, 60*time.Second, "all messages processed", func() bool { return rec.total() >= users*perUser })

			rec.mu.Lock()
			for id, n := range rec.count {
				if n != 1 {
					t.Errorf("message %s processed %d times", id, n)
				}
			}
			if len(rec.count) != users*perUser {
				t.Errorf("%d distinct messages processed, want %d", len(rec.count), users*perUser)
			}
			for user, ids := range rec.byUser {
				for i, id := range ids {
					if want := fmt.Sprintf("%s-%02d", user, i); id != want {
						t.Errorf("%s: message %d is %s, want %s (out of order)", user, i, id, want)
						break
					}
				}
			}
			for _, p := range pools {
				if rec.byPool[p.Consumer()] == 0 {
					t.Errorf("pool %s processed nothing; work was not shared", p.Consumer())
				}
			}
			t.Logf("processed per pool: %v", rec.byPool)
			rec.mu.Unlock()

			// The last messages are acknowledged just after their handlers return.
			eventually(t, 10*time.Second, "an empty queue after draining", func() bool {
				depth, _, err := q.Stats(ctx)
				return err == nil && depth == 0
			})
		})
	}
}

// A pool killed while processing (context cancelled, nothing acknowledged, lease
// not released) has its message reclaimed by the other pool after IdleTimeout and
// processed exactly once; the user's later message waits for it. Replies go
// through the outbox, so the reply the dead worker already sent is not repeated.
func TestPoolCrashMidMessageIsReclaimedOnce(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			opts := testOptions(1) // one partition: the killed pool holds it
			// Idle timeout beyond the lease TTL, so the wait for it is what the test sees.
			opts.LeaseTTL = 300 * time.Millisecond
			opts.IdleTimeout = time.Second
			outbox := NewOutbox(b.Client, b.Prefix, time.Hour)
			var sends sync.Map // "msgID/idx" -> *atomic.Int32
			send := func(msgID string, idx int) func(context.Context) error {
				return func(context.Context) error {
					c, _ := sends.LoadOrStore(fmt.Sprint(msgID, "/", idx), new(atomic.Int32))
					c.(*atomic.Int32).Add(1)
					return nil
				}
			}
			rec := newRecorder()
			started := make(chan time.Time, 1)
			var claimedAt atomic.Int64
			process := func(name string) ProcessFunc {
				return func(ctx context.Context, msg bot.Message) error {
					if err := outbox.SendOnce(ctx, msg.ID, 0, send(msg.ID, 0)); err != nil && !errors.Is(err, ErrMaybeSent) {
						return err
					}
					if name == "doomed" {
						started <- time.Now()
						<-ctx.Done() // killed mid-message
						return ctx.Err()
					}
					if msg.ID == "m1" {
						claimedAt.Store(time.Now().UnixNano())
					}
					if err := outbox.SendOnce(ctx, msg.ID, 1, send(msg.ID, 1)); err != nil && !errors.Is(err, ErrMaybeSent) {
						return err
					}
					rec.done(name, msg)
					return nil
				}
			}
			o := opts
			o.Consumer = "doomed"
			doomed := NewPool(b.Client, b.Prefix, o, process("doomed"))
			doomed.crashOnStop = true
			stopDoomed := runPool(t, doomed)

			q := New(b.Client, b.Prefix, opts)
			for _, m := range []bot.Message{textMsg("u1", "m1", "一"), textMsg("u1", "m2", "二"), textMsg("u2", "m3", "三")} {
				if _, err := q.Accept(ctx, m, "msg:"+m.ID); err != nil {
					t.Fatal(err)
				}
			}
			var deliveredAt time.Time
			select {
			case deliveredAt = <-started:
			case <-time.After(10 * time.Second):
				t.Fatal("doomed pool never started the message")
			}
			o.Consumer = "survivor"
			runPool(t, NewPool(b.Client, b.Prefix, o, process("survivor")))
			if err := stopDoomed(); err != nil {
				t.Fatal(err)
			}
			if b.Mini != nil {
				// miniredis TTLs only move when told: let the dead pool's lease expire.
				b.Mini.FastForward(opts.LeaseTTL + time.Millisecond)
			}
			eventually(t, 20*time.Second, "survivor to process all three", func() bool { return rec.total() >= 3 })

			rec.mu.Lock()
			defer rec.mu.Unlock()
			if got := strings.Join(rec.byUser["u1"], ","); got != "m1,m2" {
				t.Errorf("u1 processed %s, want m1,m2", got)
			}
			for id, n := range rec.count {
				if n != 1 {
					t.Errorf("%s completed %d times", id, n)
				}
			}
			if rec.byPool["survivor"] != 3 {
				t.Errorf("survivor completed %d, want 3", rec.byPool["survivor"])
			}
			// deliveredAt is taken just after Redis handed the entry out: allow that slack.
			if idle := time.Unix(0, claimedAt.Load()).Sub(deliveredAt); idle < opts.IdleTimeout-50*time.Millisecond {
				t.Errorf("m1 reclaimed after %v, before the idle timeout %v", idle, opts.IdleTimeout)
			}
			for _, key := range []string{"m1/0", "m1/1", "m2/0", "m2/1", "m3/0", "m3/1"} {
				c, ok := sends.Load(key)
				if !ok || c.(*atomic.Int32).Load() != 1 {
					n := int32(0)
					if ok {
						n = c.(*atomic.Int32).Load()
					}
					t.Errorf("reply %s sent %d times, want 1", key, n)
				}
			}
		})
	}
}

// A pool stopped gracefully while a message runs past ShutdownTimeout cancels it
// and hands it back, so the next pool takes it at once (no idle wait) and keeps
// the user's order.
func TestPoolGracefulStopHandsBackInFlight(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			opts := testOptions(1)
			opts.IdleTimeout = time.Hour // only a hand-back lets the next pool in
			opts.ShutdownTimeout = 50 * time.Millisecond
			rec := newRecorder()
			started := make(chan struct{}, 1)
			o := opts
			o.Consumer = "leaving"
			leaving := NewPool(b.Client, b.Prefix, o, func(ctx context.Context, msg bot.Message) error {
				started <- struct{}{}
				<-ctx.Done()
				return ctx.Err()
			})
			stopLeaving := runPool(t, leaving)
			q := New(b.Client, b.Prefix, opts)
			for _, id := range []string{"m1", "m2"} {
				if _, err := q.Accept(ctx, textMsg("u1", id, id), "msg:"+id); err != nil {
					t.Fatal(err)
				}
			}
			select {
			case <-started:
			case <-time.After(10 * time.Second):
				t.Fatal("message never started")
			}
			if err := stopLeaving(); err == nil {
				t.Error("Run returned nil although it cancelled an in-flight message")
			}
			o.Consumer = "next"
			runPool(t, NewPool(b.Client, b.Prefix, o, func(ctx context.Context, msg bot.Message) error {
				rec.done("next", msg)
				return nil
			}))
			eventually(t, 10*time.Second, "next pool to process both", func() bool { return rec.total() >= 2 })
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if got := strings.Join(rec.byUser["u1"], ","); got != "m1,m2" {
				t.Errorf("processed %s, want m1,m2", got)
			}
		})
	}
}

// Failing messages are retried in place, then dead-lettered; the user's next
// message follows; panics and undecodable entries do not stop the pool.
func TestPoolRetriesThenDeadLetters(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			opts := testOptions(2)
			var mu sync.Mutex
			attempts := map[string]int{}
			var order, told []string
			opts.OnDeadLetter = func(_ context.Context, msg bot.Message, _ string) {
				mu.Lock()
				told = append(told, msg.ID)
				mu.Unlock()
			}
			pool := NewPool(b.Client, b.Prefix, opts, func(ctx context.Context, msg bot.Message) error {
				mu.Lock()
				attempts[msg.ID]++
				n := attempts[msg.ID]
				mu.Unlock()
				switch {
				case msg.ID == "flaky" && n < 3:
					return errors.New("transient")
				case msg.ID == "poison":
					return errors.New("always fails")
				case msg.ID == "panics":
					panic("handler bug")
				}
				mu.Lock()
				order = append(order, msg.ID)
				mu.Unlock()
				return nil
			})
			q := New(b.Client, b.Prefix, opts)
			// Garbage written straight into u1's partition ahead of everything.
			part := q.keys.partition("u1")
			if err := b.Client.XAdd(ctx, &redis.XAddArgs{Stream: q.keys.stream(part), Values: []any{"msg", "{not json"}}).Err(); err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"flaky", "poison", "panics", "after"} {
				if _, err := q.Accept(ctx, textMsg("u1", id, id), "msg:"+id); err != nil {
					t.Fatal(err)
				}
			}
			runPool(t, pool)
			eventually(t, 10*time.Second, "the last message", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(order) == 2
			})
			mu.Lock()
			defer mu.Unlock()
			if got := strings.Join(order, ","); got != "flaky,after" {
				t.Errorf("completed %s, want flaky,after", got)
			}
			if got := strings.Join(told, ","); got != "poison,panics" {
				t.Errorf("OnDeadLetter told about %q, want poison,panics", got)
			}
			want := map[string]int{"flaky": 3, "poison": opts.MaxAttempts, "panics": opts.MaxAttempts, "after": 1}
			for id, n := range want {
				if attempts[id] != n {
					t.Errorf("%s attempted %d times, want %d", id, attempts[id], n)
				}
			}
			dead, err := q.DeadLetters(ctx)
			if err != nil || dead != 3 {
				t.Errorf("dead letters = %d, %v; want 3 (garbage, poison, panics)", dead, err)
			}
			entries, _ := b.Client.XRange(ctx, q.keys.dead(part), "-", "+").Result()
			var reasons []string
			for _, e := range entries {
				reasons = append(reasons, fmt.Sprint(e.Values["reason"]))
			}
			if len(reasons) != 3 || !strings.Contains(reasons[0], "undecodable") || !strings.Contains(reasons[2], "panic") {
				t.Errorf("dead-letter reasons = %q", reasons)
			}
			// The last message is acknowledged just after its handler returns.
			eventually(t, 10*time.Second, "an empty queue", func() bool {
				depth, _, _ := q.Stats(ctx)
				return depth == 0
			})
		})
	}
}

// A message that keeps killing its workers is dead-lettered after MaxDeliveries
// instead of blocking its partition forever.
func TestPoolDeadLettersCrashLoop(t *testing.T) {
	b := redistest.New(t)
	ctx := context.Background()
	opts := testOptions(1)
	opts.MaxDeliveries = 2
	opts.IdleTimeout = 10 * time.Millisecond
	q := New(b.Client, b.Prefix, opts)
	if _, err := q.Accept(ctx, textMsg("u1", "boom", "x"), "msg:boom"); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Accept(ctx, textMsg("u1", "next", "x"), "msg:next"); err != nil {
		t.Fatal(err)
	}
	stream := q.keys.stream(0)
	if err := b.Client.XGroupCreateMkStream(ctx, stream, group, "0").Err(); err != nil {
		t.Fatal(err)
	}
	// One worker took "boom" and died, then another claimed it and died too.
	if _, err := b.Client.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: group, Consumer: "ghost0", Streams: []string{stream, ">"}, Count: 1, Block: -1,
	}).Result(); err != nil {
		t.Fatal(err)
	}
	pend, err := b.Client.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: stream, Group: group, Start: "-", End: "+", Count: 1}).Result()
	if err != nil || len(pend) != 1 {
		t.Fatalf("pending = %v, %v", pend, err)
	}
	if err := b.Client.XClaim(ctx, &redis.XClaimArgs{Stream: stream, Group: group, Consumer: "ghost1", Messages: []string{pend[0].ID}}).Err(); err != nil {
		t.Fatal(err)
	}
	var got []string
	var mu sync.Mutex
	runPool(t, NewPool(b.Client, b.Prefix, opts, func(ctx context.Context, msg bot.Message) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, msg.ID)
		return nil
	}))
	eventually(t, 10*time.Second, "next message", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0
	})
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(got, ",") != "next" {
		t.Errorf("processed %v, want only next", got)
	}
	if dead, _ := q.DeadLetters(ctx); dead != 1 {
		t.Errorf("dead letters = %d, want 1", dead)
	}
}

// Redis going away under a running pool is survived: after it returns, queued and
// newly accepted messages are processed, each once.
func TestPoolSurvivesRedisRestart(t *testing.T) {
	b := redistest.Mini(t) // the only backend that can be stopped from a test
	ctx := context.Background()
	opts := testOptions(2)
	rec := newRecorder()
	runPool(t, NewPool(b.Client, b.Prefix, opts, func(ctx context.Context, msg bot.Message) error {
		rec.done("p", msg)
		return nil
	}))
	q := New(b.Client, b.Prefix, opts)
	if _, err := q.Accept(ctx, textMsg("u1", "before", "x"), "msg:before"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "first message acknowledged", func() bool {
		depth, _, err := q.Stats(ctx)
		return rec.total() == 1 && err == nil && depth == 0
	})
	b.Mini.Close()
	time.Sleep(3 * opts.LeaseTTL) // leases cannot be renewed meanwhile
	if err := b.Mini.Restart(); err != nil {
		t.Fatal(err)
	}
	b.Mini.FastForward(opts.LeaseTTL) // the leases the outage stranded
	for _, id := range []string{"after1", "after2"} {
		if _, err := q.Accept(ctx, textMsg("u1", id, "x"), "msg:"+id); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 20*time.Second, "messages after the restart", func() bool { return rec.total() >= 3 })
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if got := strings.Join(rec.byUser["u1"], ","); got != "before,after1,after2" {
		t.Errorf("processed %s", got)
	}
}

// BenchmarkPoolDrain measures end-to-end throughput: b.N messages from 100 users
// accepted, then drained by one pool with 16 partitions.
func BenchmarkPoolDrain(b *testing.B) {
	be := redistest.New(b)
	ctx := context.Background()
	opts := testOptions(16)
	opts.PollInterval = time.Millisecond
	q := New(be.Client, be.Prefix, opts)
	for i := range b.N {
		if _, err := q.Accept(ctx, textMsg(fmt.Sprint("u", i%100), "", "x"), fmt.Sprint("msg:", i)); err != nil {
			b.Fatal(err)
		}
	}
	var done atomic.Int64
	all := make(chan struct{})
	pool := NewPool(be.Client, be.Prefix, opts, func(ctx context.Context, msg bot.Message) error {
		if done.Add(1) == int64(b.N) {
			close(all)
		}
		return nil
	})
	b.ResetTimer()
	pctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { _ = pool.Run(pctx); close(stopped) }()
	<-all
	b.StopTimer()
	cancel()
	<-stopped
}

// Graceful stop: no new reads, the in-flight message finishes and is
// acknowledged, Run returns nil, and the rest waits in the stream.
func TestPoolGracefulStopFinishesInFlightAndLeavesTheRest(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			opts := testOptions(1)
			release := make(chan struct{})
			started := make(chan string, 10)
			var finished []string
			pool := NewPool(b.Client, b.Prefix, opts, func(ctx context.Context, msg bot.Message) error {
				started <- msg.ID
				<-release
				finished = append(finished, msg.ID) // one partition: never concurrent
				return ctx.Err()
			})
			stop := runPool(t, pool)
			q := New(b.Client, b.Prefix, opts)
			for _, id := range []string{"m1", "m2", "m3"} {
				if _, err := q.Accept(ctx, textMsg("u1", id, id), "msg:"+id); err != nil {
					t.Fatal(err)
				}
			}
			if id := <-started; id != "m1" {
				t.Fatalf("first processed %s", id)
			}
			stopped := make(chan error, 1)
			go func() { stopped <- stop() }()
			time.Sleep(50 * time.Millisecond) // let the stop reach the pool while m1 runs
			close(release)
			if err := <-stopped; err != nil {
				t.Fatalf("Run after a clean stop: %v", err)
			}
			if strings.Join(finished, ",") != "m1" {
				t.Errorf("finished %v, want only m1", finished)
			}
			depth, _, err := q.Stats(ctx)
			if err != nil || depth != 2 {
				t.Errorf("depth after stop = %d, %v; want 2 left for the next start", depth, err)
			}
			if n, _ := b.Client.Exists(ctx, q.keys.lease(0)).Result(); n != 0 {
				t.Error("lease still held after a graceful stop")
			}
		})
	}
}
