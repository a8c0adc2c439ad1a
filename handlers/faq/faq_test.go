package faq_test

import (
	"context"
	"strings"
	"testing"

	"deliverybot/bot"
	"deliverybot/bot/bottest"
	"deliverybot/bot/redisstore/redistest"
	"deliverybot/handlers/faq"
	"deliverybot/knowledge"
	"deliverybot/knowledge/kbstore"
)

func demoKB(t testing.TB) *knowledge.Store {
	t.Helper()
	s, err := knowledge.Open("../../deploy/demo/kb", knowledge.DefaultOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type env struct {
	h  *bottest.Harness
	fb *kbstore.Store
	kb *knowledge.Store
}

func newEnv(t *testing.T, b *redistest.Backend, kb faq.Searcher, opts ...bottest.Option) *env {
	t.Helper()
	if b == nil {
		b = redistest.New(t)
	}
	e := &env{fb: kbstore.New(b.Client, b.Prefix)}
	handler := faq.New(faq.Options{KB: kb, Feedback: e.fb, Contacts: fakeContacts{}})
	opts = append(opts, bottest.WithBackend(b), bottest.WithFAQ(handler),
		bottest.WithSetup(func(r *bot.Router, _ *bot.Deps) {
			if err := handler.Register(r); err != nil {
				t.Fatal(err)
			}
		}))
	e.h = bottest.New(t, opts...)
	return e
}

func TestConfidentAnswerNamesSourceAndTakesFeedback(t *testing.T) {
	ctx := context.Background()
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, demoKB(t))
			replies := e.h.Say("u1", "vpn登不上怎么办")
			if len(replies) != 2 || replies[0].Markdown == "" || replies[1].Card == nil {
				t.Fatalf("want markdown answer + feedback card, got %+v", replies)
			}
			md := replies[0].Markdown
			bottest.MustContain(t, md, "**VPN登不上怎么办？**", "来源：", "vpn-cannot-login", "vpn_account.md")
			text := replies[0].PlainText()
			bottest.MustNotContain(t, text, "**")
			bottest.MustContain(t, text, "来源：")
			if got := replies[1].Choices(); strings.Join(got, ",") != "有用 vpn-cannot-login,没用 vpn-cannot-login" {
				t.Fatalf("feedback buttons = %v", got)
			}
			// The user answers the card by number on a text channel.
			bottest.MustContain(t, e.h.SayText("u1", "1"), "感谢反馈")
			// Another user finds it useless by typing the bare word.
			if out := e.h.Say("u2", "vpn连不上怎么办"); len(out) != 2 {
				t.Fatalf("second question not answered: %+v", out)
			}
			bottest.MustContain(t, e.h.SayText("u2", "没用"), "抱歉没帮上忙", "报修")
			fb, err := e.fb.Feedback(ctx, "vpn-cannot-login")
			if err != nil {
				t.Fatal(err)
			}
			if fb.Useful != 1 || fb.Useless != 1 {
				t.Fatalf("feedback = %+v, want 1/1", fb)
			}
		})
	}
}

