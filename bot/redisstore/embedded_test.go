package redisstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"deliverybot/bot/redisstore"
)

// Everything the bot stores must survive a restart of the embedded store.
func TestEmbeddedSnapshotSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	conn, err := redisstore.Open(ctx, redisstore.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	c := conn.Client
	c.Set(ctx, "s", "值", 0)
	c.Set(ctx, "ttl", "x", time.Hour)
	c.HSet(ctx, "h", "a", "1", "b", "2")
	c.RPush(ctx, "l", "1", "2", "3")
	c.SAdd(ctx, "set", "x", "y")
	c.ZAdd(ctx, "z", redis.Z{Score: 2, Member: "b"}, redis.Z{Score: 1, Member: "a"})
	c.XGroupCreateMkStream(ctx, "x", "g", "$")
	for _, v := range []string{"m1", "m2", "m3"} {
		c.XAdd(ctx, &redis.XAddArgs{Stream: "x", Values: []string{"v", v}})
	}
	// m1 delivered and acked, m2 delivered but not acked (a crash), m3 never delivered.
	res, err := c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{"x", ">"}, Count: 2}).Result()
	if err != nil {
		t.Fatal(err)
	}
	c.XAck(ctx, "x", "g", res[0].Messages[0].ID)
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, redisstore.SnapshotFile)); err != nil {
		t.Fatalf("no snapshot written: %v", err)
	}

	conn2, err := redisstore.Open(ctx, redisstore.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	c = conn2.Client
	if v, _ := c.Get(ctx, "s").Result(); v != "值" {
		t.Errorf("string = %q", v)
	}
	if ttl := c.TTL(ctx, "ttl").Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("ttl = %v", ttl)
	}
	if h := c.HGetAll(ctx, "h").Val(); h["a"] != "1" || h["b"] != "2" {
		t.Errorf("hash = %v", h)
	}
	if l := c.LRange(ctx, "l", 0, -1).Val(); len(l) != 3 || l[0] != "1" || l[2] != "3" {
		t.Errorf("list = %v", l)
	}
	if n := c.SCard(ctx, "set").Val(); n != 2 {
		t.Errorf("set size = %d", n)
	}
	if z := c.ZRange(ctx, "z", 0, -1).Val(); len(z) != 2 || z[0] != "a" {
		t.Errorf("zset = %v", z)
	}
	// The unacked m2 and the undelivered m3 are delivered again; the acked m1 is not.
	res, err = c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "c2", Streams: []string{"x", ">"}, Count: 10}).Result()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range res[0].Messages {
		got = append(got, m.Values["v"].(string))
	}
	if len(got) != 2 || got[0] != "m2" || got[1] != "m3" {
		t.Errorf("redelivered after restart = %v, want [m2 m3]", got)
	}
}

