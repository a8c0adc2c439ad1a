package knowledge

import "slices"

// contextMatcher marks the query tokens that belong to a context phrase
// (contextPhrases), longest match first.
type contextMatcher map[rune][][]rune

// newContextMatcher normalises the phrases like queries (synonyms included),
// so "能不能" is found after it has become "能无法".
func newContextMatcher(phrases []string, norm *Normalizer) contextMatcher {
	m := contextMatcher{}
	for _, p := range phrases {
		rs := []rune(norm.Normalize(p))
		if len(rs) < 2 {
			continue
		}
		m[rs[0]] = append(m[rs[0]], rs)
	}
	for _, ps := range m {
		slices.SortStableFunc(ps, func(a, b []rune) int { return len(b) - len(a) }) // longest first
	}
	return m
}

// mark sets mask[i] for every token inside a context phrase.
func (m contextMatcher) mark(tokens []uint32, mask []bool) []bool {
	mask = append(mask[:0], make([]bool, len(tokens))...)
	for i := 0; i < len(tokens); {
		n := m.matchAt(tokens, i)
		if n == 0 {
			i++
			continue
		}
		for j := i; j < i+n; j++ {
			mask[j] = true
		}
		i += n
	}
	return mask
}

func (m contextMatcher) matchAt(tokens []uint32, i int) int {
	if isWordToken(tokens[i]) {
		return 0
	}
next:
	for _, p := range m[rune(tokens[i])] {
		if i+len(p) > len(tokens) {
			continue
		}
		for k, r := range p {
			if tokens[i+k] != uint32(r) {
				continue next
			}
		}
		return len(p)
	}
	return 0
}
