package dates

import (
	"errors"
	"testing"
	"time"
)

func TestNormalise(t *testing.T) {
	loc := Shanghai()
	// Thursday 2026-11-26 10:00 in Shanghai.
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, loc)
	tests := []struct {
		in, want string
	}{
		{"2026-12-20", "2026-12-20"},
		{"2026/12/5", "2026-12-05"},
		{"2026.1.2", "2026-01-02"},
		{"２０２６－１２－２０", "2026-12-20"},
		{"2027年1月3日", "2027-01-03"},
		{"2026年十二月二十日", "2026-12-20"},
		{"12月20日", "2026-12-20"},
		{"12月20号", "2026-12-20"},
		{"12月20", "2026-12-20"},
		{"十二月二十日", "2026-12-20"},
		{"12-20", "2026-12-20"},
		{"1月5日", "2027-01-05"},   // nearest occurrence: next January
		{"11月20日", "2026-11-20"}, // recent past stays this year
		{"今天", "2026-11-26"},
		{"明天", "2026-11-27"},
		{"后天", "2026-11-28"},
		{"大后天", "2026-11-29"},
		{"昨天", "2026-11-25"},
		{"周五", "2026-11-27"},
		{"周四", "2026-11-26"}, // today counts as the next Thursday
		{"周三", "2026-12-02"},
		{"星期日", "2026-11-29"},
		{"本周一", "2026-11-23"},
		{"这周五", "2026-11-27"},
		{"下周五", "2026-12-04"},
		{"下周一", "2026-11-30"},
		{"下个星期三", "2026-12-02"},
		{"下下周一", "2026-12-07"},
		{"上周五", "2026-11-20"},
		{"3天后", "2026-11-29"},
		{"两周后", "2026-12-10"},
		{"一个月后", "2026-12-26"},
		{"月底", "2026-11-30"},
		{"下月底", "2026-12-31"},
		{" 2026-12-20 ", "2026-12-20"},
	}
	for _, tc := range tests {
		got, err := Normalise(tc.in, now, loc)
		if err != nil {
			t.Errorf("Normalise(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("Normalise(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	loc := Shanghai()
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, loc)
	for _, in := range []string{"", "下辈子", "2026-02-30", "2026-13-01", "13月1日", "周八", "abc", "2月30日"} {
		if _, err := Parse(in, now, loc); !errors.Is(err, ErrUnknown) {
			t.Errorf("Parse(%q) err = %v, want ErrUnknown", in, err)
		}
	}
}

func TestParseUsesZone(t *testing.T) {
	// 2026-11-26 18:00 UTC is already 27 Nov in Shanghai: 明天 is the 28th there.
	now := time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC)
	got, err := Normalise("明天", now, Shanghai())
	if err != nil || got != "2026-11-28" {
		t.Fatalf("明天 in Shanghai = %s, %v; want 2026-11-28", got, err)
	}
	got, err = Normalise("明天", now, time.UTC)
	if err != nil || got != "2026-11-27" {
		t.Fatalf("明天 in UTC = %s, %v; want 2026-11-27", got, err)
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	d := func(s string) time.Time { t, _ := time.Parse(ISO, s); return t }
	tests := []struct {
		from, to string
		want     int
	}{
		{"2026-11-26", "2026-11-26", 0},
		{"2026-11-26", "2026-11-27", 1},  // Thu → Fri
		{"2026-11-27", "2026-11-30", 1},  // Fri → Mon
		{"2026-11-26", "2026-12-04", 6},  // Thu → next Fri
		{"2026-12-04", "2026-11-26", -6}, // reversed
		{"2026-11-28", "2026-11-29", 0},  // weekend only
	}
	for _, tc := range tests {
		if got := WorkingDaysBetween(d(tc.from), d(tc.to)); got != tc.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
	for _, tc := range []struct {
		from, to string
		want     int
	}{{"2026-11-26", "2026-12-20", 24}, {"2026-11-26", "2026-11-25", -1}, {"2026-11-26", "2026-11-23", -3}, {"2026-11-26", "2026-11-26", 0}} {
		if got := DaysBetween(d(tc.from), d(tc.to)); got != tc.want {
			t.Errorf("DaysBetween(%s, %s) = %d, want %d (past dates too)", tc.from, tc.to, got, tc.want)
		}
	}
	if got := DaysBetween(d("2026-11-26"), d("2026-12-20")); got != 24 {
		t.Errorf("DaysBetween = %d, want 24", got)
	}
}
