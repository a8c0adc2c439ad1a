package redistoken_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"deliverybot/bot/redisstore/redistest"
	"deliverybot/bot/wecom"
	"deliverybot/bot/wecom/redistoken"
	"deliverybot/bot/wecom/wecomtest"
)

var _ wecom.TokenCache = (*redistoken.Cache)(nil)

func TestCacheContract(t *testing.T) {
	ctx := context.Background()
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			c := redistoken.New(b.Client, b.Prefix, "ww1", 1000002)
			if _, ok, err := c.Get(ctx); ok || err != nil {
				t.Fatalf("empty cache: ok=%v err=%v", ok, err)
			}
			if err := c.Set(ctx, "tokA", time.Hour); err != nil {
				t.Fatal(err)
			}
			if tok, ok, err := c.Get(ctx); !ok || tok != "tokA" || err != nil {
				t.Fatalf("get: %q %v %v", tok, ok, err)
			}
			other := redistoken.New(b.Client, b.Prefix, "ww1", 1000003)
			if _, ok, _ := other.Get(ctx); ok {
				t.Fatal("another app sees this app's token")
			}
			// A stale invalidation (token already replaced) must not delete the new token.
			if err := c.Invalidate(ctx, "tokOld"); err != nil {
				t.Fatal(err)
			}
			if tok, ok, _ := c.Get(ctx); !ok || tok != "tokA" {
				t.Fatal("stale invalidate removed the current token")
			}
			if err := c.Invalidate(ctx, "tokA"); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := c.Get(ctx); ok {
				t.Fatal("invalidate did not remove the token")
			}
			if err := c.Set(ctx, "tokB", 2*time.Second); err != nil {
				t.Fatal(err)
			}
			ttl := b.Client.PTTL(ctx, c.Key()).Val()
			if ttl <= 0 || ttl > 2*time.Second {
				t.Fatalf("ttl %s", ttl)
			}
			if b.Mini != nil {
				b.Mini.FastForward(3 * time.Second)
				if _, ok, _ := c.Get(ctx); ok {
					t.Fatal("token outlived its ttl")
				}
			}
		})
	}
}

// Replicas sharing Redis fetch the token once, and an expiry seen by one replica is
// refreshed once for all.
func TestReplicasShareToken(t *testing.T) {
	ctx := context.Background()
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			fake := wecomtest.NewServer()
			defer fake.Close()
			cfg := fake.Config()
			retry := wecom.WithRetry(wecom.RetryPolicy{Attempts: 3, Base: time.Millisecond})
			var clients []*wecom.Client
			for i := 0; i < 3; i++ {
				clients = append(clients, wecom.NewClient(cfg, retry, wecom.WithTokenCache(redistoken.New(b.Client, b.Prefix, cfg.CorpID, cfg.AgentID))))
			}
			send := func(c *wecom.Client, text string) {
				if _, err := c.SendMessage(ctx, &wecom.MessageRequest{ToUser: "u1", MsgType: wecom.MsgText, Text: &wecom.Content{Content: text}}); err != nil {
					t.Error(err)
				}
			}
			send(clients[0], "warm")
			var wg sync.WaitGroup
			for i := 0; i < 9; i++ {
				wg.Add(1)
				go func(i int) { defer wg.Done(); send(clients[i%3], "x") }(i)
			}
			wg.Wait()
			if n := fake.Calls("cgi-bin/gettoken"); n != 1 {
				t.Fatalf("gettoken called %d times for 3 replicas, want 1", n)
			}
			fake.ExpireTokens()
			send(clients[1], "after expiry")
			send(clients[2], "after expiry too")
			if n := fake.Calls("cgi-bin/gettoken"); n != 2 {
				t.Fatalf("gettoken called %d times after one expiry, want 2", n)
			}
			if n := len(fake.Messages()); n != 12 {
				t.Fatalf("delivered %d, want 12", n)
			}
		})
	}
}
