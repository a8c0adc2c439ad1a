// Package knowledge is deliverybot's FAQ knowledge base: parsing Markdown, CSV and
// Excel sources, Chinese-aware normalisation, an immutable in-memory index with a
// normalised confidence, the answer/suggest/no-answer policy, hot reload and
// evaluation. It is pure Go and imports no storage or transport library.
package knowledge

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"
)

// Entry is one question/answer pair of the knowledge base.
type Entry struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Answer   string   `json:"answer"`
	Similar  []string `json:"similar,omitempty"`
	Category string   `json:"category,omitempty"`
	// Related are IDs of look-alike entries the answer points to ("相关:").
	// They are shown, never indexed: words of another entry's question in
	// this one's answer would pull its queries here.
	Related []string `json:"related,omitempty"`
	// Source is where the entry was read, e.g. "vpn.md:12" or "faq.xlsx:行 7".
	Source string `json:"source,omitempty"`
}

// Phrasings returns the question followed by the similar phrasings.
func (e *Entry) Phrasings() []string {
	out := make([]string, 0, 1+len(e.Similar))
	out = append(out, e.Question)
	return append(out, e.Similar...)
}

// GenerateID returns a stable ID for an entry without one: a short hash of the
// basic-normalised question, so re-importing the same file keeps the IDs (and the
// feedback counted against them).
func GenerateID(question string) string {
	sum := sha1.Sum([]byte(BasicNormalize(question)))
	return "q-" + hex.EncodeToString(sum[:5])
}

// RowError is one rejected source row or Markdown entry.
type RowError struct {
	File string `json:"file"`
	// Line is the 1-based line (Markdown, CSV) or row (Excel) number.
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

func (e RowError) Error() string {
	unit := "行"
	if e.File == "" {
		return fmt.Sprintf("第 %d %s：%s", e.Line, unit, e.Reason)
	}
	return fmt.Sprintf("%s 第 %d %s：%s", e.File, e.Line, unit, e.Reason)
}

// ParseError collects every row error of a load, so authors fix them all at once.
type ParseError struct {
	Errors []RowError
}

func (e *ParseError) Error() string {
	msgs := make([]string, 0, len(e.Errors))
	for i, re := range e.Errors {
		if i == 10 {
			msgs = append(msgs, fmt.Sprintf("……另有 %d 处", len(e.Errors)-10))
			break
		}
		msgs = append(msgs, re.Error())
	}
	return "知识库有错误：" + strings.Join(msgs, "；")
}

// splitSimilar splits an "a|b|c" list (full-width ｜ too), trimming blanks.
func splitSimilar(s string) []string {
	s = strings.ReplaceAll(s, "｜", "|")
	var out []string
	for _, p := range strings.Split(s, "|") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// validateEntry checks the fields every source format requires.
func validateEntry(e *Entry) string {
	switch {
	case strings.TrimSpace(e.Question) == "":
		return "问题为空"
	case strings.TrimSpace(e.Answer) == "":
		return "答案为空"
	case BasicNormalize(e.Question) == "":
		return "问题只有标点或空白"
	case strings.ContainsAny(e.ID, " \t\r\n"):
		return "ID 不能包含空白"
	case len([]rune(e.Question)) > 200:
		return "问题过长（超过 200 字）"
	}
	return ""
}
