package bot_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os/exec"
	"strings"
	"testing"
	"time"

	"deliverybot/bot"
	"deliverybot/bot/bottest"
)

type fakeFAQ struct{}

func (fakeFAQ) Answer(_ context.Context, _ *bot.Request, q string) ([]bot.Reply, bool) {
	if strings.Contains(q, "共享屏幕") {
		return []bot.Reply{bot.Text("共享屏幕：点击会议底部的「共享屏幕」。")}, true
	}
	return nil, false
}

func (f fakeFAQ) Handle(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
	if out, ok := f.Answer(ctx, req, req.Text()); ok {
		return out, nil
	}
	return nil, bot.ErrNotHandled
}

func newHarness(t *testing.T, opts ...bottest.Option) *bottest.Harness {
	setup := bottest.WithSetup(func(r *bot.Router, d *bot.Deps) {
		f := repairForm()
		f.Complete = func(_ context.Context, req *bot.Request, st *bot.FormState) ([]bot.Reply, error) {
			return []bot.Reply{bot.Text("已提交：%s", st.Values["desc"])}, nil
		}
		r.Form(f)
		r.Command([]string{"报修", "我要报修"}, "提交故障", bot.HandlerFunc(func(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
			return bot.StartForm(ctx, req, f, map[string]string{"desc": req.Args()})
		}))
		r.Command([]string{"炸了"}, "", bot.HandlerFunc(func(context.Context, *bot.Request) ([]bot.Reply, error) {
			panic("boom")
		}))
		r.Command([]string{"挑选"}, "", bot.HandlerFunc(func(context.Context, *bot.Request) ([]bot.Reply, error) {
			return []bot.Reply{bot.CardReply(bot.Card{Title: "选一个", Buttons: []bot.Button{{Label: "甲", Value: "回声 甲"}, {Label: "乙", Value: "回声 乙"}}})}, nil
		}))
		r.Command([]string{"转给"}, "", bot.HandlerFunc(func(_ context.Context, req *bot.Request) ([]bot.Reply, error) {
			card := bot.CardReply(bot.Card{Title: "请处理", Buttons: []bot.Button{{Label: "受理", Value: "回声 受理"}, {Label: "拒绝", Value: "回声 拒绝"}}})
			card.To = req.Args()
			return []bot.Reply{bot.Text("已转给%s", req.Args()), card}, nil
		}))
		r.Command([]string{"回声"}, "", bot.HandlerFunc(func(_ context.Context, req *bot.Request) ([]bot.Reply, error) {
			return []bot.Reply{bot.Text("你选了%s", req.Args())}, nil
		}))
		if err := r.Rule("报修", `卡纸|坏了`); err != nil {
			t.Fatal(err)
		}
		r.FAQ(fakeFAQ{})
	})
	return bottest.New(t, append([]bottest.Option{setup, bottest.WithFAQ(fakeFAQ{})}, opts...)...)
}

func TestHelpMenuAndCancelWithNothingActive(t *testing.T) {
	h := newHarness(t)
	bottest.MustContain(t, h.SayText("u1", "帮助"), "我能帮您做这些", "报修", "提交故障")
	bottest.MustContain(t, h.SayText("u1", "取消"), "当前没有进行中的操作")
	bottest.MustContain(t, h.SayText("u1", "今天吃什么"), "抱歉，我没太明白")
}

func TestNumberedAnswersMapToLastCardButtons(t *testing.T) {
	h := newHarness(t)
	bottest.MustContain(t, h.SayText("u1", "挑选"), "1. 甲", "2. 乙")
	bottest.MustContain(t, h.SayText("u1", "2"), "你选了乙")
	// The mapping is for the card just shown only.
	bottest.MustContain(t, h.SayText("u1", "2"), "序号「2」没有对应的选项")
}

func TestFormThroughRouterWithDigressionAndPrefill(t *testing.T) {
	h := newHarness(t)
	bottest.MustContain(t, h.SayText("u1", "报修 三楼打印机卡纸"), "开始「报修」", "哪个系统出了问题")
	out := h.SayText("u1", "腾讯会议怎么共享屏幕？")
	bottest.MustContain(t, out, "共享屏幕：点击", "我们继续刚才的「报修」", "哪个系统出了问题")
	bottest.MustContain(t, h.SayText("u1", "1"), "在哪里")
	for _, s := range []string{"跳过", "跳过", "跳过"} {
		h.Say("u1", s)
	}
	bottest.MustContain(t, h.SayText("u1", "确认"), "已提交：三楼打印机卡纸")
	bottest.MustContain(t, h.SayText("u1", "取消"), "当前没有进行中的操作")
}

