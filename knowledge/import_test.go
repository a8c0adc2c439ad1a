package knowledge

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestImportCSVKeepsGoodRowsAndReportsBadOnes(t *testing.T) {
	kbDir := t.TempDir()
	copyFile(t, "testdata/unit/basic.md", filepath.Join(kbDir, "basic.md"))
	rep, err := Import("testdata/unit/mixed.csv", kbDir, false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 3 || len(rep.Rejected) != 3 || rep.Target != filepath.Join(kbDir, "mixed.csv") {
		t.Fatalf("report = %+v", rep)
	}
	kb, err := Load(kbDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(kb.Entries) != 6 {
		t.Fatalf("KB has %d entries after import, want 3 + 3", len(kb.Entries))
	}
	if kb.Err() != nil && len(kb.Problems) != 1 { // basic.md's empty answer only
		t.Fatalf("imported file has problems: %+v", kb.Problems)
	}
	leftovers, _ := filepath.Glob(filepath.Join(kbDir, ".import-*"))
	if len(leftovers) != 0 {
		t.Fatalf("temp files left: %v", leftovers)
	}
}

func TestImportXLSXRejectsClashingIDs(t *testing.T) {
	kbDir := t.TempDir()
	copyFile(t, "testdata/unit/basic.md", filepath.Join(kbDir, "basic.md"))
	src := filepath.Join(t.TempDir(), "faq.xlsx")
	if err := os.WriteFile(src, writeXLSX(t, [][]string{
		{"question", "answer", "id"},
		{"新员工怎么开通账号", "找管理员开通。", "acc-open"},
		{"vpn 怎么重置", "联系 IT。", "vpn-login"}, // ID already in basic.md
		{"", "缺问题", "x"},
	}), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Import(src, kbDir, false)
	if err != nil {
		t.Fatal(err)
	}
	wantRowErrors(t, rep.Rejected, map[int]string{3: "已被知识库中的 basic.md:5 使用", 4: "问题为空"})
	if rep.Imported != 1 {
		t.Fatalf("imported %d, want 1", rep.Imported)
	}
	data, err := os.ReadFile(filepath.Join(kbDir, "faq.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "id,question,answer,similar,category\nacc-open,新员工怎么开通账号") {
		t.Fatalf("written file:\n%s", data)
	}
	// Re-importing replaces the earlier import instead of clashing with it.
	rep, err = Import(src, kbDir, false)
	if err != nil || !rep.Replaced || rep.Imported != 1 {
		t.Fatalf("re-import: %+v, %v", rep, err)
	}
}

func TestImportWritesNothingWhenNoRowIsGood(t *testing.T) {
	kbDir := t.TempDir()
	src := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(src, []byte("id,question,answer\na,,x\nb,问题,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Import(src, kbDir, false)
	if err == nil || len(rep.Rejected) != 2 {
		t.Fatalf("rep=%+v err=%v", rep, err)
	}
	if files, _ := os.ReadDir(kbDir); len(files) != 0 {
		t.Fatalf("KB dir written: %v", files)
	}
}

func TestImportDryRunWritesNothing(t *testing.T) {
	kbDir := t.TempDir()
	rep, err := Import("testdata/unit/mixed.csv", kbDir, true)
	if err != nil || rep.Imported != 3 {
		t.Fatalf("rep=%+v err=%v", rep, err)
	}
	if files, _ := os.ReadDir(kbDir); len(files) != 0 {
		t.Fatalf("dry run wrote %v", files)
	}
}

func TestLintFindsDuplicates(t *testing.T) {
	kb := &KB{Synonyms: DefaultSynonyms(), Entries: []Entry{
		{ID: "a", Question: "企业微信怎么改名字", Answer: "x", Similar: []string{"改名", "改名"}},
		{ID: "b", Question: "企微怎么改名字？", Answer: "y"},
		{ID: "c", Question: "腾讯会议怎么共享屏幕", Answer: "z"},
		{ID: "d", Question: "腾讯会议怎样共享屏幕呢", Answer: "w"},
		{ID: "e", Question: "打卡定位失败", Answer: "v"},
	}, Problems: []RowError{{File: "f.csv", Line: 3, Reason: "答案为空"}}}
	kinds := map[LintKind][]string{}
	for _, is := range Lint(kb) {
		kinds[is.Kind] = append(kinds[is.Kind], is.A+"/"+is.B)
	}
	if len(kinds[LintRowError]) != 1 || len(kinds[LintSelfDuplicated]) != 1 {
		t.Fatalf("issues = %v", kinds)
	}
	if strings.Join(kinds[LintDuplicate], ",") != "a/b" {
		t.Fatalf("duplicates = %v", kinds[LintDuplicate])
	}
	found := false
	for _, p := range kinds[LintNearDuplicate] {
		found = found || p == "c/d" || p == "d/c"
		if strings.Contains(p, "e") {
			t.Fatalf("unrelated entry flagged: %v", p)
		}
	}
	if !found {
		t.Fatalf("near duplicates = %v, want c/d", kinds[LintNearDuplicate])
	}
	// Every entry here has fewer than MinSimilar 相似问法: advice, not a failure.
	if len(kinds[LintFewPhrasings]) != 5 || !LintFewPhrasings.Warning() || LintDuplicate.Warning() {
		t.Fatalf("few-phrasings advice = %v", kinds[LintFewPhrasings])
	}
	rich := &KB{Synonyms: DefaultSynonyms(), Entries: []Entry{{ID: "r", Question: "VPN怎么安装", Answer: "x", Similar: []string{"vpn在哪下载", "怎么装vpn", "新电脑装vpn"}}}}
	if got := Lint(rich); len(got) != 0 {
		t.Fatalf("an entry with %d 相似问法 got %v", MinSimilar, got)
	}
}

// A row asking an existing entry's question under a new ID was imported, and
// kb lint then failed on the duplicate: it is a bad row now, like a clashing ID.
func TestImportRejectsQuestionsTheKBAlreadyHas(t *testing.T) {
	kbDir := t.TempDir()
	copyFile(t, "testdata/unit/basic.md", filepath.Join(kbDir, "basic.md"))
	src := filepath.Join(t.TempDir(), "faq.csv")
	csv := "id,question,answer,similar\n" +
		"vpn-new,VPN登不上怎么办,联系 IT。,\n" + // basic.md's vpn-login, written differently
		"rename,怎么改名,在设置里改。,企微改昵称\n" + // a 相似问法 of basic.md's entry
		"acc-open,新员工怎么开通账号,找管理员开通。,开通账号\n" +
		"acc-open2,新员工怎么开通账号？,重复的一行。,\n" + // same question as the row above
		"leave,请假怎么申请,在审批里提交。,\n"
	if err := os.WriteFile(src, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Import(src, kbDir, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, re := range rep.Rejected {
		got = append(got, re.Error())
	}
	want := []string{
		"faq.csv 第 2 行：问题与已有条目 vpn-login 的问法重复（VPN 登不上怎么办？）",
		"faq.csv 第 3 行：相似问法「企微改昵称」与已有条目 " + GenerateID("企业微信怎么改名字") + " 的问法重复（企业微信怎么改名字）",
		"faq.csv 第 5 行：问题与第 4 行条目 acc-open 的问法重复",
	}
	if rep.Imported != 2 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("imported %d, rejected:\n%s\nwant:\n%s", rep.Imported, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	kb, err := Load(kbDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, is := range Lint(kb) {
		if is.Kind == LintDuplicate {
			t.Fatalf("lint finds a duplicate after import: %+v", is)
		}
	}
}
