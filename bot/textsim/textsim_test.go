package textsim

import "testing"

func TestDice(t *testing.T) {
	cases := []struct {
		a, b     string
		min, max float64
	}{
		{"打印机卡纸", "打印机卡纸", 1, 1},
		{"三楼打印机又卡纸了", "三楼的打印机卡纸", 0.5, 0.99},
		{"审批流程打不开", "VPN 登不上", 0, 0},
		{"ABC", "abc!", 1, 1},
		{"", "打印机", 0, 0},
		{"打", "打", 0, 0}, // a single character has no bigram
	}
	for _, c := range cases {
		if got := Dice(c.a, c.b); got < c.min || got > c.max {
			t.Errorf("Dice(%q, %q) = %.2f, want in [%.2f, %.2f]", c.a, c.b, got, c.min, c.max)
		}
	}
}
