package registry

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// writeWorkbook creates an .xlsx with the given sheets (first row = header).
func writeWorkbook(t *testing.T, sheets map[string][][]any) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	first := true
	for name, rows := range sheets {
		if first {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
			first = false
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for i, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "projects.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func workbook() map[string][][]any {
	return map[string][][]any{
		"用户": {{"用户ID", "姓名", "部门"}, {"00123", "李强", "交付中心"}, {"pm1", "王敏", "交付中心"}},
		"项目": {{"项目ID", "名称", "别名", "客户", "项目经理", "值班工程师", "产品"},
			{"p1", "测试项目", "测试、演示", "某客户", "pm1", "00123", "企业微信，腾讯会议"}},
		"成员":  {{"项目ID", "用户", "角色", "CCB"}, {"p1", "pm1", "pm", "是"}, {"p1", "00123", "engineer", ""}},
		"阶段":  {{"项目ID", "阶段", "计划开始", "计划结束", "完成度"}, {"p1", "需求调研", "2026/11/2", "2026-11-13", "0.6"}},
		"里程碑": {{"project", "name", "planned", "go_live"}, {"p1", "上线", "2027-01-15", "true"}},
	}
}

func TestReadExcel(t *testing.T) {
	path := writeWorkbook(t, workbook())
	d, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p := d.Projects[0]
	if _, ok := d.User("00123"); !ok || p.Oncall != "00123" {
		t.Errorf("leading zeros lost: %+v", d.Users)
	}
	if len(p.Aliases) != 2 || len(p.Products) != 2 || !p.Members[0].CCB {
		t.Errorf("project = %+v", p)
	}
	if ph := p.Phases[0]; ph.PlannedStart != "2026-11-02" || ph.Percent != 60 {
		t.Errorf("phase = %+v", ph)
	}
	if p.GoLive() == nil {
		t.Error("go-live milestone missing")
	}
}

func TestReadExcelErrorsPointAtSheetRow(t *testing.T) {
	wb := workbook()
	wb["成员"] = append(wb["成员"], []any{"p1", "nobody", "engineer", ""})
	_, err := LoadFile(writeWorkbook(t, wb))
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 {
		t.Fatalf("err = %v", err)
	}
	if got := ve.Problems[0].String(); !strings.HasPrefix(got, `projects.xlsx#成员:4: projects[0].members[2].user: 成员 "nobody" 不在 users 中`) {
		t.Errorf("problem = %s", got)
	}
}

func TestExcelToYAMLRoundTrips(t *testing.T) {
	out, err := ExcelToYAML(writeWorkbook(t, workbook()))
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse("imported.yaml", out)
	if err != nil {
		t.Fatalf("imported YAML invalid: %v\n%s", err, out)
	}
	if _, ok := d.User("00123"); !ok || d.Projects[0].Phases[0].Percent != 60 || d.Projects[0].GoLive() == nil {
		t.Fatalf("round trip lost data:\n%s", out)
	}
}

func TestWriteExcelRoundTripsDemo(t *testing.T) {
	d := demoDataForExcel(t)
	path := filepath.Join(t.TempDir(), "demo.xlsx")
	if err := WriteExcel(d, path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadFile(path)
	if err != nil {
		t.Fatalf("exported workbook invalid: %v", err)
	}
	a, _ := json.Marshal(d)
	b, _ := json.Marshal(back)
	if string(a) != string(b) {
		t.Fatalf("round trip changed data:\n%s\n%s", a, b)
	}
}

func demoDataForExcel(t *testing.T) *Data {
	t.Helper()
	d, err := LoadFile(demoPath(t))
	if err != nil {
		t.Fatal(err)
	}
	return d
}
