package ticket_test

import (
	"testing"

	"deliverybot/bot/bottest"
	"deliverybot/handlers/ticket"
	"deliverybot/handlers/ticket/ticketstore"
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

// A filing started from a photo asks for the system first; people describe
// the fault there. The text is kept as the description, not thrown away as an
// unknown system, and the system is asked again unless the text names one.
func TestDescriptionAtSystemStepIsKept(t *testing.T) {
	e := newEnv(t)
	bottest.MustContain(t, bottest.PlainText(e.SendImage(reporter, []byte("photo of the login page"), "image/jpeg")), "提交报修")
	bottest.MustContain(t, e.say(reporter, "报修"), "已附上您刚才发送的 1 张照片", "哪个系统或产品")
	out := e.say(reporter, "扫码登录还是失败")
	bottest.MustContain(t, out, "已把「扫码登录还是失败」记为问题描述", "哪个系统或产品")
	bottest.MustNotContain(t, out, "不在本项目的系统列表里")
	out = e.say(reporter, "企微")
	bottest.MustContain(t, out, "位置或部门")
	bottest.MustNotContain(t, out, "请描述")
	for _, a := range []string{"跳过", "仅我", "一般", "跳过"} {
		out = e.say(reporter, a)
	}
	bottest.MustContain(t, out, "请确认", "系统或产品：企业微信", "问题描述：扫码登录还是失败")

	// The description names a system: both are taken.
	e = newEnv(t)
	e.say(reporter, "报修")
	out = e.say(reporter, "企业微信扫码登录还是失败")
	bottest.MustContain(t, out, "记为问题描述，系统或产品登记为「企业微信」", "位置或部门")

	// …and the KB is searched with it, as for a description typed at its step.
	e = newEnv(t)
	e.say(reporter, "报修")
	bottest.MustContain(t, e.say(reporter, "打印机驱动一直装不上"), "登记为「打印机」", "软件中心", "这个能解决吗")
	e = newEnv(t)
	e.say(reporter, "报修")
	bottest.MustContain(t, e.say(reporter, "vpn一直连不上"), "记为问题描述", "哪个系统或产品")
	bottest.MustContain(t, e.say(reporter, "其他"), "华东节点", "这个能解决吗")

	// A thing's name is no description: the usual misses, then 其他（…）.
	e = newEnv(t)
	e.say(reporter, "报修")
	bottest.MustContain(t, e.say(reporter, "护士站那台电脑"), "不在本项目的系统列表里")
	bottest.MustContain(t, e.say(reporter, "就是护士站那台电脑"), "先按「其他」登记", "请描述")

	// A description already given: an unlisted answer is a miss as before.
	e = newEnv(t)
	bottest.MustContain(t, e.say(reporter, "报修 三楼那台机器卡纸了"), "哪个系统或产品")
	bottest.MustContain(t, e.say(reporter, "扫码登录还是失败"), "不在本项目的系统列表里")
}

// 解决 without an explanation can be followed by one: it is recorded in the
// history and the reporter reads it. 项目工单 shows the ticket waiting for
// the reporter's confirmation instead of saying nothing is open.
func TestResolutionExplanationAddedAfterwards(t *testing.T) {
	e := newEnv(t)
	id := e.file(reporter, "三楼打印机又卡纸了")
	bottest.MustContain(t, e.say(engineer, "解决 "+id), "等待提交人确认", "解决 "+id+" 处理说明")
	e.inbox(reporter)
	bottest.MustContain(t, e.say(engineer, "解决 "+id), "已标记为已解决", "解决 "+id+" 处理说明")

	out := e.say(engineer, "解决 "+id+" 更换了搓纸轮")
	bottest.MustContain(t, out, "已补充工单 "+id+" 的处理说明：更换了搓纸轮")
	bottest.MustNotContain(t, out, "不能")
	bottest.MustContain(t, e.inbox(reporter), "刘洋补充了工单 "+id, "处理说明：更换了搓纸轮", "解决了")
	tk := e.ticket(id)
	if tk.Status != ticketstore.StatusResolved || tk.Resolution != "更换了搓纸轮" {
		t.Fatalf("status %s resolution %q", tk.Status, tk.Resolution)
	}
	bottest.MustContain(t, e.say(engineer, "工单 "+id), "处理说明：更换了搓纸轮", "补充处理说明：更换了搓纸轮")

	out = e.say(pm, "项目工单")
	bottest.MustContain(t, out, "华东医院 没有待处理的工单。", "等待提交人确认的工单（1 个）", id, "已解决(待确认)")
	bottest.MustNotContain(t, out, "华东医院 没有未完成的工单")

	// Once confirmed it is no longer listed; nor can the explanation change.
	bottest.MustContain(t, e.say(reporter, "解决了 "+id), "非常满意")
	bottest.MustContain(t, e.say(pm, "项目工单"), "华东医院 没有未完成的工单。")
	bottest.MustContain(t, e.say(engineer, "解决 "+id+" 又换了一次"), "不能")
}

// 转派 to whoever already handles the ticket changes nothing and tells nobody.
func TestTransferToCurrentAssignee(t *testing.T) {
	e := newEnv(t)
	id := e.file(reporter, "三楼打印机又卡纸了")
	bottest.MustContain(t, e.say(engineer, "转派 "+id+" 赵磊"), "已将工单 "+id+" 转派给赵磊")
	e.inbox(engineer2)
	e.inbox(reporter)
	before := len(e.ticket(id).History)

	out := e.say(engineer, "转派 "+id+" 赵磊")
	bottest.MustContain(t, out, "该工单已由赵磊处理")
	bottest.MustNotContain(t, out, "已将工单")
	if got := e.inbox(engineer2) + e.inbox(reporter); got != "" {
		t.Fatalf("notified again: %q", got)
	}
	if tk := e.ticket(id); len(tk.History) != before || tk.Assignee != engineer2 {
		t.Fatalf("ticket changed: assignee %s, %d events (was %d)", tk.Assignee, len(tk.History), before)
	}
	bottest.MustContain(t, e.say(engineer2, "转派 "+id+" zhaolei"), "该工单已由赵磊处理")
}
