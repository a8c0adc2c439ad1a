package registry

import (
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// WriteExcel writes d as a workbook ReadExcel reads back: a template PMs can edit.
func WriteExcel(d *Data, path string) error {
	f := excelize.NewFile()
	defer f.Close()
	sheets := []struct {
		name string
		rows [][]any
	}{
		{"用户", [][]any{{"id", "name", "department"}}},
		{"项目", [][]any{{"id", "name", "aliases", "client", "pm", "oncall", "products"}}},
		{"成员", [][]any{{"project", "user", "role", "ccb"}}},
		{"阶段", [][]any{{"project", "name", "planned_start", "planned_end", "actual_start", "actual_end", "percent"}}},
		{"里程碑", [][]any{{"project", "name", "planned", "forecast", "done", "go_live", "reason"}}},
		{"风险", [][]any{{"project", "id", "description", "level", "owner", "mitigation", "closed"}}},
		{"sla", [][]any{{"project", "priority", "first_response", "resolution"}}},
	}
	add := func(i int, row ...any) { sheets[i].rows = append(sheets[i].rows, row) }
	for _, u := range d.Users {
		add(0, u.ID, u.Name, u.Department)
	}
	for _, p := range d.Projects {
		add(1, p.ID, p.Name, strings.Join(p.Aliases, "、"), p.Client, p.PM, p.Oncall, strings.Join(p.Products, "、"))
		for _, m := range p.Members {
			add(2, p.ID, m.User, string(m.Role), strconv.FormatBool(m.CCB))
		}
		for _, ph := range p.Phases {
			add(3, p.ID, ph.Name, string(ph.PlannedStart), string(ph.PlannedEnd), string(ph.ActualStart), string(ph.ActualEnd), strconv.Itoa(ph.Percent))
		}
		for _, m := range p.Milestones {
			add(4, p.ID, m.Name, string(m.Planned), string(m.Forecast), strconv.FormatBool(m.Done), strconv.FormatBool(m.GoLive), m.Reason)
		}
		for _, r := range p.Risks {
			add(5, p.ID, strconv.Itoa(r.ID), r.Description, r.Level, r.Owner, r.Mitigation, strconv.FormatBool(r.Closed))
		}
		for _, prio := range sortedKeys(p.SLA) {
			t := p.SLA[prio]
			add(6, p.ID, prio, t.FirstResponse.String(), t.Resolution.String())
		}
	}
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sh.name); err != nil {
			return err
		}
		for r, row := range sh.rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			// Values are strings, so IDs like "00123" and dates are stored as text.
			if err := f.SetSheetRow(sh.name, cell, &row); err != nil {
				return err
			}
		}
	}
	return f.SaveAs(path)
}
