package wecom

import (
	"context"
	"sync"
	"time"
)

// MemoryReplayGuard is an in-process ReplayGuard for a single replica and tests.
type MemoryReplayGuard struct {
	mu      sync.Mutex
	now     func() time.Time
	expires map[string]time.Time
	records int
}

// NewMemoryReplayGuard returns an empty guard.
func NewMemoryReplayGuard() *MemoryReplayGuard {
	return &MemoryReplayGuard{now: time.Now, expires: map[string]time.Time{}}
}

// Seen reports whether the pair was recorded and has not expired.
func (g *MemoryReplayGuard) Seen(_ context.Context, timestamp, nonce string) (bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	exp, ok := g.expires[timestamp+"\x00"+nonce]
	return ok && g.now().Before(exp), nil
}

// Record remembers the pair for ttl and drops expired pairs.
func (g *MemoryReplayGuard) Record(_ context.Context, timestamp, nonce string, ttl time.Duration) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	g.records++
	if g.records%1024 == 0 { // amortised sweep of expired pairs
		for k, exp := range g.expires {
			if !now.Before(exp) {
				delete(g.expires, k)
			}
		}
	}
	g.expires[timestamp+"\x00"+nonce] = now.Add(ttl)
	return nil
}
