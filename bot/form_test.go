package bot_test

import (
	"strings"
	"testing"
	"time"

	"deliverybot/bot"
)

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func repairForm() *bot.Form {
	return &bot.Form{Name: "repair", Title: "报修", Slots: []bot.Slot{
		{Name: "product", Label: "系统", Prompt: "哪个系统出了问题？", Help: "用于分派给负责该系统的工程师。",
			Choices: []bot.Choice{{Value: "企业微信", Aliases: []string{"企微"}}, {Value: "腾讯会议"}}},
		{Name: "desc", Label: "问题描述", Prompt: "请描述问题", Validate: bot.MinRunes(4, "问题描述")},
		{Name: "place", Label: "地点", Aliases: []string{"位置"}, Prompt: "在哪里？", Optional: true},
		{Name: "phone", Label: "联系电话", Aliases: []string{"电话"}, Prompt: "联系电话？", Optional: true, Validate: bot.ValidatePhone},
		{Name: "photos", Label: "照片", Prompt: "请发送照片", Optional: true, Images: true},
	}}
}

type turn struct {
	text   string
	images []string
}

// play runs the inputs through StepForm, as the router would, and returns the last step.
func play(f *bot.Form, turns ...turn) bot.FormStep {
	st := bot.NewFormState(f, nil, t0)
	var step bot.FormStep
	for i, in := range turns {
		step = bot.StepForm(f, st, bot.FormInput{Text: in.text, Images: in.images}, t0.Add(time.Duration(i+1)*time.Minute))
		if step.Outcome == bot.FormDigress {
			step = *step.Fallback // no FAQ in these tests: the question counts as an invalid answer
		}
		st = step.State
	}
	return step
}

func says(texts ...string) []turn {
	out := make([]turn, len(texts))
	for i, t := range texts {
		out[i] = turn{text: t}
	}
	return out
}

func replyText(step bot.FormStep) string {
	var parts []string
	for _, r := range step.Replies {
		parts = append(parts, r.PlainText())
	}
	return strings.Join(parts, "\n")
}

