package registry

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// base is a minimal valid file; cases below change one line of it.
const base = `users:
  - id: "pm1"
    name: 王敏
  - id: "00123"
    name: 李强
  - id: "c1"
    name: 周红
projects:
  - id: p1
    name: 测试项目
    pm: "pm1"
    oncall: "00123"
    members:
      - {user: "pm1", role: pm, ccb: true}
      - {user: "00123", role: engineer}
      - {user: "c1", role: client_staff}
    phases:
      - {name: 需求调研, planned_start: 2026-11-02, planned_end: 2026-11-13, percent: 50}
    milestones:
      - {name: 上线, planned: 2027-01-15, go_live: true}
    risks:
      - {id: 1, description: 人手不足, level: 高}
    sla:
      P1: {first_response: 30m, resolution: 4h}
`

func TestParseValidBase(t *testing.T) {
	d, err := Parse("projects.yaml", []byte(base))
	if err != nil {
		t.Fatalf("base invalid: %v", err)
	}
	p := d.Projects[0]
	if len(p.Phases) != 5 || p.Phases[0].Percent != 50 || p.Phases[0].PlannedEnd != "2026-11-13" {
		t.Errorf("phases = %+v", p.Phases)
	}
	if p.SLA["P1"].Resolution != 4*time.Hour {
		t.Errorf("SLA = %+v", p.SLA)
	}
	if m := p.GoLive(); m == nil || m.Forecast != "2027-01-15" {
		t.Errorf("go-live = %+v, want forecast defaulted to planned", m)
	}
}

func TestUnquotedLeadingZerosSurvive(t *testing.T) {
	src := strings.ReplaceAll(base, `"00123"`, `00123`)
	d, err := Parse("projects.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d.User("00123"); !ok {
		t.Fatalf("users = %+v", d.Users)
	}
	if d.Projects[0].Oncall != "00123" {
		t.Fatalf("oncall = %q", d.Projects[0].Oncall)
	}
}

func TestInvalidFilesGiveOnePreciseError(t *testing.T) {
	tests := []struct {
		name, old, new string
		want           string // exact "file:line: field: problem" prefix
	}{
		{"bad date", "planned_end: 2026-11-13", "planned_end: 2026-11-31",
			`projects.yaml:18: projects[0].phases[0].planned_end: 日期无效 "2026-11-31"`},
		{"unknown phase", "{name: 需求调研,", "{name: 需求分析,",
			`projects.yaml:18: projects[0].phases[0].name: 未知阶段 "需求分析"`},
		{"duplicate user", "    name: 周红\n", "    name: 周红\n  - id: \"pm1\"\n    name: 王敏二\n",
			`projects.yaml:8: users[3].id: 用户 "pm1" 重复`},
		{"member not in users", `{user: "c1", role: client_staff}`, `{user: "c9", role: client_staff}`,
			`projects.yaml:16: projects[0].members[2].user: 成员 "c9" 不在 users 中`},
		{"unknown role", `role: client_staff}`, `role: boss}`,
			`projects.yaml:16: projects[0].members[2].role: 未知角色 "boss"`},
		{"pm not a pm member", `pm: "pm1"`, `pm: "c1"`,
			`projects.yaml:11: projects[0].pm: 项目经理 "c1" 必须是本项目 role 为 pm 的成员`},
		{"oncall not in users", `oncall: "00123"`, `oncall: "0123"`,
			`projects.yaml:12: projects[0].oncall: 值班工程师 "0123" 不在 users 中`},
		{"bad percent", "percent: 50", "percent: 150",
			`projects.yaml:18: projects[0].phases[0].percent: 完成度应为 0–100 的整数`},
		{"bad risk level", "level: 高", "level: 严重",
			`projects.yaml:22: projects[0].risks[0].level: 风险等级应为 高、中 或 低`},
		{"bad sla duration", "resolution: 4h", "resolution: 4小时",
			`projects.yaml:24: projects[0].sla.P1.resolution: 时长无效 "4小时"`},
		{"unknown priority", "P1: {", "P9: {",
			`projects.yaml:24: projects[0].sla.P9: 未知优先级`},
		{"unknown field", "    oncall:", "    on_call:",
			`projects.yaml:12: projects[0].on_call: 未知字段`},
		{"bad bool", "ccb: true", "ccb: maybe",
			`projects.yaml:14: projects[0].members[0].ccb: 应为 true 或 false`},
		{"syntax", "    members:\n", "    members: [\n",
			`projects.yaml:`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(base, tc.old, tc.new, 1)
			if src == base {
				t.Fatalf("case did not change the file (%q not found)", tc.old)
			}
			_, err := Parse("projects.yaml", []byte(src))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want *ValidationError", err)
			}
			if len(ve.Problems) != 1 {
				t.Fatalf("got %d problems, want exactly 1:\n%v", len(ve.Problems), err)
			}
			if got := ve.Problems[0].String(); !strings.HasPrefix(got, tc.want) {
				t.Errorf("problem = %s\nwant prefix  %s", got, tc.want)
			}
			if ve.Problems[0].Line == 0 {
				t.Errorf("problem has no line: %s", ve.Problems[0])
			}
		})
	}
}

func TestSeveralProblemsAllReported(t *testing.T) {
	src := strings.Replace(base, "planned_end: 2026-11-13", "planned_end: tomorrow", 1)
	src = strings.Replace(src, "level: 高", "level: x", 1)
	_, err := Parse("p.yaml", []byte(src))
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 2 {
		t.Fatalf("want 2 problems, got %v", err)
	}
	if !strings.Contains(err.Error(), "\n") {
		t.Errorf("problems should be one per line: %q", err)
	}
}
