// Package dates turns the dates people type in chat (2026-12-20, 12月20日, 下周五,
// 明天, 3天后) into calendar dates in a given time zone. It is pure: the caller
// passes "now", so results are reproducible and table-testable.
package dates

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ISO is the layout dates are normalised to (ISO 8601 calendar date).
const ISO = "2006-01-02"

// ErrUnknown is returned (wrapped) when the text is not a date this package understands.
var ErrUnknown = errors.New("无法识别的日期")

// Shanghai is the default zone for dates typed by users; it falls back to a fixed
// UTC+8 zone when the tz database is unavailable (China has no DST).
func Shanghai() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}

var (
	reISO       = regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$`)
	reYMD       = regexp.MustCompile(`^(\d{4})年(\S{1,3})月(\S{1,3}?)[日号]?$`)
	reMD        = regexp.MustCompile(`^(\S{1,3})月(\S{1,3}?)[日号]?$`)
	reMDNum     = regexp.MustCompile(`^(\d{1,2})[-/.](\d{1,2})$`)
	reRelative  = regexp.MustCompile(`^(\S+?)(天|日|周|个星期|星期|个礼拜|礼拜|个月)[以之]?后$`)
	reWeekday   = regexp.MustCompile(`^(本|这|这个|下|下个|下下|下下个|上|上个)?(周|星期|礼拜)([一二三四五六日天1-7])$`)
	relativeDay = map[string]int{
		"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3, "昨天": -1, "昨日": -1, "前天": -2,
	}
)

// Parse reads s as a date relative to now in loc and returns midnight of that day in
// loc. Rules for forms without a year or week:
//   - "12月20日", "12-20": the occurrence nearest to today (so in late November
//     "1月5日" is next January and "11月20日" is this year);
//   - "周五": the next Friday on or after today; "本周五"/"这周五": Friday of the
//     current Monday-first week, even if past; "下周五": Friday of next week;
//     "下下周五": the week after; "上周五": last week.
func Parse(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = Shanghai()
	}
	in := normalise(s)
	if in == "" {
		return time.Time{}, fmt.Errorf("%w：日期为空", ErrUnknown)
	}
	now = now.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)

	if d, ok := relativeDay[in]; ok {
		return today.AddDate(0, 0, d), nil
	}
	switch in {
	case "月底", "本月底", "这个月底":
		return endOfMonth(today, 0), nil
	case "下月底", "下个月底":
		return endOfMonth(today, 1), nil
	}
	if m := reISO.FindStringSubmatch(in); m != nil {
		return ymd(atoi(m[1]), atoi(m[2]), atoi(m[3]), loc, s)
	}
	if m := reYMD.FindStringSubmatch(in); m != nil {
		mo, ok1 := number(m[2])
		d, ok2 := number(m[3])
		if !ok1 || !ok2 {
			return time.Time{}, fmt.Errorf("%w：%q", ErrUnknown, s)
		}
		return ymd(atoi(m[1]), mo, d, loc, s)
	}
	if m := reMD.FindStringSubmatch(in); m != nil {
		mo, ok1 := number(m[1])
		d, ok2 := number(m[2])
		if ok1 && ok2 {
			return nearest(today, mo, d, s)
		}
	}
	if m := reMDNum.FindStringSubmatch(in); m != nil {
		return nearest(today, atoi(m[1]), atoi(m[2]), s)
	}
	if m := reWeekday.FindStringSubmatch(in); m != nil {
		return weekday(today, m[1], m[3]), nil
	}
	if m := reRelative.FindStringSubmatch(in); m != nil {
		n, ok := number(m[1])
		if ok {
			switch m[2] {
			case "天", "日":
				return today.AddDate(0, 0, n), nil
			case "个月":
				return today.AddDate(0, n, 0), nil
			default:
				return today.AddDate(0, 0, 7*n), nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("%w：%q（可写 2026-12-20、12月20日、下周五、明天）", ErrUnknown, s)
}

// Normalise parses s and returns it as an ISO 8601 date string.
func Normalise(s string, now time.Time, loc *time.Location) (string, error) {
	t, err := Parse(s, now, loc)
	if err != nil {
		return "", err
	}
	return t.Format(ISO), nil
}

// WorkingDaysBetween counts Monday–Friday days in (from, to]: the working days you
// move forward going from one date to the other. It is negative when to is before
// from. Public holidays are not modelled.
func WorkingDaysBetween(from, to time.Time) int {
	from = midnight(from)
	to = midnight(to)
	sign := 1
	if to.Before(from) {
		from, to = to, from
		sign = -1
	}
	n := 0
	for d := from.AddDate(0, 0, 1); !d.After(to); d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return sign * n
}

// DaysBetween counts calendar days from one date to another (negative when earlier).
func DaysBetween(from, to time.Time) int {
	f := midnight(from)
	t := time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, f.Location())
	// Rounded to the nearest day (a DST change makes a day 23 or 25 hours);
	// math.Floor, not int(), so past dates round the same way as future ones.
	return int(math.Floor((t.Sub(f).Hours() + 12) / 24))
}

func midnight(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// normalise trims, drops inner spaces and maps full-width digits and punctuation.
func normalise(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == '－':
			b.WriteRune('-')
		case r == '／':
			b.WriteRune('/')
		case r == '．':
			b.WriteRune('.')
		case r == ' ' || r == '\t' || r == '\u3000':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func ymd(y, m, d int, loc *time.Location, orig string) (time.Time, error) {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, fmt.Errorf("%w：%q 不是有效日期", ErrUnknown, orig)
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc)
	if t.Day() != d { // e.g. 2 月 30 日 rolled over into March
		return time.Time{}, fmt.Errorf("%w：%q 不是有效日期", ErrUnknown, orig)
	}
	return t, nil
}

// nearest picks the year that puts month/day closest to today.
func nearest(today time.Time, m, d int, orig string) (time.Time, error) {
	var best time.Time
	bestDist := -1.0
	for _, y := range []int{today.Year() - 1, today.Year(), today.Year() + 1} {
		t, err := ymd(y, m, d, today.Location(), orig)
		if err != nil {
			continue // Feb 29 exists only in some years
		}
		dist := t.Sub(today).Hours()
		if dist < 0 {
			dist = -dist
		}
		if bestDist < 0 || dist < bestDist {
			best, bestDist = t, dist
		}
	}
	if bestDist < 0 {
		return time.Time{}, fmt.Errorf("%w：%q 不是有效日期", ErrUnknown, orig)
	}
	return best, nil
}

func weekday(today time.Time, prefix, day string) time.Time {
	target := weekdayIndex(day) // Monday = 0 … Sunday = 6
	cur := (int(today.Weekday()) + 6) % 7
	monday := today.AddDate(0, 0, -cur)
	switch prefix {
	case "":
		diff := (target - cur + 7) % 7
		return today.AddDate(0, 0, diff)
	case "下", "下个":
		return monday.AddDate(0, 0, 7+target)
	case "下下", "下下个":
		return monday.AddDate(0, 0, 14+target)
	case "上", "上个":
		return monday.AddDate(0, 0, -7+target)
	default: // 本, 这, 这个
		return monday.AddDate(0, 0, target)
	}
}

func weekdayIndex(s string) int {
	switch s {
	case "一", "1":
		return 0
	case "二", "2":
		return 1
	case "三", "3":
		return 2
	case "四", "4":
		return 3
	case "五", "5":
		return 4
	case "六", "6":
		return 5
	default: // 日, 天, 7
		return 6
	}
}

func endOfMonth(today time.Time, plusMonths int) time.Time {
	first := time.Date(today.Year(), today.Month()+time.Month(plusMonths)+1, 1, 0, 0, 0, 0, today.Location())
	return first.AddDate(0, 0, -1)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

var cnDigit = map[rune]int{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

// number reads 1–99 written in ASCII digits or Chinese numerals (三, 十二, 二十一).
func number(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, n >= 0
	}
	rs := []rune(s)
	switch {
	case len(rs) == 1 && rs[0] == '十':
		return 10, true
	case len(rs) == 1:
		n, ok := cnDigit[rs[0]]
		return n, ok
	case len(rs) == 2 && rs[0] == '十':
		n, ok := cnDigit[rs[1]]
		return 10 + n, ok
	case len(rs) == 2 && rs[1] == '十':
		n, ok := cnDigit[rs[0]]
		return 10 * n, ok
	case len(rs) == 3 && rs[1] == '十':
		a, ok1 := cnDigit[rs[0]]
		b, ok2 := cnDigit[rs[2]]
		return 10*a + b, ok1 && ok2
	}
	return 0, false
}
