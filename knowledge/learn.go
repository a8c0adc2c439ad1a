package knowledge

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Learned is a phrasing to add to an entry's 相似问法: a question a user asked
// in their own words before picking that entry from the suggestions.
type Learned struct {
	EntryID  string `json:"entry_id"`
	Phrasing string `json:"phrasing"`
}

// What AddPhrasings did with one phrasing.
const (
	LearnAdded    = "added"     // written to the entry's 相似问法
	LearnKnown    = "known"     // the entry already has it
	LearnConflict = "conflict"  // another entry has it: adding would make a duplicate
	LearnManual   = "manual"    // the entry comes from CSV/Excel: add it there by hand
	LearnMissing  = "missing"   // no such entry any more
	LearnEmpty    = "empty"     // nothing left after cleaning
	LearnShort    = "short"     // a bare topic word ("vpn"): it must keep getting suggestions
	LearnCut      = "truncated" // ends in "…": the question was cut off when it was logged
)

// minLearnRunes is the fewest letters and digits (after BasicNormalize, spaces
// not counted) a learned phrasing needs. Shorter ones are bare topic words:
// "vpn" or "密码" cover several entries, and the product answers them with
// suggestions on purpose; a phrasing would make one entry answer outright.
const minLearnRunes = 4

// LearnOutcome is the fate of one Learned.
type LearnOutcome struct {
	Learned
	Status string `json:"status"`
	Source string `json:"source,omitempty"` // the entry's file:line
}

// AddPhrasings appends phrasings to the 相似问法 lines of Markdown entries of the
// KB directory dir, one atomic write per file. With dryRun nothing is written.
// After writing, the KB must load without problems; otherwise every file is
// put back as it was and the error says why.
func AddPhrasings(dir string, adds []Learned, dryRun bool) ([]LearnOutcome, error) {
	kb, err := Load(dir)
	if err != nil {
		return nil, err
	}
	if err := kb.Err(); err != nil {
		return nil, fmt.Errorf("知识库有问题，请先用 kb lint 修正再添加问法：%w", err)
	}
	outcomes, perFile := planPhrasings(kb, adds)
	if dryRun || len(perFile) == 0 {
		return outcomes, nil
	}
	originals := map[string][]byte{}
	for path, edits := range perFile {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, restore(originals, fmt.Errorf("无法读取 %s：%w", path, err))
		}
		originals[path] = data
		if err := writeFileAtomic(path, insertPhrasings(data, edits)); err != nil {
			return nil, restore(originals, err)
		}
	}
	if after, err := Load(dir); err != nil {
		return nil, restore(originals, err)
	} else if err := after.Err(); err != nil {
		return nil, restore(originals, fmt.Errorf("写入后知识库有问题，已还原：%w", err))
	}
	return outcomes, nil
}

// phrasingEdit adds phrasings to the entry whose heading is on line (1-based).
type phrasingEdit struct {
	line      int
	phrasings []string
}