func TestFormTransitions(t *testing.T) {
	cases := []struct {
		name     string
		turns    []turn
		outcome  bot.FormOutcome
		stage    bot.FormStage
		slot     string
		values   map[string]string
		replyHas []string
		replyNot []string
	}{
		{name: "happy path reaches summary",
			turns: says("企业微信", "打印机连不上网络", "3楼", "138 0013 8000", "跳过"), stage: bot.StageConfirm,
			values:   map[string]string{"product": "企业微信", "desc": "打印机连不上网络", "place": "3楼", "phone": "13800138000"},
			replyHas: []string{"请确认", "系统：企业微信", "联系电话：13800138000", "1. 确认", "2. 修改", "3. 取消"}},
		{name: "confirm completes",
			turns: says("企业微信", "打印机连不上网络", "跳过", "跳过", "跳过", "确认"), outcome: bot.FormDone},
		{name: "choice by number and alias",
			turns: says("2"), slot: "desc", values: map[string]string{"product": "腾讯会议"}},
		{name: "choice by alias", turns: says("企微"), slot: "desc", values: map[string]string{"product": "企业微信"}},
		{name: "choice with phone decoration", turns: says("企微！"), slot: "desc", values: map[string]string{"product": "企业微信"}},
		{name: "choice by ordinal", turns: says("第２个"), slot: "desc", values: map[string]string{"product": "腾讯会议"}},
		{name: "cancel asks for confirmation",
			turns: says("企业微信", "算了"), stage: bot.StageConfirmCancel, replyHas: []string{"确定要取消「报修」吗"}},
		{name: "cancel confirmed",
			turns: says("企业微信", "取消", "确定取消"), outcome: bot.FormCancelled, replyHas: []string{"已取消「报修」"}},
		{name: "cancel declined resumes the same question",
			turns: says("企业微信", "取消", "继续填写"), stage: bot.StageFilling, slot: "desc",
			replyHas: []string{"我们继续", "请描述问题"}},
		{name: "correction by sentence keeps the pending question",
			turns: says("企业微信", "打印机连不上网络", "3楼", "地点改成5楼"), slot: "phone",
			values: map[string]string{"place": "5楼"}, replyHas: []string{"已将「地点」改为「5楼」", "联系电话？"}},
		{name: "correction by alias",
			turns: says("企业微信", "打印机连不上网络", "3楼", "把位置改为 6楼"), slot: "phone", values: map[string]string{"place": "6楼"}},
		{name: "correction with invalid value is refused",
			turns: says("企业微信", "打印机连不上网络", "3楼", "13800138000", "电话改成123"), slot: "photos",
			values: map[string]string{"phone": "13800138000"}, replyHas: []string{"没有修改", "电话号码格式不对"}},
		{name: "改一下 re-asks the field then resumes",
			turns: says("企业微信", "打印机连不上网络", "3楼", "改一下 地点", "6楼"), slot: "phone",
			values: map[string]string{"place": "6楼"}},
		{name: "back returns to the previous question",
			turns: says("企业微信", "上一步"), slot: "product", replyHas: []string{"哪个系统出了问题"}},
		{name: "back at the first question",
			turns: says("上一步"), slot: "product", replyHas: []string{"已经是第一项了"}},
		{name: "skip optional",
			turns: says("企业微信", "打印机连不上网络", "跳过"), slot: "phone", values: map[string]string{"place": ""}},
		{name: "skip required refused",
			turns: says("企业微信", "跳过"), slot: "desc", replyHas: []string{"必填项"}},
		{name: "why shows slot help",
			turns: says("为什么要填这个"), slot: "product", replyHas: []string{"分派给负责该系统的工程师", "哪个系统出了问题"}},
		{name: "invalid answer explained and re-asked",
			turns: says("企业微信", "打印机连不上网络", "3楼", "abc"), slot: "phone", replyHas: []string{"电话号码格式不对", "联系电话？"}},
		{name: "three invalid answers offer to cancel",
			turns: says("企业微信", "打印机连不上网络", "3楼", "abc", "12", "xyz"), stage: bot.StageConfirmCancel,
			replyHas: []string{"连续 3 次", "确定取消", "继续填写"}},
		{name: "invalid question counts as invalid without FAQ",
			turns: says("vpn怎么连？"), slot: "product", replyHas: []string{"请从以下选项中选择"}},
		{name: "edit from summary returns to summary",
			turns: says("企业微信", "打印机连不上网络", "3楼", "跳过", "跳过", "修改", "联系电话", "13900139000"),
			stage: bot.StageConfirm, values: map[string]string{"phone": "13900139000"}, replyHas: []string{"联系电话：13900139000"}},
		{name: "edit by number from summary",
			turns: says("企业微信", "打印机连不上网络", "3楼", "跳过", "跳过", "修改", "3"), slot: "place", stage: bot.StageFilling},
		{name: "summary demands a clear answer",
			turns: says("企业微信", "打印机连不上网络", "3楼", "跳过", "跳过", "嗯嗯啊"), stage: bot.StageConfirm,
			replyHas: []string{"请回复「确认」提交"}},
		{name: "photos collected until done",
			turns: append(says("企业微信", "打印机连不上网络", "3楼", "跳过"),
				turn{images: []string{"blob:1"}}, turn{images: []string{"blob:2"}}, turn{text: "完成"}),
			stage: bot.StageConfirm, values: map[string]string{"photos": "blob:1,blob:2"}, replyHas: []string{"2 张照片"}},
		{name: "photo slot asks for a photo",
			turns: says("企业微信", "打印机连不上网络", "3楼", "跳过", "你好"), slot: "photos", replyHas: []string{"请直接发送照片"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			step := play(repairForm(), c.turns...)
			if step.Outcome != c.outcome {
				t.Fatalf("outcome = %v, want %v; replies:\n%s", step.Outcome, c.outcome, replyText(step))
			}
			if c.stage != "" && step.State.Stage != c.stage {
				t.Errorf("stage = %s, want %s; replies:\n%s", step.State.Stage, c.stage, replyText(step))
			}
			if c.slot != "" && step.State.Slot != c.slot {
				t.Errorf("slot = %q, want %q; replies:\n%s", step.State.Slot, c.slot, replyText(step))
			}
			for k, v := range c.values {
				if got, ok := step.State.Values[k]; !ok || got != v {
					t.Errorf("value %s = %q (set=%v), want %q", k, got, ok, v)
				}
			}
			text := replyText(step)
			for _, want := range c.replyHas {
				if !strings.Contains(text, want) {
					t.Errorf("replies lack %q:\n%s", want, text)
				}
			}
		})
	}
}

