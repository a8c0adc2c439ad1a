package redisstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"deliverybot/bot"
	"deliverybot/bot/redisstore"
	"deliverybot/bot/redisstore/redistest"
)

func TestSessionStoreContract(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := redisstore.NewSessions(b.Client, b.Prefix, time.Hour)
			t.Run("new session is empty at version 0", func(t *testing.T) { testNewSession(t, s) })
			t.Run("round trip keeps form and leading zeros", func(t *testing.T) { testRoundTrip(t, s) })
			t.Run("stale save conflicts", func(t *testing.T) { testStaleSave(t, s) })
			t.Run("concurrent writers never clobber", func(t *testing.T) { testConcurrentWriters(t, s) })
		})
	}
}

func testNewSession(t *testing.T, s *redisstore.Sessions) {
	sess, err := s.Load(context.Background(), "nobody")
	if err != nil {
		t.Fatal(err)
	}
	if sess.Version != 0 || sess.Form != nil || sess.UserID != "nobody" {
		t.Fatalf("new session = %+v", sess)
	}
}

func testRoundTrip(t *testing.T, s *redisstore.Sessions) {
	ctx := context.Background()
	sess, _ := s.Load(ctx, "00123")
	sess.Form = &bot.FormState{Form: "ticket", Slot: "desc", Stage: bot.StageFilling,
		Values: map[string]string{"product": "企业微信"}, Order: []string{"product"}}
	sess.SetVar("project", "p1")
	if err := s.Save(ctx, sess); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx, "00123")
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != "00123" || got.Version != 1 || got.Form == nil || got.Form.Values["product"] != "企业微信" ||
		got.Var("project") != "p1" {
		t.Fatalf("round trip lost data: %+v form=%+v", got, got.Form)
	}
}

func testStaleSave(t *testing.T, s *redisstore.Sessions) {
	ctx := context.Background()
	a, _ := s.Load(ctx, "u-stale")
	b, _ := s.Load(ctx, "u-stale")
	a.SetVar("who", "a")
	if err := s.Save(ctx, a); err != nil {
		t.Fatal(err)
	}
	b.SetVar("who", "b")
	if err := s.Save(ctx, b); !errors.Is(err, bot.ErrConflict) {
		t.Fatalf("stale save: err = %v, want ErrConflict", err)
	}
	got, _ := s.Load(ctx, "u-stale")
	if got.Var("who") != "a" {
		t.Fatalf("stale writer clobbered state: %q", got.Var("who"))
	}
}

// Two "replicas" each add 25 increments with load → modify → save-or-retry; all 50 must survive.
func testConcurrentWriters(t *testing.T, s *redisstore.Sessions) {
	ctx := context.Background()
	const writers, each = 2, 25
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				for {
					sess, err := s.Load(ctx, "u-race")
					if err != nil {
						t.Error(err)
						return
					}
					sess.Choices = append(sess.Choices, "x")
					err = s.Save(ctx, sess)
					if err == nil {
						break
					}
					if !errors.Is(err, bot.ErrConflict) {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	got, _ := s.Load(ctx, "u-race")
	if len(got.Choices) != writers*each || got.Version != writers*each {
		t.Fatalf("lost updates: %d entries, version %d; want %d", len(got.Choices), got.Version, writers*each)
	}
}
