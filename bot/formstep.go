package bot

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FormInput is one user turn as the form engine sees it.
type FormInput struct {
	Text   string
	Images []string // blob refs of photos sent in this turn
}

// FormOutcome says what a step did to the dialog.
type FormOutcome int

const (
	FormContinue  FormOutcome = iota // still filling; say Replies
	FormDone                         // the user confirmed the summary
	FormCancelled                    // the user cancelled
	// FormDigress: the input is not an answer but looks like a question. The caller
	// answers it (FAQ) and then says Replies (the repeated prompt); if it cannot
	// answer, it uses Fallback (the input treated as an invalid answer).
	FormDigress
)

// FormStep is the result of one transition.
type FormStep struct {
	State    FormState
	Outcome  FormOutcome
	Replies  []Reply
	Filled   string // slot answered in this step, for Form.AfterSlot
	Question string // the digression, with FormDigress
	Fallback *FormStep
}

// MaxFormTries is how many invalid answers in a row end in an offer to cancel.
const MaxFormTries = 3

var (
	cancelWords  = []string{"取消", "算了", "不填了", "不要了", "不弄了", "退出", "cancel"}
	yesWords     = []string{"确定取消", "确定", "确认取消", "是", "是的", "对", "好", "好的", "嗯", "取消", "yes", "y"}
	noWords      = []string{"继续填写", "继续", "不", "否", "不取消", "不用", "不了", "no", "n"}
	confirmWords = []string{"确认", "确定", "提交", "没问题", "对", "是", "是的", "好", "好的", "ok", "确认提交"}
	backWords    = []string{"上一步", "返回", "上一个", "返回上一步", "back"}
	skipWords    = []string{"跳过", "不填", "没有", "无", "略过", "skip"}
	doneWords    = []string{"完成", "好了", "没有了", "发完了", "就这些", "done", "完了"}
	helpWords    = []string{"为什么要填这个", "为什么要填", "为什么", "这是什么", "有什么用", "什么意思", "为啥", "为啥要填这个"}
	editWords    = []string{"修改", "改", "更改", "改一下"}

	correctionRe = regexp.MustCompile(`^(?:把|将)?\s*(\S+?)\s*(?:改成|改为|换成|更正为|应该是)\s*[：:]?\s*(.+)$`)
	editSlotRe   = regexp.MustCompile(`^(?:我要|我想)?(?:改一下|修改一下|修改|更改|改)\s*(\S+)$`)
	questionRe   = regexp.MustCompile(`[?？]|怎么|如何|为什么|吗$|呢$|是什么|在哪|哪里|能不能|可以.*吗`)
)

func isWord(text string, words []string) bool {
	t := strings.ToLower(strings.TrimRight(strings.TrimSpace(text), "。.!！~"))
	return slices.Contains(words, t)
}

// isCancel reports words that cancel f: the general ones, 取消/撤销/退出 + its
// title ("取消报修") and the form's own.
func isCancel(f *Form, text string) bool {
	if isWord(text, cancelWords) || isWord(text, f.CancelWords) {
		return true
	}
	for _, verb := range []string{"取消", "撤销", "退出"} {
		if isWord(text, []string{verb + f.Title, verb + "这次" + f.Title}) {
			return true
		}
	}
	return false
}

// StepForm is the pure transition of a form dialog: (state, input) → (state, replies).
func StepForm(f *Form, prev FormState, in FormInput, now time.Time) FormStep {
	st := cloneState(prev)
	st.UpdatedAt = now
	text := strings.TrimSpace(in.Text)
	if st.Stage != StageConfirmCancel && isCancel(f, text) {
		st.Back, st.Stage = st.Stage, StageConfirmCancel
		return say(f, st)
	}
	switch st.Stage {
	case StageConfirmCancel:
		return stepConfirmCancel(f, st, text)
	case StageConfirm:
		return stepConfirm(f, st, in, text)
	case StageChooseEdit:
		return stepChooseEdit(f, st, text)
	case StageCorrectOrAnswer:
		return stepCorrectOrAnswer(f, st, in, text)
	}
	return stepFilling(f, st, in, text)
}

func cloneState(s FormState) FormState {
	s.Values = maps.Clone(s.Values)
	if s.Values == nil {
		s.Values = map[string]string{}
	}
	s.Data = maps.Clone(s.Data)
	s.Order = slices.Clone(s.Order)
	return s
}

