package registry

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"deliverybot/bot"
	"deliverybot/bot/dates"
)

// Problem is one precise validation error.
type Problem struct {
	File  string `json:"file"`
	Line  int    `json:"line"`
	Field string `json:"field"`
	Msg   string `json:"message"`
}

func (p Problem) String() string {
	if p.Field == "" {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Field, p.Msg)
}

// ValidationError lists every problem found in a registry file, one per line in
// the form "file:line: field: problem".
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// LoadFile reads and validates a registry file: YAML, or an Excel workbook when the
// name ends in .xlsx.
func LoadFile(path string) (*Data, error) {
	if strings.HasSuffix(strings.ToLower(path), ".xlsx") {
		schema, err := ReadExcel(path)
		if err != nil {
			return nil, err
		}
		return Validate(path, schema)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, b)
}

// Parse decodes and validates YAML registry content; name is used in error messages.
func Parse(name string, content []byte) (*Data, error) {
	var schema FileSchema
	if err := yaml.Unmarshal(content, &schema); err != nil {
		return nil, yamlProblems(name, err)
	}
	return Validate(name, &schema)
}

var reYAMLLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlProblems turns yaml.v3 syntax/type errors into Problems with line numbers.
func yamlProblems(name string, err error) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	ve := &ValidationError{}
	for _, m := range msgs {
		p := Problem{File: name, Msg: "YAML 格式错误：" + m}
		if sm := reYAMLLine.FindStringSubmatch(m); sm != nil {
			p.Line, _ = strconv.Atoi(sm[1])
			p.Msg = "YAML 格式错误：" + sm[2]
		}
		ve.Problems = append(ve.Problems, p)
	}
	return ve
}

// validator accumulates problems while converting the schema to Data.
type validator struct {
	file     string
	problems []Problem
}

