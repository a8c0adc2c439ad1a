package ticket

import (
	"context"
	"time"

	"deliverybot/handlers/status"
	"deliverybot/handlers/ticket/ticketstore"
)

// ProjectTicketStats implements status.TicketStats: open tickets by priority and
// how many of them are past a first-response or resolution target at now.
func (s *Service) ProjectTicketStats(ctx context.Context, projectID string, now time.Time) (status.TicketSummary, error) {
	return ProjectStats(ctx, s.d.Store, projectID, now)
}

// ProjectStats computes the status summary straight from a store.
func ProjectStats(ctx context.Context, store *ticketstore.Store, projectID string, now time.Time) (status.TicketSummary, error) {
	list, err := store.List(ctx, ticketstore.Filter{Project: projectID, OpenOnly: true})
	if err != nil {
		return status.TicketSummary{}, err
	}
	sum := status.TicketSummary{OpenByPriority: map[string]int{}}
	for _, t := range list {
		sum.OpenByPriority[t.Priority]++
		if len(breaches(t, now)) > 0 {
			sum.Breached++
		}
	}
	return sum, nil
}
