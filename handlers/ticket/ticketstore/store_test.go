package ticketstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"deliverybot/bot/redisstore/redistest"
	"deliverybot/handlers/ticket/ticketstore"
)

var shanghai = time.FixedZone("CST", 8*3600)

func newTicket(project, reporter string, at time.Time) *ticketstore.Ticket {
	return &ticketstore.Ticket{Project: project, Reporter: reporter, Assignee: "eng1", Status: ticketstore.StatusNew,
		Priority: "P3", Title: "打印机卡纸", Description: "三楼打印机又卡纸了", CreatedAt: at, UpdatedAt: at}
}

func created(at time.Time) ticketstore.Event {
	return ticketstore.Event{At: at, Actor: "u1", Kind: ticketstore.EventCreated, To: ticketstore.StatusNew}
}

func TestStoreContract(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := ticketstore.New(b.Client, b.Prefix, shanghai)
			// 23:30 UTC is already the next day in Shanghai.
			at := time.Date(2026, 11, 25, 23, 30, 0, 0, time.UTC)

			id, isNew, err := s.Create(ctx, newTicket("p1", "u1", at), "msg-1", created(at))
			if err != nil || !isNew || id != "BX-20261126-0001" {
				t.Fatalf("Create = %q %v %v, want BX-20261126-0001 new", id, isNew, err)
			}
			again, isNew, err := s.Create(ctx, newTicket("p1", "u1", at), "msg-1", created(at))
			if err != nil || isNew || again != id {
				t.Fatalf("duplicate Create = %q %v %v, want %s not new", again, isNew, err, id)
			}
			id2, _, err := s.Create(ctx, newTicket("p2", "u2", at.Add(time.Minute)), "msg-2", created(at))
			if err != nil || id2 != "BX-20261126-0002" {
				t.Fatalf("second Create = %q %v", id2, err)
			}

			got, err := s.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != id || got.Status != ticketstore.StatusNew || got.Version != 1 || len(got.History) != 1 {
				t.Fatalf("Get = %+v", got)
			}
			if _, err := s.Get(ctx, "BX-20990101-0001"); !errors.Is(err, ticketstore.ErrNotFound) {
				t.Fatalf("Get missing: err = %v, want ErrNotFound", err)
			}

			upd, err := s.Update(ctx, id, func(tk *ticketstore.Ticket) (ticketstore.Event, error) {
				from := tk.Status
				tk.Status, tk.Assignee = ticketstore.StatusAccepted, "eng2"
				return ticketstore.Event{At: at, Actor: "eng2", Kind: ticketstore.EventStatus, From: from, To: tk.Status}, nil
			})
			if err != nil || upd.Version != 2 || len(upd.History) != 1 || upd.History[0].To != ticketstore.StatusAccepted {
				t.Fatalf("Update = %+v, %v", upd, err)
			}
			if got, _ := s.Get(ctx, id); len(got.History) != 2 || got.Assignee != "eng2" {
				t.Fatalf("after Update, Get = %+v", got)
			}
			boom := errors.New("boom")
			if _, err := s.Update(ctx, id, func(*ticketstore.Ticket) (ticketstore.Event, error) {
				return ticketstore.Event{}, boom
			}); !errors.Is(err, boom) {
				t.Fatalf("aborted Update err = %v", err)
			}

			cases := []struct {
				name string
				f    ticketstore.Filter
				want []string
			}{
				{"all newest first", ticketstore.Filter{}, []string{id2, id}},
				{"by project", ticketstore.Filter{Project: "p1"}, []string{id}},
				{"by status moved", ticketstore.Filter{Status: ticketstore.StatusNew}, []string{id2}},
				{"by new status", ticketstore.Filter{Status: ticketstore.StatusAccepted}, []string{id}},
				{"by old assignee", ticketstore.Filter{Assignee: "eng1"}, []string{id2}},
				{"by new assignee", ticketstore.Filter{Assignee: "eng2"}, []string{id}},
				{"by reporter", ticketstore.Filter{Reporter: "u2"}, []string{id2}},
				{"open", ticketstore.Filter{OpenOnly: true}, []string{id2, id}},
				{"since", ticketstore.Filter{Since: at.Add(30 * time.Second)}, []string{id2}},
				{"limit", ticketstore.Filter{Limit: 1}, []string{id2}},
				{"combined none", ticketstore.Filter{Project: "p1", Reporter: "u2"}, nil},
			}
			for _, c := range cases {
				list, err := s.List(ctx, c.f)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				var ids []string
				for _, tk := range list {
					ids = append(ids, tk.ID)
				}
				if fmt.Sprint(ids) != fmt.Sprint(c.want) {
					t.Errorf("%s: got %v, want %v", c.name, ids, c.want)
				}
			}

			if _, err := s.Update(ctx, id, func(tk *ticketstore.Ticket) (ticketstore.Event, error) {
				tk.Status = ticketstore.StatusClosed
				return ticketstore.Event{At: at, Kind: ticketstore.EventStatus, To: tk.Status}, nil
			}); err != nil {
				t.Fatal(err)
			}
			open, _ := s.List(ctx, ticketstore.Filter{OpenOnly: true})
			if len(open) != 1 || open[0].ID != id2 {
				t.Fatalf("open after close = %v", open)
			}
		})
	}
}