// say continues the dialog with optional lead-in lines before the current prompt.
func say(f *Form, st FormState, lead ...string) FormStep {
	var out []Reply
	if len(lead) > 0 {
		out = append(out, Reply{Text: strings.Join(lead, "\n")})
	}
	out = append(out, PromptReply(f, &st))
	return FormStep{State: st, Outcome: FormContinue, Replies: out}
}

func stepConfirmCancel(f *Form, st FormState, text string) FormStep {
	switch {
	case isWord(text, yesWords) || text == "1":
		return FormStep{State: st, Outcome: FormCancelled,
			Replies: []Reply{Text("已取消「%s」，填写的内容没有保存。需要时随时找我。", f.Title)}}
	case isWord(text, noWords) || text == "2":
		st.Stage, st.Tries = st.Back, 0
		if st.Stage == "" {
			st.Stage = StageFilling
		}
		return say(f, st, "好的，我们继续。")
	}
	return say(f, st, "请回复「确定取消」或「继续填写」。")
}

func stepConfirm(f *Form, st FormState, in FormInput, text string) FormStep {
	if len(in.Images) > 0 {
		// A photo sent at the summary joins the form's photos, not the void.
		return keepEarlyImages(f, st, in.Images)
	}
	switch {
	case isWord(text, confirmWords):
		return FormStep{State: st, Outcome: FormDone}
	case isWord(text, editWords):
		st.Back, st.Stage = StageConfirm, StageChooseEdit
		return say(f, st)
	case isWord(text, backWords):
		return stepBack(f, st)
	}
	if step, ok := tryCorrection(f, st, text); ok {
		return step
	}
	return say(f, st, "请回复「确认」提交，「修改」更改某一项，或「取消」放弃。")
}

func stepChooseEdit(f *Form, st FormState, text string) FormStep {
	if s := findSlot(f, &st, text); s != nil {
		return reask(f, st, s.Name)
	}
	if isWord(text, backWords) || isWord(text, noWords) {
		advance(f, &st)
		return say(f, st)
	}
	return say(f, st, "请选择要修改的项目（回复序号或名称）。")
}

// reask forgets a slot's answer and asks it again; once answered the form resumes where it was.
func reask(f *Form, st FormState, slot string) FormStep {
	st.forget(slot)
	st.Slot, st.Stage, st.Tries = slot, StageFilling, 0
	return say(f, st)
}

// stepBack re-asks the latest answer before the current question. Answers
// to later questions (a description prefilled from "报修 打印机卡纸") are not
// "back": going there would erase them.
func stepBack(f *Form, st FormState) FormStep {
	cur := len(f.Slots) // at the summary every answer is before
	if st.Stage == StageFilling {
		cur = f.index(st.Slot)
	}
	for i := len(st.Order) - 1; i >= 0; i-- {
		if f.index(st.Order[i]) < cur {
			return reask(f, st, st.Order[i])
		}
	}
	return say(f, st, "已经是第一项了。")
}

// findSlot resolves a slot from its label, name, alias or (in the edit menu) number.
func findSlot(f *Form, st *FormState, name string) *Slot {
	name = strings.TrimSpace(name)
	if n, err := strconv.Atoi(name); err == nil && st.Stage == StageChooseEdit {
		i := 0
		for k := range f.Slots {
			if st.asked(f.Slots[k].Name) {
				i++
				if i == n {
					return &f.Slots[k]
				}
			}
		}
		return nil
	}
	for i := range f.Slots {
		s := &f.Slots[i]
		if name == s.Label || name == s.Name || slices.Contains(s.Aliases, name) {
			return s
		}
	}
	return nil
}

// parseCorrection reads "地点改成3楼" as (the 地点 slot, "3楼").
func parseCorrection(f *Form, st *FormState, text string) (*Slot, string, bool) {
	m := correctionRe.FindStringSubmatch(text)
	if m == nil {
		return nil, "", false
	}
	s := findSlot(f, st, m[1])
	if s == nil || s.Images {
		return nil, "", false
	}
	return s, m[2], true
}

