package ticket_test

import (
	"testing"

	"deliverybot/bot/bottest"
	"deliverybot/handlers/ticket/ticketstore"
)

// A ticket's button pressed while another 报修 is being filled acts on that
// ticket; the form then asks its question again and keeps its answers.
func TestTicketButtonWorksMidForm(t *testing.T) {
	e := newEnv(t)
	id := e.file(reporter, "三楼打印机又卡纸了")
	e.say(engineer, "解决 "+id+" 更换了搓纸轮")
	e.inbox(reporter)

	e.say(reporter, "报修")
	e.say(reporter, "打印机")
	out := bottest.PlainText(e.Click(reporter, "解决了 "+id))
	bottest.MustContain(t, out, "已关闭", "我们继续刚才的「报修」")
	if tk := e.ticket(id); tk.Status != ticketstore.StatusClosed {
		t.Fatalf("ticket %s is %s, want closed", id, tk.Status)
	}
	// The new form still has its product and now takes the description.
	bottest.MustContain(t, e.say(reporter, "二楼打印机也不出纸了"), "位置或部门")
}

// The rating card is answered in words as well as by number.
func TestRatingCardAnsweredInWords(t *testing.T) {
	for words, want := range map[string]int{"非常满意": 5, "3分": 3} {
		e := newEnv(t)
		id := e.file(reporter, "三楼打印机又卡纸了")
		e.say(engineer, "解决 "+id+" 更换了搓纸轮")
		bottest.MustContain(t, e.say(reporter, "解决了"), "非常满意")
		bottest.MustContain(t, e.say(reporter, words), "评价")
		if tk := e.ticket(id); tk.Rating != want {
			t.Fatalf("%q: rating %d, want %d", words, tk.Rating, want)
		}
	}
}

// A how-to question in traditional characters goes to the KB like its
// simplified twin, not straight into a 报修 form.
func TestTraditionalHowToGoesToKB(t *testing.T) {
	e := newEnv(t)
	out := e.say(reporter, "VPN登不上怎麼辦")
	bottest.MustContain(t, out, "华东节点")
	bottest.MustNotContain(t, out, "我来帮您提交报修")
}

// Four characters ("网络断了") are a description: "报修 网络断了" keeps it.
func TestShortButRealDescriptionIsKept(t *testing.T) {
	e := newEnv(t)
	e.say(reporter, "报修 网络断了")
	out := e.say(reporter, "打印机")
	bottest.MustContain(t, out, "位置或部门")
	bottest.MustNotContain(t, out, "请描述")
}

// A how-to question typed where the form asks for the project or the system is
// answered from the KB and the question is asked again, as at any other step;
// it is not rejected as an unknown system.
func TestQuestionAtProjectOrSystemIsAnswered(t *testing.T) {
	e := newEnv(t)
	e.say(reporter, "报修")
	out := e.say(reporter, "vpn怎么连？")
	bottest.MustContain(t, out, "华东节点", "我们继续刚才的「报修」", "哪个系统或产品")
	bottest.MustNotContain(t, out, "不在本项目的系统列表里")
	bottest.MustContain(t, e.say(reporter, "企微"), "请描述一下遇到的问题")

	bottest.MustContain(t, e.say(multi, "报修"), "哪个项目")
	out = e.say(multi, "vpn怎么连")
	bottest.MustContain(t, out, "华东节点", "我们继续刚才的「报修」", "哪个项目")
	bottest.MustNotContain(t, out, "没有找到")
	bottest.MustContain(t, e.say(multi, "医院项目"), "2. 打印机")
}

// "取消报修" or "不报了" typed at a free-text step cancels the filing (after
// the usual confirmation); it is not saved as the answer.
func TestCancelInWordsAtFreeTextStep(t *testing.T) {
	for _, words := range []string{"取消报修", "不报了", "撤销报修"} {
		e := newEnv(t)
		e.say(reporter, "报修")
		e.say(reporter, "打印机")
		bottest.MustContain(t, e.say(reporter, "三楼打印机又卡纸了"), "位置或部门")
		bottest.MustContain(t, e.say(reporter, words), "确定要取消「报修」")
		bottest.MustContain(t, e.say(reporter, "确定取消"), "已取消「报修」")
	}
}

// 催一下 or 取消工单 without a ticket number picks from the reporter's open
// tickets instead of only asking for a number; 撤销报修 means 取消工单.
func TestNudgeAndCancelWithoutIDOfferOwnTickets(t *testing.T) {
	e := newEnv(t)
	bottest.MustContain(t, e.say(reporter, "催一下"), "没有")
	first := e.file(reporter, "三楼打印机又卡纸了")
	bottest.MustContain(t, e.say(reporter, "催一下"), "已提醒", first)

	second := e.file(reporter, "财务部的打印机不出纸")
	out := e.say(reporter, "催单")
	bottest.MustContain(t, out, "催一下 "+first, "催一下 "+second)
	bottest.MustNotContain(t, out, "已提醒")

	out = e.say(reporter, "撤销报修")
	bottest.MustContain(t, out, "取消工单 "+first, "取消工单 "+second)
	bottest.MustContain(t, e.say(reporter, "2"), "已取消")
	if e.ticket(first).Status == ticketstore.StatusCancelled == (e.ticket(second).Status == ticketstore.StatusCancelled) {
		t.Fatal("want exactly one of the two tickets cancelled")
	}
}

// The engineer told of a reopened ticket reads why the reporter says it is
// not solved; 解决了 or 评分 with nothing waiting for it says so instead of
// asking for a ticket number.
func TestReopenReasonReachesEngineerAndNothingWaiting(t *testing.T) {
	e := newEnv(t)
	id := e.file(reporter, "三楼打印机又卡纸了")
	bottest.MustContain(t, e.say(reporter, "解决了"), "没有等待您确认的工单")
	e.say(engineer, "解决 "+id+" 更换了搓纸轮")
	e.inbox(reporter)
	bottest.MustContain(t, e.say(reporter, "没解决 还是卡纸，换了纸也不行"), "已重新打开")
	bottest.MustContain(t, e.inbox(engineer), "被重新打开", "还是卡纸，换了纸也不行")

	e.say(engineer, "解决 "+id+" 换了整个进纸模块")
	bottest.MustContain(t, e.say(reporter, "解决了"), "非常满意")
	bottest.MustContain(t, e.say(reporter, "评分 5"), "5 分评价")
	out := e.say(reporter, "评分 4")
	bottest.MustContain(t, out, "没有待评分")
	bottest.MustNotContain(t, out, "请带上工单编号")
}
