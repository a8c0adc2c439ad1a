package bot

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

var (
	mobileRe   = regexp.MustCompile(`^(?:\+?86|0086)?(1[3-9]\d{9})$`)
	landlineRe = regexp.MustCompile(`^(0(?:[12]\d|[3-9]\d{2}))(\d{7,8})$`)
	// localRe is a number without area code: 7–8 digits, never starting with 0 or 1.
	localRe = regexp.MustCompile(`^[2-9]\d{6,7}$`)
	// extMarkRe splits "0571-88886666转123" / "分机8021" at the extension.
	extMarkRe = regexp.MustCompile(`^(.*?)(?:转分机|转|分机号?|ext\.?|#)\s*(\d{1,6})$`)
	// hyphenExtRe reads "021-12345678-8021": a trailing group after a full number.
	hyphenExtRe = regexp.MustCompile(`^(.*\d)-(\d{1,6})$`)
	phoneStrip  = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "", "（", "", "）", "")
	// phoneWords are the words people put around a number ("我的手机 139…",
	// "打我分机8021"); longer ones first. Anything else left over is no number.
	phoneWords = strings.NewReplacer(
		"联系电话", "", "办公电话", "", "手机号码", "", "电话号码", "", "座机号码", "", "联系方式", "",
		"手机号", "", "手机", "", "电话", "", "座机", "", "固话", "", "号码", "", "我的", "",
		"请拨打", "", "拨打", "", "打我", "", "找我", "", "可以打", "", "我", "", "是", "", "为", "",
		"：", "", ":", "", "，", "", ",", "", "。", "", ".", "", "；", "", ";", "")
	// phoneDashes are the dash-like characters phones type between digit groups.
	phoneDashes = strings.NewReplacer("－", "-", "—", "-", "–", "-", "─", "-", "~", "-", "　", " ", "＃", "#")
)

// phoneProblem is what an unreadable phone answer gets.
const phoneProblem = "电话号码格式不对，请输入 11 位手机号（如 13800138000）或带区号的座机（如 010-12345678）。"

// ValidatePhone accepts a mainland mobile (13800138000, +86 138-0013-8000,
// 手机号13911112222), a landline with area code and optional extension
// (0571-8888 6666转123, 021-12345678-8021), a local number without area code
// (88886666) or an extension alone (分机8021). Full-width digits and the words
// people wrap a number in are accepted. Values are normalised: 13911112222,
// 0571-88886666转123, 88886666, 分机8021.
func ValidatePhone(input string) (string, string) {
	s := strings.ToLower(phoneDashes.Replace(toHalfWidthDigits(strings.TrimSpace(input))))
	s = strings.TrimSpace(phoneWords.Replace(s))
	main, ext := s, ""
	if m := extMarkRe.FindStringSubmatch(s); m != nil {
		main, ext = strings.TrimSpace(m[1]), m[2]
	}
	if main == "" {
		if len(ext) < 2 {
			return "", phoneProblem
		}
		return "分机" + ext, ""
	}
	if v, ok := phoneNumber(main, ext); ok {
		return v, ""
	}
	// "021-12345678-8021": the group after the number is its extension.
	if m := hyphenExtRe.FindStringSubmatch(strings.TrimSpace(main)); m != nil && ext == "" {
		if v, ok := phoneNumber(m[1], m[2]); ok && !mobileRe.MatchString(phoneStrip.Replace(m[1])) {
			return v, ""
		}
	}
	return "", phoneProblem
}

// phoneNumber normalises a number (separators allowed) with an optional
// extension, which the callers' patterns have already limited to 1–6 digits.
func phoneNumber(main, ext string) (string, bool) {
	s := phoneStrip.Replace(main)
	suffix := ""
	if ext != "" {
		suffix = "转" + ext
	}
	if m := mobileRe.FindStringSubmatch(s); m != nil && ext == "" {
		return m[1], true
	}
	if m := landlineRe.FindStringSubmatch(s); m != nil {
		return m[1] + "-" + m[2] + suffix, true
	}
	if localRe.MatchString(s) {
		return s + suffix, true
	}
	return "", false
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
