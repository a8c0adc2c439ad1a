package ticket_test

import (
	"context"
	"testing"

	"deliverybot/bot"
	"deliverybot/bot/bottest"
	"deliverybot/handlers/ticket/ticketstore"
)

// filingFAQ is an FAQ stage like the real one: an answer, or a "no answer" card
// that offers 报修 with the question.
type filingFAQ struct{ fakeFAQ }

func (f filingFAQ) Handle(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
	if ans, ok := f.Answer(ctx, req, req.Text()); ok {
		return append(ans, bot.CardReply(bot.Card{Title: "这个回答有帮助吗？",
			Buttons: []bot.Button{{Label: "有用", Value: "有用 x"}, {Label: "没用", Value: "没用 x"}}})), nil
	}
	return []bot.Reply{bot.CardReply(bot.Card{Title: "暂时没有找到答案",
		Buttons: []bot.Button{{Label: "换个说法", Value: "换个说法"}, {Label: "报修", Value: "报修 " + req.Text()}}})}, nil
}

// Someone in no project who reports a fault gets the KB's answer, as the FAQ
// would give it, and no 报修 offer; only an explicit 报修 gets the refusal.
func TestFaultFromNonMemberIsAnsweredFromKBWithoutFiling(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  []bottest.Option
	}{{"answer only", nil}, {"FAQ stage", []bottest.Option{bottest.WithFAQ(filingFAQ{kb})}}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opt...)
			out := e.say("stranger", "vpn登不上")
			bottest.MustContain(t, out, "华东节点")
			bottest.MustNotContain(t, out, "还没有加入任何项目", "报修")

			// No KB answer: whom to ask, still no 报修 button.
			out = e.say("stranger", "三楼打印机又卡纸了")
			bottest.MustContain(t, out, "暂时没有找到这个问题的解决办法", "还没有加入任何项目", "项目经理")
			bottest.MustNotContain(t, out, "我来帮您提交报修", "1. 换个说法")

			bottest.MustContain(t, e.say("stranger", "报修 vpn登不上"), "还没有加入任何项目，暂时无法在这里报修")
			bottest.MustContain(t, e.say("stranger", "报修"), "还没有加入任何项目，暂时无法在这里报修")
			if e.count() != 0 {
				t.Fatalf("%d tickets filed by someone in no project", e.count())
			}
		})
	}
	// Members still go straight into the filing, with the KB answer first.
	e := newEnv(t, bottest.WithFAQ(filingFAQ{kb}))
	bottest.MustContain(t, e.say(reporter, "vpn登不上"), "我来帮您提交报修", "华东节点", "这个能解决吗")
}

// "这个能解决吗？" is answered in the words people use, not only 能/不能.
func TestKBQuestionAnsweredInWords(t *testing.T) {
	yes := []string{"能", "搞定了", "可以了", "是", "yes", "Yes", "解决了", "好了"}
	no := []string{"不能", "解决不了", "否", "no", "No", "不可以", "还是不行啊", "不行", "没用"}
	for _, words := range []struct {
		answers []string
		want    string
	}{{yes, "太好了"}, {no, "我们继续提交报修"}} {
		for _, a := range words.answers {
			e := newEnv(t)
			bottest.MustContain(t, e.say(reporter, "报修 电脑连不上VPN了，一直转圈"), "这个能解决吗")
			out := e.say(reporter, a)
			bottest.MustContain(t, out, words.want)
			bottest.MustNotContain(t, out, "请从以下选项中选择")
		}
	}
}

// A description that names one of the project's systems answers the system
// step (the reply says so); the KB answer found from it is still asked first.
func TestDescriptionNamingSystemPrefillsIt(t *testing.T) {
	e := newEnv(t)
	out := e.say(reporter, "企微一直闪退")
	bottest.MustContain(t, out, "我来帮您提交报修", "登记系统或产品为「企业微信」", "位置或部门")
	bottest.MustNotContain(t, out, "哪个系统或产品")
	var last string
	for _, a := range []string{"跳过", "仅我", "一般", "跳过", "跳过"} {
		last = e.say(reporter, a)
	}
	bottest.MustContain(t, last, "请确认", "系统或产品：企业微信", "问题描述：企微一直闪退")

	// KB answer first, then the system is already known.
	e = newEnv(t)
	out = e.say(reporter, "报修 打印机驱动装不上")
	bottest.MustContain(t, out, "登记系统或产品为「打印机」", "软件中心", "这个能解决吗")
	bottest.MustContain(t, e.say(reporter, "不能"), "位置或部门")

	// Two systems named, or none of this project's: the user chooses.
	e = newEnv(t)
	bottest.MustContain(t, e.say(reporter, "企业微信和打印机都打不开"), "哪个系统或产品")
	bottest.MustNotContain(t, e.say(reporter, "取消"), "登记系统或产品")

	// Several projects: the system is taken once the project is known, and only
	// from that project's list.
	e = newEnv(t)
	bottest.MustContain(t, e.say(multi, "报修 企业微信打不开"), "哪个项目")
	bottest.MustContain(t, e.say(multi, "医院项目"), "登记系统或产品为「企业微信」", "位置或部门")
	e = newEnv(t)
	e.say(multi, "报修 企业微信打不开")
	out = e.say(multi, "锦绣集团")
	bottest.MustContain(t, out, "哪个系统或产品", "1. 腾讯会议")
	bottest.MustNotContain(t, out, "登记系统或产品")
}

// Someone in no project who sends a photo is told at once they cannot file
// here, instead of being offered 报修 and then refused.
func TestPhotoFromSomeoneInNoProject(t *testing.T) {
	e := newEnv(t)
	out := bottest.PlainText(e.SendImage("stranger", []byte("photo of a jammed printer"), "image/jpeg"))
	bottest.MustContain(t, out, "收到照片", "暂时无法在这里报修")
	bottest.MustNotContain(t, out, "要用这些照片提交报修吗")
}

// 问题解决了吗 answered in the reporter's own words: "好了，可以用了" closes,
// "还是不行，…" reopens with the words as the reason; with nothing waiting the
// words are not taken as a confirmation.
func TestNaturalAnswersToResolvedQuestion(t *testing.T) {
	e := newEnv(t)
	id := e.file(reporter, "三楼打印机又卡纸了")
	e.say(engineer, "受理 "+id)
	e.say(engineer, "解决 "+id+" 更换了搓纸轮")
	bottest.MustContain(t, e.say(reporter, "还是不行，还是卡纸"), "重新打开")
	bottest.MustContain(t, e.inbox(engineer), "原因：还是不行，还是卡纸")
	e.say(engineer, "解决 "+id+" 换了整个进纸组件")
	bottest.MustContain(t, e.say(reporter, "好了，可以用了"), "已关闭", "非常满意")
	if tk := e.ticket(id); tk.Status != ticketstore.StatusClosed {
		t.Fatalf("status %s, want closed", tk.Status)
	}
	bottest.MustNotContain(t, e.say(reporter, "好了，可以用了"), "已关闭")
}
