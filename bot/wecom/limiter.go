package wecom

import (
	"context"
	"sync"
	"time"
)

// Limiter paces sends to one user. Wait blocks until one more message to userID
// is allowed and reserves it. A Redis implementation shares the budget between replicas.
type Limiter interface {
	Wait(ctx context.Context, userID string) error
}

// RateWindow is a limit of Max messages per Per.
type RateWindow struct {
	Max int
	Per time.Duration
}

// WeComUserLimits are WeCom's per-app, per-member limits; the excess is silently
// dropped, so we stay under them. The windows carry a second of slack for clock drift.
var WeComUserLimits = []RateWindow{{Max: 30, Per: 61 * time.Second}, {Max: 1000, Per: time.Hour + time.Second}}

// MemoryLimiter is an in-process sliding-window Limiter.
type MemoryLimiter struct {
	mu      sync.Mutex
	windows []RateWindow
	sent    map[string][]time.Time // send times per user within the longest window
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error
	calls   int
}

// NewMemoryLimiter enforces windows (WeComUserLimits when none are given).
func NewMemoryLimiter(windows ...RateWindow) *MemoryLimiter {
	if len(windows) == 0 {
		windows = WeComUserLimits
	}
	return &MemoryLimiter{windows: windows, sent: map[string][]time.Time{}, now: time.Now, sleep: sleepCtx}
}

// WithClock makes the limiter use a fake clock and sleep (tests).
func (l *MemoryLimiter) WithClock(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) *MemoryLimiter {
	l.now, l.sleep = now, sleep
	return l
}

// Wait reserves a slot for userID, sleeping until one is free.
func (l *MemoryLimiter) Wait(ctx context.Context, userID string) error {
	for {
		d := l.reserve(userID)
		if d <= 0 {
			return nil
		}
		if err := l.sleep(ctx, d); err != nil {
			return err
		}
	}
}

// reserve records a send and returns 0, or returns how long to wait.
func (l *MemoryLimiter) reserve(userID string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	longest := time.Duration(0)
	for _, w := range l.windows {
		longest = max(longest, w.Per)
	}
	times := l.sent[userID]
	for len(times) > 0 && !times[0].After(now.Add(-longest)) {
		times = times[1:]
	}
	var wait time.Duration
	for _, w := range l.windows {
		// count sends inside this window
		n, first := 0, -1
		for i := len(times) - 1; i >= 0 && times[i].After(now.Add(-w.Per)); i-- {
			n, first = n+1, i
		}
		if n >= w.Max {
			// the slot frees when the oldest send that keeps us at Max leaves the window
			oldest := times[first+n-w.Max]
			wait = max(wait, oldest.Add(w.Per).Sub(now)+time.Millisecond)
		}
	}
	if wait > 0 {
		l.sent[userID] = times
		return wait
	}
	l.sent[userID] = append(times, now)
	l.calls++
	if l.calls%1024 == 0 {
		l.prune(now.Add(-longest))
	}
	return 0
}

func (l *MemoryLimiter) prune(before time.Time) {
	for u, ts := range l.sent {
		if len(ts) == 0 || !ts[len(ts)-1].After(before) {
			delete(l.sent, u)
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
