package registry

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"gopkg.in/yaml.v3"

	"deliverybot/bot/dates"
)

// Excel import. A workbook has one sheet per table, a header row of field names
// (English keys as in projects.yaml, or the Chinese labels below) and one row per
// item. Child sheets name their project in a "project"/"项目ID" column. Sheets:
//
//	users/用户         id, name, department
//	projects/项目      id, name, aliases, client, pm, oncall, products (lists split on , ， 、 ;)
//	members/成员       project, user, role, ccb
//	phases/阶段        project, name, planned_start, planned_end, actual_start, actual_end, percent
//	milestones/里程碑  project, name, planned, forecast, done, go_live, reason
//	risks/风险         project, id, description, level, owner, mitigation, closed
//	sla/SLA            project, priority, first_response, resolution
//
// Errors point at "file.xlsx#sheet:row".

var sheetAliases = map[string]string{
	"users": "users", "用户": "users", "人员": "users",
	"projects": "projects", "项目": "projects",
	"members": "members", "成员": "members",
	"phases": "phases", "阶段": "phases",
	"milestones": "milestones", "里程碑": "milestones",
	"risks": "risks", "风险": "risks",
	"sla": "sla",
}

var headerAliases = map[string]string{
	"用户id": "user_or_id", "用户ID": "user_or_id", "编号": "id", "ID": "id", "项目ID": "project_or_id",
	"姓名": "name", "名称": "name", "阶段": "name", "里程碑": "name", "部门": "department",
	"别名": "aliases", "客户": "client", "项目经理": "pm", "值班工程师": "oncall", "产品": "products",
	"项目": "project", "用户": "user", "成员": "user", "角色": "role", "CCB": "ccb",
	"计划开始": "planned_start", "计划结束": "planned_end", "实际开始": "actual_start", "实际结束": "actual_end",
	"完成度": "percent", "计划日期": "planned", "预计日期": "forecast", "预测日期": "forecast",
	"已完成": "done", "完成": "done", "上线": "go_live", "原因": "reason",
	"描述": "description", "等级": "level", "负责人": "owner", "应对措施": "mitigation", "已关闭": "closed",
	"优先级": "priority", "首次响应": "first_response", "解决时限": "resolution",
}

type sheetRow struct {
	pos    pos
	values map[string]string
}

// ReadExcel reads a workbook into the file schema; Validate then checks it.
func ReadExcel(path string) (*FileSchema, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	name := filepath.Base(path)
	tables := map[string][]sheetRow{}
	for _, sheet := range f.GetSheetList() {
		kind, ok := sheetAliases[strings.ToLower(strings.TrimSpace(sheet))]
		if !ok {
			kind, ok = sheetAliases[strings.TrimSpace(sheet)]
		}
		if !ok {
			continue // notes, instructions…
		}
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, err
		}
		tables[kind] = append(tables[kind], readSheet(name+"#"+sheet, kind, rows)...)
	}
	return buildSchema(name, tables)
}

func readSheet(file, kind string, rows [][]string) []sheetRow {
	if len(rows) == 0 {
		return nil
	}
	header := make([]string, len(rows[0]))
	for i, h := range rows[0] {
		h = strings.TrimSpace(h)
		if k, ok := headerAliases[h]; ok {
			h = k
		}
		if h == "project_or_id" { // "项目ID" is the key on the projects sheet, the parent elsewhere
			h = "project"
			if kind == "projects" {
				h = "id"
			}
		}
		if h == "user_or_id" { // "用户ID" is the key on the users sheet, a member elsewhere
			h = "user"
			if kind == "users" {
				h = "id"
			}
		}
		header[i] = strings.ToLower(h)
	}
	var out []sheetRow
	for r, row := range rows[1:] {
		sr := sheetRow{pos: pos{File: file, Line: r + 2, Keys: map[string]int{}}, values: map[string]string{}}
		empty := true
		for i, v := range row {
			if i >= len(header) || header[i] == "" {
				continue
			}
			v = strings.TrimSpace(v)
			if v != "" {
				empty = false
			}
			sr.values[header[i]] = v
			sr.pos.Keys[header[i]] = r + 2
		}
		if !empty {
			out = append(out, sr)
		}
	}
	return out
}

