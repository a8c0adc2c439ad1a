package knowledge

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestParseMarkdown(t *testing.T) {
	data, err := os.ReadFile("testdata/unit/basic.md")
	if err != nil {
		t.Fatal(err)
	}
	entries, errs := ParseMarkdown(bytes.NewReader(data), "basic.md")
	if len(errs) != 1 || errs[0].Line != 21 || errs[0].Reason != "答案为空" {
		t.Fatalf("errors = %+v, want one 答案为空 at line 21", errs)
	}
	if len(entries) != 3 {
		t.Fatalf("got %d entries, want 3: %+v", len(entries), entries)
	}
	vpn := entries[0]
	if vpn.ID != "vpn-login" || vpn.Question != "VPN 登不上怎么办？" || vpn.Category != "VPN" ||
		!reflect.DeepEqual(vpn.Similar, []string{"vpn连不上", "VPN 登录失败"}) ||
		vpn.Answer != "1. 检查网络。\n2. 重新输入密码。" || vpn.Source != "basic.md:5" {
		t.Fatalf("vpn entry = %+v", vpn)
	}
	name := entries[1]
	if name.ID != GenerateID("企业微信怎么改名字") || name.Category != "企业微信" ||
		!reflect.DeepEqual(name.Similar, []string{"企微改昵称", "怎么修改企业微信里的姓名"}) {
		t.Fatalf("generated-id entry = %+v", name)
	}
	if !strings.Contains(name.Answer, "## 这不是新条目") {
		t.Fatalf("a heading inside a code fence must stay in the answer: %q", name.Answer)
	}
	if share := entries[2]; !strings.Contains(share.Answer, "### 小标题仍属于答案\n移动端同样支持。") {
		t.Fatalf("### belongs to the answer: %q", share.Answer)
	}
}

func TestGenerateIDIsStableAcrossFormatting(t *testing.T) {
	a := GenerateID("VPN 登不上怎么办？")
	if a != GenerateID("ｖｐｎ　登不上怎么办?") {
		t.Fatal("ID changed with width/case/punctuation")
	}
	if a == GenerateID("VPN 怎么安装") {
		t.Fatal("different questions share an ID")
	}
	if !strings.HasPrefix(a, "q-") || len(a) != 12 {
		t.Fatalf("unexpected ID shape %q", a)
	}
}

func wantRowErrors(t *testing.T, errs []RowError, want map[int]string) {
	t.Helper()
	got := map[int]string{}
	for _, e := range errs {
		got[e.Line] = e.Reason
	}
	if len(got) != len(want) {
		t.Fatalf("row errors = %+v, want lines %v", errs, want)
	}
	for line, reason := range want {
		if !strings.Contains(got[line], reason) {
			t.Fatalf("line %d: reason %q, want it to mention %q (all: %+v)", line, got[line], reason, errs)
		}
	}
}

func TestParseCSVReportsBadRowsByLine(t *testing.T) {
	data, err := os.ReadFile("testdata/unit/mixed.csv")
	if err != nil {
		t.Fatal(err)
	}
	entries, errs := ParseCSV(bytes.NewReader(data), "mixed.csv")
	wantRowErrors(t, errs, map[int]string{4: "问题为空", 5: "答案为空", 6: "与第 2 行重复"})
	ids := []string{}
	for _, e := range entries {
		ids = append(ids, e.ID)
	}
	if !reflect.DeepEqual(ids, []string{"vpn-install", GenerateID("打卡定位失败怎么办"), "multi"}) {
		t.Fatalf("ids = %v", ids)
	}
	if entries[0].Source != "mixed.csv:2" || !reflect.DeepEqual(entries[0].Similar, []string{"vpn在哪下载", "怎么装vpn"}) {
		t.Fatalf("first = %+v", entries[0])
	}
	if entries[2].Answer != "第一行\n第二行" || entries[2].Source != "mixed.csv:7" {
		t.Fatalf("multi-line row = %+v", entries[2])
	}
}

func TestParseCSVHeaderProblems(t *testing.T) {
	cases := map[string]string{
		"":                    "文件为空",
		"id,question,foo\n":   "未知的列",
		"id,question\nx,问题\n": "缺少 answer",
		"问题,答案,分类\n怎么打卡,打开企业微信,打卡\n":          "",
		"question,answer\n\"unterminated,x\n": "CSV 格式错误",
	}
	for in, want := range cases {
		entries, errs := ParseCSV(strings.NewReader(in), "h.csv")
		if want == "" {
			if len(errs) != 0 || len(entries) != 1 {
				t.Errorf("%q: entries=%v errs=%v, want 1 entry (Chinese header)", in, entries, errs)
			}
			continue
		}
		if len(errs) != 1 || !strings.Contains(errs[0].Reason, want) {
			t.Errorf("%q: errs = %+v, want %q", in, errs, want)
		}
	}
}

