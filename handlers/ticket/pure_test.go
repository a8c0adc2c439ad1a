package ticket

import (
	"regexp"
	"strings"
	"testing"
)

func TestPriorityMatrix(t *testing.T) {
	cases := []struct{ impact, urgency, want string }{
		{ImpactMe, UrgencyLow, "P4"}, {ImpactMe, UrgencyNormal, "P4"}, {ImpactMe, UrgencyHigh, "P3"},
		{ImpactDept, UrgencyLow, "P4"}, {ImpactDept, UrgencyNormal, "P3"}, {ImpactDept, UrgencyHigh, "P2"},
		{ImpactCompany, UrgencyLow, "P3"}, {ImpactCompany, UrgencyNormal, "P2"}, {ImpactCompany, UrgencyHigh, "P1"},
		{"", "", "P3"}, // unknown values count as the middle level
	}
	for _, c := range cases {
		if got := Priority(c.impact, c.urgency); got != c.want {
			t.Errorf("Priority(%q, %q) = %s, want %s", c.impact, c.urgency, got, c.want)
		}
	}
}

func TestSimilarity(t *testing.T) {
	cases := []struct {
		a, b    string
		similar bool
	}{
		{"三楼打印机又卡纸了", "三楼打印机卡纸了，打不出来", true},
		{"审批流程打不开", "审批流程打不开了！", true},
		{"三楼打印机又卡纸了", "审批流程打不开，提示网络错误", false},
		{"VPN 连不上", "vpn连不上", true},
		{"", "打印机", false},
	}
	for _, c := range cases {
		if got := Similarity(c.a, c.b) >= similarThreshold; got != c.similar {
			t.Errorf("Similarity(%q, %q) = %.2f, similar=%v want %v", c.a, c.b, Similarity(c.a, c.b), got, c.similar)
		}
	}
}

// TestFaultClassification: faults start a filing; how-to questions with a fault
// word go to the KB (questionRe) instead of becoming tickets.
func TestFaultClassification(t *testing.T) {
	fault := regexp.MustCompile(strings.Join(faultPatterns, "|"))
	cases := []struct {
		text         string
		fault, asked bool
	}{
		{"三楼打印机又卡纸了", true, false},
		{"审批流程打不开", true, false},
		{"电脑蓝屏了", true, false},
		{"OA 登不上", true, false},
		{"vpn登不上怎么办", true, true},
		{"打印机卡纸了怎么处理？", true, true},
		{"为什么会议室投屏无法连接", true, true},
		{"腾讯会议怎么共享屏幕", false, true},
		{"项目进度", false, false},
		{"项目无法按期上线怎么办", false, true},
		{"打印机无法打印", true, false},
		{"进度异常", false, false},
	}
	for _, c := range cases {
		if got := fault.MatchString(c.text); got != c.fault {
			t.Errorf("%q: fault pattern = %v, want %v", c.text, got, c.fault)
		}
		if got := questionRe.MatchString(c.text); got != c.asked {
			t.Errorf("%q: question = %v, want %v", c.text, got, c.asked)
		}
	}
}

func TestSplitID(t *testing.T) {
	cases := []struct{ in, id, rest string }{
		{"BX-20261126-0001 已更换硒鼓", "BX-20261126-0001", "已更换硒鼓"},
		{"bx-20261126-0012", "BX-20261126-0012", ""},
		{"  BX-20261126-10000 zhaolei ", "BX-20261126-10000", "zhaolei"},
		{"没有编号", "", "没有编号"},
	}
	for _, c := range cases {
		id, rest := splitID(c.in)
		if id != c.id || rest != c.rest {
			t.Errorf("splitID(%q) = %q, %q; want %q, %q", c.in, id, rest, c.id, c.rest)
		}
	}
}
