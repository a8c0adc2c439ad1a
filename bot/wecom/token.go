package wecom

import (
	"context"
	"sync"
	"time"
)

// TokenCache holds the app's access_token, possibly shared by replicas (see
// bot/wecom/redistoken). Invalidate removes the token only if it is still the
// given one, so a replica never deletes a token another replica just refreshed.
type TokenCache interface {
	Get(ctx context.Context) (token string, ok bool, err error)
	Set(ctx context.Context, token string, ttl time.Duration) error
	Invalidate(ctx context.Context, token string) error
}

// MemoryTokenCache is the in-process TokenCache.
type MemoryTokenCache struct {
	mu      sync.Mutex
	token   string
	expires time.Time
	now     func() time.Time
}

// NewMemoryTokenCache returns an empty cache.
func NewMemoryTokenCache() *MemoryTokenCache { return &MemoryTokenCache{now: time.Now} }

// Get returns the token while it is valid.
func (m *MemoryTokenCache) Get(context.Context) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.token == "" || !m.now().Before(m.expires) {
		return "", false, nil
	}
	return m.token, true, nil
}

// Set stores the token for ttl.
func (m *MemoryTokenCache) Set(_ context.Context, token string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.token, m.expires = token, m.now().Add(ttl)
	return nil
}

// Invalidate drops the token if it is still the given one.
func (m *MemoryTokenCache) Invalidate(_ context.Context, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.token == token {
		m.token = ""
	}
	return nil
}