func TestOutOfScopeIsDeclinedHonestlyAndLogged(t *testing.T) {
	e := newEnv(t, nil, demoKB(t))
	replies := e.h.Say("u1", "今天天气怎么样")
	if len(replies) != 1 || replies[0].Card == nil || replies[0].Card.Title != "暂时没有找到答案" {
		t.Fatalf("replies = %+v", replies)
	}
	labels := []string{}
	for _, b := range replies[0].Card.Buttons {
		labels = append(labels, b.Label)
	}
	if strings.Join(labels, ",") != "换个说法,报修,联系项目工程师" {
		t.Fatalf("offers = %v", labels)
	}
	if v := replies[0].Card.Buttons[1].Value; v != "报修 今天天气怎么样" {
		t.Fatalf("报修 button value = %q", v)
	}
	e.h.Say("u2", "今天天气怎么样？")
	gaps, err := e.fb.TopGaps(context.Background(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(gaps) != 1 || gaps[0].Count != 2 || gaps[0].Question != "今天天气怎么样？" {
		t.Fatalf("gaps = %+v", gaps)
	}
	bottest.MustContain(t, e.h.SayText("u1", "1"), "换个说法描述")
}

func TestChitChatFallsThroughToMenu(t *testing.T) {
	e := newEnv(t, nil, demoKB(t))
	bottest.MustContain(t, e.h.SayText("u1", "你好"), "我能帮您做这些")
	if gaps, _ := e.fb.TopGaps(context.Background(), 5); len(gaps) != 0 {
		t.Fatalf("chit-chat logged as a gap: %+v", gaps)
	}
}

// closeKB has two entries a vague query cannot tell apart.
func closeKB(t *testing.T) *knowledge.Index {
	t.Helper()
	ix, err := knowledge.BuildIndex([]knowledge.Entry{
		{ID: "mute", Question: "企业微信消息免打扰怎么设置", Answer: "在「设置-新消息通知」里开启免打扰。"},
		{ID: "sound", Question: "企业微信消息提示音怎么设置", Answer: "在「设置-新消息通知」里选择提示音。"},
		{ID: "vpn", Question: "VPN怎么安装", Answer: "下载客户端安装。"},
	}, knowledge.DefaultSynonyms(), knowledge.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestCloseCandidatesAreSuggestedAndNumberPicksOne(t *testing.T) {
	ix := closeKB(t)
	const vague = "企业微信消息怎么设置"
	if res := ix.Search(vague, 5); res.Decision != knowledge.Suggest {
		t.Fatalf("fixture: %q gives %v, want suggest (%+v)", vague, res.Decision, res.Ranked)
	}
	e := newEnv(t, nil, ix)
	replies := e.h.Say("u1", vague)
	if len(replies) != 1 || replies[0].Card == nil || replies[0].Card.Title != "您是不是想问：" {
		t.Fatalf("replies = %+v", replies)
	}
	choices := replies[0].Choices()
	if len(choices) != 3 || choices[2] != "都不是" {
		t.Fatalf("choices = %v", choices)
	}
	picked := choices[1]
	out := e.h.Say("u1", "2")
	if len(out) != 2 || !strings.Contains(out[0].Markdown, "**"+picked+"**") {
		t.Fatalf("picking 2 (%s) gave %+v", picked, out)
	}
	// The pick teaches the KB authors a new phrasing for that entry.
	picks, err := e.fb.TopPicks(context.Background(), 5)
	if err != nil {
		t.Fatal(err)
	}
	wantID := ix.Search(picked, 1).Choices[0].Entry.ID
	if len(picks) != 1 || picks[0].Question != vague || picks[0].EntryID != wantID || picks[0].Count != 1 {
		t.Fatalf("picks = %+v, want %q -> %s", picks, vague, wantID)
	}
	// Asking an entry's question outright teaches nothing: with no suggestions
	// pending, or after another question has superseded them.
	e.h.Say("u2", picked)
	e.h.Say("u3", vague)
	e.h.Say("u3", "VPN怎么安装")
	e.h.Say("u3", picked)
	if picks, _ := e.fb.TopPicks(context.Background(), 5); len(picks) != 1 {
		t.Fatalf("a plain question was logged as a pick: %+v", picks)
	}
	// 没用 on the entry just picked takes the pick back.
	e.h.Say("u4", vague)
	e.h.Say("u4", "2")
	if picks, _ := e.fb.TopPicks(context.Background(), 5); len(picks) != 1 || picks[0].Count != 2 {
		t.Fatalf("second pick not counted: %+v", picks)
	}
	bottest.MustContain(t, e.h.SayText("u4", "没用"), "抱歉没帮上忙")
	if picks, _ := e.fb.TopPicks(context.Background(), 5); len(picks) != 1 || picks[0].Count != 1 {
		t.Fatalf("没用 did not retract the pick: %+v", picks)
	}
	// 都不是 turns the original question into a gap.
	e.h.Say("u1", vague)
	bottest.MustContain(t, e.h.SayText("u1", "3"), "暂时没有找到答案", vague, "更贴切的答案")
	gaps, _ := e.fb.TopGaps(context.Background(), 5)
	if len(gaps) != 1 || gaps[0].Question != vague {
		t.Fatalf("gaps = %+v", gaps)
	}
}

func TestAnswerImplementsBotFAQ(t *testing.T) {
	h := faq.New(faq.Options{KB: demoKB(t)})
	var f bot.FAQ = h
	req := &bot.Request{Msg: bot.Message{UserID: "u1"}}
	replies, ok := f.Answer(context.Background(), req, "腾讯会议怎么共享屏幕")
	if !ok || len(replies) != 1 || !strings.Contains(replies[0].Markdown, "共享屏幕") || replies[0].Card != nil {
		t.Fatalf("Answer = %+v, %v", replies, ok)
	}
	if replies, ok := f.Answer(context.Background(), req, "帮我订一张去上海的机票"); ok || replies != nil {
		t.Fatalf("out-of-scope answered: %+v", replies)
	}
}

type fakeContacts struct{}

func (fakeContacts) Engineers(_ context.Context, projectID string) ([]faq.Contact, error) {
	if projectID == "p1" {
		return []faq.Contact{{UserID: "e1", Name: "王工"}, {UserID: "e2", Name: "李工"}}, nil
	}
	return nil, nil
}

func TestContactEngineers(t *testing.T) {
	staff := bottest.Person("c1", "张三", bottest.Member("p1", "一号项目", bot.RoleClientStaff, false))
	e := newEnv(t, nil, demoKB(t), bottest.WithUsers(staff))
	bottest.MustContain(t, e.h.SayText("c1", "联系项目工程师"), "一号项目：王工、李工")
	// Someone in no project is sent to a PM, not told to file a 报修 they cannot file.
	out := e.h.SayText("stranger", "联系工程师")
	bottest.MustContain(t, out, "您还没有加入任何项目", "项目经理")
	bottest.MustNotContain(t, out, "报修」提交")
	out = e.h.SayText("stranger", "今天天气怎么样")
	bottest.MustContain(t, out, "暂时没有找到答案", "联系项目经理")
	bottest.MustNotContain(t, out, "2. 报修")
	// What people type when they want a person.
	for _, q := range []string{"转人工", "人工客服", "找工程师"} {
		bottest.MustContain(t, e.h.SayText("c1", q), "一号项目：王工、李工")
	}
}

// An answer names its 相关 look-alike entries; their buttons (or numbers) ask them.
func TestAnswerOffersRelatedEntries(t *testing.T) {
	e := newEnv(t, nil, demoKB(t))
	replies := e.h.Say("u1", "密码忘了怎么重置")
	if len(replies) != 2 {
		t.Fatalf("replies = %+v", replies)
	}
	bottest.MustContain(t, replies[0].Markdown, "**密码忘了怎么重置？**", "不是这个问题？相关：「密码过期了怎么办？」")
	if got := replies[1].Choices(); strings.Join(got, ",") != "有用 password-reset,没用 password-reset,密码过期了怎么办？" {
		t.Fatalf("feedback card choices = %v", got)
	}
	out := e.h.Say("u1", "3")
	if len(out) != 2 || !strings.Contains(out[0].Markdown, "**密码过期了怎么办？**") {
		t.Fatalf("picking the related entry gave %+v", out)
	}
	// An entry without 相关 keeps the plain two-button card.
	if got := e.h.Say("u2", "vpn登不上怎么办")[1].Choices(); len(got) != 2 {
		t.Fatalf("choices = %v", got)
	}
}

// Phones add punctuation and emoji to short replies, and people comment
// after 没用: the vote still counts for the last answer, and none of it is
// logged as an unanswered question.
func TestDecoratedFeedbackAndCommentsCountForTheLastAnswer(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil, demoKB(t))
	e.h.Say("u1", "vpn登不上怎么办")
	bottest.MustContain(t, e.h.SayText("u1", "没用。"), "抱歉没帮上忙")
	e.h.Say("u2", "vpn登不上怎么办")
	bottest.MustContain(t, e.h.SayText("u2", "没用 还是登不上"), "抱歉没帮上忙")
	e.h.Say("u3", "vpn登不上怎么办")
	bottest.MustContain(t, e.h.SayText("u3", "有用👍"), "感谢反馈")
	fb, err := e.fb.Feedback(ctx, "vpn-cannot-login")
	if err != nil {
		t.Fatal(err)
	}
	if fb.Useless != 2 || fb.Useful != 1 {
		t.Fatalf("feedback = %+v, want 2 没用 and 1 有用 on the answered entry", fb)
	}
	if bogus, _ := e.fb.Feedback(ctx, "还是登不上"); bogus.Useless != 0 {
		t.Fatalf("a comment was recorded as an entry ID: %+v", bogus)
	}
	bottest.MustContain(t, e.h.SayText("u1", "联系项目工程师。"), "实施工程师")
	if gaps, _ := e.fb.TopGaps(ctx, 10); len(gaps) != 0 {
		t.Fatalf("decorated commands logged as gaps: %+v", gaps)
	}
}
