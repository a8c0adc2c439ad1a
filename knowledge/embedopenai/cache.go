package embedopenai

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"deliverybot/knowledge"
)

// DefaultCacheTTL is how long a cached vector lives without being used; every
// use (each build of the KB's vectors) renews it, so phrasings that left the
// KB expire on their own.
const DefaultCacheTTL = 30 * 24 * time.Hour

// Cache is a knowledge.Embedder that keeps vectors in Redis under
// <prefix>kb:emb:<sha256(model + "\x00" + text)> (base64 of little-endian
// float32s: text-safe, so the embedded store's JSON snapshot keeps them) and
// asks the inner embedder only for texts it has not seen. Redis errors count
// as misses: a cache outage costs API calls, never answers.
type Cache struct {
	inner  knowledge.Embedder
	rdb    redis.UniversalClient
	prefix string
	model  string
	ttl    time.Duration

	hits, misses atomic.Int64
}

var _ knowledge.Embedder = (*Cache)(nil)

// NewCache caches inner's vectors for model under the deployment's key prefix
// (e.g. "deliverybot:", as redisstore.Conn.Prefix). ttl <= 0 means DefaultCacheTTL.
func NewCache(inner knowledge.Embedder, rdb redis.UniversalClient, prefix, model string, ttl time.Duration) *Cache {
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	return &Cache{inner: inner, rdb: rdb, prefix: prefix, model: model, ttl: ttl}
}

// Key is the Redis key of text's vector.
func (c *Cache) Key(text string) string {
	sum := sha256.Sum256([]byte(c.model + "\x00" + text))
	return c.prefix + "kb:emb:" + hex.EncodeToString(sum[:])
}

// Stats returns the texts served from the cache and those embedded, so far.
func (c *Cache) Stats() (hits, misses int64) { return c.hits.Load(), c.misses.Load() }

// Embed returns cached vectors and embeds the rest (one inner call), storing them.
func (c *Cache) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	keys := make([]string, len(texts))
	for i, t := range texts {
		keys[i] = c.Key(t)
	}
	// GET + EXPIRE per key in one pipeline (works on Cluster too: no
	// multi-key command), renewing the TTL of what is used.
	gets := make([]*redis.StringCmd, len(texts))
	_, _ = c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			gets[i] = p.Get(ctx, k)
			p.Expire(ctx, k, c.ttl)
		}
		return nil
	})
	var missIdx []int
	var missTexts []string
	for i, g := range gets {
		if v, err := decodeVector(g); err == nil {
			out[i] = v
			continue
		}
		missIdx = append(missIdx, i)
		missTexts = append(missTexts, texts[i])
	}
	c.hits.Add(int64(len(texts) - len(missIdx)))
	if len(missIdx) == 0 {
		return out, nil
	}
	c.misses.Add(int64(len(missIdx)))
	vs, err := c.inner.Embed(ctx, missTexts)
	if err != nil {
		return nil, err
	}
	if len(vs) != len(missTexts) {
		return nil, fmt.Errorf("向量服务返回了 %d 个向量，应为 %d 个", len(vs), len(missTexts))
	}
	_, _ = c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for j, i := range missIdx {
			out[i] = vs[j]
			p.Set(ctx, keys[i], encodeVector(vs[j]), c.ttl)
		}
		return nil
	})
	return out, nil
}

func encodeVector(v []float32) string {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return base64.StdEncoding.EncodeToString(b)
}

var errBadVector = errors.New("bad cached vector")

func decodeVector(g *redis.StringCmd) ([]float32, error) {
	if g == nil {
		return nil, errBadVector
	}
	s, err := g.Result()
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 || len(b)%4 != 0 {
		return nil, errBadVector
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}