func buildSchema(name string, t map[string][]sheetRow) (*FileSchema, error) {
	s := &FileSchema{}
	for _, r := range t["users"] {
		s.Users = append(s.Users, RawUser{ID: r.values["id"], Name: r.values["name"], Department: r.values["department"], pos: r.pos})
	}
	index := map[string]int{}
	for _, r := range t["projects"] {
		v := r.values
		index[v["id"]] = len(s.Projects)
		s.Projects = append(s.Projects, RawProject{ID: v["id"], Name: v["name"], Client: v["client"], PM: v["pm"],
			Oncall: v["oncall"], Aliases: splitList(v["aliases"]), Products: splitList(v["products"]), pos: r.pos})
	}
	var problems []Problem
	parent := func(r sheetRow) *RawProject {
		i, ok := index[r.values["project"]]
		if !ok {
			problems = append(problems, Problem{File: r.pos.File, Line: r.pos.Line, Field: "project",
				Msg: fmt.Sprintf("项目 %q 不在项目表中", r.values["project"])})
			return nil
		}
		return &s.Projects[i]
	}
	for _, r := range t["members"] {
		if p := parent(r); p != nil {
			v := r.values
			p.Members = append(p.Members, RawMember{User: v["user"], Role: v["role"], CCB: v["ccb"], pos: r.pos})
		}
	}
	for _, r := range t["phases"] {
		if p := parent(r); p != nil {
			v := r.values
			p.Phases = append(p.Phases, RawPhase{Name: v["name"], PlannedStart: excelDate(v["planned_start"]),
				PlannedEnd: excelDate(v["planned_end"]), ActualStart: excelDate(v["actual_start"]),
				ActualEnd: excelDate(v["actual_end"]), Percent: excelPercent(v["percent"]), pos: r.pos})
		}
	}
	for _, r := range t["milestones"] {
		if p := parent(r); p != nil {
			v := r.values
			p.Milestones = append(p.Milestones, RawMilestone{Name: v["name"], Planned: excelDate(v["planned"]),
				Forecast: excelDate(v["forecast"]), Done: v["done"], GoLive: v["go_live"], Reason: v["reason"], pos: r.pos})
		}
	}
	for _, r := range t["risks"] {
		if p := parent(r); p != nil {
			v := r.values
			p.Risks = append(p.Risks, RawRisk{ID: v["id"], Description: v["description"], Level: v["level"],
				Owner: v["owner"], Mitigation: v["mitigation"], Closed: v["closed"], pos: r.pos})
		}
	}
	for _, r := range t["sla"] {
		if p := parent(r); p != nil {
			v := r.values
			if p.SLA == nil {
				p.SLA = map[string]RawSLA{}
			}
			p.SLA[strings.ToUpper(v["priority"])] = RawSLA{FirstResponse: v["first_response"], Resolution: v["resolution"], pos: r.pos}
		}
	}
	if len(problems) > 0 {
		return nil, &ValidationError{Problems: problems}
	}
	return s, nil
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' })
}

// excelDate turns a date serial ("46376") or "2026/12/20" into ISO; anything else is
// passed through for the validator to reject with its position.
func excelDate(s string) string {
	if s == "" {
		return ""
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 1000 {
		if t, err := excelize.ExcelDateToTime(f, false); err == nil {
			return t.Format(dates.ISO)
		}
	}
	for _, layout := range []string{dates.ISO, "2006/1/2", "2006-1-2", "2006.1.2", "2006年1月2日"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(dates.ISO)
		}
	}
	return s
}

// excelPercent accepts 80, "80%" and a percent-formatted cell's raw 0.8.
func excelPercent(s string) string {
	if strings.Contains(s, ".") && !strings.HasSuffix(s, "%") {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 && f <= 1 {
			return strconv.Itoa(int(f*100 + 0.5))
		}
	}
	return s
}

// ExcelToYAML converts a workbook to projects.yaml content, after validating it.
func ExcelToYAML(path string) ([]byte, error) {
	s, err := ReadExcel(path)
	if err != nil {
		return nil, err
	}
	if _, err := Validate(path, s); err != nil {
		return nil, err
	}
	out, err := yaml.Marshal(s)
	if err != nil {
		return nil, err
	}
	header := "# Imported from " + filepath.Base(path) + ". User IDs are strings: keep them quoted.\n"
	return append([]byte(header), out...), nil
}
