package status

import (
	"context"
	"fmt"
	"sort"
	"time"

	"deliverybot/bot/dates"
	"deliverybot/bot/registry"
)

// RAG is the traffic-light status of a project.
type RAG string

const (
	Green RAG = "green"
	Amber RAG = "amber"
	Red   RAG = "red"
)

// rank orders RAGs worst first.
func (r RAG) rank() int {
	switch r {
	case Red:
		return 0
	case Amber:
		return 1
	}
	return 2
}

// Label is the Chinese label with a colour dot.
func (r RAG) Label() string {
	switch r {
	case Red:
		return "🔴 红灯"
	case Amber:
		return "🟡 黄灯"
	}
	return "🟢 绿灯"
}

// Dot is the colour dot alone.
func (r RAG) Dot() string {
	switch r {
	case Red:
		return "🔴"
	case Amber:
		return "🟡"
	}
	return "🟢"
}

// Slip thresholds of the RAG rule, in working days.
const redSlipWorkingDays = 5

// MilestoneStatus is a milestone with its schedule position.
type MilestoneStatus struct {
	Name     string        `json:"name"`
	Planned  registry.Date `json:"planned"`
	Forecast registry.Date `json:"forecast"`
	// SlipWorkingDays is forecast minus planned in working days.
	SlipWorkingDays int `json:"slip_working_days"`
	// OverdueDays is how many calendar days the forecast is in the past (0 when not overdue).
	OverdueDays int    `json:"overdue_days"`
	Reason      string `json:"reason,omitempty"`
}

// GoLiveStatus is where go-live stands.
type GoLiveStatus struct {
	Name            string        `json:"name"`
	Planned         registry.Date `json:"planned"`
	Forecast        registry.Date `json:"forecast"`
	Done            bool          `json:"done"`
	DaysLeft        int           `json:"days_left"` // calendar days from today to forecast (negative when overdue)
	SlipWorkingDays int           `json:"slip_working_days"`
	Reason          string        `json:"reason,omitempty"`
}

// Status is one project's status at a moment; the chat reply and `project status
// --json` are both rendered from it.
type Status struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Client     string   `json:"client,omitempty"`
	PM         string   `json:"pm"`
	PMName     string   `json:"pm_name"`
	Oncall     string   `json:"oncall,omitempty"`
	OncallName string   `json:"oncall_name,omitempty"`
	Phase      string   `json:"phase"`
	PhaseIndex int      `json:"phase_index"` // 1-based
	Percent    int      `json:"percent"`
	RAG        RAG      `json:"rag"`
	Reasons    []string `json:"rag_reasons"`

	NextMilestone *MilestoneStatus  `json:"next_milestone"`
	Overdue       []MilestoneStatus `json:"overdue_milestones,omitempty"`
	GoLive        *GoLiveStatus     `json:"go_live"`

	// OpenTickets is the total (0 when the ticket store is not wired: see TicketsWired).
	OpenTickets  int             `json:"open_tickets"`
	TicketsWired bool            `json:"tickets_available"`
	Tickets      TicketSummary   `json:"tickets"`
	TicketsError string          `json:"tickets_error,omitempty"`
	Pending      int             `json:"pending_changes"`
	ChangesWired bool            `json:"changes_available"`
	Changes      ChangeSummary   `json:"changes"`
	ChangesError string          `json:"changes_error,omitempty"`
	Risks        []registry.Risk `json:"risks"` // top 3 open, worst first
	OpenRisks    int             `json:"open_risks"`
	AsOf         time.Time       `json:"as_of"`

	// RiskOwners maps risk owner IDs to names for rendering.
	RiskOwners map[string]string `json:"-"`
}

// Sources are the live counters a status includes; nil fields mean "not wired".
type Sources struct {
	Tickets TicketStats
	Changes ChangeStats
}

// Compute builds the status of p at now. Ticket/change counts are fetched through
// src; a failing source is reported in the status, not fatal.
func Compute(ctx context.Context, reg *registry.Registry, p registry.Project, now time.Time, src Sources) Status {
	loc := reg.Location()
	now = now.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	s := Status{ID: p.ID, Name: p.Name, Client: p.Client, PM: p.PM, PMName: reg.Name(p.PM),
		Oncall: p.Oncall, AsOf: now, Risks: []registry.Risk{}, RiskOwners: map[string]string{}}
	if p.Oncall != "" {
		s.OncallName = reg.Name(p.Oncall)
	}
	idx, ph := p.CurrentPhase()
	s.Phase, s.PhaseIndex, s.Percent = ph.Name, idx+1, ph.Percent

	s.milestones(p, today, loc)
	s.risks(p, reg)
	s.counts(ctx, p.ID, now, src)
	s.rag(ph, today, loc)
	return s
}

