package kbcli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/redis/go-redis/v9"
	"github.com/xuri/excelize/v2"

	"deliverybot/bot/redisstore/redistest"
	"deliverybot/knowledge/kbcli"
	"deliverybot/knowledge/kbstore"
)

const demoKB = "../../deploy/demo/kb"

func run(t *testing.T, c kbcli.CLI, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := c.Run(context.Background(), args, &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestEvalJSONHasExactlyTheSixKeys(t *testing.T) {
	out, err := run(t, kbcli.CLI{}, "eval", "--kb", demoKB, "--queries", "../testdata/dev_queries.csv", "--json")
	if err != nil {
		t.Fatal(err, out)
	}
	var m map[string]float64
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if strings.Join(keys, ",") != "answered_rate,hit_at_1,hit_at_3,mrr,n,oos_rejection" {
		t.Fatalf("keys = %v", keys)
	}
	if m["n"] < 250 || m["hit_at_1"] < 0.9 {
		t.Fatalf("implausible metrics %v", m)
	}
	text, err := run(t, kbcli.CLI{}, "eval", "--kb", demoKB, "--queries", "../testdata/dev_queries.csv", "--baseline")
	if err != nil || !strings.Contains(text, "BM25 基线") || !strings.Contains(text, "hit_at_1") {
		t.Fatalf("baseline eval: %v\n%s", err, text)
	}
}

func TestEvalSingleFileKB(t *testing.T) {
	q := filepath.Join(t.TempDir(), "q.csv")
	if err := os.WriteFile(q, []byte("query,expected_id\nvpn连不上咋办,vpn-login\n今天吃什么,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, kbcli.CLI{}, "eval", "--kb", "../testdata/unit/basic.md", "--queries", q, "--json")
	if err != nil {
		t.Fatal(err, out)
	}
	if !strings.Contains(out, `"n":2`) || !strings.Contains(out, `"hit_at_1":1`) || !strings.Contains(out, `"oos_rejection":1`) {
		t.Fatalf("out = %s", out)
	}
}

func TestImportCSVAndXLSXReportRowNumbers(t *testing.T) {
	kbDir := t.TempDir()
	out, err := run(t, kbcli.CLI{}, "import", "../testdata/unit/mixed.csv", "--kb", kbDir)
	if err != nil {
		t.Fatal(err, out)
	}
	for _, want := range []string{"mixed.csv 第 4 行：问题为空", "第 5 行：答案为空", "第 6 行：ID vpn-install 与第 2 行重复", "已导入 3 条"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	f := excelize.NewFile()
	rows := [][]any{
		{"id", "question", "answer"},
		{"a1", "审批怎么撤回", "在详情页点撤回。"},
		{"a2", "", "缺问题"},
		{"vpn-install", "和已导入的冲突", "答案"},
	}
	for i, r := range rows {
		if err := f.SetSheetRow("Sheet1", "A"+strconv.Itoa(i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	xlsx := filepath.Join(t.TempDir(), "more.xlsx")
	if err := f.SaveAs(xlsx); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, kbcli.CLI{}, "import", "--kb", kbDir, xlsx)
	if err != nil {
		t.Fatal(err, out)
	}
	for _, want := range []string{"more.xlsx 第 3 行：问题为空", "more.xlsx 第 4 行：ID vpn-install 已被知识库中的 mixed.csv:2 使用", "已导入 1 条"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(kbDir, "more.csv")); err != nil {
		t.Fatal(err)
	}
}

func TestLint(t *testing.T) {
	if out, err := run(t, kbcli.CLI{}, "lint", demoKB); err != nil {
		t.Fatalf("demo KB fails lint: %v\n%s", err, out)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.md"), []byte("## 企业微信怎么改名字\n改名。\n\n## 企微怎么改名字\n也是改名。\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, kbcli.CLI{}, "lint", dir)
	if err == nil || !strings.Contains(out, "[重复]") {
		t.Fatalf("duplicate not reported: %v\n%s", err, out)
	}
}

func TestGapsListsUnansweredAndUseless(t *testing.T) {
	b := redistest.New(t)
	st := kbstore.New(b.Client, b.Prefix)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if err := st.LogUnanswered(ctx, "会议室怎么预订", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.RecordVote(ctx, "vpn-install", "u1", kbstore.Useless); err != nil {
		t.Fatal(err)
	}
	if err := st.LogPick(ctx, "vpn点了连接一直转圈", "vpn-cannot-login", time.Now()); err != nil {
		t.Fatal(err)
	}
	// Already a 相似问法 of the entry (learned since): not listed again.
	if err := st.LogPick(ctx, "忘记密码了怎么办", "password-reset", time.Now()); err != nil {
		t.Fatal(err)
	}
	c := kbcli.CLI{Prefix: b.Prefix, Redis: func(context.Context) (redis.UniversalClient, func(), error) {
		return b.Client, func() {}, nil
	}}
	out, err := run(t, c, "gaps", "--kb", demoKB)
	if err != nil {
		t.Fatal(err, out)
	}
	if strings.Contains(out, "忘记密码了怎么办") {
		t.Fatalf("a pick the KB already has is listed:\n%s", out)
	}
	for _, want := range []string{
		"会议室怎么预订（3 次",
		"最接近：meeting-schedule 腾讯会议怎么预约会议？",
		"vpn点了连接一直转圈 → vpn-cannot-login VPN登不上怎么办？（1 次）",
		"vpn-install VPN客户端怎么安装？（没用 1，有用 0）",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	out, err = run(t, c, "gaps", "--json", "--kb", demoKB)
	if err != nil {
		t.Fatalf("json gaps: %v\n%s", err, out)
	}
	var got struct {
		Unanswered []struct {
			Question string
			Count    int
			Nearest  struct {
				EntryID string `json:"entry_id"`
			}
		}
		Picked []struct {
			Question      string
			EntryID       string `json:"entry_id"`
			EntryQuestion string `json:"entry_question"`
		}
		Useless []struct {
			EntryID string `json:"entry_id"`
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("json gaps: %v\n%s", err, out)
	}
	if len(got.Unanswered) != 1 || got.Unanswered[0].Question != "会议室怎么预订" || got.Unanswered[0].Count != 3 ||
		got.Unanswered[0].Nearest.EntryID != "meeting-schedule" ||
		len(got.Picked) != 1 || got.Picked[0].EntryQuestion != "VPN登不上怎么办？" ||
		len(got.Useless) != 1 || got.Useless[0].EntryID != "vpn-install" {
		t.Fatalf("json gaps = %+v\n%s", got, out)
	}
}

func TestReloadValidatesAndSignals(t *testing.T) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	out, err := run(t, kbcli.CLI{}, "reload", "--kb", demoKB, "--pid", strconv.Itoa(os.Getpid()))
	if err != nil {
		t.Fatal(err, out)
	}
	select {
	case <-hup:
	case <-time.After(5 * time.Second):
		t.Fatal("no SIGHUP received")
	}
	// A KB with a bad row is refused and nobody is signalled.
	out, err = run(t, kbcli.CLI{}, "reload", "--kb", "../testdata/unit/basic.md", "--pid", strconv.Itoa(os.Getpid()))
	if err == nil || !strings.Contains(err.Error(), "答案为空") {
		t.Fatalf("bad KB accepted: %v\n%s", err, out)
	}
	select {
	case <-hup:
		t.Fatal("signalled despite a bad KB")
	case <-time.After(100 * time.Millisecond):
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"eval"}, {"import"}} {
		if _, err := run(t, kbcli.CLI{}, args...); !errors.Is(err, kbcli.ErrUsage) {
			t.Errorf("%v: err = %v, want ErrUsage", args, err)
		}
	}
}

func TestEvalUsesKBConfigAndFlagsOverrideIt(t *testing.T) {
	dir := t.TempDir()
	md, err := os.ReadFile("../testdata/unit/basic.md")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "basic.md"), md, 0o644); err != nil {
		t.Fatal(err)
	}
	// Thresholds no query can reach: nothing is answered.
	cfg := "policy:\n  answer_threshold: 1\n  suggest_threshold: 1\n"
	if err := os.WriteFile(filepath.Join(dir, "kb.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	q := filepath.Join(t.TempDir(), "q.csv")
	if err := os.WriteFile(q, []byte("query,expected_id\n在家vpn老是连不上,vpn-login\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, kbcli.CLI{}, "eval", "--kb", dir, "--queries", q, "--json")
	if err != nil || !strings.Contains(out, `"answered_rate":0`) {
		t.Fatalf("kb.yaml thresholds not applied: %v\n%s", err, out)
	}
	out, err = run(t, kbcli.CLI{}, "eval", "--kb", dir, "--queries", q, "--json", "--suggest-threshold", "0.3")
	if err != nil || !strings.Contains(out, `"answered_rate":1`) {
		t.Fatalf("--suggest-threshold did not override kb.yaml: %v\n%s", err, out)
	}
}

// A GBK CSV (Excel on Chinese Windows) is imported as text and the report says how it was read.
func TestImportSaysAGBKFileWasDecoded(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "gbk.csv")
	gbk, err := simplifiedchinese.GBK.NewEncoder().String("id,question,answer\ng-1,打印机怎么连接,先装驱动\n")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src, []byte(gbk), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, kbcli.CLI{}, "import", "--kb", filepath.Join(dir, "kb"), src)
	if err != nil || !strings.Contains(out, "已按 GBK 编码读取") || !strings.Contains(out, "已导入 1 条") {
		t.Fatalf("import: %v\n%s", err, out)
	}
}