func TestStoreCountersAndClaims(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := ticketstore.New(b.Client, b.Prefix, shanghai)
			for range 2 {
				if err := s.AddDeflection(ctx, "p1"); err != nil {
					t.Fatal(err)
				}
			}
			if n, err := s.Deflections(ctx, "p1"); err != nil || n != 2 {
				t.Fatalf("Deflections(p1) = %d %v", n, err)
			}
			if n, err := s.Deflections(ctx, "p9"); err != nil || n != 0 {
				t.Fatalf("Deflections(p9) = %d %v", n, err)
			}
			if ok, _ := s.TryNudge(ctx, "BX-1", time.Minute); !ok {
				t.Fatal("first nudge refused")
			}
			if ok, _ := s.TryNudge(ctx, "BX-1", time.Minute); ok {
				t.Fatal("second nudge within the window allowed")
			}
			if ok, _ := s.ClaimEscalation(ctx, "BX-1", "response", time.Minute); !ok {
				t.Fatal("first claim refused")
			}
			if ok, _ := s.ClaimEscalation(ctx, "BX-1", "response", time.Minute); ok {
				t.Fatal("second claim allowed")
			}
			_ = s.ReleaseEscalation(ctx, "BX-1", "response")
			if ok, _ := s.ClaimEscalation(ctx, "BX-1", "response", time.Minute); !ok {
				t.Fatal("claim after release refused")
			}
			if err := s.MarkEscalated(ctx, "BX-1", "response"); err != nil {
				t.Fatal(err)
			}
			if done, _ := s.Escalated(ctx, "BX-1", "response"); !done {
				t.Fatal("not marked escalated")
			}
			if ok, _ := s.ClaimEscalation(ctx, "BX-1", "response", time.Minute); ok {
				t.Fatal("claim after mark allowed")
			}
		})
	}
}

// TestConcurrentCreateUniqueIDs files 100 tickets at once (run with -race, and with
// REDIS_URL for real Redis): every one gets its own ID and none is lost.
func TestConcurrentCreateUniqueIDs(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := ticketstore.New(b.Client, b.Prefix, shanghai)
			at := time.Date(2026, 11, 26, 10, 0, 0, 0, shanghai)
			const n = 100
			ids := make([]string, n)
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := range n {
				wg.Go(func() {
					id, _, err := s.Create(ctx, newTicket("p1", fmt.Sprint("u", i), at), fmt.Sprint("m", i), created(at))
					ids[i] = id
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			seen := map[string]bool{}
			for _, id := range ids {
				if seen[id] {
					t.Fatalf("duplicate id %s", id)
				}
				seen[id] = true
			}
			all, err := s.List(ctx, ticketstore.Filter{Project: "p1"})
			if err != nil || len(all) != n {
				t.Fatalf("listed %d tickets (%v), want %d", len(all), err, n)
			}
			if !seen["BX-20261126-0001"] || !seen["BX-20261126-0100"] {
				t.Fatalf("IDs are not the dense per-day sequence: %v", ids[:3])
			}
		})
	}
}

// TestConcurrentUpdatesKeepEveryEvent appends notes from many writers: the CAS loop
// must keep every one.
func TestConcurrentUpdatesKeepEveryEvent(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := ticketstore.New(b.Client, b.Prefix, shanghai)
			at := time.Date(2026, 11, 26, 10, 0, 0, 0, shanghai)
			id, _, err := s.Create(ctx, newTicket("p1", "u1", at), "m", created(at))
			if err != nil {
				t.Fatal(err)
			}
			const n = 5
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					_, err := s.Update(ctx, id, func(tk *ticketstore.Ticket) (ticketstore.Event, error) {
						tk.UpdatedAt = at
						return ticketstore.Event{At: at, Kind: ticketstore.EventNote, Text: fmt.Sprint("note ", i)}, nil
					})
					if err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			got, err := s.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.History) != n+1 || got.Version != n+1 {
				t.Fatalf("history %d version %d, want %d", len(got.History), got.Version, n+1)
			}
		})
	}
}

// TestConcurrentAcceptOnlyOneWins: the status check inside Update sees the latest
// version, so two engineers pressing 受理 at once cannot both take the ticket.
func TestConcurrentAcceptOnlyOneWins(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := ticketstore.New(b.Client, b.Prefix, shanghai)
			at := time.Date(2026, 11, 26, 10, 0, 0, 0, shanghai)
			id, _, err := s.Create(ctx, newTicket("p1", "u1", at), "m", created(at))
			if err != nil {
				t.Fatal(err)
			}
			taken := errors.New("already accepted")
			var wg sync.WaitGroup
			wins := make(chan string, 4)
			for _, eng := range []string{"e1", "e2", "e3", "e4"} {
				wg.Go(func() {
					_, err := s.Update(ctx, id, func(tk *ticketstore.Ticket) (ticketstore.Event, error) {
						if tk.Status != ticketstore.StatusNew {
							return ticketstore.Event{}, taken
						}
						tk.Status, tk.Assignee = ticketstore.StatusAccepted, eng
						return ticketstore.Event{At: at, Actor: eng, Kind: ticketstore.EventStatus, To: tk.Status}, nil
					})
					if err == nil {
						wins <- eng
					} else if !errors.Is(err, taken) {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			close(wins)
			var winners []string
			for w := range wins {
				winners = append(winners, w)
			}
			got, _ := s.Get(ctx, id)
			if len(winners) != 1 || got.Assignee != winners[0] || len(got.History) != 2 {
				t.Fatalf("winners %v, assignee %s, %d events", winners, got.Assignee, len(got.History))
			}
		})
	}
}
