package ticket_test

import (
	"testing"

	"deliverybot/bot/bottest"
	"deliverybot/handlers/ticket"
)

// toImpact files up to the 影响范围 step.
func (e *env) toImpact(user string) {
	e.t.Helper()
	e.say(user, "报修")
	e.say(user, "打印机")
	e.say(user, "打印机卡纸了")
	bottest.MustContain(e.t, e.say(user, "跳过"), "影响多少人")
}

// 影响范围 and 紧急程度 are answered in sentences, not only with the listed words.
func TestImpactAndUrgencyInPeoplesWords(t *testing.T) {
	impacts := map[string]string{
		"我们科室都不行": ticket.ImpactDept, "全部门都打不开": ticket.ImpactDept, "部门": ticket.ImpactDept,
		"整个科室都用不了！": ticket.ImpactDept, "只有我自己": ticket.ImpactMe, "就我一个人": ticket.ImpactMe,
		"仅我": ticket.ImpactMe, "别人都正常": ticket.ImpactMe, "全院都不行": ticket.ImpactCompany,
		"全公司": ticket.ImpactCompany, "所有人都打不开。": ticket.ImpactCompany, "3": ticket.ImpactCompany,
	}
	for answer, want := range impacts {
		e := newEnv(t)
		e.toImpact(reporter)
		out := e.say(reporter, answer)
		bottest.MustContain(t, out, "有多紧急")
		bottest.MustNotContain(t, out, "请从以下选项中选择")
		out = e.say(reporter, "一般")
		bottest.MustContain(t, out, "影响范围「"+want+"」")
	}
	urgencies := map[string]string{
		"不是很急": ticket.UrgencyLow, "算了不急": ticket.UrgencyLow, "不急": ticket.UrgencyLow, "不着急的": ticket.UrgencyLow,
		"一般": ticket.UrgencyNormal, "还好": ticket.UrgencyNormal, "有点急": ticket.UrgencyNormal,
		"很急": ticket.UrgencyHigh, "特别急": ticket.UrgencyHigh, "马上要用": ticket.UrgencyHigh,
		"紧急": ticket.UrgencyHigh, "非常着急！": ticket.UrgencyHigh,
	}
	for answer, want := range urgencies {
		e := newEnv(t)
		e.toImpact(reporter)
		e.say(reporter, "部门")
		out := e.say(reporter, answer)
		bottest.MustContain(t, out, "紧急程度「"+want+"」", "联系电话")
		bottest.MustNotContain(t, out, "请从以下选项中选择")
	}
	// Still no guess for what says neither.
	e := newEnv(t)
	e.toImpact(reporter)
	bottest.MustContain(t, e.say(reporter, "打印机在三楼"), "请从以下选项中选择")
}

// The phone step takes numbers as people type them and keeps them normalised.
func TestPhoneInPeoplesWords(t *testing.T) {
	for answer, want := range map[string]string{
		"我的手机 139 1111 2222": "13911112222", "0571-8888 6666转123": "0571-88886666转123",
		"打我分机8021": "分机8021", "88886666": "88886666",
	} {
		e := newEnv(t)
		e.toImpact(reporter)
		e.say(reporter, "部门")
		bottest.MustContain(t, e.say(reporter, "一般"), "联系电话")
		bottest.MustContain(t, e.say(reporter, answer), "照片")
		bottest.MustContain(t, e.say(reporter, "跳过"), "联系电话："+want)
	}
	e := newEnv(t)
	e.toImpact(reporter)
	e.say(reporter, "部门")
	e.say(reporter, "一般")
	bottest.MustContain(t, e.say(reporter, "明天再说"), "电话号码格式不对")
}
