package ticket_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"deliverybot/bot"
	"deliverybot/bot/bottest"
	"deliverybot/handlers/ticket/ticketstore"
)

// everyoneStaff resolves any user as client staff of 华东医院.
type everyoneStaff struct{}

func (everyoneStaff) Resolve(_ context.Context, userID string) (*bot.Identity, error) {
	return &bot.Identity{UserID: userID, Known: true,
		Projects: []bot.Membership{{ProjectID: "hdyy", ProjectName: "华东医院", Role: bot.RoleClientStaff}}}, nil
}

// TestConcurrentFilingsThroughTheRouter: 100 people file at the same moment (run
// with -race and REDIS_URL for real Redis); every one gets a ticket with its own ID.
func TestConcurrentFilingsThroughTheRouter(t *testing.T) {
	e := newEnv(t, bottest.WithIdentity(everyoneStaff{}))
	ctx := context.Background()
	if _, err := e.Router.Handle(ctx, bot.Message{ID: "warm-up", UserID: "nobody", Text: "帮助"}); err != nil {
		t.Fatal(err)
	}
	const n = 100
	turns := []string{"报修", "打印机", "", "跳过", "仅我", "一般", "跳过", "跳过", "确认"}
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			user := fmt.Sprintf("u%03d", i)
			var last []bot.Reply
			for k, text := range turns {
				if text == "" {
					text = fmt.Sprintf("第 %d 台打印机卡纸，编号 %d", i, i*7919)
				}
				out, err := e.Router.Handle(ctx, bot.Message{ID: fmt.Sprintf("%s-%d", user, k), UserID: user, Text: text})
				if err != nil {
					t.Error(err)
					return
				}
				last = out
			}
			for _, r := range last {
				if r.To == "" && r.Card != nil {
					ids[i] = r.Card.Title
				}
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, title := range ids {
		if title == "" || seen[title] {
			t.Fatalf("filing %d: confirmation %q (duplicate or missing)", i, title)
		}
		seen[title] = true
	}
	list, err := e.store.List(ctx, ticketstore.Filter{Project: "hdyy"})
	if err != nil || len(list) != n {
		t.Fatalf("%d tickets stored (%v), want %d", len(list), err, n)
	}
}
