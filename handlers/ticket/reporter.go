package ticket

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"deliverybot/bot"
	"deliverybot/handlers/ticket/ticketstore"
)

// latestOwn fills in the ID when a reporter answers 解决了/没解决/评分 without one:
// their newest ticket that is waiting for exactly that answer. With no ID and
// no such ticket, it returns the reply that says so (none).
func (s *Service) latestOwn(ctx context.Context, req *bot.Request, args string, want func(*ticketstore.Ticket) bool, none string) (string, []bot.Reply, error) {
	if id, _ := splitID(args); id != "" {
		return args, nil, nil
	}
	list, err := s.d.Store.List(ctx, ticketstore.Filter{Reporter: req.UserID()})
	if err != nil {
		return "", nil, err
	}
	for _, t := range list {
		if want(t) {
			return t.ID + " " + args, nil, nil
		}
	}
	return "", []bot.Reply{bot.Text("%s", none)}, nil
}

// noneToConfirm is said to 解决了/没解决 when no ticket waits for the reporter.
const noneToConfirm = "您目前没有等待您确认的工单，工程师处理完成后我会通知您确认。处理人标记已解决请用：解决 工单编号 处理说明"

func waitingConfirmation(t *ticketstore.Ticket) bool { return t.Status == ticketstore.StatusResolved }

func waitingRating(t *ticketstore.Ticket) bool {
	return t.Status == ticketstore.StatusClosed && t.Rating == 0
}

func (s *Service) confirmResolved(ctx context.Context, req *bot.Request, args string) ([]bot.Reply, error) {
	args, none, err := s.latestOwn(ctx, req, args, waitingConfirmation, noneToConfirm)
	if none != nil && err == nil {
		return s.orRateKB(ctx, req, true, none)
	}
	if err != nil {
		return nil, err
	}
	t, _, err := s.run(ctx, req, args, change{verb: "确认解决", to: ticketstore.StatusClosed,
		from: []ticketstore.Status{ticketstore.StatusResolved}, allow: reporterOnly,
		apply: func(t *ticketstore.Ticket, req *bot.Request) ticketstore.Event {
			t.ClosedAt = req.Now
			return ticketstore.Event{Text: "提交人确认已解决"}
		}})
	return s.reply(t, err, "解决了 BX-20261126-0001", func(t *ticketstore.Ticket) []bot.Reply {
		out := []bot.Reply{ratingCard(t)}
		if t.Assignee != "" && t.Assignee != req.UserID() {
			out = append(out, bot.Reply{To: t.Assignee, Text: fmt.Sprintf("提交人已确认工单 %s 解决，工单已关闭。", t.ID)})
		}
		return out
	})
}

// ratingCard asks for the CSAT score; "1"…"5" answer it on text channels.
func ratingCard(t *ticketstore.Ticket) bot.Reply {
	labels := []string{"1 分 很不满意", "2 分 不满意", "3 分 一般", "4 分 满意", "5 分 非常满意"}
	c := bot.Card{Title: "工单 " + t.ID + " 已关闭", Description: "感谢确认！请为这次服务打个分（1–5 分）："}
	for i, l := range labels {
		c.Buttons = append(c.Buttons, bot.Button{Label: l, Value: fmt.Sprintf("评分 %s %d", t.ID, i+1)})
	}
	return bot.CardReply(c)
}

func (s *Service) notResolved(ctx context.Context, req *bot.Request, args string) ([]bot.Reply, error) {
	args, none, err := s.latestOwn(ctx, req, args, waitingConfirmation, noneToConfirm)
	if none != nil && err == nil {
		return s.orRateKB(ctx, req, false, none)
	}
	if err != nil {
		return nil, err
	}
	t, _, err := s.run(ctx, req, args, change{verb: "重新打开", to: ticketstore.StatusReopened,
		from: []ticketstore.Status{ticketstore.StatusResolved}, allow: reporterOnly,
		apply: func(t *ticketstore.Ticket, req *bot.Request) ticketstore.Event {
			_, why := splitID(args)
			return ticketstore.Event{Text: strings.TrimSpace("提交人反馈没解决 " + why)}
		}})
	return s.reply(t, err, "没解决 BX-20261126-0001", func(t *ticketstore.Ticket) []bot.Reply {
		return append([]bot.Reply{bot.Text("抱歉问题还没解决，工单 %s 已重新打开，已通知%s继续处理。", t.ID, s.name(t.Assignee))},
			s.reopenedCard(req, t, args)...)
	})
}

// reopenedCard tells the assignee; args are the reopening command's, whose
// words after the ID say why.
func (s *Service) reopenedCard(req *bot.Request, t *ticketstore.Ticket, args string) []bot.Reply {
	if t.Assignee == "" || t.Assignee == req.UserID() {
		return nil
	}
	desc := fmt.Sprintf("%s反馈问题没有解决：%s", s.name(req.UserID()), t.Title)
	if _, why := splitID(args); why != "" {
		desc += "\n原因：" + why
	}
	r := bot.CardReply(bot.Card{Title: "工单 " + t.ID + " 被重新打开",
		Description: desc,
		Buttons:     []bot.Button{{Label: "处理中 " + t.ID, Value: "处理中 " + t.ID}, {Label: "查看详情", Value: "工单 " + t.ID}}})
	r.To = t.Assignee
	return []bot.Reply{r}
}

