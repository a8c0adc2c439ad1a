package faq_test

import (
	"context"
	"testing"
	"time"

	"deliverybot/bot/bottest"
	"deliverybot/bot/redisstore/redistest"
)

// Right after an answer, "还是不行" and "可以了" are votes on it; later, or
// with no answer before, they are not.
func TestFollowUpWordsRateTheAnswerJustGiven(t *testing.T) {
	ctx := context.Background()
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, demoKB(t))
			e.h.Say("u1", "腾讯会议怎么共享屏幕")
			bottest.MustContain(t, e.h.SayText("u1", "还是不行"), "抱歉没帮上忙", "报修")
			e.h.Say("u2", "腾讯会议怎么共享屏幕")
			bottest.MustContain(t, e.h.SayText("u2", "可以了，谢谢！"), "感谢反馈")
			e.h.Say("u3", "腾讯会议怎么共享屏幕")
			bottest.MustContain(t, e.h.SayText("u3", "没啥用，手机上找不到按钮"), "抱歉没帮上忙")
			e.h.Say("u6", "腾讯会议怎么共享屏幕")
			bottest.MustContain(t, e.h.SayText("u6", "👍"), "感谢反馈")
			e.h.Say("u4", "腾讯会议怎么共享屏幕")
			e.h.Clock.Advance(2 * time.Hour)
			bottest.MustNotContain(t, e.h.SayText("u4", "还是不行"), "抱歉没帮上忙")
			bottest.MustNotContain(t, e.h.SayText("u5", "还是不行"), "抱歉没帮上忙")
			fb, err := e.fb.Feedback(ctx, "meeting-share-screen")
			if err != nil {
				t.Fatal(err)
			}
			if fb.Useless != 2 || fb.Useful != 2 {
				t.Fatalf("feedback = %+v, want 2 没用 (还是不行, 没啥用) and 2 有用 (可以了, 👍)", fb)
			}
		})
	}
}

// After 没用, the user's next message says why; the entry they rejected is
// not offered back to them.
func TestRejectedEntryIsNotOfferedAgainAtOnce(t *testing.T) {
	e := newEnv(t, nil, demoKB(t))
	e.h.Say("u1", "企业微信收不到消息通知怎么办")
	e.h.Say("u1", "没用")
	out := e.h.SayText("u1", "华为手机设置了还是没提醒")
	bottest.MustNotContain(t, out, "企业微信收不到消息通知怎么办？")
	// Someone else asking the same gets the entry.
	e.h.Say("u2", "企业微信收不到消息通知怎么办")
	bottest.MustContain(t, e.h.SayText("u2", "华为手机设置了还是没提醒"), "企业微信收不到消息通知怎么办？")
}

// An error code alone is looked up; another bare number is no KB gap.
func TestBareNumbersAreErrorCodesOrNothing(t *testing.T) {
	e := newEnv(t, nil, demoKB(t))
	bottest.MustContain(t, e.h.SayText("u1", "60020"), "60020")
	bottest.MustContain(t, e.h.SayText("u1", "13800138000"), "我能帮您做这些")
	if gaps, _ := e.fb.TopGaps(context.Background(), 5); len(gaps) != 0 {
		t.Fatalf("a bare number was logged as a gap: %+v", gaps)
	}
}

// "手机呢" right after an answer asks the same question for 手机; on its own
// it is too short to be a question.
func TestEllipticalFollowUpReusesTheQuestion(t *testing.T) {
	e := newEnv(t, nil, demoKB(t))
	e.h.Say("u1", "vpn客户端怎么安装")
	bottest.MustContain(t, e.h.SayText("u1", "那手机上呢？"), "VPN客户端怎么安装", "手机")
	bottest.MustNotContain(t, e.h.SayText("u2", "手机呢"), "VPN客户端怎么安装")
	if gaps, _ := e.fb.TopGaps(context.Background(), 5); len(gaps) != 0 {
		t.Fatalf("follow-ups logged as gaps: %+v", gaps)
	}
}
