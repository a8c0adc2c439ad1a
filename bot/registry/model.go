// Package registry is the source of truth for people, projects and roles: it loads
// and validates projects.yaml (or an Excel workbook), resolves a WeCom user to a
// bot.Identity, and layers runtime changes made by PMs in chat (progress, milestone
// dates, risks) on top of the file as an append-only change log in Redis, which is
// also the audit log.
package registry

import (
	"strings"
	"time"

	"deliverybot/bot"
	"deliverybot/bot/dates"
)

// The five phases every implementation project runs, in order.
const (
	PhaseResearch = "需求调研"
	PhaseDesign   = "方案设计"
	PhaseBuild    = "环境搭建与测试"
	PhaseLaunch   = "正式上线与培训"
	PhaseOperate  = "后期运维与优化"
)

// PhaseNames lists the phases in order.
var PhaseNames = []string{PhaseResearch, PhaseDesign, PhaseBuild, PhaseLaunch, PhaseOperate}

// PhaseIndex returns the position of a phase name, or -1.
func PhaseIndex(name string) int {
	for i, p := range PhaseNames {
		if p == name {
			return i
		}
	}
	return -1
}

// Risk levels.
const (
	LevelHigh   = "高"
	LevelMedium = "中"
	LevelLow    = "低"
)

// levelWords maps the ways people name a risk level in chat to the level.
var levelWords = map[string]string{
	"高": LevelHigh, "高风险": LevelHigh, "高级": LevelHigh, "超高": LevelHigh, "很高": LevelHigh,
	"极高": LevelHigh, "较高": LevelHigh, "偏高": LevelHigh, "非常高": LevelHigh, "特别高": LevelHigh,
	"严重": LevelHigh, "非常严重": LevelHigh, "紧急": LevelHigh, "重大": LevelHigh, "高危": LevelHigh, "致命": LevelHigh, "重要": LevelHigh,
	"中": LevelMedium, "中风险": LevelMedium, "中级": LevelMedium, "中等": LevelMedium, "一般": LevelMedium,
	"普通": LevelMedium, "适中": LevelMedium,
	"低": LevelLow, "低风险": LevelLow, "低级": LevelLow, "较低": LevelLow, "偏低": LevelLow, "很低": LevelLow,
	"极低": LevelLow, "轻微": LevelLow, "轻": LevelLow, "次要": LevelLow,
}

// LevelOf maps a level word typed in chat (高, 超高, 严重, 一般, 轻微 …) to
// LevelHigh, LevelMedium or LevelLow.
func LevelOf(word string) (string, bool) {
	l, ok := levelWords[word]
	return l, ok
}

// levelRunes are the characters level words are made of.
const levelRunes = "高中低超很极较偏非常特别严重紧急危致命一般普通适等级轻微次要度风险"

// LooksLikeLevel reports a short word made only of level-like characters
// ("中高", "特高"), which is meant as a level even when LevelOf does not know it.
func LooksLikeLevel(word string) bool {
	n := 0
	for _, r := range word {
		if !strings.ContainsRune(levelRunes, r) {
			return false
		}
		n++
	}
	return n > 0 && n <= 4 && word != "风险"
}

// Priorities for SLA targets (and tickets).
var Priorities = []string{"P1", "P2", "P3", "P4"}

// RoleLabel is the Chinese name of a role.
func RoleLabel(r bot.Role) string {
	switch r {
	case bot.RolePM:
		return "项目经理"
	case bot.RoleEngineer:
		return "实施工程师"
	case bot.RoleClientLead:
		return "客户负责人"
	case bot.RoleClientStaff:
		return "客户员工"
	}
	return string(r)
}

// Date is a calendar date "YYYY-MM-DD", or "" when not set. ISO strings compare
// correctly as strings.
type Date string

// IsZero reports whether the date is unset.
func (d Date) IsZero() bool { return d == "" }

// Time returns midnight of the date in loc (zero time when unset).
func (d Date) Time(loc *time.Location) time.Time {
	if d == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(dates.ISO, string(d), loc)
	if err != nil {
		return time.Time{}
	}
	return t
}

// DateOf returns the calendar date of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	return Date(t.In(loc).Format(dates.ISO))
}

// User is a person the bot knows.
type User struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Department string `json:"department,omitempty"`
}

// Member is a person's role in one project.
type Member struct {
	User string   `json:"user"`
	Role bot.Role `json:"role"`
	CCB  bool     `json:"ccb"`
}

// Phase is one of the five phases with its plan and progress.
type Phase struct {
	Name         string `json:"name"`
	PlannedStart Date   `json:"planned_start,omitempty"`
	PlannedEnd   Date   `json:"planned_end,omitempty"`
	ActualStart  Date   `json:"actual_start,omitempty"`
	ActualEnd    Date   `json:"actual_end,omitempty"`
	Percent      int    `json:"percent"`
}

