// Package faq answers how-to questions from the knowledge base: a confident
// match is answered (WeCom markdown, source named, 有用/没用 buttons), close
// matches are offered as "您是不是想问：" choices, and anything else gets an honest
// "暂时没有找到答案" with ways forward. Unanswered questions and votes are
// recorded for KB authors (`deliverybot kb gaps`).
package faq

import (
	"context"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"deliverybot/bot"
	"deliverybot/knowledge"
	"deliverybot/knowledge/kbstore"
)

// Searcher is the knowledge base; *knowledge.Store and *knowledge.Index satisfy
// it. The context bounds the optional embedding call (the store falls back to
// lexical retrieval on its own, so a search always returns a result).
type Searcher interface {
	SearchContext(ctx context.Context, query string, k int) knowledge.Result
	// Entry looks up an entry by ID (for an answer's 相关 entries).
	Entry(id string) (*knowledge.Entry, bool)
}

// Feedback records votes and unanswered questions; *kbstore.Store satisfies it.
type Feedback interface {
	RecordVote(ctx context.Context, entryID, userID string, v kbstore.Vote) (bool, error)
	LogUnanswered(ctx context.Context, question string, at time.Time) error
	// LogPick records that a user who asked question chose entryID from the
	// "您是不是想问" choices: a 相似问法 the KB authors can add (kb gaps).
	LogPick(ctx context.Context, question, entryID string, at time.Time) error
	// RetractPick takes a pick back when the user rates the picked entry 没用.
	RetractPick(ctx context.Context, question, entryID string) error
}

// Options configure the handler. Only KB is required.
type Options struct {
	KB       Searcher
	Feedback Feedback // nil: votes and gaps are not recorded
	Contacts Contacts // nil: "联系项目工程师" gives general advice
	// SourceURL links an entry to where authors maintain it (optional).
	SourceURL func(e *knowledge.Entry) string
	Log       *slog.Logger
}

// Handler is the FAQ stage of the router and the bot.FAQ used by dialogs.
type Handler struct {
	opts Options
}

var _ bot.FAQ = (*Handler)(nil)

// New builds the handler.
func New(opts Options) *Handler {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	return &Handler{opts: opts}
}

// Command words the handler owns. Button values use them, so they also work typed.
const (
	CmdUseful    = "有用"
	CmdUseless   = "没用"
	CmdRephrase  = "换个说法"
	CmdNoneOf    = "都不是"
	CmdContact   = "联系项目工程师"
	cmdContact2  = "联系工程师"
	ticketPrefix = "报修"
)

// Session variables the handler keeps between turns.
const (
	varLastID       = "faq_last_id"       // entry last answered, for a bare 有用/没用
	varLastQuestion = "faq_last_question" // question last suggested for, for 都不是
	varLastChoices  = "faq_last_choices"  // entry IDs offered for it, space-separated (IDs have no spaces)
	varLastPick     = "faq_last_pick"     // "<entry ID> <question>" of a pick just logged
)

// Register installs the FAQ stage and the feedback/offer commands on r.
func (h *Handler) Register(r *bot.Router) error {
	r.FAQ(bot.HandlerFunc(h.Handle))
	r.Command(append([]string{CmdUseful}, usefulWords...), "", bot.HandlerFunc(h.vote(kbstore.Useful)))
	r.Command(append([]string{CmdUseless, "没有用", "没帮助"}, uselessWords...), "", bot.HandlerFunc(h.vote(kbstore.Useless)))
	r.Command([]string{CmdRephrase}, "", bot.HandlerFunc(h.rephrase))
	r.Command([]string{CmdNoneOf}, "", bot.HandlerFunc(h.noneOf))
	// Read-only: asked mid-form, it names the engineers and the form goes on.
	r.Query([]string{CmdContact, cmdContact2, "找工程师", "转人工", "人工客服", "找人工", "人工"}, "", bot.HandlerFunc(h.contact))
	if err := r.Intent("faq_failed", h.followUp(kbstore.Useless), failedPatterns...); err != nil {
		return err
	}
	return r.Intent("faq_worked", h.followUp(kbstore.Useful), workedPatterns...)
}

