package knowledge

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ImportReport says what an import did.
type ImportReport struct {
	Source   string     `json:"source"`
	Target   string     `json:"target"`
	Imported int        `json:"imported"`
	Replaced bool       `json:"replaced"` // the target existed and was replaced
	Rejected []RowError `json:"rejected"`
	DryRun   bool       `json:"dry_run"`
	// Encoding is "GBK" when a CSV file was not UTF-8 and was read as
	// GBK/GB18030 (Excel on Chinese Windows saves "CSV" that way); empty for UTF-8.
	Encoding string `json:"encoding,omitempty"`
	// Notes are remarks for the person importing, in Chinese (e.g. 已按 GBK 编码读取).
	Notes []string `json:"notes,omitempty"`
}

// Import validates a Markdown, CSV or Excel file and writes its good rows into
// the KB directory as <name>.csv (re-importing the same file replaces it). Bad
// rows — including IDs that clash with other files of the KB — are reported
// with their line/row numbers and left out. The file is written to a hidden
// temp file and renamed into place, so the KB is never half-written and a
// watching server never reads a partial file.
func Import(src, kbDir string, dryRun bool) (ImportReport, error) {
	rep := ImportReport{Source: src, DryRun: dryRun}
	data, err := os.ReadFile(src)
	if err != nil {
		return rep, fmt.Errorf("无法读取 %s：%w", src, err)
	}
	name := filepath.Base(src)
	if !IsSource(name) {
		return rep, fmt.Errorf("不支持的文件类型 %s（支持 .md、.csv、.xlsx）", name)
	}
	if strings.EqualFold(filepath.Ext(name), ".csv") {
		text, enc, err := DecodeCSV(data)
		if err != nil {
			return rep, fmt.Errorf("%s：%w，知识库未改动", name, err)
		}
		if enc != "" {
			rep.Encoding = enc
			rep.Notes = append(rep.Notes, "文件不是 UTF-8，已按 GBK 编码读取；写入知识库的文件为 UTF-8")
		}
		data = text
	}
	entries, rejected := ParseBytes(data, name)
	rep.Rejected = rejected

	if err := os.MkdirAll(kbDir, 0o755); err != nil {
		return rep, fmt.Errorf("无法创建知识库目录：%w", err)
	}
	targetName := strings.TrimSuffix(name, filepath.Ext(name)) + ".csv"
	rep.Target = filepath.Join(kbDir, targetName)
	if sameFile(src, rep.Target) {
		return rep, errors.New("源文件就是知识库里的目标文件，无需导入")
	}
	_, statErr := os.Stat(rep.Target)
	rep.Replaced = statErr == nil

	others, synonyms, err := otherEntries(kbDir, targetName)
	if err != nil {
		return rep, err
	}
	entries = rejectClashes(entries, others, name, &rep)
	entries = rejectDuplicatePhrasings(entries, others, synonyms, name, &rep)
	if len(entries) == 0 {
		return rep, errors.New("没有可导入的有效行，知识库未改动")
	}
	// The merged KB must still build; otherwise nothing is written.
	if _, err := BuildIndex(append(others, entries...), synonyms, DefaultOptions()); err != nil {
		return rep, fmt.Errorf("导入后的知识库无法建立索引，未写入：%w", err)
	}
	rep.Imported = len(entries)
	if dryRun {
		return rep, nil
	}
	return rep, writeFileAtomic(rep.Target, EncodeCSV(entries))
}

// otherEntries loads the KB directory without the file being replaced.
func otherEntries(kbDir, skip string) ([]Entry, SynonymTable, error) {
	des, err := os.ReadDir(kbDir)
	if err != nil {
		return nil, SynonymTable{}, fmt.Errorf("知识库目录无法读取：%w", err)
	}
	var out []Entry
	for _, de := range des {
		if de.IsDir() || !IsSource(de.Name()) || de.Name() == skip {
			continue
		}
		entries, _, err := LoadFile(filepath.Join(kbDir, de.Name()))
		if err != nil {
			return nil, SynonymTable{}, err
		}
		out = append(out, entries...)
	}
	syn := DefaultSynonyms()
	if data, err := os.ReadFile(filepath.Join(kbDir, SynonymsFile)); err == nil {
		own, _ := ParseSynonyms(bytes.NewReader(data), SynonymsFile)
		syn = own.Extend(syn)
	}
	return out, syn, nil
}

