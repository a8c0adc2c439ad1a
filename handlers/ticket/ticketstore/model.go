// Package ticketstore keeps 报修 tickets in Redis: the record, an append-only event
// history, and indexes by project, status, assignee and reporter. Every key lives
// under one hash tag so the Lua scripts that touch a ticket and its indexes
// together also work on Redis Cluster.
package ticketstore

import (
	"errors"
	"time"
)

// Status is where a ticket is in its lifecycle.
type Status string

// The lifecycle: 新建 → 已受理 → 处理中 → 已解决(待确认) → 已关闭, plus 已取消 and 重新打开.
const (
	StatusNew        Status = "新建"
	StatusAccepted   Status = "已受理"
	StatusInProgress Status = "处理中"
	StatusResolved   Status = "已解决"
	StatusClosed     Status = "已关闭"
	StatusCancelled  Status = "已取消"
	StatusReopened   Status = "重新打开"
)

// AllStatuses lists every status in lifecycle order.
var AllStatuses = []Status{StatusNew, StatusAccepted, StatusInProgress, StatusReopened, StatusResolved,
	StatusClosed, StatusCancelled}

// Open reports whether someone still has to act on the ticket (SLA clocks run).
func (s Status) Open() bool {
	switch s {
	case StatusNew, StatusAccepted, StatusInProgress, StatusReopened:
		return true
	}
	return false
}

// Final reports whether the ticket is finished for good.
func (s Status) Final() bool { return s == StatusClosed || s == StatusCancelled }

// Label is the status as shown to users (已解决 waits for the reporter's confirmation).
func (s Status) Label() string {
	if s == StatusResolved {
		return "已解决(待确认)"
	}
	return string(s)
}

// ParseStatus accepts a status name, its label, or an English alias (for the CLI).
func ParseStatus(s string) (Status, bool) {
	aliases := map[string]Status{"new": StatusNew, "accepted": StatusAccepted, "in_progress": StatusInProgress,
		"resolved": StatusResolved, "closed": StatusClosed, "cancelled": StatusCancelled, "reopened": StatusReopened,
		"已解决(待确认)": StatusResolved}
	if st, ok := aliases[s]; ok {
		return st, true
	}
	for _, st := range AllStatuses {
		if string(st) == s {
			return st, true
		}
	}
	return "", false
}

// Event kinds in a ticket's history.
const (
	EventCreated     = "created"
	EventStatus      = "status"
	EventTransferred = "transferred"
	EventNote        = "note"
	EventNudged      = "nudged"
	EventRated       = "rated"
	EventEscalated   = "escalated"
	// EventResolution is a 处理说明 added to a ticket already resolved.
	EventResolution = "resolution"
)

// Event is one entry of the append-only history.
type Event struct {
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	Kind  string    `json:"kind"`
	From  Status    `json:"from,omitempty"`
	To    Status    `json:"to,omitempty"`
	Text  string    `json:"text,omitempty"`
}

// Photo is one picture attached to a ticket: the original and its thumbnail.
type Photo struct {
	Ref      string `json:"ref"`
	ThumbRef string `json:"thumb_ref,omitempty"`
}

// Ticket is one 报修 record.
type Ticket struct {
	ID           string    `json:"id"`
	Project      string    `json:"project"`
	ProjectName  string    `json:"project_name,omitempty"`
	Reporter     string    `json:"reporter"`
	ReporterName string    `json:"reporter_name,omitempty"`
	Assignee     string    `json:"assignee,omitempty"`
	Status       Status    `json:"status"`
	Priority     string    `json:"priority"`
	Impact       string    `json:"impact,omitempty"`
	Urgency      string    `json:"urgency,omitempty"`
	Product      string    `json:"product,omitempty"`
	Title        string    `json:"title"`
	Description  string    `json:"description"`
	Location     string    `json:"location,omitempty"`
	Phone        string    `json:"phone,omitempty"`
	Photos       []Photo   `json:"photos,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// RespondedAt is the first response (受理); it stops the first-response SLA clock.
	RespondedAt time.Time `json:"responded_at,omitzero"`
	ResolvedAt  time.Time `json:"resolved_at,omitzero"`
	ClosedAt    time.Time `json:"closed_at,omitzero"`
	ResponseDue time.Time `json:"response_due,omitzero"`
	ResolveDue  time.Time `json:"resolve_due,omitzero"`
	Resolution  string    `json:"resolution,omitempty"`
	Rating      int       `json:"rating,omitempty"`
	// SourceMsg is the message that created the ticket (idempotency).
	SourceMsg string `json:"source_msg,omitempty"`
	// History is loaded from the event list; it is not part of the stored record.
	History []Event `json:"history"`
	// Version is the stored version, for compare-and-set updates.
	Version int64 `json:"-"`
}

// Filter selects tickets; empty fields match everything.
type Filter struct {
	Project  string
	Status   Status
	Reporter string
	Assignee string
	// Since keeps tickets created at or after it.
	Since time.Time
	// OpenOnly keeps tickets whose status is Open.
	OpenOnly bool
	// Limit caps the result (0 = no cap); newest first.
	Limit int
}

// Match reports whether t passes the filter.
func (f Filter) Match(t *Ticket) bool {
	switch {
	case f.Project != "" && t.Project != f.Project,
		f.Status != "" && t.Status != f.Status,
		f.Reporter != "" && t.Reporter != f.Reporter,
		f.Assignee != "" && t.Assignee != f.Assignee,
		!f.Since.IsZero() && t.CreatedAt.Before(f.Since),
		f.OpenOnly && !t.Status.Open():
		return false
	}
	return true
}

// ErrNotFound is returned when a ticket does not exist.
var ErrNotFound = errors.New("ticket not found")

// ErrConflict is returned when an update kept losing against concurrent writers.
var ErrConflict = errors.New("ticket changed concurrently")