// Done reports whether the phase is closed.
func (p Phase) Done() bool { return p.ActualEnd != "" }

// Milestone is a dated checkpoint. Forecast is the current expected date; it equals
// Planned until someone moves it.
type Milestone struct {
	Name     string `json:"name"`
	Planned  Date   `json:"planned"`
	Forecast Date   `json:"forecast"`
	Done     bool   `json:"done"`
	// GoLive marks the go-live milestone (days-to-go-live and slip are measured on it).
	GoLive bool `json:"go_live,omitempty"`
	// Reason is why the forecast last moved.
	Reason string `json:"reason,omitempty"`
}

// Risk is an open or closed project risk.
type Risk struct {
	ID          int    `json:"id"`
	Description string `json:"description"`
	Level       string `json:"level"`
	Owner       string `json:"owner,omitempty"`
	Mitigation  string `json:"mitigation,omitempty"`
	Closed      bool   `json:"closed"`
}

// SLATarget is the response and resolution time for one ticket priority.
type SLATarget struct {
	FirstResponse time.Duration `json:"first_response"`
	Resolution    time.Duration `json:"resolution"`
}

// Project is one implementation project.
type Project struct {
	ID         string               `json:"id"`
	Name       string               `json:"name"`
	Aliases    []string             `json:"aliases,omitempty"`
	Client     string               `json:"client,omitempty"`
	PM         string               `json:"pm"`
	Oncall     string               `json:"oncall,omitempty"`
	Products   []string             `json:"products,omitempty"`
	Members    []Member             `json:"members"`
	Phases     []Phase              `json:"phases"`
	Milestones []Milestone          `json:"milestones,omitempty"`
	Risks      []Risk               `json:"risks,omitempty"`
	SLA        map[string]SLATarget `json:"sla,omitempty"`
}

// Member returns the membership of a user.
func (p *Project) Member(userID string) (Member, bool) {
	for _, m := range p.Members {
		if m.User == userID {
			return m, true
		}
	}
	return Member{}, false
}

// Phase returns a pointer to the named phase, or nil.
func (p *Project) Phase(name string) *Phase {
	for i := range p.Phases {
		if p.Phases[i].Name == name {
			return &p.Phases[i]
		}
	}
	return nil
}

// CurrentPhase is the first phase not closed; when all are closed, the last one.
func (p *Project) CurrentPhase() (index int, ph Phase) {
	for i, x := range p.Phases {
		if !x.Done() {
			return i, x
		}
	}
	if len(p.Phases) == 0 {
		return -1, Phase{}
	}
	return len(p.Phases) - 1, p.Phases[len(p.Phases)-1]
}

// Milestone returns a pointer to the named milestone, or nil.
func (p *Project) Milestone(name string) *Milestone {
	for i := range p.Milestones {
		if p.Milestones[i].Name == name {
			return &p.Milestones[i]
		}
	}
	return nil
}

// GoLive returns the go-live milestone: the one flagged go_live, else one named
// 上线/正式上线, else nil.
func (p *Project) GoLive() *Milestone {
	for i := range p.Milestones {
		if p.Milestones[i].GoLive {
			return &p.Milestones[i]
		}
	}
	for i := range p.Milestones {
		if n := p.Milestones[i].Name; n == "上线" || n == "正式上线" {
			return &p.Milestones[i]
		}
	}
	return nil
}

// Risk returns a pointer to the risk with the ID, or nil.
func (p *Project) Risk(id int) *Risk {
	for i := range p.Risks {
		if p.Risks[i].ID == id {
			return &p.Risks[i]
		}
	}
	return nil
}

// Clone returns a deep copy so overlays never mutate the loaded file data.
func (p Project) Clone() Project {
	c := p
	c.Aliases = append([]string(nil), p.Aliases...)
	c.Products = append([]string(nil), p.Products...)
	c.Members = append([]Member(nil), p.Members...)
	c.Phases = append([]Phase(nil), p.Phases...)
	c.Milestones = append([]Milestone(nil), p.Milestones...)
	c.Risks = append([]Risk(nil), p.Risks...)
	if p.SLA != nil {
		c.SLA = make(map[string]SLATarget, len(p.SLA))
		for k, v := range p.SLA {
			c.SLA[k] = v
		}
	}
	return c
}

// Data is a validated registry file.
type Data struct {
	Users    []User    `json:"users"`
	Projects []Project `json:"projects"`
}

// User looks a user up by ID.
func (d *Data) User(id string) (User, bool) {
	for _, u := range d.Users {
		if u.ID == id {
			return u, true
		}
	}
	return User{}, false
}

// Project looks a project up by ID.
func (d *Data) Project(id string) (Project, bool) {
	for _, p := range d.Projects {
		if p.ID == id {
			return p, true
		}
	}
	return Project{}, false
}