// rejectClashes drops rows whose ID another KB file already uses.
func rejectClashes(entries, others []Entry, file string, rep *ImportReport) []Entry {
	used := make(map[string]string, len(others))
	for _, e := range others {
		used[e.ID] = e.Source
	}
	kept := entries[:0]
	for _, e := range entries {
		if src, clash := used[e.ID]; clash {
			rep.Rejected = append(rep.Rejected, RowError{File: file, Line: lineOf(e.Source),
				Reason: fmt.Sprintf("ID %s 已被知识库中的 %s 使用", e.ID, src)})
			continue
		}
		kept = append(kept, e)
	}
	return kept
}

// rejectDuplicatePhrasings drops rows whose question or 相似问法 is, after
// normalisation (synonyms included, spaces ignored), a phrasing of another entry — of the KB or
// of an earlier row of this file. kb lint fails on such duplicates, and the bot
// could not tell the two entries apart.
func rejectDuplicatePhrasings(entries, others []Entry, syn SynonymTable, file string, rep *ImportReport) []Entry {
	n := NewNormalizer(syn)
	// Spaces are dropped too: "VPN 登不上" and "VPN登不上" are one question.
	key := func(s string) string { return strings.ReplaceAll(n.Normalize(s), " ", "") }
	type owner struct {
		id, question string
		line         int // of this file; 0 for the KB's entries
	}
	owners := map[string]owner{}
	for i := range others {
		for _, ph := range others[i].Phrasings() {
			if k := key(ph); k != "" {
				owners[k] = owner{id: others[i].ID, question: others[i].Question}
			}
		}
	}
	kept := entries[:0]
	for i := range entries {
		e := &entries[i]
		line := lineOf(e.Source)
		reason := ""
		for j, ph := range e.Phrasings() {
			o, dup := owners[key(ph)]
			if !dup || o.id == e.ID {
				continue
			}
			what := "问题"
			if j > 0 {
				what = "相似问法「" + ph + "」"
			}
			if o.line > 0 {
				reason = fmt.Sprintf("%s与第 %d 行条目 %s 的问法重复", what, o.line, o.id)
			} else {
				reason = fmt.Sprintf("%s与已有条目 %s 的问法重复（%s）", what, o.id, o.question)
			}
			break
		}
		if reason != "" {
			rep.Rejected = append(rep.Rejected, RowError{File: file, Line: line, Reason: reason})
			continue
		}
		for _, ph := range e.Phrasings() {
			if k := key(ph); k != "" {
				if _, taken := owners[k]; !taken {
					owners[k] = owner{id: e.ID, question: e.Question, line: line}
				}
			}
		}
		kept = append(kept, *e)
	}
	return kept
}

func lineOf(source string) int {
	i := strings.LastIndexByte(source, ':')
	n := 0
	if i >= 0 {
		fmt.Sscanf(source[i+1:], "%d", &n)
	}
	return n
}

// EncodeCSV writes entries in the KB's CSV format (header id,question,answer,similar,category,
// plus related when any entry has related entries).
func EncodeCSV(entries []Entry) []byte {
	related := false
	for _, e := range entries {
		related = related || len(e.Related) > 0
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := TableColumns
	if related {
		header = append(append([]string(nil), TableColumns...), "related")
	}
	_ = w.Write(header)
	for _, e := range entries {
		row := []string{e.ID, e.Question, e.Answer, strings.Join(e.Similar, "|"), e.Category}
		if related {
			row = append(row, strings.Join(e.Related, "|"))
		}
		_ = w.Write(row)
	}
	w.Flush()
	return buf.Bytes()
}

// writeFileAtomic writes data to a hidden temp file in the same directory,
// syncs it and renames it over path.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".import-*.tmp")
	if err != nil {
		return fmt.Errorf("无法写入知识库目录：%w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("写入失败，知识库未改动：%w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("写入失败，知识库未改动：%w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("写入失败，知识库未改动：%w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("写入失败，知识库未改动：%w", err)
	}
	return nil
}

func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
