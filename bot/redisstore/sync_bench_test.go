package redisstore_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"deliverybot/bot/redisstore"
)

// What a durable acknowledgement costs with the embedded store: each
// operation is one write plus Sync, from 16 callers at once (group commit),
// on a store already holding `keys` keys (dedupe marks, sessions, tickets).
func benchSync(b *testing.B, keys int) {
	ctx := context.Background()
	conn, err := redisstore.Open(ctx, redisstore.Config{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	pipe := conn.Client.Pipeline()
	for i := range keys {
		pipe.Set(ctx, fmt.Sprintf("dedupe:%06d", i), "msg-id-of-a-typical-callback", 48*time.Hour)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	var mu sync.Mutex
	var waits []time.Duration // how long each Sync held its caller: the mark-to-send gap
	b.SetParallelism(8)       // 2 cores × 8 = 16 concurrent callbacks
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := conn.Client.Set(ctx, fmt.Sprint("accepted:", n.Add(1)), "x", 0).Err(); err != nil {
				b.Error(err)
				return
			}
			start := time.Now()
			if err := conn.Sync(ctx); err != nil {
				b.Error(err)
				return
			}
			d := time.Since(start)
			mu.Lock()
			waits = append(waits, d)
			mu.Unlock()
		}
	})
	b.StopTimer()
	sort.Slice(waits, func(i, j int) bool { return waits[i] < waits[j] })
	if len(waits) > 0 {
		b.ReportMetric(float64(waits[len(waits)/2].Microseconds())/1000, "p50-sync-ms")
		b.ReportMetric(float64(waits[len(waits)*99/100].Microseconds())/1000, "p99-sync-ms")
	}
}

func BenchmarkEmbeddedSync1k(b *testing.B)  { benchSync(b, 1000) }
func BenchmarkEmbeddedSync10k(b *testing.B) { benchSync(b, 10000) }
