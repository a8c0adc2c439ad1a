// Package redistoken shares the WeCom access token between replicas through Redis,
// implementing wecom.TokenCache.
package redistoken

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cache keeps one app's access token under a single key.
type Cache struct {
	rdb redis.UniversalClient
	key string
}

// New stores the token of app (corpID, agentID) under prefix+"wecom:token:<corp>:<agent>".
// Each app has its own token, so each gets its own key.
func New(rdb redis.UniversalClient, prefix, corpID string, agentID int64) *Cache {
	return &Cache{rdb: rdb, key: fmt.Sprintf("%swecom:token:%s:%d", prefix, corpID, agentID)}
}

// Key is the Redis key used (for operators).
func (c *Cache) Key() string { return c.key }

// Get returns the cached token, if any.
func (c *Cache) Get(ctx context.Context) (string, bool, error) {
	tok, err := c.rdb.Get(ctx, c.key).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("redistoken get: %w", err)
	}
	return tok, tok != "", nil
}

// Set stores the token for ttl.
func (c *Cache) Set(ctx context.Context, token string, ttl time.Duration) error {
	if err := c.rdb.Set(ctx, c.key, token, ttl).Err(); err != nil {
		return fmt.Errorf("redistoken set: %w", err)
	}
	return nil
}

// invalidateScript deletes the token only if it is still the one that failed, so a
// replica never removes a token another replica has just refreshed.
var invalidateScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// Invalidate drops token if it is still the cached one.
func (c *Cache) Invalidate(ctx context.Context, token string) error {
	if err := invalidateScript.Run(ctx, c.rdb, []string{c.key}, token).Err(); err != nil {
		return fmt.Errorf("redistoken invalidate: %w", err)
	}
	return nil
}