func (v *validator) add(p pos, key, field, format string, args ...any) {
	file := v.file
	if p.File != "" {
		file = p.File
	}
	v.problems = append(v.problems, Problem{File: file, Line: p.at(key), Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) unknown(p pos, path string) {
	for _, k := range p.Unknown {
		v.add(p, k, path+"."+k, "未知字段")
	}
}

// Validate checks a decoded schema and converts it to Data. All problems are
// reported together in a *ValidationError.
func Validate(name string, s *FileSchema) (*Data, error) {
	v := &validator{file: name}
	for _, k := range s.pos.Unknown {
		v.add(s.pos, k, k, "未知字段")
	}
	d := &Data{}
	users := map[string]bool{}
	for i, ru := range s.Users {
		path := fmt.Sprintf("users[%d]", i)
		v.unknown(ru.pos, path)
		id := strings.TrimSpace(ru.ID)
		switch {
		case id == "":
			v.add(ru.pos, "id", path+".id", "缺少用户 ID")
			continue
		case users[id]:
			v.add(ru.pos, "id", path+".id", "用户 %q 重复", id)
			continue
		}
		users[id] = true
		if strings.TrimSpace(ru.Name) == "" {
			v.add(ru.pos, "name", path+".name", "缺少姓名")
		}
		d.Users = append(d.Users, User{ID: id, Name: strings.TrimSpace(ru.Name), Department: strings.TrimSpace(ru.Department)})
	}
	projects := map[string]bool{}
	for i := range s.Projects {
		rp := &s.Projects[i]
		path := fmt.Sprintf("projects[%d]", i)
		id := strings.TrimSpace(rp.ID)
		if id != "" {
			if projects[id] {
				v.add(rp.pos, "id", path+".id", "项目 %q 重复", id)
				continue
			}
			projects[id] = true
		}
		if p, ok := v.project(rp, path, users); ok {
			d.Projects = append(d.Projects, p)
		}
	}
	if len(v.problems) > 0 {
		return nil, &ValidationError{Problems: v.problems}
	}
	return d, nil
}

func (v *validator) project(rp *RawProject, path string, users map[string]bool) (Project, bool) {
	before := len(v.problems)
	v.unknown(rp.pos, path)
	p := Project{
		ID:       strings.TrimSpace(rp.ID),
		Name:     strings.TrimSpace(rp.Name),
		Client:   strings.TrimSpace(rp.Client),
		PM:       strings.TrimSpace(rp.PM),
		Oncall:   strings.TrimSpace(rp.Oncall),
		Aliases:  trimAll(rp.Aliases),
		Products: trimAll(rp.Products),
	}
	if p.ID == "" {
		v.add(rp.pos, "id", path+".id", "缺少项目 ID")
	}
	if p.Name == "" {
		v.add(rp.pos, "name", path+".name", "缺少项目名称")
	}
	seen := map[string]bool{}
	for j, rm := range rp.Members {
		mpath := fmt.Sprintf("%s.members[%d]", path, j)
		v.unknown(rm.pos, mpath)
		m := Member{User: strings.TrimSpace(rm.User), Role: bot.Role(strings.TrimSpace(rm.Role))}
		switch {
		case m.User == "":
			v.add(rm.pos, "user", mpath+".user", "缺少成员用户 ID")
		case !users[m.User]:
			v.add(rm.pos, "user", mpath+".user", "成员 %q 不在 users 中", m.User)
		case seen[m.User]:
			v.add(rm.pos, "user", mpath+".user", "成员 %q 在本项目中重复", m.User)
		}
		seen[m.User] = true
		switch m.Role {
		case bot.RoleClientStaff, bot.RoleClientLead, bot.RolePM, bot.RoleEngineer:
		default:
			v.add(rm.pos, "role", mpath+".role", "未知角色 %q（可用：client_staff、client_lead、pm、engineer）", rm.Role)
		}
		ccb, ok := parseBool(rm.CCB)
		if !ok {
			v.add(rm.pos, "ccb", mpath+".ccb", "应为 true 或 false，实际为 %q", rm.CCB)
		}
		m.CCB = ccb
		p.Members = append(p.Members, m)
	}
	switch {
	case p.PM == "":
		v.add(rp.pos, "pm", path+".pm", "缺少项目经理")
	case !users[p.PM]:
		v.add(rp.pos, "pm", path+".pm", "项目经理 %q 不在 users 中", p.PM)
	default:
		if m, ok := p.Member(p.PM); !ok || m.Role != bot.RolePM {
			v.add(rp.pos, "pm", path+".pm", "项目经理 %q 必须是本项目 role 为 pm 的成员", p.PM)
		}
	}
	if p.Oncall != "" {
		if !users[p.Oncall] {
			v.add(rp.pos, "oncall", path+".oncall", "值班工程师 %q 不在 users 中", p.Oncall)
		} else if _, ok := p.Member(p.Oncall); !ok {
			v.add(rp.pos, "oncall", path+".oncall", "值班工程师 %q 不是本项目成员", p.Oncall)
		}
	}
	p.Phases = v.phases(rp, path)
	p.Milestones = v.milestones(rp, path)
	p.Risks = v.risks(rp, path, users)
	p.SLA = v.sla(rp, path)
	return p, len(v.problems) == before
}

// phases returns all five phases in order; phases missing from the file are empty.
func (v *validator) phases(rp *RawProject, path string) []Phase {
	out := make([]Phase, len(PhaseNames))
	for i, n := range PhaseNames {
		out[i].Name = n
	}
	seen := map[string]bool{}
	for j, rph := range rp.Phases {
		ppath := fmt.Sprintf("%s.phases[%d]", path, j)
		v.unknown(rph.pos, ppath)
		name := strings.TrimSpace(rph.Name)
		idx := PhaseIndex(name)
		if idx < 0 {
			v.add(rph.pos, "name", ppath+".name", "未知阶段 %q（应为 %s 之一）", rph.Name, strings.Join(PhaseNames, "、"))
			continue
		}
		if seen[name] {
			v.add(rph.pos, "name", ppath+".name", "阶段 %q 重复", name)
			continue
		}
		seen[name] = true
		ph := &out[idx]
		ph.PlannedStart = v.date(rph.pos, "planned_start", ppath, rph.PlannedStart)
		ph.PlannedEnd = v.date(rph.pos, "planned_end", ppath, rph.PlannedEnd)
		ph.ActualStart = v.date(rph.pos, "actual_start", ppath, rph.ActualStart)
		ph.ActualEnd = v.date(rph.pos, "actual_end", ppath, rph.ActualEnd)
		if ph.PlannedStart != "" && ph.PlannedEnd != "" && ph.PlannedEnd < ph.PlannedStart {
			v.add(rph.pos, "planned_end", ppath+".planned_end", "计划结束 %s 早于计划开始 %s", ph.PlannedEnd, ph.PlannedStart)
		}
		if ph.ActualStart != "" && ph.ActualEnd != "" && ph.ActualEnd < ph.ActualStart {
			v.add(rph.pos, "actual_end", ppath+".actual_end", "实际结束 %s 早于实际开始 %s", ph.ActualEnd, ph.ActualStart)
		}
		pct, ok := parsePercent(rph.Percent)
		if !ok {
			v.add(rph.pos, "percent", ppath+".percent", "完成度应为 0–100 的整数，实际为 %q", rph.Percent)
		}
		ph.Percent = pct
		if ph.ActualEnd != "" {
			ph.Percent = 100 // a closed phase is complete whatever the file says
		}
	}
	return out
}

func (v *validator) milestones(rp *RawProject, path string) []Milestone {
	var out []Milestone
	seen := map[string]bool{}
	for j, rm := range rp.Milestones {
		mpath := fmt.Sprintf("%s.milestones[%d]", path, j)
		v.unknown(rm.pos, mpath)
		m := Milestone{Name: strings.TrimSpace(rm.Name), Reason: strings.TrimSpace(rm.Reason)}
		switch {
		case m.Name == "":
			v.add(rm.pos, "name", mpath+".name", "缺少里程碑名称")
		case seen[m.Name]:
			v.add(rm.pos, "name", mpath+".name", "里程碑 %q 重复", m.Name)
		}
		seen[m.Name] = true
		m.Planned = v.date(rm.pos, "planned", mpath, rm.Planned)
		if m.Planned == "" && strings.TrimSpace(rm.Planned) == "" {
			v.add(rm.pos, "planned", mpath+".planned", "缺少计划日期")
		}
		m.Forecast = v.date(rm.pos, "forecast", mpath, rm.Forecast)
		if m.Forecast == "" {
			m.Forecast = m.Planned
		}
		var ok bool
		if m.Done, ok = parseBool(rm.Done); !ok {
			v.add(rm.pos, "done", mpath+".done", "应为 true 或 false，实际为 %q", rm.Done)
		}
		if m.GoLive, ok = parseBool(rm.GoLive); !ok {
			v.add(rm.pos, "go_live", mpath+".go_live", "应为 true 或 false，实际为 %q", rm.GoLive)
		}
		out = append(out, m)
	}
	return out
}

func (v *validator) risks(rp *RawProject, path string, users map[string]bool) []Risk {
	var out []Risk
	seen := map[int]bool{}
	for j, rr := range rp.Risks {
		rpath := fmt.Sprintf("%s.risks[%d]", path, j)
		v.unknown(rr.pos, rpath)
		r := Risk{Description: strings.TrimSpace(rr.Description), Level: strings.TrimSpace(rr.Level),
			Owner: strings.TrimSpace(rr.Owner), Mitigation: strings.TrimSpace(rr.Mitigation)}
		id, err := strconv.Atoi(strings.TrimSpace(rr.ID))
		switch {
		case err != nil || id <= 0:
			v.add(rr.pos, "id", rpath+".id", "风险编号应为正整数，实际为 %q", rr.ID)
		case seen[id]:
			v.add(rr.pos, "id", rpath+".id", "风险编号 %d 重复", id)
		}
		seen[id] = true
		r.ID = id
		if r.Description == "" {
			v.add(rr.pos, "description", rpath+".description", "缺少风险描述")
		}
		if !validLevel(r.Level) {
			v.add(rr.pos, "level", rpath+".level", "风险等级应为 高、中 或 低，实际为 %q", rr.Level)
		}
		if r.Owner != "" && !users[r.Owner] {
			v.add(rr.pos, "owner", rpath+".owner", "负责人 %q 不在 users 中", r.Owner)
		}
		var ok bool
		if r.Closed, ok = parseBool(rr.Closed); !ok {
			v.add(rr.pos, "closed", rpath+".closed", "应为 true 或 false，实际为 %q", rr.Closed)
		}
		out = append(out, r)
	}
	return out
}

func (v *validator) sla(rp *RawProject, path string) map[string]SLATarget {
	if len(rp.SLA) == 0 {
		return nil
	}
	out := map[string]SLATarget{}
	for _, prio := range sortedKeys(rp.SLA) {
		rs := rp.SLA[prio]
		spath := path + ".sla." + prio
		v.unknown(rs.pos, spath)
		if !validPriority(prio) {
			v.add(rs.pos, "", spath, "未知优先级（应为 P1、P2、P3、P4）")
			continue
		}
		fr, err1 := ParseDuration(rs.FirstResponse)
		if err1 != nil {
			v.add(rs.pos, "first_response", spath+".first_response", "%v", err1)
		}
		res, err2 := ParseDuration(rs.Resolution)
		if err2 != nil {
			v.add(rs.pos, "resolution", spath+".resolution", "%v", err2)
		}
		out[prio] = SLATarget{FirstResponse: fr, Resolution: res}
	}
	return out
}

// date validates an optional ISO date field.
func (v *validator) date(p pos, key, path, s string) Date {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	t, err := time.Parse(dates.ISO, s)
	if err != nil {
		v.add(p, key, path+"."+key, "日期无效 %q（应为 YYYY-MM-DD）", s)
		return ""
	}
	return Date(t.Format(dates.ISO))
}

// ParseDuration reads "30m", "4h", "1h30m" or whole days "2d".
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("缺少时长")
	}
	if strings.HasSuffix(s, "d") {
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("时长无效 %q（例：30m、4h、2d）", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("时长无效 %q（例：30m、4h、2d）", s)
	}
	return d, nil
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "false", "no", "n", "0", "否", "off":
		return false, true
	case "true", "yes", "y", "1", "是", "on":
		return true, true
	}
	return false, false
}

func parsePercent(s string) (int, bool) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 100 {
		return 0, false
	}
	return n, true
}

func validLevel(l string) bool { return l == LevelHigh || l == LevelMedium || l == LevelLow }

func validPriority(p string) bool {
	for _, x := range Priorities {
		if p == x {
			return true
		}
	}
	return false
}

func trimAll(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
