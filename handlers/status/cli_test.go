package status

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"deliverybot/bot/bottest"
	"deliverybot/bot/dates"
	"deliverybot/bot/registry"
)

func cliDeps(t *testing.T) Deps {
	t.Helper()
	data, err := registry.LoadFile(demoPath())
	if err != nil {
		t.Fatal(err)
	}
	return Deps{Registry: registry.New(data, &registry.MemoryChangeLog{}),
		Clock: bottest.NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, dates.Shanghai()))}
}

func runCLI(t *testing.T, deps Deps, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := RunProjectCLI(context.Background(), args, &out, &errOut, deps)
	return out.String(), errOut.String(), err
}

func TestCLIListJSONContract(t *testing.T) {
	out, _, err := runCLI(t, cliDeps(t), "project", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var items []map[string]any
	if err := json.Unmarshal([]byte(out), &items); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, out)
	}
	if len(items) != 3 {
		t.Fatalf("%d items", len(items))
	}
	for _, it := range items {
		for _, k := range []string{"id", "name", "pm", "oncall", "phase", "rag", "members"} {
			if _, ok := it[k]; !ok {
				t.Errorf("item %v lacks %q", it["id"], k)
			}
		}
		for _, m := range it["members"].([]any) {
			mm := m.(map[string]any)
			if _, ok := mm["user"].(string); !ok {
				t.Errorf("member user not a string: %v", mm)
			}
			if _, ok := mm["ccb"].(bool); !ok {
				t.Errorf("member ccb not a bool: %v", mm)
			}
			if r := mm["role"]; r != "pm" && r != "engineer" && r != "client_lead" && r != "client_staff" {
				t.Errorf("member role %v", r)
			}
		}
	}
	if items[1]["id"] != "jxjt" || items[1]["rag"] != "red" || items[1]["oncall"] != "00123" {
		t.Errorf("jxjt item = %v", items[1])
	}
}

func TestCLIStatusJSONMatchesChat(t *testing.T) {
	deps := cliDeps(t)
	ctx := context.Background()
	if _, _, err := deps.Registry.Apply(ctx, registry.Change{At: deps.Clock.Now(), User: "demo", Project: "jxjt",
		Op: registry.OpPhasePercent, Phase: registry.PhaseBuild, Percent: 70}); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, deps, "status", "jxjt", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "name", "phase", "percent", "rag", "next_milestone", "go_live", "open_tickets", "pending_changes", "risks", "as_of"} {
		if _, ok := st[k]; !ok {
			t.Errorf("status lacks %q", k)
		}
	}
	if st["percent"] != 70.0 || st["rag"] != "red" || st["phase"] != "环境搭建与测试" {
		t.Errorf("status = %v", st)
	}
	if st["as_of"] != "2026-11-26T10:00:00+08:00" {
		t.Errorf("as_of = %v", st["as_of"])
	}
	if nm := st["next_milestone"].(map[string]any); nm["name"] != "测试环境交付" {
		t.Errorf("next milestone = %v", nm)
	}
	if len(st["risks"].([]any)) != 3 {
		t.Errorf("risks = %v", st["risks"])
	}
	text, _, err := runCLI(t, deps, "status", "jxjt")
	if err != nil {
		t.Fatal(err)
	}
	bottest.MustContain(t, text, "红灯", "70%", "截至 2026-11-26 10:00")
	if _, _, err := runCLI(t, deps, "status", "nope"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("unknown project err = %v", err)
	}
}

func TestCLIValidate(t *testing.T) {
	out, _, err := runCLI(t, Deps{}, "validate", demoPath())
	if err != nil || !strings.Contains(out, "校验通过（13 人，3 个项目）") {
		t.Fatalf("demo: %q %v", out, err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	src, _ := os.ReadFile(demoPath())
	broken := strings.Replace(string(src), "{name: 方案设计, planned_start: 2026-11-30", "{name: 方案评审, planned_start: 2026-11-30", 1)
	if err := os.WriteFile(bad, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := runCLI(t, Deps{}, "validate", bad)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	bottest.MustContain(t, errOut, "bad.yaml:41: projects[0].phases[1].name: 未知阶段 \"方案评审\"", "1 个问题")
}

func TestCLIUsageAndOthers(t *testing.T) {
	deps := cliDeps(t)
	for _, args := range [][]string{{}, {"frobnicate"}, {"status"}, {"list", "extra"}} {
		if _, errOut, err := runCLI(t, deps, args...); !errors.Is(err, ErrUsage) || !strings.Contains(errOut, "用法") {
			t.Errorf("%v: err=%v stderr=%q", args, err, errOut)
		}
	}
	if _, _, err := runCLI(t, Deps{}, "list"); err == nil {
		t.Error("list without a registry succeeded")
	}
	out, _, err := runCLI(t, deps, "users")
	if err != nil || !strings.Contains(out, "00123 李强") {
		t.Errorf("users: %q %v", out, err)
	}
	out, _, err = runCLI(t, deps, "list")
	if err != nil || !strings.Contains(out, "jxjt") || !strings.Contains(out, "red") {
		t.Errorf("list: %q %v", out, err)
	}
	xlsx := filepath.Join(t.TempDir(), "p.xlsx")
	if out, _, err := runCLI(t, deps, "export", xlsx); err != nil || !strings.Contains(out, "已导出") {
		t.Fatalf("export: %q %v", out, err)
	}
	out, _, err = runCLI(t, Deps{}, "import", xlsx)
	if err != nil || !strings.Contains(out, "锦绣集团企业微信上线项目") {
		t.Fatalf("import: %v", err)
	}
	if _, err := registry.Parse("imported.yaml", []byte(out)); err != nil {
		t.Fatalf("imported YAML invalid: %v", err)
	}
	out, _, err = runCLI(t, deps, "audit", "jxjt", "--json")
	if err != nil || strings.TrimSpace(out) != "[]" {
		t.Errorf("audit: %q %v", out, err)
	}
}