func (s *Status) milestones(p registry.Project, today time.Time, loc *time.Location) {
	var open []MilestoneStatus
	for _, m := range p.Milestones {
		if m.Done {
			continue
		}
		ms := milestoneStatus(m, today, loc)
		open = append(open, ms)
		if ms.OverdueDays > 0 {
			s.Overdue = append(s.Overdue, ms)
		}
	}
	sort.SliceStable(open, func(i, j int) bool { return open[i].Forecast < open[j].Forecast })
	if len(open) > 0 {
		s.NextMilestone = &open[0]
	}
	if g := p.GoLive(); g != nil {
		gs := &GoLiveStatus{Name: g.Name, Planned: g.Planned, Forecast: g.Forecast, Done: g.Done, Reason: g.Reason}
		gs.SlipWorkingDays = dates.WorkingDaysBetween(g.Planned.Time(loc), g.Forecast.Time(loc))
		gs.DaysLeft = dates.DaysBetween(today, g.Forecast.Time(loc))
		s.GoLive = gs
	}
}

func milestoneStatus(m registry.Milestone, today time.Time, loc *time.Location) MilestoneStatus {
	ms := MilestoneStatus{Name: m.Name, Planned: m.Planned, Forecast: m.Forecast, Reason: m.Reason}
	ms.SlipWorkingDays = dates.WorkingDaysBetween(m.Planned.Time(loc), m.Forecast.Time(loc))
	if d := dates.DaysBetween(m.Forecast.Time(loc), today); d > 0 {
		ms.OverdueDays = d
	}
	return ms
}

// levelRank orders risk levels worst first.
func levelRank(l string) int {
	switch l {
	case registry.LevelHigh:
		return 0
	case registry.LevelMedium:
		return 1
	}
	return 2
}

func (s *Status) risks(p registry.Project, reg *registry.Registry) {
	var open []registry.Risk
	for _, r := range p.Risks {
		if !r.Closed {
			open = append(open, r)
		}
	}
	sort.SliceStable(open, func(i, j int) bool {
		if levelRank(open[i].Level) != levelRank(open[j].Level) {
			return levelRank(open[i].Level) < levelRank(open[j].Level)
		}
		return open[i].ID < open[j].ID
	})
	s.OpenRisks = len(open)
	if len(open) > 3 {
		open = open[:3]
	}
	s.Risks = append(s.Risks, open...)
	for _, r := range s.Risks {
		if r.Owner != "" {
			s.RiskOwners[r.Owner] = reg.Name(r.Owner)
		}
	}
}

func (s *Status) counts(ctx context.Context, projectID string, now time.Time, src Sources) {
	if src.Tickets != nil {
		t, err := src.Tickets.ProjectTicketStats(ctx, projectID, now)
		if err != nil {
			s.TicketsError = "工单数据暂时无法获取"
		} else {
			s.TicketsWired, s.Tickets, s.OpenTickets = true, t, t.Total()
		}
	}
	if src.Changes != nil {
		c, err := src.Changes.ProjectChangeStats(ctx, projectID, now)
		if err != nil {
			s.ChangesError = "变更数据暂时无法获取"
		} else {
			s.ChangesWired, s.Changes, s.Pending = true, c, c.Pending
		}
	}
}

// rag applies the documented rule (see the package doc) and records the reasons.
func (s *Status) rag(cur registry.Phase, today time.Time, loc *time.Location) {
	var red, amber []string
	if g := s.GoLive; g != nil && !g.Done {
		switch {
		case g.SlipWorkingDays > redSlipWorkingDays:
			red = append(red, fmt.Sprintf("上线预计延期 %d 个工作日", g.SlipWorkingDays))
		case g.SlipWorkingDays > 0:
			amber = append(amber, fmt.Sprintf("上线预计延期 %d 个工作日", g.SlipWorkingDays))
		}
	}
	for _, m := range s.Overdue {
		red = append(red, fmt.Sprintf("里程碑「%s」已逾期 %d 天", m.Name, m.OverdueDays))
	}
	for _, r := range s.Risks {
		if r.Level == registry.LevelHigh {
			amber = append(amber, fmt.Sprintf("高风险 #%d 未关闭", r.ID))
		}
	}
	if s.Tickets.Breached > 0 {
		amber = append(amber, fmt.Sprintf("%d 个工单超出 SLA", s.Tickets.Breached))
	}
	if !cur.Done() && cur.PlannedEnd != "" && today.After(cur.PlannedEnd.Time(loc)) {
		amber = append(amber, fmt.Sprintf("阶段「%s」已超过计划结束日 %s", cur.Name, cur.PlannedEnd))
	}
	switch {
	case len(red) > 0:
		s.RAG = Red
	case len(amber) > 0:
		s.RAG = Amber
	default:
		s.RAG = Green
	}
	s.Reasons = append(append([]string{}, red...), amber...)
}

// SortWorstFirst orders statuses red → amber → green, then by go-live slip, then name.
func SortWorstFirst(ss []Status) {
	sort.SliceStable(ss, func(i, j int) bool {
		a, b := ss[i], ss[j]
		if a.RAG.rank() != b.RAG.rank() {
			return a.RAG.rank() < b.RAG.rank()
		}
		if sa, sb := slip(a), slip(b); sa != sb {
			return sa > sb
		}
		return a.Name < b.Name
	})
}

func slip(s Status) int {
	if s.GoLive == nil || s.GoLive.Done {
		return 0
	}
	return s.GoLive.SlipWorkingDays
}