func TestFormDigressionOffersQuestionAndFallback(t *testing.T) {
	f := repairForm()
	st := bot.NewFormState(f, nil, t0)
	step := bot.StepForm(f, st, bot.FormInput{Text: "腾讯会议怎么共享屏幕？"}, t0)
	if step.Outcome != bot.FormDigress || step.Question != "腾讯会议怎么共享屏幕？" || step.Fallback == nil {
		t.Fatalf("want digression with fallback, got %+v", step)
	}
	if step.State.Tries != 0 || step.Fallback.State.Tries != 1 {
		t.Fatalf("a digression must not count as a try (tries %d), its fallback must (%d)", step.State.Tries, step.Fallback.State.Tries)
	}
	if !strings.Contains(replyText(step), "哪个系统出了问题") {
		t.Fatalf("digression must repeat the pending prompt: %s", replyText(step))
	}
}

func TestFormIsPure(t *testing.T) {
	f := repairForm()
	st := bot.NewFormState(f, nil, t0)
	st.Values["product"] = "企业微信"
	before := st.Values["product"]
	_ = bot.StepForm(f, st, bot.FormInput{Text: "系统改成腾讯会议"}, t0)
	if st.Values["product"] != before {
		t.Fatal("StepForm mutated its input state")
	}
}

func TestFormExpiry(t *testing.T) {
	st := bot.NewFormState(repairForm(), nil, t0)
	if st.Expired(t0.Add(29*time.Minute), 30*time.Minute) {
		t.Error("expired too early")
	}
	if !st.Expired(t0.Add(31*time.Minute), 30*time.Minute) {
		t.Error("not expired after 31 min")
	}
}

func TestPrefillSkipsAnsweredSlots(t *testing.T) {
	st := bot.NewFormState(repairForm(), map[string]string{"desc": "三楼打印机卡纸"}, t0)
	if st.Slot != "product" || st.Values["desc"] != "三楼打印机卡纸" {
		t.Fatalf("prefill: slot %q values %v", st.Slot, st.Values)
	}
	st2 := bot.StepForm(repairForm(), st, bot.FormInput{Text: "企业微信"}, t0)
	if st2.State.Slot != "place" {
		t.Fatalf("after product with desc prefilled want place, got %q", st2.State.Slot)
	}
}

func TestValidatePhone(t *testing.T) {
	cases := map[string]string{"13800138000": "13800138000", "+86 138-0013-8000": "13800138000",
		"１３８００１３８０００": "13800138000", "010-12345678": "010-12345678", "0755 8765 4321转123": "0755-87654321转123"}
	for in, want := range cases {
		if got, problem := bot.ValidatePhone(in); got != want || problem != "" {
			t.Errorf("ValidatePhone(%q) = %q, %q; want %q", in, got, problem, want)
		}
	}
	for _, bad := range []string{"123", "abc", "1380013800", "23800138000"} {
		if _, problem := bot.ValidatePhone(bad); problem == "" {
			t.Errorf("ValidatePhone(%q) accepted", bad)
		}
	}
}

func TestFormKeepsPhotosSentAtATextQuestion(t *testing.T) {
	step := play(repairForm(), turn{text: "企业微信"}, turn{text: "打印机连不上网络"}, turn{images: []string{"blob:early"}},
		turn{text: "3楼"}, turn{text: "跳过"})
	if step.State.Slot != "photos" || step.State.Values["photos"] != "blob:early" || step.State.Values["place"] != "3楼" {
		t.Fatalf("early photo lost or form confused: slot %q values %v", step.State.Slot, step.State.Values)
	}
	if !strings.Contains(replyText(step), "已收到 1 张") {
		t.Fatalf("photo prompt should mention the photo already received:\n%s", replyText(step))
	}
	done := bot.StepForm(repairForm(), step.State, bot.FormInput{Text: "跳过"}, t0)
	if done.State.Stage != bot.StageConfirm || done.State.Values["photos"] != "blob:early" {
		t.Fatalf("跳过 with photos received must keep them: %+v", done.State)
	}
}

func TestFormPhotoWithoutPhotoSlotIsExplained(t *testing.T) {
	f := repairForm()
	f.Slots = f.Slots[:4] // no photo slot
	st := bot.NewFormState(f, nil, t0)
	step := bot.StepForm(f, st, bot.FormInput{Images: []string{"blob:x"}}, t0)
	if !strings.Contains(replyText(step), "照片没有保存") || step.State.Slot != "product" {
		t.Fatalf("unexpected: %s", replyText(step))
	}
}