// reopen brings back a resolved or closed ticket (reporter, or the project's engineers).
func (s *Service) reopen(ctx context.Context, req *bot.Request, args string) ([]bot.Reply, error) {
	t, _, err := s.run(ctx, req, args, change{verb: "重新打开", to: ticketstore.StatusReopened,
		from: []ticketstore.Status{ticketstore.StatusResolved, ticketstore.StatusClosed},
		allow: func(id *bot.Identity, uid string, t *ticketstore.Ticket) error {
			if t.Reporter == uid || canWork(id, t) {
				return nil
			}
			if canView(id, uid, t) {
				return denial(fmt.Sprintf("抱歉，只有提交人或该项目的实施工程师可以重新打开工单 %s。", t.ID))
			}
			return viewDenial(t.ID)
		},
		apply: func(t *ticketstore.Ticket, _ *bot.Request) ticketstore.Event {
			t.ClosedAt = time.Time{}
			if t.Rating != 0 {
				// The old score rated a resolution that did not hold; ask again at the next close.
				prev := t.Rating
				t.Rating = 0
				return ticketstore.Event{Text: fmt.Sprintf("重新打开（此前的 %d 分评价作废，关闭时重新评价）", prev)}
			}
			return ticketstore.Event{Text: "重新打开"}
		}})
	return s.reply(t, err, "重新打开 BX-20261126-0001", func(t *ticketstore.Ticket) []bot.Reply {
		out := []bot.Reply{bot.Text("工单 %s 已重新打开。", t.ID)}
		out = append(out, s.reopenedCard(req, t, "")...)
		return append(out, s.notifyReporter(req, t, fmt.Sprintf("您的工单 %s 已被%s重新打开。", t.ID, s.name(req.UserID())))...)
	})
}

func (s *Service) rate(ctx context.Context, req *bot.Request, args string) ([]bot.Reply, error) {
	args, none, err := s.latestOwn(ctx, req, args, waitingRating,
		"您目前没有待评分的工单。给其他工单评分请带上编号，例如：评分 BX-20261126-0001 5")
	if err != nil || none != nil {
		return none, err
	}
	score := 0
	if _, rest := splitID(args); rest != "" {
		score, _ = strconv.Atoi(strings.TrimSuffix(strings.Fields(rest)[0], "分"))
	}
	if score < 1 || score > 5 {
		return []bot.Reply{bot.Text("请给出 1 到 5 的整数评分，例如：评分 BX-20261126-0001 5")}, nil
	}
	t, _, err := s.run(ctx, req, args, change{verb: "评分",
		from: []ticketstore.Status{ticketstore.StatusClosed, ticketstore.StatusResolved},
		allow: func(id *bot.Identity, uid string, t *ticketstore.Ticket) error {
			if err := reporterOnly(id, uid, t); err != nil {
				return err
			}
			if t.Rating != 0 {
				return denial(fmt.Sprintf("工单 %s 已经评过分（%d 分），谢谢！", t.ID, t.Rating))
			}
			return nil
		},
		apply: func(t *ticketstore.Ticket, _ *bot.Request) ticketstore.Event {
			t.Rating = score
			return ticketstore.Event{Kind: ticketstore.EventRated, Text: fmt.Sprintf("%d 分", score)}
		}})
	return s.reply(t, err, "评分 BX-20261126-0001 5", func(t *ticketstore.Ticket) []bot.Reply {
		return []bot.Reply{bot.Text("收到您的 %d 分评价，谢谢！我们会继续改进。", t.Rating)}
	})
}

