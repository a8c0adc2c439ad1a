package wecom

import (
	"fmt"
	"regexp"
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

// linkRE finds what must stay whole in one part: markdown links and bare URLs
// (a URL ends at whitespace or Chinese punctuation).
var linkRE = regexp.MustCompile(`\[[^\]\n]*\]\([^)\n]*\)|https?://[^\s<>"'，。！？；、）」】]+`)

// cutPoint is the largest rune boundary ≤ budget, moved back to just after sentence
// punctuation or a space when one is in the second half, and never inside a link
// or URL (a cut one no longer opens).
func cutPoint(s string, budget int) int {
	cut := budget
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if cut == 0 { // cannot happen with budget ≥ 4, but never return 0
		_, size := utf8.DecodeRuneInString(s)
		return size
	}
	links := linkRE.FindAllStringIndex(s, -1)
	if i := lastBreak(s[:cut], links); i >= cut/2 {
		return i
	}
	for _, l := range links {
		if l[0] < cut && cut < l[1] && l[0] > 0 {
			return l[0] // a link longer than a whole part is cut anyway
		}
	}
	return cut
}

// lastBreak is the index just after the last sentence punctuation or space in s
// that is not inside one of links, or -1.
func lastBreak(s string, links [][]int) int {
	for end := len(s); end > 0; {
		i := strings.LastIndexAny(s[:end], "。！？；!?; ，,")
		if i < 0 {
			return -1
		}
		if !inside(i, links) {
			_, size := utf8.DecodeRuneInString(s[i:])
			return i + size
		}
		end = i
	}
	return -1
}

func inside(i int, spans [][]int) bool {
	for _, sp := range spans {
		if sp[0] <= i && i < sp[1] {
			return true
		}
	}
	return false
}
