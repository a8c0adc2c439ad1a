package ticket_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"deliverybot/handlers/ticket"
)

func runCLI(t *testing.T, e *env, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := ticket.RunCLI(context.Background(), args, &out, &errOut, e.store)
	return out.String() + errOut.String(), err
}

func TestCLI(t *testing.T) {
	e := newEnv(t)
	first := e.file(reporter, "三楼打印机又卡纸了")
	second := e.file(reporter, "审批流程打不开，提示网络错误")
	e.say(engineer, "受理 "+first)

	out, err := runCLI(t, e, "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("list --json is not JSON: %v\n%s", err, out)
	}
	if len(list) != 2 || list[0]["id"] != first || list[0]["status"] != "已受理" || list[1]["id"] != second ||
		list[1]["status"] != "新建" {
		t.Fatalf("list = %v", list)
	}
	out, _ = runCLI(t, e, "list", "--status", "新建", "--project", "hdyy")
	if !strings.Contains(out, second) || strings.Contains(out, first) || !strings.Contains(out, "共 1 个工单") {
		t.Fatalf("filtered list:\n%s", out)
	}
	out, _ = runCLI(t, e, "list", "--status", "accepted", "--json")
	if !strings.Contains(out, first) || strings.Contains(out, second) {
		t.Fatalf("english status alias:\n%s", out)
	}

	out, err = runCLI(t, e, "show", strings.ToLower(first), "--json")
	if err != nil {
		t.Fatal(err)
	}
	var one map[string]any
	if err := json.Unmarshal([]byte(out), &one); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "project", "reporter", "assignee", "status", "priority", "title", "description",
		"created_at", "history"} {
		if _, ok := one[k]; !ok {
			t.Errorf("show --json lacks %q", k)
		}
	}
	if h, _ := one["history"].([]any); len(h) != 2 {
		t.Errorf("history = %v", one["history"])
	}
	out, _ = runCLI(t, e, "show", first)
	if !strings.Contains(out, "已受理") || !strings.Contains(out, "处理记录") {
		t.Fatalf("show:\n%s", out)
	}

	path := filepath.Join(t.TempDir(), "weekly.xlsx")
	if out, err := runCLI(t, e, "export", "--xlsx", path); err != nil || !strings.Contains(out, "已导出 2 个工单") {
		t.Fatalf("export: %v %s", err, out)
	}
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, _ := x.GetRows("工单")
	if len(rows) != 3 || rows[0][0] != "编号" || rows[1][0] != first || rows[2][0] != second || rows[1][4] != "已受理" {
		t.Fatalf("sheet rows = %v", rows)
	}
	summary, _ := x.GetRows("汇总")
	if len(summary) == 0 || summary[0][1] != "2" {
		t.Fatalf("summary = %v", summary)
	}

	for _, bad := range [][]string{{}, {"frobnicate"}, {"list", "--status", "无此状态"}, {"show"},
		{"show", "BX-20990101-0001"}, {"export"}} {
		if _, err := runCLI(t, e, bad...); err == nil {
			t.Errorf("RunCLI %v: want an error", bad)
		}
	}
}
