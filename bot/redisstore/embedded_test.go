package redisstore_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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
