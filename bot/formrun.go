package bot

import (
	"context"
	"fmt"
	"slices"
)

// FormHint tells people how to move around a form; it follows every form's intro.
const FormHint = "随时回复「取消」退出，「上一步」返回，「为什么」查看说明。"

// StartForm opens a form for the requesting user, with optional prefilled values,
// and returns the opening replies.
func StartForm(ctx context.Context, req *Request, f *Form, prefill map[string]string) ([]Reply, error) {
	st := NewFormState(f, prefill, req.Now)
	var out []Reply
	intro := f.Intro
	if intro == "" {
		intro = fmt.Sprintf("好的，开始「%s」。", f.Title)
	}
	out = append(out, Text("%s\n%s", intro, FormHint))
	for _, slot := range slices.Clone(st.Order) { // hooks may change Order

		extra, end, err := afterSlot(ctx, req, f, &st, slot)
		if err != nil {
			return nil, err
		}
		out = append(out, extra...)
		if end {
			return out, nil
		}
	}
	advance(f, &st) // the hooks may have changed which slots apply, as in runForm
	req.Session.Form = &st
	return append(out, PromptReply(f, &st)), nil
}

// runForm feeds the message to the user's active form and persists the result in the session.
func (r *Router) runForm(ctx context.Context, req *Request, f *Form) ([]Reply, error) {
	sess := req.Session
	if out, ok, err := r.queryMidForm(ctx, req, f); ok || err != nil {
		return out, err
	}
	step := StepForm(f, *sess.Form, formInput(&req.Msg), req.Now)
	var lead []Reply
	if step.Outcome == FormDigress {
		if ans, ok := r.answerDigression(ctx, req, step.Question); ok {
			sess.Form = &step.State
			lead = append(ans, Text("我们继续刚才的「%s」：", f.Title))
			return append(lead, step.Replies...), nil
		}
		step = *step.Fallback
	}
	st := step.State
	switch step.Outcome {
	case FormCancelled:
		sess.Form = nil
		out := step.Replies
		if f.Cancelled != nil {
			out = append(out, f.Cancelled(ctx, req, &st)...)
		}
		return out, nil
	case FormDone:
		out, err := f.Complete(ctx, req, &st)
		if err != nil {
			// Keep the form at its summary so nothing the user typed is lost.
			req.Log.Error("form completion failed", "form", f.Name, "err", err)
			sess.Form = &st
			return []Reply{Text("提交没有成功（%s），您填写的内容还在，请稍后回复「确认」重试。", userMessage(err))}, nil
		}
		sess.Form = nil
		return out, nil
	}
	out := step.Replies
	if step.Filled != "" && f.AfterSlot != nil {
		extra, end, err := afterSlot(ctx, req, f, &st, step.Filled)
		if err != nil {
			return nil, err
		}
		if end {
			sess.Form = nil
			return extra, nil
		}
		// The hook may have changed which slots apply: re-plan and re-ask.
		if st.Stage == StageFilling || st.Stage == StageConfirm {
			advance(f, &st)
		}
		out = append(out[:len(out)-1], extra...)
		out = append(out, PromptReply(f, &st))
	}
	sess.Form = &st
	return out, nil
}

// queryMidForm answers a read-only command (进度, 我的工单…) typed during a form and
// then repeats the form's question, unless the words are an answer to it.
func (r *Router) queryMidForm(ctx context.Context, req *Request, f *Form) ([]Reply, bool, error) {
	c, args, ok := r.matchCommand(req.Text())
	if !ok || !(c.query || c.midForm != nil && c.midForm(args)) || isFormAnswer(f, req.Session.Form, req.Text()) {
		return nil, false, nil
	}
	st := req.Session.Form
	req.args = args
	out, err := c.h.Handle(ctx, req)
	if err != nil {
		return nil, true, err
	}
	req.Session.Form = st // a command run mid-form never replaces the form
	out = append(out, Text("我们继续刚才的「%s」：", f.Title), PromptReply(f, st))
	return out, true, nil
}

// isFormAnswer reports whether text is a choice of the pending slot (so a choice
// that happens to be a command word is taken as the answer).
func isFormAnswer(f *Form, st *FormState, text string) bool {
	if s, ok := f.Slot(st.Slot); ok && st.Stage == StageFilling {
		_, ok := matchChoice(s.Choices, text)
		return ok
	}
	return false
}

func afterSlot(ctx context.Context, req *Request, f *Form, st *FormState, slot string) ([]Reply, bool, error) {
	if f.AfterSlot == nil {
		return nil, false, nil
	}
	return f.AfterSlot(ctx, req, st, slot)
}

func (r *Router) answerDigression(ctx context.Context, req *Request, q string) ([]Reply, bool) {
	if r.opts.Deps.FAQ == nil {
		return nil, false
	}
	return r.opts.Deps.FAQ.Answer(ctx, req, q)
}

func formInput(m *Message) FormInput {
	in := FormInput{Text: m.Text}
	for _, md := range m.Images() {
		ref := md.Ref
		if ref == "" {
			ref = md.MediaID
		}
		if ref != "" {
			in.Images = append(in.Images, ref)
		}
	}
	return in
}
