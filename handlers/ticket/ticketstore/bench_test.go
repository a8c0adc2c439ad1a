package ticketstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"deliverybot/bot/redisstore/redistest"
	"deliverybot/handlers/ticket/ticketstore"
)

// BenchmarkCreate measures filing one ticket (ID, record, history, five indexes).
func BenchmarkCreate(b *testing.B) {
	be := redistest.New(b)
	s := ticketstore.New(be.Client, be.Prefix, shanghai)
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, shanghai)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		if _, _, err := s.Create(ctx, newTicket("p1", "u1", at), fmt.Sprint("m", i), created(at)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdate measures one compare-and-set status change with its event.
func BenchmarkUpdate(b *testing.B) {
	be := redistest.New(b)
	s := ticketstore.New(be.Client, be.Prefix, shanghai)
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, shanghai)
	ctx := context.Background()
	id, _, err := s.Create(ctx, newTicket("p1", "u1", at), "m", created(at))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.Update(ctx, id, func(t *ticketstore.Ticket) (ticketstore.Event, error) {
			return ticketstore.Event{At: at, Kind: ticketstore.EventNote, Text: "x"}, nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}