// tryCorrection handles "地点改成3楼" and "改一下 地点".
func tryCorrection(f *Form, st FormState, text string) (FormStep, bool) {
	if s, v, ok := parseCorrection(f, &st, text); ok {
		return applyCorrection(f, st, s, v), true
	}
	if m := editSlotRe.FindStringSubmatch(text); m != nil {
		if s := findSlot(f, &st, m[1]); s != nil {
			return reask(f, st, s.Name), true
		}
	}
	return FormStep{}, false
}

func applyCorrection(f *Form, st FormState, s *Slot, value string) FormStep {
	v, problem := answerSlot(s, value)
	if problem != "" {
		return say(f, st, fmt.Sprintf("「%s」没有修改：%s", s.Label, problem))
	}
	st.Values[s.Name] = v
	if !st.asked(s.Name) {
		st.Order = append(st.Order, s.Name)
	}
	if st.Stage == StageFilling && st.Slot == s.Name {
		advance(f, &st)
	}
	step := say(f, st, fmt.Sprintf("已将「%s」改为「%s」。", s.Label, displayValue(s, v)))
	step.Filled = s.Name
	return step
}

// correctionOrAnswer decides a free-text answer that also reads as a
// correction ("手机改成静音后收不到提醒" while describing a fault): a field not
// yet answered cannot be corrected, so it is the answer; for one already
// answered the user is asked, so neither reading loses what they typed.
// ok is false when the text is no such case.
func correctionOrAnswer(f *Form, st FormState, cur *Slot, text string) (FormStep, bool) {
	target, value, ok := parseCorrection(f, &st, text)
	if !ok || cur.Images || len(cur.Choices) > 0 {
		return FormStep{}, false
	}
	if _, problem := answerSlot(cur, text); problem != "" {
		return FormStep{}, false // not an answer here: a correction after all
	}
	switch {
	case target.Name == cur.Name: // "地点改成3楼" while asked for 地点
		return applyCorrection(f, st, target, value), true
	case !st.asked(target.Name):
		// A later field: "电话改成静音后…" is no phone number, so it is the answer;
		// "地点改成门诊3楼" fits 地点 as well, so the user is asked below.
		if _, problem := answerSlot(target, value); problem != "" {
			return fill(f, st, cur, strings.TrimSpace(text)), true
		}
	}
	st.Back, st.Stage, st.Pending = StageFilling, StageCorrectOrAnswer, text
	return say(f, st), true
}

func stepCorrectOrAnswer(f *Form, st FormState, in FormInput, text string) FormStep {
	pending := st.Pending
	st.Stage, st.Pending = StageFilling, ""
	cur, ok := f.Slot(st.Slot)
	target, value, isCorrection := parseCorrection(f, &st, pending)
	switch {
	case !ok || !isCorrection:
		return say(f, st)
	case text == "1" || isWord(text, editWords) || text == "修改「"+target.Label+"」":
		return applyCorrection(f, st, target, value)
	case text == "2" || text == "作为「"+cur.Label+"」":
		v, _ := answerSlot(cur, pending)
		return fill(f, st, cur, v)
	}
	// Something else: it is a new answer to the question being asked.
	return stepFilling(f, st, in, text)
}

func stepFilling(f *Form, st FormState, in FormInput, text string) FormStep {
	s, ok := f.Slot(st.Slot)
	if !ok {
		advance(f, &st)
		return say(f, st)
	}
	switch {
	case isWord(text, helpWords):
		help := s.Help
		if help == "" {
			help = "这一项帮助我们更快处理您的请求。"
		}
		return say(f, st, help)
	case isWord(text, backWords):
		return stepBack(f, st)
	case isWord(text, editWords):
		st.Back, st.Stage = StageFilling, StageChooseEdit
		if len(st.Order) == 0 {
			st.Stage = StageFilling
			return say(f, st, "还没有填写任何内容。")
		}
		return say(f, st)
	}
	if step, ok := correctionOrAnswer(f, st, s, text); ok {
		return step
	}
	if step, ok := tryCorrection(f, st, text); ok {
		return step
	}
	if s.Images {
		return stepImages(f, st, s, in, text)
	}
	if len(in.Images) > 0 {
		return keepEarlyImages(f, st, in.Images)
	}
	if isWord(text, skipWords) {
		if !s.Optional {
			return say(f, st, fmt.Sprintf("「%s」是必填项，不能跳过。", s.Label))
		}
		return fill(f, st, s, "")
	}
	v, problem := answerSlot(s, text)
	if problem == "" {
		return fill(f, st, s, v)
	}
	invalid := invalidStep(f, st, s, problem)
	if questionRe.MatchString(text) {
		return FormStep{State: st, Outcome: FormDigress, Question: text,
			Replies: []Reply{PromptReply(f, &st)}, Fallback: &invalid}
	}
	return invalid
}

