// Package textsim scores how alike two short texts are. Short Chinese text has no
// word boundaries, so it compares character bigrams.
package textsim

import (
	"strings"
	"unicode"
)

// Dice is the Sørensen–Dice coefficient (0..1) of the character bigrams of a and b,
// ignoring case, spaces and punctuation.
func Dice(a, b string) float64 {
	ga, gb := bigrams(a), bigrams(b)
	if len(ga) == 0 || len(gb) == 0 {
		return 0
	}
	common, total := 0, 0
	for g, n := range ga {
		common += min(n, gb[g])
		total += n
	}
	for _, n := range gb {
		total += n
	}
	return 2 * float64(common) / float64(total)
}

func bigrams(s string) map[string]int {
	var rs []rune
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			rs = append(rs, r)
		}
	}
	out := make(map[string]int, len(rs))
	for i := 0; i+1 < len(rs); i++ {
		out[string(rs[i:i+2])]++
	}
	return out
}
