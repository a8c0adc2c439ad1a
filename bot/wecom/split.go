package wecom

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxContentBytes is WeCom's limit for text and markdown content; beyond it WeCom
// silently truncates.
const MaxContentBytes = 2048

// SplitText cuts s into parts of at most max bytes each, numbered "(1/3)\n…": on line
// breaks first, then after sentence punctuation, then on rune boundaries, never inside
// a UTF-8 character. Text that fits is returned unchanged as one part.
func SplitText(s string, max int) []string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= max {
		return []string{s}
	}
	// The prefix length depends on the number of parts; grow the estimate until stable.
	n := 2
	for {
		budget := max - len(partPrefix(n, n))
		if budget < 8 {
			budget = 8 // absurdly small max: still make progress
		}
		parts := packLines(s, budget)
		if len(parts) <= n || len(fmt.Sprint(len(parts))) == len(fmt.Sprint(n)) {
			out := make([]string, len(parts))
			for i, p := range parts {
				out[i] = partPrefix(i+1, len(parts)) + p
			}
			return out
		}
		n = len(parts)
	}
}

func partPrefix(i, n int) string { return fmt.Sprintf("(%d/%d)\n", i, n) }

// packLines greedily fills chunks of at most budget bytes with whole lines.
func packLines(s string, budget int) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if t := strings.TrimRight(cur.String(), "\n"); strings.TrimSpace(t) != "" {
			out = append(out, t)
		}
		cur.Reset()
	}
	for _, line := range strings.SplitAfter(s, "\n") {
		if cur.Len()+len(line) <= budget {
			cur.WriteString(line)
			continue
		}
		flush()
		for len(line) > budget {
			cut := cutPoint(line, budget)
			cur.WriteString(line[:cut])
			flush()
			line = line[cut:]
		}
		cur.WriteString(line)
	}
	flush()
	return out
}

// cutPoint is the largest rune boundary ≤ budget, moved back to just after sentence
// punctuation or a space when one is in the second half.
func cutPoint(s string, budget int) int {
	cut := budget
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if cut == 0 { // cannot happen with budget ≥ 4, but never return 0
		_, size := utf8.DecodeRuneInString(s)
		return size
	}
	if i := strings.LastIndexAny(s[:cut], "。！？；!?; ，,"); i >= cut/2 {
		_, size := utf8.DecodeRuneInString(s[i:])
		return i + size
	}
	return cut
}