func fill(f *Form, st FormState, s *Slot, v string) FormStep {
	st.Values[s.Name] = v
	st.Order = append(st.Order, s.Name)
	advance(f, &st)
	step := say(f, st)
	step.Filled = s.Name
	return step
}

func invalidStep(f *Form, st FormState, s *Slot, problem string) FormStep {
	st.Tries++
	if st.Tries >= MaxFormTries {
		st.Back, st.Stage, st.Tries = StageFilling, StageConfirmCancel, 0
		return say(f, st, fmt.Sprintf("抱歉，「%s」连续 %d 次没能识别。%s", s.Label, MaxFormTries, problem),
			"要取消这次填写吗？也可以选择继续填写。")
	}
	return say(f, st, problem)
}

func stepImages(f *Form, st FormState, s *Slot, in FormInput, text string) FormStep {
	var have []string
	if v := st.Values[s.Name]; v != "" {
		have = strings.Split(v, ",")
	}
	switch {
	case len(in.Images) > 0:
		have = append(have, in.Images...)
		st.Values[s.Name] = strings.Join(have, ",")
		return FormStep{State: st, Outcome: FormContinue, Replies: []Reply{
			Text("已收到 %d 张照片。可以继续发送，或回复「完成」。", len(have))}}
	case (isWord(text, doneWords) || isWord(text, skipWords)) && len(have) > 0:
		// Photos already received are kept even on 跳过: nothing the user sent is lost.
		st.Order = append(st.Order, s.Name)
		advance(f, &st)
		step := say(f, st)
		step.Filled = s.Name
		return step
	case isWord(text, skipWords) || isWord(text, doneWords):
		if !s.Optional {
			return say(f, st, fmt.Sprintf("「%s」是必填项，请至少发送一张照片。", s.Label))
		}
		return fill(f, st, s, "")
	}
	return invalidStep(f, st, s, "请直接发送照片，发完回复「完成」；不需要照片请回复「跳过」。")
}

// keepEarlyImages files photos sent while a text question is pending under the
// form's photo slot, so they are not lost, and repeats the question.
func keepEarlyImages(f *Form, st FormState, refs []string) FormStep {
	for i := range f.Slots {
		if s := &f.Slots[i]; s.Images {
			have := st.Values[s.Name]
			if have != "" {
				have += ","
			}
			st.Values[s.Name] = have + strings.Join(refs, ",")
			n := len(strings.Split(st.Values[s.Name], ","))
			return say(f, st, fmt.Sprintf("已收到照片（共 %d 张），会随「%s」一起提交。请先回答：", n, f.Title))
		}
	}
	return say(f, st, "这一步需要文字回答，照片没有保存。")
}

// answerSlot validates and normalises an answer for a slot.
func answerSlot(s *Slot, text string) (string, string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", "请输入内容。"
	}
	if len(s.Choices) > 0 {
		if c, ok := matchChoice(s.Choices, text); ok {
			return c.Value, ""
		}
		labels := make([]string, len(s.Choices))
		for i, c := range s.Choices {
			labels[i] = fmt.Sprintf("%d. %s", i+1, c.label())
		}
		return "", "请从以下选项中选择（回复序号或文字）：\n" + strings.Join(labels, "\n")
	}
	if s.Validate != nil {
		return s.Validate(text)
	}
	return text, ""
}

func matchChoice(choices []Choice, text string) (Choice, bool) {
	if n, ok := listPosition(text); ok && n >= 1 && n <= len(choices) {
		return choices[n-1], true
	}
	// Phones add punctuation, emoji and capitals ("可以了！", "Yes"); they do not change the answer.
	t := strings.ToLower(trimDecoration(toHalfWidthDigits(text)))
	for _, c := range choices {
		if t == strings.ToLower(c.Value) || t == strings.ToLower(c.label()) ||
			slices.ContainsFunc(c.Aliases, func(a string) bool { return strings.ToLower(a) == t }) {
			return c, true
		}
	}
	return Choice{}, false
}
