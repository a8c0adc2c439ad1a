package status

import (
	"context"
	"time"
)

// TicketSummary is what the status needs from the ticket store (#6).
type TicketSummary struct {
	// OpenByPriority counts open tickets by "P1".."P4".
	OpenByPriority map[string]int `json:"open_by_priority"`
	// Breached counts open tickets past their SLA (first response or resolution).
	Breached int `json:"sla_breaches"`
}

// Total is the number of open tickets.
func (t TicketSummary) Total() int {
	n := 0
	for _, v := range t.OpenByPriority {
		n += v
	}
	return n
}

// TicketStats is implemented by the ticket store.
type TicketStats interface {
	ProjectTicketStats(ctx context.Context, projectID string, now time.Time) (TicketSummary, error)
}

// ChangeSummary is what the status needs from the change-request store (#7).
type ChangeSummary struct {
	Pending  int `json:"pending"`
	Approved int `json:"approved"`
	// DaysAdded is the schedule impact of approved change requests, in days.
	DaysAdded int `json:"days_added"`
}

// ChangeStats is implemented by the change-request store.
type ChangeStats interface {
	ProjectChangeStats(ctx context.Context, projectID string, now time.Time) (ChangeSummary, error)
}

// TicketStatsFunc adapts a function to TicketStats.
type TicketStatsFunc func(ctx context.Context, projectID string, now time.Time) (TicketSummary, error)

// ProjectTicketStats calls f.
func (f TicketStatsFunc) ProjectTicketStats(ctx context.Context, projectID string, now time.Time) (TicketSummary, error) {
	return f(ctx, projectID, now)
}

// ChangeStatsFunc adapts a function to ChangeStats.
type ChangeStatsFunc func(ctx context.Context, projectID string, now time.Time) (ChangeSummary, error)

// ProjectChangeStats calls f.
func (f ChangeStatsFunc) ProjectChangeStats(ctx context.Context, projectID string, now time.Time) (ChangeSummary, error) {
	return f(ctx, projectID, now)
}