// minQuestionRunes: shorter texts ("你好", "嗯") are chit-chat, not questions;
// the router's menu serves them better than "暂时没有找到答案".
const minQuestionRunes = 4

// Handle is the router's FAQ stage.
func (h *Handler) Handle(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
	q := req.Text()
	if full, ok := expandFollowUp(req, q); ok {
		q = full // "那手机上呢" after an answer asks the same question for 手机
	}
	// Suggestions are answered by the very next question or never: a later
	// question that happens to equal a choice is not a pick.
	asked, offered := req.Session.Var(varLastQuestion), req.Session.Var(varLastChoices)
	rejected := recent(req, varRejected)
	for _, v := range []string{varLastQuestion, varLastChoices, varLastPick, varAnswered, varRejected, varAsked} {
		if req.Session.Var(v) != "" {
			req.Session.SetVar(v, "")
		}
	}
	res := withoutRejected(h.opts.KB.SearchContext(ctx, q, 5), rejected)
	switch res.Decision {
	case knowledge.Answer:
		c := res.Choices[0]
		req.Session.SetVar(varLastID, c.Entry.ID)
		remember(req, varAnswered, c.Entry.ID)
		req.Session.SetVar(varAsked, truncate(q, 100))
		if asked != "" && isPick(q, c.Entry, offered) {
			h.logPick(ctx, req, asked, c.Entry)
		}
		req.Log.Info("faq answer", "entry", c.Entry.ID, "confidence", round2(c.Score))
		related := h.related(c.Entry)
		return []bot.Reply{h.answerReply(c.Entry, related), feedbackCard(c.Entry, related)}, nil
	case knowledge.Suggest:
		req.Session.SetVar(varLastQuestion, truncate(q, 100))
		req.Session.SetVar(varLastChoices, choiceIDs(res.Choices))
		req.Log.Info("faq suggest", "top", res.Choices[0].Entry.ID, "confidence", round2(res.Choices[0].Score))
		return []bot.Reply{suggestCard(res.Choices)}, nil
	}
	norm := strings.ReplaceAll(knowledge.BasicNormalize(q), " ", "")
	if utf8.RuneCountInString(norm) < minQuestionRunes || isNumber(norm) {
		// Chit-chat, or a number (phone, order) the KB does not know: the
		// router's menu answers, and no gap is logged.
		return nil, bot.ErrNotHandled
	}
	h.logGap(ctx, req, q)
	return []bot.Reply{noAnswerCard(q, false, !inNoProject(req))}, nil
}

// Answer implements bot.FAQ for dialog digressions and ticket deflection: only
// a confident answer is returned, without feedback buttons so the dialog's own
// choices stay the numbered ones.
func (h *Handler) Answer(ctx context.Context, req *bot.Request, question string) ([]bot.Reply, bool) {
	res := h.opts.KB.SearchContext(ctx, question, 3)
	if res.Decision != knowledge.Answer {
		return nil, false
	}
	e := res.Choices[0].Entry
	if req != nil && req.Log != nil {
		req.Log.Info("faq answer (dialog)", "entry", e.ID, "confidence", round2(res.Choices[0].Score))
	}
	if req != nil && req.Session != nil {
		req.Session.SetVar(varLastID, e.ID)
		remember(req, varAnswered, e.ID)
		req.Session.SetVar(varAsked, truncate(question, 100)) // what "那手机上呢" refers to
	}
	return []bot.Reply{h.answerReply(e, h.related(e))}, true
}

func (h *Handler) logGap(ctx context.Context, req *bot.Request, q string) {
	if h.opts.Feedback == nil {
		return
	}
	if err := h.opts.Feedback.LogUnanswered(ctx, q, req.Now); err != nil {
		// Losing a gap record must not cost the user their reply.
		req.Log.Warn("faq: could not log unanswered question", "err", err)
	}
}

func choiceIDs(cs []knowledge.Candidate) string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.Entry.ID
	}
	return strings.Join(ids, " ")
}

