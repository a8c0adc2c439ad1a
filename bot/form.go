package bot

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Choice is one allowed answer of a slot.
type Choice struct {
	Value string
	// Label is shown to the user; defaults to Value.
	Label string
	// Aliases are other words that mean this choice (e.g. "急" for 紧急).
	Aliases []string
}

func (c Choice) label() string {
	if c.Label != "" {
		return c.Label
	}
	return c.Value
}

// Slot is one field a form asks for.
type Slot struct {
	Name  string
	Label string // short name used in summaries and corrections, e.g. 地点
	// Aliases let corrections name the slot differently ("位置" for 地点).
	Aliases []string
	Prompt  string
	// PromptFunc, when set, builds the prompt from the state (must be pure).
	PromptFunc func(st *FormState) string
	Help       string
	Optional   bool
	Choices    []Choice
	// Validate checks and normalises an answer; a non-empty problem is told to the user.
	Validate func(input string) (value string, problem string)
	// Images makes the slot collect photos until the user says 完成.
	Images bool
	// When, if set, decides whether the slot is asked at all (must be pure).
	When func(st *FormState) bool
}

// Form is a declarative dialog: ordered slots, a summary, and what to do when confirmed.
type Form struct {
	Name  string
	Title string
	Slots []Slot
	// Intro is said when the form starts.
	Intro string
	// AfterSlot runs (with side effects allowed) after a slot is answered. It may
	// change st.Data or st.Values and add replies; end=true finishes the dialog.
	AfterSlot func(ctx context.Context, req *Request, st *FormState, slot string) (replies []Reply, end bool, err error)
	// Complete runs when the user confirms the summary.
	Complete func(ctx context.Context, req *Request, st *FormState) ([]Reply, error)
	// CancelWords are more ways to cancel this form ("不报了"), besides the
	// general ones and 取消/撤销 followed by the title ("取消报修").
	CancelWords []string
	// Cancelled, if set, runs after the user cancels.
	Cancelled func(ctx context.Context, req *Request, st *FormState) []Reply
}

// Slot returns the named slot.
func (f *Form) Slot(name string) (*Slot, bool) {
	for i := range f.Slots {
		if f.Slots[i].Name == name {
			return &f.Slots[i], true
		}
	}
	return nil, false
}

// index is the slot's position in the form, len(f.Slots) when unknown.
func (f *Form) index(name string) int {
	for i := range f.Slots {
		if f.Slots[i].Name == name {
			return i
		}
	}
	return len(f.Slots)
}

// NewFormState starts a form, with optional prefilled values (e.g. the text after 报修).
func NewFormState(f *Form, prefill map[string]string, now time.Time) FormState {
	st := FormState{Form: f.Name, Values: map[string]string{}, Data: map[string]string{},
		Stage: StageFilling, StartedAt: now, UpdatedAt: now}
	for _, s := range f.Slots {
		if v, ok := prefill[s.Name]; ok && v != "" {
			st.Values[s.Name] = v
			st.Order = append(st.Order, s.Name)
		}
	}
	advance(f, &st)
	return st
}

// Expired reports whether the form sat idle longer than ttl.
func (st *FormState) Expired(now time.Time, ttl time.Duration) bool {
	return ttl > 0 && now.Sub(st.UpdatedAt) > ttl
}

func (st *FormState) asked(slot string) bool {
	for _, s := range st.Order {
		if s == slot {
			return true
		}
	}
	return false
}

func (st *FormState) forget(slot string) {
	out := st.Order[:0]
	for _, s := range st.Order {
		if s != slot {
			out = append(out, s)
		}
	}
	st.Order = out
	delete(st.Values, slot)
}

// Replan moves st to the first unanswered slot that applies, or to the summary:
// for handlers that change st.Data (and so which slots apply) outside a step.
func (f *Form) Replan(st *FormState) { advance(f, st) }

// advance moves to the first slot not yet answered whose condition holds, or to the summary.
func advance(f *Form, st *FormState) {
	st.Tries = 0
	for i := range f.Slots {
		s := &f.Slots[i]
		if st.asked(s.Name) || (s.When != nil && !s.When(st)) {
			continue
		}
		st.Slot, st.Stage = s.Name, StageFilling
		return
	}
	st.Slot, st.Stage = "", StageConfirm
}

