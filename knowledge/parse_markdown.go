package knowledge

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// ParseMarkdown reads a Markdown KB file: each entry starts with "## question"
// (the space after "##" may be missing or full-width);
// meta lines (id:, 分类:/category:, 相似问法:/similar:, ASCII or full-width colon)
// may follow; the rest up to the next "##" heading is the Markdown answer. An optional
// "# title" and any text before the first entry are ignored. Bad entries are
// returned as RowErrors with the heading's line number; good ones are kept.
func ParseMarkdown(r io.Reader, file string) ([]Entry, []RowError) {
	p := mdParser{file: file}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		p.feed(line, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		p.errs = append(p.errs, RowError{File: file, Line: line + 1, Reason: "读取失败：" + err.Error()})
	}
	p.flush()
	return p.entries, p.errs
}

type mdParser struct {
	file    string
	entries []Entry
	errs    []RowError

	cur     *Entry
	curLine int
	inMeta  bool // still reading meta lines after the heading
	inFence bool // inside a ``` code block, where "## " is answer text
	body    []string
}

func (p *mdParser) feed(line int, text string) {
	if line == 1 {
		text = strings.TrimPrefix(text, "\ufeff")
	}
	if isFence(text) {
		p.inFence = !p.inFence
	}
	if q, ok := entryHeading(text); ok && !p.inFence {
		p.flush()
		p.cur = &Entry{Question: q}
		p.curLine = line
		p.inMeta = true
		return
	}
	if p.cur == nil {
		return // title or preamble
	}
	if p.inMeta {
		trimmed := strings.TrimSpace(text)
		if trimmed == "" {
			return
		}
		if key, val, ok := metaLine(trimmed); ok {
			p.applyMeta(line, key, val)
			return
		}
		p.inMeta = false
	}
	p.body = append(p.body, text)
}

func (p *mdParser) applyMeta(line int, key, val string) {
	switch key {
	case "id":
		if p.cur.ID != "" {
			p.errs = append(p.errs, RowError{File: p.file, Line: line, Reason: "重复的 id 行"})
		}
		p.cur.ID = val
	case "category":
		p.cur.Category = val
	case "similar":
		p.cur.Similar = append(p.cur.Similar, splitSimilar(val)...)
	case "related":
		p.cur.Related = append(p.cur.Related, splitSimilar(val)...)
	}
}

func (p *mdParser) flush() {
	if p.cur == nil {
		return
	}
	e := *p.cur
	e.Answer = strings.TrimSpace(strings.Join(p.body, "\n"))
	e.Source = sourceRef(p.file, p.curLine)
	if e.ID == "" && e.Question != "" {
		e.ID = GenerateID(e.Question)
	}
	if reason := validateEntry(&e); reason != "" {
		p.errs = append(p.errs, RowError{File: p.file, Line: p.curLine, Reason: reason})
	} else {
		p.entries = append(p.entries, e)
	}
	p.cur, p.body, p.inMeta = nil, nil, false
}

// entryHeading recognises an entry's "## question" line and returns the
// question. Authors also write "##question" (no space) and "##　question"
// (full-width space); "###" and deeper headings are answer text.
func entryHeading(text string) (string, bool) {
	rest, ok := strings.CutPrefix(text, "##")
	if !ok || strings.HasPrefix(rest, "#") {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// metaLine recognises "key: value" meta lines after a heading.
func metaLine(s string) (key, val string, ok bool) {
	i := strings.IndexAny(s, ":：")
	if i <= 0 {
		return "", "", false
	}
	k := strings.ToLower(strings.TrimSpace(s[:i]))
	_, size := firstRune(s[i:])
	v := strings.TrimSpace(s[i+size:])
	switch k {
	case "id":
		return "id", v, true
	case "分类", "category":
		return "category", v, true
	case "相似问法", "similar":
		return "similar", v, true
	case "相关", "相关问题", "related":
		return "related", v, true
	}
	return "", "", false
}

func firstRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}

func isFence(s string) bool {
	t := strings.TrimSpace(s)
	return strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~")
}

func sourceRef(file string, line int) string {
	if file == "" {
		return ""
	}
	return file + ":" + strconv.Itoa(line)
}