// isPick: q is exactly the question of e (what its suggestion button, or its
// number, sends) and e was one of the entries offered.
func isPick(q string, e *knowledge.Entry, offered string) bool {
	if strings.TrimSpace(q) != e.Question {
		return false
	}
	for _, id := range strings.Fields(offered) {
		if id == e.ID {
			return true
		}
	}
	return false
}

// logPick records that the user who asked asked then chose e from the suggestions.
func (h *Handler) logPick(ctx context.Context, req *bot.Request, asked string, e *knowledge.Entry) {
	if h.opts.Feedback == nil {
		return
	}
	if err := h.opts.Feedback.LogPick(ctx, asked, e.ID, req.Now); err != nil {
		req.Log.Warn("faq: could not log picked suggestion", "err", err)
		return
	}
	req.Session.SetVar(varLastPick, e.ID+" "+asked)
}

// retractPick: 没用 on the entry just picked means the pick taught nothing.
func (h *Handler) retractPick(ctx context.Context, req *bot.Request, entryID string) {
	id, asked, ok := strings.Cut(req.Session.Var(varLastPick), " ")
	if !ok || id != entryID || h.opts.Feedback == nil {
		return
	}
	req.Session.SetVar(varLastPick, "")
	if err := h.opts.Feedback.RetractPick(ctx, asked, id); err != nil {
		req.Log.Warn("faq: could not retract picked suggestion", "err", err)
	}
}

// vote handles "有用 <id>" / "没用 <id>" (a bare word applies to the last answer).
func (h *Handler) vote(v kbstore.Vote) bot.HandlerFunc {
	return func(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
		// Buttons send "没用 <entry ID>"; typed text after the word ("没用 还是登不上")
		// is a comment, not an ID: the vote is for the last answer.
		id := strings.TrimSpace(req.Args())
		if _, known := h.opts.KB.Entry(id); !known {
			id = req.Session.Var(varLastID)
		}
		if id == "" {
			return []bot.Reply{bot.Text("请先问我一个问题，看到回答后再告诉我有没有用。")}, nil
		}
		return h.record(ctx, req, id, v)
	}
}

// record stores a vote on entry id and answers it; after 没用 the next
// question is not answered with the same entry again.
func (h *Handler) record(ctx context.Context, req *bot.Request, id string, v kbstore.Vote) ([]bot.Reply, error) {
	if err := h.storeVote(ctx, req, id, v); err != nil {
		return nil, err
	}
	if v == kbstore.Useless {
		h.retractPick(ctx, req, id)
		remember(req, varRejected, id)
	}
	if v == kbstore.Useful {
		return []bot.Reply{bot.Text("感谢反馈，很高兴帮到您！")}, nil
	}
	buttons := []bot.Button{{Label: "换个说法再问", Value: CmdRephrase}, {Label: "报修", Value: ticketPrefix}, {Label: "联系项目工程师", Value: CmdContact}}
	if inNoProject(req) {
		buttons = []bot.Button{buttons[0], {Label: "联系项目经理", Value: CmdContact}}
	}
	return []bot.Reply{bot.CardReply(bot.Card{
		Title:       "抱歉没帮上忙",
		Description: "已记录您的反馈，知识库维护人员会改进这条回答。您也可以：",
		Buttons:     buttons,
	})}, nil
}

func (h *Handler) rephrase(_ context.Context, _ *bot.Request) ([]bot.Reply, error) {
	return []bot.Reply{bot.Text("好的，请换个说法描述您的问题，说清楚用的是什么软件、遇到了什么情况，" +
		"比如「企业微信收不到消息通知」「腾讯会议共享屏幕没有声音」。")}, nil
}

// noneOf handles "都不是" after suggestions: the question counts as unanswered.
func (h *Handler) noneOf(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
	q := req.Session.Var(varLastQuestion)
	req.Session.SetVar(varLastQuestion, "")
	if q == "" {
		return h.rephrase(ctx, req)
	}
	h.logGap(ctx, req, q)
	return []bot.Reply{noAnswerCard(q, true, !inNoProject(req))}, nil
}

func round2(x float64) float64 { return float64(int(x*100+0.5)) / 100 }

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func isNumber(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
