package faq

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"deliverybot/bot"
	"deliverybot/knowledge"
	"deliverybot/knowledge/kbstore"
)

// Right after an answer people say how it went in their own words ("还是不行",
// "可以了") rather than pressing 有用/没用. Only then are those words feedback:
// later, "不行" is no comment on an old answer.
const followUpWindow = 30 * time.Minute

const (
	varAnswered = "faq_answered" // "<entry ID> <unix seconds>" of the answer just given
	varAsked    = "faq_asked"    // the question that answer was for
	varRejected = "faq_rejected" // entry just rated 没用, not to be offered again at once
)

// Feedback words beyond the button labels; a comment may follow after
// punctuation or a space ("没啥用，华为手机还是不提醒").
var (
	usefulWords  = []string{"很有用", "挺有用", "非常有用", "有帮助", "管用", "好使"}
	uselessWords = []string{"没啥用", "没什么用", "不管用", "不好使", "没有帮助", "没帮上"}
)

// The short replies that mean "it did not work" and "it worked".
var (
	failedPatterns = []string{
		`^(?:试了|试过了?)?(?:还是|仍然|依然)?(?:不行|不可以|没用|没好|不好用|登不上|打不开|没反应)[啊呀哦呢的了。！!，,~～\s]*$`,
	}
	workedPatterns = []string{
		`^(?:好了|可以了|搞定了?|行了|成功了|弄好了|能用了)[啊呀哦呢的了。！!，,~～\s]*(?:谢谢|多谢|感谢)?[。！!~～\s]*$`,
		`^(?:👍|👌)+[\x{1F3FB}-\x{1F3FF}\s]*$`,
	}
)

// followUp turns "还是不行" / "可以了" after an answer into a vote v on it; with
// no recent answer it declines, and the text is routed as usual.
func (h *Handler) followUp(v kbstore.Vote) bot.HandlerFunc {
	return func(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
		id := recent(req, varAnswered)
		if _, known := h.opts.KB.Entry(id); id == "" || !known {
			return nil, bot.ErrNotHandled
		}
		return h.record(ctx, req, id, v)
	}
}

// RateLastAnswer records 有用/没用 for the answer given within the last
// followUpWindow — a dialog's "这个能解决吗？", or 解决了/没解决 typed after an
// answer — and reports whether there was one.
func (h *Handler) RateLastAnswer(ctx context.Context, req *bot.Request, useful bool) (bool, error) {
	id := recent(req, varAnswered)
	if id == "" {
		return false, nil
	}
	v := kbstore.Useless
	if useful {
		v = kbstore.Useful
	}
	return true, h.storeVote(ctx, req, id, v)
}

// storeVote records vote v on entry id; the answer has had its feedback.
func (h *Handler) storeVote(ctx context.Context, req *bot.Request, id string, v kbstore.Vote) error {
	req.Session.SetVar(varAnswered, "")
	if h.opts.Feedback != nil {
		if _, err := h.opts.Feedback.RecordVote(ctx, id, req.UserID(), v); err != nil {
			return fmt.Errorf("faq: record vote: %w", err)
		}
	}
	req.Log.Info("faq feedback", "entry", id, "vote", string(v))
	return nil
}

// remember stores entry id in session variable name with the time.
func remember(req *bot.Request, name, id string) {
	req.Session.SetVar(name, id+" "+strconv.FormatInt(req.Now.Unix(), 10))
}

// recent is the entry ID remembered under name within followUpWindow, or "".
func recent(req *bot.Request, name string) string {
	id, at, ok := strings.Cut(req.Session.Var(name), " ")
	sec, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || req.Now.Sub(time.Unix(sec, 0)) > followUpWindow {
		return ""
	}
	return id
}

// withoutRejected drops the entry the user has just rated 没用 from res: their
// next message describes why it did not help, and offering the same entry
// back ("您是不是想问：<the same question>") ignores that.
func withoutRejected(res knowledge.Result, rejected string) knowledge.Result {
	if rejected == "" || len(res.Choices) == 0 {
		return res
	}
	var kept []knowledge.Candidate
	for _, c := range res.Choices {
		if c.Entry.ID != rejected {
			kept = append(kept, c)
		}
	}
	if len(kept) == len(res.Choices) {
		return res
	}
	res.Choices = kept
	switch {
	case len(kept) == 0:
		res.Decision = knowledge.NoAnswer
	case res.Decision == knowledge.Answer:
		res.Decision = knowledge.Suggest // the runner-up was not confident enough to answer
	}
	return res
}

// elliptical is a short follow-up that names only what changes: "那手机上呢",
// "mac呢", "如果是网页版呢". Group 1 is that part.
var elliptical = regexp.MustCompile(`^(?:那么?|如果是|要是|换成)?(.{1,8}?)(?:上面|上|端|里)?呢[?？。!！\s]*$`)

// expandFollowUp turns an elliptical follow-up right after an answer into the
// full question: the one just answered with the new part added.
func expandFollowUp(req *bot.Request, text string) (string, bool) {
	m := elliptical.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil || recent(req, varAnswered) == "" {
		return "", false
	}
	asked := req.Session.Var(varAsked)
	if asked == "" {
		return "", false
	}
	return asked + " " + m[1], true
}
