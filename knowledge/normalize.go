package knowledge

import (
	"strings"
	"unicode"
)

// BasicNormalize folds width (full-width ASCII → half-width), case and
// traditional characters (cheap table), turns punctuation and symbols into single
// spaces and trims. It does not apply synonyms, so it is stable for IDs.
func BasicNormalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true // suppress leading and repeated spaces
	for _, r := range s {
		if invisible(r) {
			continue // pasted text carries them inside words: "v\u200bpn" is vpn
		}
		r = foldRune(r)
		if r == ' ' {
			if !space {
				b.WriteByte(' ')
				space = true
			}
			continue
		}
		b.WriteRune(r)
		space = false
	}
	return strings.TrimRight(b.String(), " ")
}

// invisible reports zero-width characters and the soft hyphen.
func invisible(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad':
		return true
	}
	return false
}

// foldRune maps one rune to its normalised form; ' ' stands for a separator.
func foldRune(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
		r -= 0xFEE0
	case r == 0x3000:
		return ' '
	}
	if r < 0x80 {
		switch {
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		}
		return ' '
	}
	if s, ok := t2sTable[r]; ok {
		return s
	}
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return unicode.ToLower(r)
	}
	return ' '
}

// isWordRune reports whether r belongs to an ASCII word ("vpn", "excel2019").
func isWordRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
}

// Normalizer applies BasicNormalize and then the synonym table: every variant is
// rewritten to its canonical form, longest match first. Variants made of ASCII
// letters only match whole words, so "oa" does not fire inside "download".
type Normalizer struct {
	byFirst map[rune][]synRule
}

type synRule struct {
	from  []rune
	to    string
	ascii bool // from starts/ends with a word rune: require word boundaries
}

// fillerPhrases carry no topic: greetings, politeness and urgency. Only
// multi-character phrases, so no real word loses a character.
var fillerPhrases = strings.Fields(`
你好 您好 你们好 大家好 早上好 上午好 下午好 晚上好 哈喽 嗨喽
请问 请问下 请问一下 麻烦问一下 麻烦问下 问一下 问下 想问一下 想问下 我想问 我想问下 我想问一下 咨询一下 咨询下
麻烦 麻烦了 谢谢 谢谢你 谢谢了 多谢 感谢 辛苦了 在线等 急急急 着急 比较急 很急 有点急
有人知道吗 有人吗 谁知道 帮忙看下 帮忙看看 帮我看看 帮我看下 请帮忙 帮个忙 求助 救命 哈哈 哈哈哈
我这边 我们这边 我这里 我们这里
`)

// contextPhrases set the scene of a message ("我们部门", "昨天", "一直") but
// rarely name its topic. Long questions typed on a phone carry many of them. In
// a query they weigh little in the total an entry has to cover, yet still count
// when an entry's phrasing uses them ("审批怎么转给同事"). Words that can be the
// topic (晚上/周末 for after-hours support, 新员工) are not here.
var contextPhrases = strings.Fields(`
我们部门 我们公司 我们组 我们项目组 我们项目 我们 你们 咱们 他们 大家
同事 领导 老板 经理 主管
今天 昨天 明天 前天 刚才 刚刚 现在 之前 以前 最近 上周 下周 这周 本周 早上 上午 下午
一直 总是 老是 突然 已经 还是 但是 可是 然后 结果 因为 所以 而且 其实 明明 好像 似乎
是不是 有没有 能不能 可不可以 可以吗 行不行 第一次 头一次
这个 那个 这种 那种 一点 一些 比较 特别 非常 完全 具体 到底 一般 大概
`)

// NewNormalizer builds a normalizer from a synonym table (canonical → variants).
func NewNormalizer(t SynonymTable) *Normalizer {
	n := &Normalizer{byFirst: map[rune][]synRule{}}
	seen := map[string]bool{}
	for _, g := range t.Groups {
		to := BasicNormalize(g.Canonical)
		if to == "" {
			continue
		}
		// The canonical form maps to itself so a variant inside it cannot fire
		// (e.g. variant "在哪" must not rewrite the canonical "在哪里").
		for _, v := range append([]string{g.Canonical}, g.Variants...) {
			from := BasicNormalize(v)
			if from == "" || seen[from] {
				continue // first definition wins; the KB file's table comes first
			}
			seen[from] = true
			rs := []rune(from)
			rule := synRule{from: rs, to: to, ascii: isWordRune(rs[0]) || isWordRune(rs[len(rs)-1])}
			n.byFirst[rs[0]] = append(n.byFirst[rs[0]], rule)
		}
	}
	// Chat filler ("请问", "谢谢", "在线等") is deleted so a chatty message scores
	// like the bare question. Added last: a KB's synonyms win any overlap.
	for _, f := range fillerPhrases {
		from := BasicNormalize(f)
		if from == "" || seen[from] {
			continue
		}
		seen[from] = true
		rs := []rune(from)
		n.byFirst[rs[0]] = append(n.byFirst[rs[0]], synRule{from: rs, to: " "})
	}
	for r, rules := range n.byFirst {
		sortRulesLongestFirst(rules)
		n.byFirst[r] = rules
	}
	return n
}

func sortRulesLongestFirst(rules []synRule) {
	for i := 1; i < len(rules); i++ {
		for j := i; j > 0 && len(rules[j].from) > len(rules[j-1].from); j-- {
			rules[j], rules[j-1] = rules[j-1], rules[j]
		}
	}
}

// Normalize returns the basic-normalised text with synonyms applied.
func (n *Normalizer) Normalize(s string) string {
	return n.applySynonyms(BasicNormalize(s))
}

func (n *Normalizer) applySynonyms(s string) string {
	if n == nil || len(n.byFirst) == 0 {
		return s
	}
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(rs); {
		if rule, ok := n.match(rs, i); ok {
			b.WriteString(rule.to)
			i += len(rule.from)
			continue
		}
		b.WriteRune(rs[i])
		i++
	}
	return b.String()
}

func (n *Normalizer) match(rs []rune, i int) (synRule, bool) {
	for _, rule := range n.byFirst[rs[i]] {
		end := i + len(rule.from)
		if end > len(rs) || !runesEqual(rs[i:end], rule.from) {
			continue
		}
		if rule.ascii && (i > 0 && isWordRune(rs[i-1]) && isWordRune(rs[i]) ||
			end < len(rs) && isWordRune(rs[end]) && isWordRune(rs[end-1])) {
			continue
		}
		return rule, true
	}
	return synRule{}, false
}

func runesEqual(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