func TestIntentRuleRoutesFreeTextToCommand(t *testing.T) {
	h := newHarness(t)
	bottest.MustContain(t, h.SayText("u1", "打印机坏了"), "开始「报修」")
}

func TestFormExpiresAndUserIsTold(t *testing.T) {
	h := newHarness(t, bottest.WithFormTTL(30*time.Minute))
	h.Say("u1", "报修")
	h.Clock.Advance(31 * time.Minute)
	out := h.SayText("u1", "企业微信")
	bottest.MustContain(t, out, "已超过 30 分钟没有操作，已自动取消")
	sess, _ := h.Sessions.Load(context.Background(), "u1")
	if sess.Form != nil {
		t.Fatal("expired form still active")
	}
}

func TestUnfinishedFormSurvivesInStore(t *testing.T) {
	h := newHarness(t)
	h.Say("00042", "报修")
	h.Say("00042", "企业微信")
	sess, err := h.Sessions.Load(context.Background(), "00042")
	if err != nil || sess.Form == nil || sess.Form.Slot != "desc" || sess.Form.Values["product"] != "企业微信" {
		t.Fatalf("form not stored for user 00042: %+v %v", sess, err)
	}
}

func TestPanicGivesApologyLogsRequestIDAndKeepsState(t *testing.T) {
	var logs bytes.Buffer
	h := newHarness(t, bottest.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	h.Say("u1", "报修")
	before, _ := h.Sessions.Load(context.Background(), "u1")
	// A panic inside a form would be in the form; use a command with no form active.
	h.Say("u2", "报修")
	h.Say("u2", "取消")
	h.Say("u2", "确定取消")
	bottest.MustContain(t, h.SayText("u2", "炸了"), bot.SorryText)
	if !strings.Contains(logs.String(), `"req":`) || !strings.Contains(logs.String(), "boom") {
		t.Fatalf("panic not logged with request ID:\n%s", logs.String())
	}
	after, _ := h.Sessions.Load(context.Background(), "u1")
	if after.Version != before.Version {
		t.Fatal("other user's state changed")
	}
}

func TestRateLimitWarnsOnceThenDrops(t *testing.T) {
	h := newHarness(t)
	h.Router.Use(bot.RateLimit(3, time.Minute))
	for i := 0; i < 3; i++ {
		bottest.MustNotContain(t, h.SayText("u1", "帮助"), "太快")
	}
	bottest.MustContain(t, h.SayText("u1", "帮助"), "您发送得太快了")
	if out := h.Say("u1", "帮助"); len(out) != 0 {
		t.Fatalf("second excess message should be dropped silently, got %v", out)
	}
	bottest.MustNotContain(t, h.SayText("u2", "帮助"), "太快")
	h.Clock.Advance(time.Minute)
	bottest.MustContain(t, h.SayText("u1", "帮助"), "我能帮您做这些")
}

func TestIdentityMiddlewareResolvesUsers(t *testing.T) {
	var seen *bot.Identity
	h := bottest.New(t, bottest.WithUsers(bottest.Person("pm1", "王经理", bottest.Member("p1", "一期", bot.RolePM, true))),
		bottest.WithSetup(func(r *bot.Router, _ *bot.Deps) {
			r.Command([]string{"我是谁"}, "", bot.HandlerFunc(func(_ context.Context, req *bot.Request) ([]bot.Reply, error) {
				seen = req.Identity
				return []bot.Reply{bot.Text("%s", req.Identity.DisplayName())}, nil
			}))
		}))
	bottest.MustContain(t, h.SayText("pm1", "我是谁"), "王经理")
	if !seen.HasRole("p1", bot.RolePM) {
		t.Fatal("role not resolved")
	}
	h.Say("stranger", "我是谁")
	if seen.Known || seen.UserID != "stranger" {
		t.Fatalf("unknown user resolved as %+v", seen)
	}
}

func TestFormCompletionFailureKeepsAnswers(t *testing.T) {
	h := bottest.New(t, bottest.WithSetup(func(r *bot.Router, _ *bot.Deps) {
		f := repairForm()
		f.Complete = func(context.Context, *bot.Request, *bot.FormState) ([]bot.Reply, error) {
			return nil, errors.New("redis down")
		}
		r.Form(f)
		r.Command([]string{"报修"}, "", bot.HandlerFunc(func(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
			return bot.StartForm(ctx, req, f, nil)
		}))
	}))
	for _, s := range []string{"报修", "企业微信", "打印机卡纸了", "跳过", "跳过", "跳过"} {
		h.Say("u1", s)
	}
	bottest.MustContain(t, h.SayText("u1", "确认"), "提交没有成功", "内容还在")
	sess, _ := h.Sessions.Load(context.Background(), "u1")
	if sess.Form == nil || sess.Form.Values["desc"] != "打印机卡纸了" {
		t.Fatal("answers lost after failed completion")
	}
}

// The core must stay free of adapter libraries.
func TestCoreImportsNoAdapters(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, banned := range []string{"labstack/echo", "redis/go-redis", "silenceper/wechat", "sashabaranov/go-openai", "alicebob/miniredis"} {
		if strings.Contains(string(out), banned) {
			t.Errorf("package bot depends on %s", banned)
		}
	}
}

// A message processed twice (the worker crashed before sending) yields the same
// replies and does not advance the dialog again.
func TestReprocessedMessageReplaysReplies(t *testing.T) {
	h := newHarness(t)
	h.Send(bot.Message{ID: "m1", UserID: "u1", Text: "报修"})
	first := bottest.PlainText(h.Send(bot.Message{ID: "m2", UserID: "u1", Text: "企业微信"}))
	again := bottest.PlainText(h.Send(bot.Message{ID: "m2", UserID: "u1", Text: "企业微信"}))
	if first != again {
		t.Fatalf("replayed replies differ:\n%s\n---\n%s", first, again)
	}
	sess, _ := h.Sessions.Load(context.Background(), "u1")
	if sess.Form == nil || sess.Form.Slot != "desc" {
		t.Fatalf("reprocessing advanced the form: %+v", sess.Form)
	}
}

func TestQueryCommandMidFormThenFormContinues(t *testing.T) {
	h := newHarness(t, bottest.WithSetup(func(r *bot.Router, _ *bot.Deps) {
		r.Query([]string{"我的工单"}, "", bot.HandlerFunc(func(context.Context, *bot.Request) ([]bot.Reply, error) {
			return []bot.Reply{bot.Text("您目前没有工单。")}, nil
		}))
	}))
	h.Say("u1", "报修")
	h.Say("u1", "企业微信")
	out := h.SayText("u1", "我的工单")
	bottest.MustContain(t, out, "您目前没有工单", "我们继续刚才的「报修」", "请描述问题")
	bottest.MustContain(t, h.SayText("u1", "帮助"), "我能帮您做这些", "请描述问题")
	sess, _ := h.Sessions.Load(context.Background(), "u1")
	if sess.Form == nil || sess.Form.Slot != "desc" || sess.Form.Values["desc"] != "" {
		t.Fatalf("query changed the form: %+v", sess.Form)
	}
}

// A hook run on a prefilled slot may make another slot apply; StartForm plans after it.
func TestStartFormReplansAfterHooks(t *testing.T) {
	f := repairForm()
	f.Slots = append([]bot.Slot{{Name: "kb", Label: "能解决吗", Prompt: "这个能解决吗？",
		Choices: []bot.Choice{{Value: "能"}, {Value: "不能"}},
		When:    func(st *bot.FormState) bool { return st.Data["kb"] == "1" }}}, f.Slots...)
	f.AfterSlot = func(_ context.Context, _ *bot.Request, st *bot.FormState, slot string) ([]bot.Reply, bool, error) {
		if slot == "desc" {
			st.Data["kb"] = "1"
		}
		return nil, false, nil
	}
	h := bottest.New(t, bottest.WithSetup(func(r *bot.Router, _ *bot.Deps) {
		r.Form(f)
		r.Command([]string{"报修"}, "", bot.HandlerFunc(func(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
			return bot.StartForm(ctx, req, f, map[string]string{"desc": req.Args()})
		}))
	}))
	bottest.MustContain(t, h.SayText("u1", "报修 打印机卡纸了"), "这个能解决吗？")
}

// Greetings, thanks and acknowledgements get a fitting reply, not "没太明白";
// a question that starts with a greeting is still a question.
func TestSmallTalkIsAnsweredAsSuch(t *testing.T) {
	h := newHarness(t)
	bottest.MustContain(t, h.SayText("u1", "你好！"), "您好！我是交付助手", "报修")
	bottest.MustContain(t, h.SayText("u1", "谢谢~"), "不客气")
	bottest.MustContain(t, h.SayText("u1", "OK"), "有需要随时找我")
	bottest.MustContain(t, h.SayText("u1", "拜拜"), "再见")
	bottest.MustContain(t, h.SayText("u1", "👍"), "有需要随时找我")
	bottest.MustContain(t, h.SayText("u1", "你是谁？"), "我是交付助手")
	bottest.MustNotContain(t, h.SayText("u1", "？？"), "有需要随时找我")
	bottest.MustContain(t, h.SayText("u1", "你好，会议怎么共享屏幕"), "点击会议底部的「共享屏幕」")
	// Mid-form, "好的" is an answer to the form, not small talk.
	h.Say("u2", "报修")
	if out := h.SayText("u2", "好的"); strings.Contains(out, "有需要随时找我") {
		t.Fatalf("small talk hijacked a form answer:\n%s", out)
	}
}

// A long number (phone, order number) is not a stale list position.
func TestLongNumberIsNotAStaleChoice(t *testing.T) {
	h := newHarness(t)
	out := h.SayText("u1", "13800138000")
	if strings.Contains(out, "没有对应的选项") || !strings.Contains(out, "我能帮您做这些") {
		t.Fatalf("13800138000:\n%s", out)
	}
	// 12 after the menu just shown: the menu is offered again.
	bottest.MustContain(t, h.SayText("u1", "１２"), "没有第 12 项，请回复序号 1。", "1. 报修")
}

// A number beyond the list just shown keeps the list, so the retry picks
// from it; "第2个" is a number too; with no list on screen a number is stale.
func TestOutOfRangeNumberKeepsTheList(t *testing.T) {
	h := newHarness(t)
	h.Say("u1", "挑选")
	bottest.MustContain(t, h.SayText("u1", "5"), "没有第 5 项，请回复 1–2 之间的序号。", "1. 甲", "2. 乙")
	bottest.MustContain(t, h.SayText("u1", "第2个"), "你选了乙")
	h.Say("u1", "挑选")
	bottest.MustContain(t, h.SayText("u1", "2星"), "你选了乙") // a rating typed as stars
	bottest.MustContain(t, h.SayText("u1", "7"), "序号「7」没有对应的选项")
}

// Trailing punctuation or an emoji from a phone keyboard does not stop a
// number answering the last card.
func TestDecoratedNumberAnswersTheCard(t *testing.T) {
	h := newHarness(t)
	h.Say("u1", "挑选")
	bottest.MustContain(t, h.SayText("u1", "2。"), "你选了乙")
	h.Say("u1", "挑选")
	bottest.MustContain(t, h.SayText("u1", "１！"), "你选了甲")
}

// Typing a button's label picks it where the button sends something else.
func TestTypedLabelAnswersTheCard(t *testing.T) {
	h := newHarness(t)
	h.Say("u1", "挑选")
	bottest.MustContain(t, h.SayText("u1", "乙"), "你选了乙")
	h.Say("u1", "挑选")
	bottest.MustContain(t, h.SayText("u1", "甲。"), "你选了甲")
}

// A card sent to someone else is the list on their screen: their "2" answers it.
func TestNotifiedUserAnswersTheCardByNumber(t *testing.T) {
	h := newHarness(t)
	h.Say("u2", "挑选") // u2 had another list on screen
	bottest.MustContain(t, h.SayText("u1", "转给 u2"), "已转给u2")
	bottest.MustContain(t, h.SayText("u2", "2"), "你选了拒绝")
	// Out of range: u3's own older card (also two buttons) is not the list its
	// numbers now answer, so it is not shown again as if it were.
	h.Say("u3", "挑选")
	h.Say("u1", "转给 u3")
	bottest.MustNotContain(t, h.SayText("u3", "5"), "1. 甲")
	// The sender's own numbers are untouched by what they sent.
	bottest.MustContain(t, h.SayText("u1", "1"), "没有对应的选项")
}