// A description that reads like a correction ("手机改成静音后…") is the
// description when the named field is not answered yet; when it is, the user
// is asked which they meant, and either way nothing they typed is lost.
func TestFreeTextThatReadsLikeACorrection(t *testing.T) {
	f := repairForm()
	step := play(f, says("1", "电话改成静音后企业微信收不到消息提醒")...)
	if got := step.State.Values["desc"]; got != "电话改成静音后企业微信收不到消息提醒" || step.State.Slot != "place" {
		t.Fatalf("desc = %q, now asking %q; want the whole text as the description", got, step.State.Slot)
	}

	step = play(f, says("1", "系统改为英文后审批页面打不开")...)
	if step.State.Stage != bot.StageCorrectOrAnswer || !strings.Contains(step.Replies[0].Card.Description, "作为「问题描述」") {
		t.Fatalf("stage %q, replies %+v; want the correct-or-answer question", step.State.Stage, step.Replies)
	}
	asDesc := play(f, says("1", "系统改为英文后审批页面打不开", "2")...)
	if asDesc.State.Values["desc"] != "系统改为英文后审批页面打不开" || asDesc.State.Values["product"] != "企业微信" || asDesc.State.Slot != "place" {
		t.Fatalf("as description: values %v, slot %q", asDesc.State.Values, asDesc.State.Slot)
	}
	asFix := play(f, says("1", "系统改为腾讯会议", "1")...)
	if asFix.State.Values["product"] != "腾讯会议" || asFix.State.Slot != "desc" {
		t.Fatalf("as correction: values %v, slot %q", asFix.State.Values, asFix.State.Slot)
	}
	// Something else instead: it answers the question being asked.
	other := play(f, says("1", "系统改为英文后审批页面打不开", "打印机一直卡纸出不来")...)
	if other.State.Values["desc"] != "打印机一直卡纸出不来" {
		t.Fatalf("new text: values %v", other.State.Values)
	}
	// A later field's correction that fits it is not silently taken as the
	// description: the user is asked, and 1 fills 地点 and asks again.
	later := play(f, says("1", "地点改成门诊3楼")...)
	if later.State.Stage != bot.StageCorrectOrAnswer {
		t.Fatalf("地点改成门诊3楼 at the description: stage %q, values %v", later.State.Stage, later.State.Values)
	}
	later = play(f, says("1", "地点改成门诊3楼", "1")...)
	if later.State.Values["place"] != "门诊3楼" || later.State.Values["desc"] != "" || later.State.Slot != "desc" {
		t.Fatalf("as correction: values %v, slot %q", later.State.Values, later.State.Slot)
	}
	// A plain correction at a step that is not free text still just corrects.
	fix := play(f, says("1", "打印机卡纸了", "地点改成3楼")...)
	if fix.State.Values["place"] != "3楼" {
		t.Fatalf("地点改成3楼: values %v", fix.State.Values)
	}
}

// A photo sent while the summary is shown joins the form's photos.
func TestPhotoAtSummaryIsKept(t *testing.T) {
	f := repairForm()
	step := play(f, append(says("1", "打印机卡纸了", "跳过", "跳过", "跳过"), turn{images: []string{"blob:1"}})...)
	if step.State.Values["photos"] != "blob:1" || step.State.Stage != bot.StageConfirm {
		t.Fatalf("values %v stage %q; want the photo kept and the summary again", step.State.Values, step.State.Stage)
	}
}

// 上一步 at the first question does not erase a later answer that was
// prefilled ("报修 打印机卡纸" fills the description before 系统 is asked).
func TestBackDoesNotEraseAPrefilledLaterAnswer(t *testing.T) {
	f := repairForm()
	st := bot.NewFormState(f, map[string]string{"desc": "三楼打印机卡纸"}, t0)
	step := bot.StepForm(f, st, bot.FormInput{Text: "上一步"}, t0.Add(time.Minute))
	if step.State.Values["desc"] != "三楼打印机卡纸" || step.State.Slot != "product" || !strings.Contains(replyText(step), "已经是第一项了") {
		t.Fatalf("values %v, slot %q:\n%s", step.State.Values, step.State.Slot, replyText(step))
	}
	// Later, 上一步 goes back to the latest earlier answer, as before.
	step = play(f, says("1", "打印机卡纸了", "上一步")...)
	if step.State.Slot != "desc" {
		t.Fatalf("back from 地点 asks %q, want desc", step.State.Slot)
	}
}
