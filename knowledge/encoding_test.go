package knowledge

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

const gbkCSV = "id,问题,答案,相似问法\r\nvpn-x,VPN登不上怎么办？,先检查网络，再重新输入密码。,vpn连不上|VPN登录失败\r\npw-x,密码忘了怎么重置？,点「忘记密码」。,忘记密码\r\n"

func toGBK(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Excel on Chinese Windows saves "CSV" in GBK: before, its bytes were imported
// as garbage without a word.
func TestImportGBKCSVIsDecodedAndSaid(t *testing.T) {
	kbDir := t.TempDir()
	src := filepath.Join(t.TempDir(), "faq.csv")
	if err := os.WriteFile(src, toGBK(t, gbkCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Import(src, kbDir, false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 2 || len(rep.Rejected) != 0 || rep.Encoding != EncodingGBK ||
		len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "已按 GBK 编码读取") {
		t.Fatalf("report = %+v", rep)
	}
	kb, err := Load(kbDir)
	if err != nil || kb.Err() != nil {
		t.Fatal(err, kb.Err())
	}
	if len(kb.Entries) != 2 || kb.Entries[0].Question != "VPN登不上怎么办？" || kb.Entries[1].Answer != "点「忘记密码」。" ||
		strings.Join(kb.Entries[0].Similar, "|") != "vpn连不上|VPN登录失败" {
		t.Fatalf("entries = %+v", kb.Entries)
	}
	// A UTF-8 file says nothing about encodings.
	utf := filepath.Join(t.TempDir(), "faq.csv")
	if err := os.WriteFile(utf, []byte("\ufeff"+gbkCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	if rep, err := Import(utf, kbDir, true); err != nil || rep.Encoding != "" || rep.Notes != nil || rep.Imported != 2 {
		t.Fatalf("utf-8: %v %+v", err, rep)
	}
}

func TestImportRejectsUndecodableCSV(t *testing.T) {
	for name, data := range map[string][]byte{
		"utf16":   append([]byte{0xFF, 0xFE}, []byte("i\x00d\x00")...),
		"damaged": []byte("id,question,answer\nvpn,VPN登不上怎么办？先检查网络再重新输入密码,先检查网络\xff。\n"),
		"neither": []byte("id,question,answer\nx,\xff\xfe\xff,\xff\n"),
	} {
		t.Run(name, func(t *testing.T) {
			kbDir := t.TempDir()
			src := filepath.Join(t.TempDir(), "faq.csv")
			if err := os.WriteFile(src, data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Import(src, kbDir, false)
			var ee *EncodingError
			if !errors.As(err, &ee) || !strings.Contains(err.Error(), "编码") {
				t.Fatalf("err = %v", err)
			}
			if left, _ := os.ReadDir(kbDir); len(left) != 0 {
				t.Fatalf("written: %v", left)
			}
		})
	}
}

// A GBK CSV dropped into the KB directory is read correctly by chat/serve too;
// one in no known encoding is a problem of that file, not garbage entries.
func TestLoadDirectoryDecodesGBKCSV(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "faq.csv"), toGBK(t, gbkCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	// A BOM before a quoted header cell.
	bom := "\ufeff\"id\",\"question\",\"answer\"\nmeet,会议室怎么预约？,在日历里预约。\n"
	if err := os.WriteFile(filepath.Join(dir, "bom.csv"), []byte(bom), 0o644); err != nil {
		t.Fatal(err)
	}
	kb, err := Load(dir)
	if err != nil || kb.Err() != nil {
		t.Fatal(err, kb.Err())
	}
	got := map[string]string{}
	for _, e := range kb.Entries {
		got[e.ID] = e.Question
	}
	if got["vpn-x"] != "VPN登不上怎么办？" || got["pw-x"] != "密码忘了怎么重置？" || got["meet"] != "会议室怎么预约？" {
		t.Fatalf("entries = %v", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.csv"), []byte("id,question,answer\nx,\xff\xff,y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	kb, err = Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(kb.Problems) != 1 || kb.Problems[0].File != "bad.csv" || kb.Problems[0].Line != 2 || !strings.Contains(kb.Problems[0].Reason, "编码") {
		t.Fatalf("problems = %+v", kb.Problems)
	}
}
