// Package redistest gives tests a Redis client: the real server at REDIS_URL when
// set, otherwise an in-process miniredis. Each test gets a random key prefix and
// its keys are deleted when the test ends.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Backend is one Redis a contract test runs against.
type Backend struct {
	Name   string
	Client redis.UniversalClient
	// Prefix is unique to this test; put every key under it.
	Prefix string
	// Mini is the embedded server (nil for real Redis), e.g. to FastForward TTLs.
	Mini *miniredis.Miniredis
}

// New returns the default backend: real Redis when REDIS_URL is set, else miniredis.
func New(t testing.TB) *Backend {
	t.Helper()
	if url := os.Getenv("REDIS_URL"); url != "" {
		return Real(t, url)
	}
	return Mini(t)
}

// Both returns every backend available: miniredis always, real Redis when REDIS_URL is set.
// Use it for contract tests: for _, b := range redistest.Both(t) { t.Run(b.Name, …) }.
func Both(t testing.TB) []*Backend {
	t.Helper()
	out := []*Backend{Mini(t)}
	if url := os.Getenv("REDIS_URL"); url != "" {
		out = append(out, Real(t, url))
	}
	return out
}

// Mini starts an in-process miniredis for the test.
func Mini(t testing.TB) *Backend {
	t.Helper()
	m := miniredis.RunT(t)
	c := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { _ = c.Close() })
	return &Backend{Name: "miniredis", Client: c, Prefix: RandomPrefix(), Mini: m}
}

// Real connects to the Redis at url; it fails the test when unreachable, because a
// REDIS_URL that is set but down is a broken environment, not a reason to skip.
func Real(t testing.TB, url string) *Backend {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	c := redis.NewClient(opt)
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("REDIS_URL set but Redis unreachable: %v", err)
	}
	b := &Backend{Name: "redis", Client: c, Prefix: RandomPrefix()}
	t.Cleanup(func() {
		cleanup(c, b.Prefix)
		_ = c.Close()
	})
	return b
}

// RandomPrefix returns a fresh "test:<hex>:" key prefix.
func RandomPrefix() string {
	var buf [6]byte
	_, _ = rand.Read(buf[:])
	return "test:" + hex.EncodeToString(buf[:]) + ":"
}

// cleanup deletes every key under prefix, including hash-tagged ones ("{prefix…}").
func cleanup(c redis.UniversalClient, prefix string) {
	ctx := context.Background()
	for _, pattern := range []string{prefix + "*", "{" + prefix + "*"} {
		iter := c.Scan(ctx, 0, pattern, 500).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	}
}