// planPhrasings decides each phrasing's fate and groups the Markdown additions by file.
func planPhrasings(kb *KB, adds []Learned) ([]LearnOutcome, map[string][]phrasingEdit) {
	byID := map[string]*Entry{}
	owner := map[string]string{} // basic-normalised phrasing → entry ID
	for i := range kb.Entries {
		e := &kb.Entries[i]
		byID[e.ID] = e
		for _, p := range e.Phrasings() {
			owner[BasicNormalize(p)] = e.ID
		}
	}
	paths := map[string]string{} // base name → path
	for _, f := range kb.Files {
		paths[filepath.Base(f)] = f
	}
	edits := map[string]map[int][]string{} // path → heading line → phrasings
	var out []LearnOutcome
	for _, a := range adds {
		a.Phrasing = cleanPhrasing(a.Phrasing)
		o := LearnOutcome{Learned: a}
		e, ok := byID[a.EntryID]
		switch {
		case a.Phrasing == "":
			o.Status = LearnEmpty
		case !ok:
			o.Status = LearnMissing
		case owner[BasicNormalize(a.Phrasing)] == e.ID:
			o.Status = LearnKnown
		case tooShort(a.Phrasing):
			o.Status = LearnShort
		case truncated(a.Phrasing):
			o.Status = LearnCut
		case owner[BasicNormalize(a.Phrasing)] != "":
			o.Status = LearnConflict
		}
		if o.Status != "" {
			out = append(out, o)
			continue
		}
		o.Source = e.Source
		file, line := splitSource(e.Source)
		path, isFile := paths[file]
		if !isFile || !isMarkdown(file) || line == 0 {
			o.Status = LearnManual
			out = append(out, o)
			continue
		}
		if edits[path] == nil {
			edits[path] = map[int][]string{}
		}
		edits[path][line] = append(edits[path][line], a.Phrasing)
		owner[BasicNormalize(a.Phrasing)] = e.ID
		o.Status = LearnAdded
		out = append(out, o)
	}
	perFile := map[string][]phrasingEdit{}
	for path, byLine := range edits {
		for line, ps := range byLine {
			perFile[path] = append(perFile[path], phrasingEdit{line: line, phrasings: ps})
		}
	}
	return out, perFile
}

// insertPhrasings applies the edits of one Markdown file: each entry's
// 相似问法 line gets "|" + the phrasings, or a new 相似问法 line follows its
// heading's meta lines. Edits run bottom-up so line numbers stay valid.
func insertPhrasings(data []byte, edits []phrasingEdit) []byte {
	lines := strings.Split(string(data), "\n")
	sort.Slice(edits, func(a, b int) bool { return edits[a].line > edits[b].line })
	for _, ed := range edits {
		lastMeta, similar := ed.line-1, -1 // 0-based: the heading
		for i := ed.line; i < len(lines); i++ {
			t := strings.TrimSpace(lines[i])
			if t == "" {
				continue
			}
			key, _, ok := metaLine(t)
			if !ok {
				break
			}
			lastMeta = i
			if key == "similar" && similar < 0 {
				similar = i
			}
		}
		joined := strings.Join(ed.phrasings, "|")
		eol := "" // keep a CRLF file's line endings
		if strings.HasSuffix(lines[ed.line-1], "\r") {
			eol = "\r"
		}
		if similar >= 0 {
			lines[similar] = strings.TrimRight(lines[similar], " \t\r") + "|" + joined + eol
			continue
		}
		lines = append(lines[:lastMeta+1], append([]string{"相似问法: " + joined + eol}, lines[lastMeta+1:]...)...)
	}
	return []byte(strings.Join(lines, "\n"))
}

// cleanPhrasing keeps a user's question usable as one 相似问法: one line, no
// "|" separator, at most 200 characters.
func cleanPhrasing(s string) string {
	s = strings.Join(strings.Fields(strings.NewReplacer("|", " ", "｜", " ").Replace(s)), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200])
	}
	return s
}

// tooShort reports whether p is too short to be learned (see minLearnRunes).
func tooShort(p string) bool {
	return utf8.RuneCountInString(strings.ReplaceAll(BasicNormalize(p), " ", "")) < minLearnRunes
}

// truncated reports whether p ends in "…", which is how a long question is
// logged (cut to its first runes): the rest of the user's words are lost.
func truncated(p string) bool {
	return strings.HasSuffix(strings.TrimSpace(p), "…")
}

func splitSource(src string) (file string, line int) {
	i := strings.LastIndexByte(src, ':')
	if i < 0 {
		return src, 0
	}
	n, err := strconv.Atoi(src[i+1:])
	if err != nil {
		return src, 0
	}
	return src[:i], n
}

func isMarkdown(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".md" || ext == ".markdown"
}

// restore puts files back as they were before AddPhrasings wrote them.
func restore(originals map[string][]byte, cause error) error {
	for path, data := range originals {
		if err := writeFileAtomic(path, data); err != nil {
			return fmt.Errorf("%v；还原 %s 也失败了：%w", cause, path, err)
		}
	}
	return cause
}
