package queue

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"deliverybot/bot"
)

// ProcessFunc handles one message. Returning an error retries it in place (the
// user's later messages wait); ctx ends when the pool shuts down past its timeout
// or loses the partition. It may run more than once for a message after a crash,
// so side effects should be idempotent (use Outbox for replies).
type ProcessFunc func(ctx context.Context, msg bot.Message) error

// Pool consumes the queue: it holds leases on its fair share of partitions and
// processes each leased partition's messages one at a time, in order.
type Pool struct {
	q       *Queue
	opts    Options
	process ProcessFunc

	held    atomic.Int32 // partitions leased (or being leased) by this pool
	live    atomic.Int32 // pools registered, including this one
	running atomic.Bool

	// crashOnStop makes Run behave like a killed process when its context ends:
	// in-flight work is cancelled and nothing is acknowledged or released. Tests only.
	crashOnStop bool
}

// NewPool returns a pool that processes messages Accepted by a Queue with the same
// prefix and Options.Partitions.
func NewPool(rdb redis.UniversalClient, prefix string, opts Options, process ProcessFunc) *Pool {
	q := New(rdb, prefix, opts)
	return &Pool{q: q, opts: q.opts, process: process}
}

// Consumer is this pool's name in the consumer group.
func (p *Pool) Consumer() string { return p.opts.Consumer }

// Run processes messages until ctx ends, then stops reading, lets in-flight
// messages finish for up to ShutdownTimeout and releases its partitions; whatever
// is left stays in the streams for the next holder. Redis outages are logged and
// retried, never returned. Run returns an error only when in-flight messages had
// to be cancelled at the timeout (they stay queued) or when called twice at once.
func (p *Pool) Run(ctx context.Context) error {
	if !p.running.CompareAndSwap(false, true) {
		return errors.New("queue: pool is already running")
	}
	defer p.running.Store(false)
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()

	p.live.Store(1)
	var wg sync.WaitGroup
	wg.Go(func() { p.heartbeat(ctx) })
	for part := range p.opts.Partitions {
		wg.Go(func() { p.runPartition(ctx, workCtx, part) })
	}
	<-ctx.Done()
	if p.crashOnStop {
		cancelWork()
		wg.Wait()
		return nil
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	defer p.unregister()
	timer := time.NewTimer(p.opts.ShutdownTimeout)
	defer timer.Stop()
	select {
	case <-done:
		return nil
	case <-timer.C:
	}
	cancelWork()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	return fmt.Errorf("queue: shutdown: in-flight messages cancelled after %s; they stay queued", p.opts.ShutdownTimeout)
}

// runPartition keeps trying to lease one partition while this pool is below its
// fair share, and serves it while leased.
func (p *Pool) runPartition(stopCtx, workCtx context.Context, part int) {
	every := p.opts.LeaseTTL / 3
	for stopCtx.Err() == nil {
		if !p.reserveSlot() {
			sleep(stopCtx, jitter(every))
			continue
		}
		ok, err := p.acquire(stopCtx, part)
		if err != nil || !ok {
			p.held.Add(-1)
			if err != nil && stopCtx.Err() == nil {
				p.opts.Logger.Warn("queue: lease partition", "partition", part, "err", err)
			}
			sleep(stopCtx, jitter(every))
			continue
		}
		if yielded := p.serve(stopCtx, workCtx, part); yielded {
			sleep(stopCtx, jitter(2*every))
		} else {
			p.held.Add(-1)
		}
	}
}

// fairShare is how many partitions this pool may hold so that every live pool
// gets work and all partitions stay covered.
func (p *Pool) fairShare() int32 {
	live := max(p.live.Load(), 1)
	n := int32(p.opts.Partitions)
	return (n + live - 1) / live
}

func (p *Pool) reserveSlot() bool {
	for {
		h := p.held.Load()
		if h >= p.fairShare() {
			return false
		}
		if p.held.CompareAndSwap(h, h+1) {
			return true
		}
	}
}

// tryYield gives up one slot when this pool holds more than its fair share; the
// compare-and-swap makes exactly the excess partitions yield.
func (p *Pool) tryYield() bool {
	for {
		h := p.held.Load()
		if h <= p.fairShare() {
			return false
		}
		if p.held.CompareAndSwap(h, h-1) {
			return true
		}
	}
}

// registerScript records this pool as alive until now+ttl (on the Redis clock)
// and returns how many pools are alive.
var registerScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return redis.call('ZCARD', KEYS[1])
`)

func (p *Pool) heartbeat(ctx context.Context) {
	every := p.opts.LeaseTTL / 3
	for {
		n, err := registerScript.Run(ctx, p.q.rdb, []string{p.q.keys.pools()},
			p.opts.Consumer, p.opts.LeaseTTL.Milliseconds()).Int()
		if err == nil {
			p.live.Store(int32(max(n, 1)))
		} else if ctx.Err() == nil {
			p.opts.Logger.Warn("queue: pool heartbeat", "err", err)
		}
		if !sleep(ctx, every) {
			return
		}
	}
}

func (p *Pool) unregister() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = p.q.rdb.ZRem(ctx, p.q.keys.pools(), p.opts.Consumer).Err()
}

// sleep waits d or until ctx ends; it reports whether the full pause elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// jitter spreads retries of many pools over [d/2, 3d/2).
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d)
}
