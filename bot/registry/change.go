package registry

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Op is the kind of a runtime change.
type Op string

const (
	OpPhasePercent     Op = "phase_percent"  // set a phase's % complete
	OpPhaseComplete    Op = "phase_complete" // close a phase and open the next
	OpMilestoneMove    Op = "milestone_move" // move a milestone's forecast date
	OpMilestoneDone    Op = "milestone_done" // mark a milestone reached
	OpRiskAdd          Op = "risk_add"       // raise a risk
	OpRiskClose        Op = "risk_close"     // close a risk
	maxReasonRunes        = 200
	maxDescriptionRune    = 300
)

// Change is one runtime edit made in chat. Changes are appended to a per-project
// log and replayed over the file data in order, so the log is also the audit trail.
type Change struct {
	// Seq is the 1-based position in the project's log (set when stored/read).
	Seq       int64     `json:"seq,omitempty"`
	At        time.Time `json:"at"`
	User      string    `json:"user"`
	UserName  string    `json:"user_name,omitempty"`
	Project   string    `json:"project"`
	Op        Op        `json:"op"`
	Phase     string    `json:"phase,omitempty"`
	Percent   int       `json:"percent,omitempty"`
	Milestone string    `json:"milestone,omitempty"`
	Date      Date      `json:"date,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Risk      *Risk     `json:"risk,omitempty"`
	RiskID    int       `json:"risk_id,omitempty"`
	// Summary is a Chinese one-liner of what changed, for the audit log.
	Summary string `json:"summary,omitempty"`
}

// ErrInvalidChange wraps every reason a change cannot apply; its message is Chinese
// and safe to show to the user.
var ErrInvalidChange = errors.New("无法执行")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w：%s", ErrInvalidChange, fmt.Sprintf(format, args...))
}

// Apply applies c to p in place. The change date is c.Date for milestone moves and
// the calendar date of c.At (in loc) for phase start/end dates. It also fills
// c.Summary and, for a new risk, its ID (max existing + 1, so replay is stable).
//
// A new change (Seq 0, not yet in the log) must also keep the project coherent:
// only the current phase can be completed, and a milestone cannot be moved to a
// date before the day of the change. Changes read back from the log (Seq > 0)
// skip those rules, so entries accepted before a rule existed still replay and
// history is never rewritten.
func Apply(p *Project, c *Change, loc *time.Location) error {
	day := DateOf(c.At, loc)
	strict := c.Seq == 0
	switch c.Op {
	case OpPhasePercent:
		ph := p.Phase(c.Phase)
		if ph == nil {
			return invalid("没有阶段「%s」（阶段：%s）", c.Phase, strings.Join(PhaseNames, "、"))
		}
		if c.Percent < 0 || c.Percent > 100 {
			return invalid("完成度应在 0–100 之间")
		}
		if ph.Done() {
			return invalid("阶段「%s」已于 %s 完成", c.Phase, ph.ActualEnd)
		}
		old := ph.Percent
		ph.Percent = c.Percent
		if ph.ActualStart == "" {
			ph.ActualStart = day
		}
		c.Summary = fmt.Sprintf("%s 进度 %d%% → %d%%", c.Phase, old, c.Percent)
		if c.Percent < old {
			c.Summary = fmt.Sprintf("%s 进度回退：%d%% → %d%%", c.Phase, old, c.Percent)
		}
	case OpPhaseComplete:
		idx := PhaseIndex(c.Phase)
		ph := p.Phase(c.Phase)
		if ph == nil || idx < 0 {
			return invalid("没有阶段「%s」（阶段：%s）", c.Phase, strings.Join(PhaseNames, "、"))
		}
		if ph.Done() {
			return invalid("阶段「%s」已于 %s 完成", c.Phase, ph.ActualEnd)
		}
		if cur, curPh := p.CurrentPhase(); strict && cur >= 0 && curPh.Name != c.Phase {
			return invalid("当前阶段是「%s」（%d%%），只能完成当前阶段，不能直接完成「%s」。请先「完成 %s」，再逐个推进",
				curPh.Name, curPh.Percent, c.Phase, curPh.Name)
		}
		ph.Percent = 100
		if ph.ActualStart == "" {
			ph.ActualStart = day
		}
		ph.ActualEnd = day
		c.Summary = fmt.Sprintf("完成阶段 %s", c.Phase)
		if idx+1 < len(PhaseNames) {
			if next := p.Phase(PhaseNames[idx+1]); next != nil && next.ActualStart == "" {
				next.ActualStart = day
				c.Summary += "，进入 " + next.Name
			}
		}
	case OpMilestoneMove:
		m := p.Milestone(c.Milestone)
		if m == nil {
			return invalid("没有里程碑「%s」（里程碑：%s）", c.Milestone, milestoneNames(p))
		}
		if c.Date == "" {
			return invalid("缺少新日期")
		}
		if strict && c.Date < day {
			return invalid("新日期 %s 早于今天（%s），里程碑不能改到过去的日期", c.Date, day)
		}
		old := m.Forecast
		m.Forecast = c.Date
		m.Reason = c.Reason
		c.Summary = fmt.Sprintf("里程碑 %s 预计 %s → %s", c.Milestone, old, c.Date)
		if c.Reason != "" {
			c.Summary += "，原因：" + c.Reason
		}
	case OpMilestoneDone:
		m := p.Milestone(c.Milestone)
		if m == nil {
			return invalid("没有里程碑「%s」（里程碑：%s）", c.Milestone, milestoneNames(p))
		}
		if m.Done {
			return invalid("里程碑「%s」已完成", c.Milestone)
		}
		m.Done = true
		m.Forecast = day
		c.Summary = fmt.Sprintf("里程碑 %s 已达成（%s）", c.Milestone, day)
	case OpRiskAdd:
		if c.Risk == nil || strings.TrimSpace(c.Risk.Description) == "" {
			return invalid("缺少风险描述")
		}
		r := *c.Risk
		if !validLevel(r.Level) {
			r.Level = LevelMedium
		}
		r.ID = 1
		for _, x := range p.Risks {
			if x.ID >= r.ID {
				r.ID = x.ID + 1
			}
		}
		r.Closed = false
		p.Risks = append(p.Risks, r)
		c.Risk = &r
		c.Summary = fmt.Sprintf("新增风险 #%d（%s）：%s", r.ID, r.Level, r.Description)
	case OpRiskClose:
		r := p.Risk(c.RiskID)
		if r == nil {
			return invalid("没有编号为 %d 的风险", c.RiskID)
		}
		if r.Closed {
			return invalid("风险 #%d 之前已经关闭，无需再关", c.RiskID)
		}
		r.Closed = true
		c.Summary = fmt.Sprintf("关闭风险 #%d：%s", r.ID, r.Description)
	default:
		return invalid("未知操作 %q", c.Op)
	}
	return nil
}

func milestoneNames(p *Project) string {
	names := make([]string, len(p.Milestones))
	for i, m := range p.Milestones {
		names[i] = m.Name
	}
	if len(names) == 0 {
		return "无"
	}
	return strings.Join(names, "、")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