// nudge (催一下) reminds the assignee, at most once per NudgeWindow per ticket.
func (s *Service) nudge(ctx context.Context, req *bot.Request, args string) ([]bot.Reply, error) {
	id, _ := splitID(args)
	if id == "" {
		open, out, err := s.pickOwn(ctx, req, "催一下", func(t *ticketstore.Ticket) bool { return t.Status.Open() })
		if err != nil || len(open) != 1 {
			return out, err
		}
		id = open[0].ID // the one open ticket: nudging it is what was meant
	}
	t, err := s.d.Store.Get(ctx, id)
	if out, ok := s.lookupFailed(id, err); ok {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	if !canView(req.Identity, req.UserID(), t) {
		return []bot.Reply{{Text: string(viewDenial(id))}}, nil
	}
	if !t.Status.Open() {
		return []bot.Reply{bot.Text("工单 %s 当前状态是「%s」，不需要催办。", id, t.Status.Label())}, nil
	}
	ok, err := s.d.Store.TryNudge(ctx, id, s.d.NudgeWindow)
	if err != nil {
		return nil, err
	}
	if !ok {
		return []bot.Reply{bot.Text("已经催过了，工程师%s会尽快处理。%s内对同一工单只能催一次，请稍后再试。",
			s.name(t.Assignee), humanWindow(s.d.NudgeWindow))}, nil
	}
	if _, err := s.d.Store.Update(ctx, id, func(t *ticketstore.Ticket) (ticketstore.Event, error) {
		return ticketstore.Event{At: req.Now, Actor: req.UserID(), Kind: ticketstore.EventNudged, Text: "催办"}, nil
	}); err != nil {
		return nil, err
	}
	out := []bot.Reply{bot.Text("已提醒%s尽快处理工单 %s。", s.name(t.Assignee), id)}
	if t.Assignee != "" && t.Assignee != req.UserID() {
		r := bot.CardReply(bot.Card{Title: "催办：" + id,
			Description: fmt.Sprintf("%s在催工单「%s」（%s，当前%s），请尽快处理。", s.name(req.UserID()), t.Title,
				t.Priority, t.Status.Label()),
			Buttons: []bot.Button{{Label: "查看详情", Value: "工单 " + id}}})
		r.To = t.Assignee
		out = append(out, r)
	}
	return out, nil
}

// pickOwn answers a ticket command typed without a number: the reporter's
// tickets that want fits are offered as buttons ("催一下 BX-…"), or, when there
// are none, the command is shown with a number. It returns those tickets.
func (s *Service) pickOwn(ctx context.Context, req *bot.Request, verb string, want func(*ticketstore.Ticket) bool) ([]*ticketstore.Ticket, []bot.Reply, error) {
	list, err := s.d.Store.List(ctx, ticketstore.Filter{Reporter: req.UserID(), Limit: listLimit})
	if err != nil {
		return nil, nil, err
	}
	var fit []*ticketstore.Ticket
	for _, t := range list {
		if want(t) {
			fit = append(fit, t)
		}
	}
	if len(fit) == 0 {
		return nil, []bot.Reply{bot.Text("您没有可以%s的未完成工单。其他工单请带上编号，例如：%s BX-20261126-0001", verb, verb)}, nil
	}
	c := bot.Card{Title: "要" + verb + "哪个工单？"}
	var lines []string
	for _, t := range fit {
		lines = append(lines, s.line(t))
		c.Buttons = append(c.Buttons, bot.Button{Label: verb + " " + t.ID, Value: verb + " " + t.ID})
	}
	c.Description = strings.Join(lines, "\n")
	return fit, []bot.Reply{bot.CardReply(c)}, nil
}

func humanWindow(d time.Duration) string {
	m := int(d.Minutes())
	if m%60 == 0 {
		return fmt.Sprintf("%d 小时", m/60)
	}
	return fmt.Sprintf("%d 分钟", m)
}

func (s *Service) lookupFailed(id string, err error) ([]bot.Reply, bool) {
	if errors.Is(err, ticketstore.ErrNotFound) {
		return []bot.Reply{bot.Text("没有找到工单 %s，请检查编号（格式如 BX-20261126-0001）。", id)}, true
	}
	return nil, false
}

// orRateKB: with no ticket waiting, 解决了/没解决 right after a KB answer is
// about that answer; otherwise the user hears that nothing waits (none).
func (s *Service) orRateKB(ctx context.Context, req *bot.Request, useful bool, none []bot.Reply) ([]bot.Reply, error) {
	switch {
	case !s.rateKB(ctx, req, useful):
		return none, nil
	case useful:
		return []bot.Reply{bot.Text("太好了，问题解决了就好！感谢反馈。")}, nil
	}
	return []bot.Reply{bot.CardReply(bot.Card{Title: "抱歉没帮上忙",
		Description: "已记录您的反馈。需要工程师处理的话可以提交报修：",
		Buttons:     []bot.Button{{Label: "报修", Value: "报修"}, {Label: "联系项目工程师", Value: "联系项目工程师"}}})}, nil
}

// Replies people give to 问题解决了吗 in their own words ("好了，可以用了",
// "还是不行，还卡纸"); only the start is matched, the rest is their comment.
var (
	confirmPattern = `^(?:好了|可以了|可以用了|能用了|修好了|搞定了?|没问题了|正常了|恢复了|解决啦)(?:[，,。！!~～\s].{0,30})?$`
	rejectPattern  = `^(?:还是不行|还不行|没修好|还没好|还是有问题|又坏了|还是老样子)(?:[，,。！!~～\s].{0,60})?$`
)

// naturalConfirm answers 问题解决了吗 from such words when a ticket of the
// reporter waits for exactly that; otherwise it declines and the text is
// routed as usual (it may rate a KB answer, or be a question).
func (s *Service) naturalConfirm(resolved bool) bot.HandlerFunc {
	return func(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
		args, none, err := s.latestOwn(ctx, req, "", waitingConfirmation, "")
		switch {
		case err != nil:
			return nil, err
		case none != nil:
			return nil, bot.ErrNotHandled
		case resolved:
			return s.confirmResolved(ctx, req, args)
		}
		return s.notResolved(ctx, req, strings.TrimSpace(args)+" "+strings.TrimSpace(req.Text()))
	}
}