// progress returns (position of current slot, number of slots that apply).
func progress(f *Form, st *FormState) (int, int) {
	pos, total := 0, 0
	for i := range f.Slots {
		s := &f.Slots[i]
		if s.When != nil && !s.When(st) {
			continue
		}
		total++
		if s.Name == st.Slot {
			pos = total
		}
	}
	return pos, total
}

// PromptReply renders the question for the current stage.
func PromptReply(f *Form, st *FormState) Reply {
	switch st.Stage {
	case StageConfirm:
		return summaryReply(f, st)
	case StageChooseEdit:
		return chooseEditReply(f, st)
	case StageConfirmCancel:
		return CardReply(Card{Title: "确认取消", Description: fmt.Sprintf("确定要取消「%s」吗？已填写的内容不会保存。", f.Title),
			Buttons: []Button{{Label: "确定取消", Value: "确定取消"}, {Label: "继续填写", Value: "继续填写"}}})
	case StageCorrectOrAnswer:
		return correctOrAnswerReply(f, st)
	}
	s, ok := f.Slot(st.Slot)
	if !ok {
		return Text("表单状态异常，请回复「取消」后重新开始。")
	}
	pos, total := progress(f, st)
	prompt := s.Prompt
	if s.PromptFunc != nil {
		prompt = s.PromptFunc(st)
	}
	title := fmt.Sprintf("%s（%d/%d）", f.Title, pos, total)
	var hints []string
	if s.Optional {
		hints = append(hints, "可回复「跳过」")
	}
	if s.Images {
		if v := st.Values[s.Name]; v != "" {
			hints = append(hints, fmt.Sprintf("已收到 %d 张", len(strings.Split(v, ","))))
		}
		hints = append(hints, "发完后回复「完成」")
	}
	desc := prompt
	if len(hints) > 0 {
		desc += "\n（" + strings.Join(hints, "，") + "）"
	}
	if len(s.Choices) == 0 {
		return Text("【%s】%s", title, desc)
	}
	btns := make([]Button, len(s.Choices))
	for i, c := range s.Choices {
		btns[i] = Button{Label: c.label(), Value: c.label()}
	}
	return CardReply(Card{Title: title, Description: desc, Buttons: btns})
}

func correctOrAnswerReply(f *Form, st *FormState) Reply {
	target, value, _ := parseCorrection(f, st, st.Pending)
	cur, ok := f.Slot(st.Slot)
	if target == nil || !ok {
		return Text("表单状态异常，请回复「取消」后重新开始。")
	}
	return CardReply(Card{Title: "请确认您的意思",
		Description: fmt.Sprintf("「%s」\n是要把「%s」改为「%s」，还是把这句话作为「%s」？", st.Pending, target.Label, value, cur.Label),
		Buttons: []Button{{Label: "修改「" + target.Label + "」", Value: "修改「" + target.Label + "」"},
			{Label: "作为「" + cur.Label + "」", Value: "作为「" + cur.Label + "」"}}})
}

func summaryReply(f *Form, st *FormState) Reply {
	c := Card{Title: f.Title + " · 请确认", Description: "请核对以下信息："}
	for i := range f.Slots {
		s := &f.Slots[i]
		if !st.asked(s.Name) {
			continue
		}
		c.Fields = append(c.Fields, Field{Key: s.Label, Value: displayValue(s, st.Values[s.Name])})
	}
	c.Buttons = []Button{{Label: "确认", Value: "确认", Style: 1}, {Label: "修改", Value: "修改"}, {Label: "取消", Value: "取消"}}
	return CardReply(c)
}

func displayValue(s *Slot, v string) string {
	switch {
	case v == "":
		return "（未填写）"
	case s.Images:
		return fmt.Sprintf("%d 张照片", len(strings.Split(v, ",")))
	}
	return v
}

func chooseEditReply(f *Form, st *FormState) Reply {
	c := Card{Title: "修改哪一项？", Description: "请选择要修改的内容："}
	for i := range f.Slots {
		s := &f.Slots[i]
		if st.asked(s.Name) {
			c.Buttons = append(c.Buttons, Button{Label: s.Label, Value: s.Label})
		}
	}
	return CardReply(c)
}
