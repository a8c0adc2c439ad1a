package bot

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

var (
	mobileRe   = regexp.MustCompile(`^(?:\+?86)?(1[3-9]\d{9})$`)
	landlineRe = regexp.MustCompile(`^(0(?:[12]\d|[3-9]\d{2}))(\d{7,8})(?:(?:转|ext|#)(\d{1,6}))?$`)
	phoneStrip = strings.NewReplacer(" ", "", "-", "", "－", "", "—", "", "(", "", ")", "", "（", "", "）", "")
)

// ValidatePhone accepts a mainland mobile (13800138000, +86 138-0013-8000) or a
// landline with area code and optional extension, normalised without separators.
func ValidatePhone(input string) (string, string) {
	s := phoneStrip.Replace(toHalfWidthDigits(strings.TrimSpace(input)))
	if m := mobileRe.FindStringSubmatch(s); m != nil {
		return m[1], ""
	}
	if m := landlineRe.FindStringSubmatch(s); m != nil {
		v := m[1] + "-" + m[2]
		if m[3] != "" {
			v += "转" + m[3]
		}
		return v, ""
	}
	return "", "电话号码格式不对，请输入 11 位手机号（如 13800138000）或带区号的座机（如 010-12345678）。"
}

// MinRunes returns a validator that requires at least n characters.
func MinRunes(n int, what string) func(string) (string, string) {
	return func(in string) (string, string) {
		in = strings.TrimSpace(in)
		if utf8.RuneCountInString(in) < n {
			return "", fmt.Sprintf("%s太短了，请至少写 %d 个字，说清楚一些。", what, n)
		}
		return in, ""
	}
}

func toHalfWidthDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return r - '０' + '0'
		}
		if r == '＋' {
			return '+'
		}
		return r
	}, s)
}