// writeXLSX builds an Excel KB in memory with the given rows (row 1 = header).
func writeXLSX(t *testing.T, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if err := f.SetCellValue("Sheet1", cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseXLSXReportsExcelRowNumbers(t *testing.T) {
	data := writeXLSX(t, [][]string{
		{"id", "question", "answer", "similar", "category"},
		{"x1", "审批怎么撤回", "在审批详情里点撤回。", "撤销审批|审批撤回", "审批"},
		{"", "", "", "", ""}, // blank row: skipped, still counted
		{"x2", "", "没有问题", "", ""},
		{"", "打卡怎么补卡", "提交补卡申请。", "", "打卡"},
		{"x4", "只有问题", "", "", ""},
	})
	entries, errs := ParseXLSX(bytes.NewReader(data), "faq.xlsx")
	wantRowErrors(t, errs, map[int]string{4: "问题为空", 6: "答案为空"})
	if len(entries) != 2 || entries[0].ID != "x1" || entries[1].Source != "faq.xlsx:5" ||
		!reflect.DeepEqual(entries[0].Similar, []string{"撤销审批", "审批撤回"}) {
		t.Fatalf("entries = %+v", entries)
	}
	if _, errs := ParseXLSX(strings.NewReader("not a zip"), "bad.xlsx"); len(errs) != 1 {
		t.Fatalf("garbage xlsx: %+v", errs)
	}
}

func TestParseSynonyms(t *testing.T) {
	tab, errs := ParseSynonyms(strings.NewReader("# c\n企业微信: 企微|企业vx\n无法登录：登不上\nbad line\n空: \n"), "s.txt")
	wantRowErrors(t, errs, map[int]string{4: "标准词", 5: "没有任何说法"})
	if len(tab.Groups) != 2 || tab.Groups[1].Canonical != "无法登录" || tab.Groups[0].Variants[1] != "企业vx" {
		t.Fatalf("table = %+v", tab)
	}
}

func TestLoadDirectory(t *testing.T) {
	kb, err := Load("testdata/unit")
	if err != nil {
		t.Fatal(err)
	}
	if len(kb.Entries) != 6 || len(kb.Files) != 2 {
		t.Fatalf("entries=%d files=%v", len(kb.Entries), kb.Files)
	}
	// basic.md empty answer + 3 bad CSV rows + 1 bad synonym line.
	if len(kb.Problems) != 5 || kb.Err() == nil {
		t.Fatalf("problems = %+v", kb.Problems)
	}
	if kb.Synonyms.Groups[0].Canonical != "企业微信" {
		t.Fatal("the KB's own synonyms must come before the defaults")
	}
	if _, err := Load("testdata/unit/nope"); err == nil {
		t.Fatal("missing path accepted")
	}
}

// 相关 names look-alike entries: kept on the entry in every format, never in the answer text.
func TestRelatedEntriesParsedInEveryFormat(t *testing.T) {
	md := "## 密码忘了怎么重置？\nid: pw-reset\n相似问法: 忘记密码\n相关: pw-expired | 账号被锁\n1. 点「忘记密码」。\n\n" +
		"## 密码过期了怎么办？\nid: pw-expired\nrelated: pw-reset\n1. 按提示修改。\n"
	entries, errs := ParseMarkdown(strings.NewReader(md), "a.md")
	if len(errs) != 0 || len(entries) != 2 {
		t.Fatalf("entries %+v, errors %+v", entries, errs)
	}
	if !reflect.DeepEqual(entries[0].Related, []string{"pw-expired", "账号被锁"}) || strings.Contains(entries[0].Answer, "相关") ||
		!reflect.DeepEqual(entries[1].Related, []string{"pw-reset"}) {
		t.Fatalf("related = %q / %q, answer %q", entries[0].Related, entries[1].Related, entries[0].Answer)
	}
	csvText := "id,问题,答案,相关问题\npw-reset,密码忘了怎么重置？,点忘记密码,pw-expired\n"
	rows, errs := ParseCSV(strings.NewReader(csvText), "a.csv")
	if len(errs) != 0 || len(rows) != 1 || !reflect.DeepEqual(rows[0].Related, []string{"pw-expired"}) {
		t.Fatalf("csv rows %+v, errors %+v", rows, errs)
	}
	// Written back by kb import, the related column survives a round trip.
	back, errs := ParseCSV(bytes.NewReader(EncodeCSV(entries)), "b.csv")
	if len(errs) != 0 || !reflect.DeepEqual(back[0].Related, entries[0].Related) {
		t.Fatalf("round trip: %+v, %+v", back, errs)
	}
	if plain := string(EncodeCSV(rows[:0])); strings.Contains(plain, "related") {
		t.Fatalf("related column written with no related entries: %q", plain)
	}
	// A 相关 ID that is not another entry is a lint failure.
	kb := &KB{Synonyms: DefaultSynonyms(), Entries: entries}
	var bad []string
	for _, is := range Lint(kb) {
		if is.Kind == LintBadRelated {
			bad = append(bad, is.A+"->"+is.B)
		}
	}
	if !reflect.DeepEqual(bad, []string{"pw-reset->账号被锁"}) || LintBadRelated.Warning() {
		t.Fatalf("bad related = %v", bad)
	}
}

// "##問題" (no space) and "##　問題" (full-width space) start entries too;
// before, they were silently merged into the previous entry's answer.
func TestParseMarkdownHeadingWithoutASCIISpace(t *testing.T) {
	md := "## VPN登不上怎么办？\nid: vpn\n检查网络。\n\n##密码忘了怎么办？\nid: pw\n点忘记密码。\n\n##\u3000会议室怎么预约？\nid: room\n### 小标题\n在日历里预约。\n"
	entries, errs := ParseMarkdown(strings.NewReader(md), "a.md")
	if len(errs) != 0 {
		t.Fatalf("errors: %+v", errs)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.ID+"|"+e.Question+"|"+e.Answer+"|"+e.Source)
	}
	want := []string{"vpn|VPN登不上怎么办？|检查网络。|a.md:1", "pw|密码忘了怎么办？|点忘记密码。|a.md:5", "room|会议室怎么预约？|### 小标题\n在日历里预约。|a.md:9"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("entries:\n%q\nwant\n%q", got, want)
	}
}