func TestOpenRejectsBadURLWithoutLeakingPassword(t *testing.T) {
	_, err := redisstore.Open(context.Background(), redisstore.Config{URL: "redis://:s3cret@127.0.0.1:1/0"})
	if err == nil {
		t.Fatal("expected error for unreachable redis")
	}
	if contains(err.Error(), "s3cret") {
		t.Fatalf("error leaks password: %v", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestEmbeddedDataDirIsExclusive(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	first, err := redisstore.Open(ctx, redisstore.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := redisstore.Open(ctx, redisstore.Config{DataDir: dir}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second writer on one data dir: err = %v, want 'in use'", err)
	}
	ro, err := redisstore.Open(ctx, redisstore.Config{DataDir: dir, ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open beside a writer: %v", err)
	}
	ro.Close()
	first.Close()
	again, err := redisstore.Open(ctx, redisstore.Config{DataDir: dir})
	if err != nil {
		t.Fatalf("reopen after close: %v", err)
	}
	again.Close()
}

// TTLs count down on the wall clock while the embedded store runs, so a dead
// worker's lease expires as it would in Redis.
func TestEmbeddedKeysExpireOnTheWallClock(t *testing.T) {
	ctx := context.Background()
	conn := openEmbedded(t, t.TempDir())
	c := conn.Client
	c.Set(ctx, "lease", "worker-1", 1500*time.Millisecond)
	c.Set(ctx, "keep", "x", time.Hour)
	deadline := time.Now().Add(10 * time.Second)
	for c.Exists(ctx, "lease").Val() == 1 {
		if time.Now().After(deadline) {
			t.Fatal("a key with a 1.5 s TTL still exists after 10 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if ttl := c.TTL(ctx, "keep").Val(); ttl <= 0 || ttl >= time.Hour {
		t.Errorf("keep TTL = %v, want counting down from 1h", ttl)
	}
}

// Time the process was down counts against TTLs: keys that expired meanwhile
// are not restored, the rest keep only what was left of their TTL.
func TestEmbeddedDowntimeAgesTTLs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	conn, err := redisstore.Open(ctx, redisstore.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	conn.Client.Set(ctx, "lease", "dead-worker", 15*time.Second)
	conn.Client.Set(ctx, "mark", "x", time.Hour)
	conn.Client.Set(ctx, "forever", "x", 0)
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	// Pretend the snapshot was written a minute ago.
	path := filepath.Join(dir, redisstore.SnapshotFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var snap map[string]any
	if err := json.Unmarshal(data, &snap); err != nil {
		t.Fatal(err)
	}
	snap["saved"] = time.Now().Add(-time.Minute).Format(time.RFC3339Nano)
	if data, err = json.Marshal(snap); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	conn2, err := redisstore.Open(ctx, redisstore.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	c := conn2.Client
	if c.Exists(ctx, "lease").Val() != 0 {
		t.Error("a 15 s lease survived a minute of downtime")
	}
	if ttl := c.TTL(ctx, "mark").Val(); ttl <= 0 || ttl > 59*time.Minute {
		t.Errorf("mark TTL = %v, want at most 59m after a minute down", ttl)
	}
	if c.Get(ctx, "forever").Val() != "x" {
		t.Error("a key without TTL was lost")
	}
}

// Sync puts what was written on disk at once, without waiting for the
// periodic snapshot or a clean Close: a kill -9 right after loses nothing.
func TestEmbeddedSyncIsDurableWithoutClose(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	conn := openEmbedded(t, dir)
	conn.Client.Set(ctx, "accepted", "msg-1", 0)
	if err := conn.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// Copy the snapshot as a crash would leave it and start a store from it.
	data, err := os.ReadFile(filepath.Join(dir, redisstore.SnapshotFile))
	if err != nil {
		t.Fatalf("no snapshot after Sync: %v", err)
	}
	crashed := t.TempDir()
	if err := os.WriteFile(filepath.Join(crashed, redisstore.SnapshotFile), data, 0o600); err != nil {
		t.Fatal(err)
	}
	conn2, err := redisstore.Open(ctx, redisstore.Config{DataDir: crashed})
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	if v := conn2.Client.Get(ctx, "accepted").Val(); v != "msg-1" {
		t.Errorf("after a crash right after Sync: accepted = %q, want msg-1", v)
	}
}

// Under concurrent callers each Sync returns only once the caller's own write
// is in the snapshot file: callers woken by someone else's write must not
// return early.
func TestEmbeddedConcurrentSyncsAreEachDurable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	conn := openEmbedded(t, dir)
	const callers, rounds = 24, 5
	errs := make(chan error, callers*rounds)
	var wg sync.WaitGroup
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				key := fmt.Sprintf("mark:%d:%d", c, r)
				if err := conn.Client.Set(ctx, key, "sending", 0).Err(); err != nil {
					errs <- err
					return
				}
				if err := conn.Sync(ctx); err != nil {
					errs <- err
					return
				}
				if !snapshotHasKey(t, filepath.Join(dir, redisstore.SnapshotFile), key) {
					errs <- fmt.Errorf("Sync returned but %s is not in the snapshot", key)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func snapshotHasKey(t *testing.T, path, key string) bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("read snapshot: %v", err)
		return false
	}
	var snap struct {
		Keys []struct {
			K string `json:"k"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(data, &snap); err != nil {
		t.Errorf("parse snapshot: %v", err)
		return false
	}
	for _, k := range snap.Keys {
		if k.K == key {
			return true
		}
	}
	return false
}

// openEmbedded starts an embedded store on dir, closed when the test ends.
func openEmbedded(t *testing.T, dir string) *redisstore.Conn {
	t.Helper()
	conn, err := redisstore.Open(context.Background(), redisstore.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}
