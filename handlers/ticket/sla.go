package ticket

import (
	"context"
	"errors"
	"fmt"
	"time"

	"deliverybot/bot"
	"deliverybot/handlers/ticket/ticketstore"
)

// SLA breach kinds, each escalated at most once per ticket.
const (
	BreachResponse   = "response"
	BreachResolution = "resolution"
)

// escalationLease is how long a replica holds an escalation before notifying; if
// it dies in between, another replica retries after the lease.
const escalationLease = 2 * time.Minute

// RunSLA checks open tickets every SLAInterval until ctx ends and escalates each
// breach to the project's PM. Safe to run on every replica: a Redis claim lets
// exactly one send each escalation; it is marked done only after the notification
// went out, and every tick rescans open tickets, so a restart never loses one.
func (s *Service) RunSLA(ctx context.Context) error {
	if s.d.Notifier == nil {
		return errors.New("ticket: RunSLA needs Deps.Notifier")
	}
	tick := time.NewTicker(s.d.SLAInterval)
	defer tick.Stop()
	for {
		if _, err := s.CheckSLA(ctx); err != nil && ctx.Err() == nil {
			s.d.Logger.Error("ticket SLA check failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// CheckSLA runs one pass and returns how many escalations this replica sent.
func (s *Service) CheckSLA(ctx context.Context) (int, error) {
	open, err := s.d.Store.List(ctx, ticketstore.Filter{OpenOnly: true})
	if err != nil {
		return 0, err
	}
	now := s.now()
	sent := 0
	var errs []error
	for _, t := range open {
		for _, kind := range breaches(t, now) {
			ok, err := s.escalate(ctx, t, kind, now)
			if err != nil {
				errs = append(errs, err)
			}
			if ok {
				sent++
			}
		}
	}
	return sent, errors.Join(errs...)
}

// breaches lists the SLA targets t has missed at now.
func breaches(t *ticketstore.Ticket, now time.Time) []string {
	var out []string
	if t.RespondedAt.IsZero() && !t.ResponseDue.IsZero() && now.After(t.ResponseDue) {
		out = append(out, BreachResponse)
	}
	if t.Status.Open() && !t.ResolveDue.IsZero() && now.After(t.ResolveDue) {
		out = append(out, BreachResolution)
	}
	return out
}

func (s *Service) escalate(ctx context.Context, t *ticketstore.Ticket, kind string, now time.Time) (bool, error) {
	claimed, err := s.d.Store.ClaimEscalation(ctx, t.ID, kind, escalationLease)
	if err != nil || !claimed {
		return false, err
	}
	p, err := s.project(ctx, t.Project)
	if err == nil && p.PM == "" {
		err = fmt.Errorf("project %s has no PM", t.Project)
	}
	if err == nil {
		err = s.d.Notifier.Notify(ctx, p.PM, s.escalationCard(t, kind, now))
	}
	if err != nil {
		// Let the next tick (on any replica) try again.
		_ = s.d.Store.ReleaseEscalation(ctx, t.ID, kind)
		return false, fmt.Errorf("escalate %s %s: %w", t.ID, kind, err)
	}
	if err := s.d.Store.MarkEscalated(ctx, t.ID, kind); err != nil {
		return true, err
	}
	_, err = s.d.Store.Update(ctx, t.ID, func(*ticketstore.Ticket) (ticketstore.Event, error) {
		return ticketstore.Event{At: now, Kind: ticketstore.EventEscalated, Text: breachLabel(kind) + "超时，已通知项目经理"}, nil
	})
	return true, err
}

func breachLabel(kind string) string {
	if kind == BreachResponse {
		return "首次响应"
	}
	return "解决"
}

func (s *Service) escalationCard(t *ticketstore.Ticket, kind string, now time.Time) bot.Reply {
	due := t.ResolveDue
	if kind == BreachResponse {
		due = t.ResponseDue
	}
	return bot.CardReply(bot.Card{Title: fmt.Sprintf("SLA 超时提醒：%s %s超时", t.ID, breachLabel(kind)),
		Description: fmt.Sprintf("工单「%s」（%s）%s时限为 %s，现已超时 %s，当前状态「%s」，处理人%s。请协调跟进。",
			t.Title, t.Priority, breachLabel(kind), s.clock(due), overdue(now.Sub(due)), t.Status.Label(), s.name(t.Assignee)),
		Buttons: []bot.Button{{Label: "查看详情", Value: "工单 " + t.ID}, {Label: "催一下", Value: "催一下 " + t.ID}}})
}

func overdue(d time.Duration) string {
	if d >= time.Hour {
		return fmt.Sprintf("%d 小时 %d 分钟", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%d 分钟", max(1, int(d.Minutes())))
}
