package knowledge

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const learnMD = `# 账号

## 密码忘了怎么重置？
id: pw-reset
分类: 账号
相似问法: 忘记密码|密码不记得了
1. 点「忘记密码」。

## 密码过期了怎么办？
id: pw-expired
1. 按提示修改密码。
`

func writeLearnKB(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "account.md"), []byte(learnMD), 0o644); err != nil {
		t.Fatal(err)
	}
	csv := "id,question,answer\nvpn-install,VPN怎么安装,从项目组给的地址下载。\n"
	if err := os.WriteFile(filepath.Join(dir, "vpn.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestAddPhrasingsWritesMarkdownInPlace(t *testing.T) {
	dir := writeLearnKB(t)
	adds := []Learned{
		{"pw-reset", "登录密码想不起来了 | 咋办"}, // appended (the | is cleaned out)
		{"pw-expired", "登录时提示密码到期"},    // no 相似问法 line yet: one is added
		{"pw-expired", "密码过期要改吗"},
		{"pw-reset", "忘记密码！"},        // already a phrasing of it
		{"pw-expired", "密码不记得了"},     // another entry's phrasing
		{"vpn-install", "vpn客户端去哪下"}, // CSV: by hand
		{"gone", "随便"},
	}
	// A dry run reports and writes nothing.
	out, err := AddPhrasings(dir, adds, true)
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "account.md")); string(data) != learnMD {
		t.Fatal("dry run changed the file")
	}
	out, err = AddPhrasings(dir, adds, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range out {
		got = append(got, o.EntryID+":"+o.Status)
	}
	want := []string{"pw-reset:added", "pw-expired:added", "pw-expired:added", "pw-reset:known", "pw-expired:conflict", "vpn-install:manual", "gone:missing"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("outcomes = %v, want %v", got, want)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "account.md"))
	text := string(data)
	for _, line := range []string{"相似问法: 忘记密码|密码不记得了|登录密码想不起来了 咋办", "id: pw-expired\n相似问法: 登录时提示密码到期|密码过期要改吗\n1. 按提示修改密码。"} {
		if !strings.Contains(text, line) {
			t.Fatalf("file lacks %q:\n%s", line, text)
		}
	}
	// The KB still loads cleanly and the learned phrasing is now an exact match.
	ix, _, err := LoadIndex(dir, DefaultOptions(), true)
	if err != nil {
		t.Fatal(err)
	}
	res := ix.Search("登录时提示密码到期", 3)
	if top, ok := res.Top(); !ok || top.Entry.ID != "pw-expired" || res.Decision != Answer {
		t.Fatalf("learned phrasing not answered: %+v", res)
	}
}

func TestAddPhrasingsKeepsCRLFLineEndings(t *testing.T) {
	dir := t.TempDir()
	crlf := strings.ReplaceAll(learnMD, "\n", "\r\n")
	path := filepath.Join(dir, "account.md")
	if err := os.WriteFile(path, []byte(crlf), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := AddPhrasings(dir, []Learned{{"pw-reset", "密码想不起来"}, {"pw-expired", "密码到期"}}, false); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	text := string(data)
	if strings.Count(text, "\n") != strings.Count(text, "\r\n") ||
		!strings.Contains(text, "密码不记得了|密码想不起来\r\n") || !strings.Contains(text, "相似问法: 密码到期\r\n") {
		t.Fatalf("line endings mixed:\n%q", text)
	}
}

func TestAddPhrasingsRefusesABrokenKB(t *testing.T) {
	dir := writeLearnKB(t)
	// A row with no answer: fix the KB first, then learn.
	bad := "## 另一个问题\nid: other\n"
	if err := os.WriteFile(filepath.Join(dir, "clash.md"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := AddPhrasings(dir, []Learned{{"pw-expired", "新说法"}}, false); err == nil {
		t.Fatal("a KB that does not load was accepted")
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "account.md")); string(data) != learnMD {
		t.Fatalf("file not restored:\n%s", data)
	}
}

// A bare topic word must keep getting suggestions, and a question logged cut
// off ("…") is not what the user asked: neither becomes a 相似问法.
func TestAddPhrasingsSkipsTopicWordsAndCutQuestions(t *testing.T) {
	dir := writeLearnKB(t)
	long := strings.Repeat("密码", 49) + "重…" // as handlers/faq logs a long question
	adds := []Learned{
		{"pw-reset", "vpn"},
		{"pw-reset", "密码"},
		{"pw-reset", "  P W ! "},
		{"pw-reset", long},
		{"pw-reset", "密码想不起来了……"},
		{"pw-reset", "忘了密码"}, // 4 runes: long enough
	}
	out, err := AddPhrasings(dir, adds, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range out {
		got = append(got, o.Status)
	}
	want := []string{LearnShort, LearnShort, LearnShort, LearnCut, LearnCut, LearnAdded}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("outcomes = %v, want %v", got, want)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "account.md"))
	if !strings.Contains(string(data), "相似问法: 忘记密码|密码不记得了|忘了密码\n") {
		t.Fatalf("file:\n%s", data)
	}
}
