package ticket

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"deliverybot/bot"
	"deliverybot/handlers/ticket/ticketstore"
)

type action struct {
	names []string
	run   func(ctx context.Context, req *bot.Request, args string) ([]bot.Reply, error)
}

// actions are the commands on an existing ticket ("受理 BX-20261126-0001").
func (s *Service) actions() []action {
	return []action{
		{[]string{"受理"}, s.accept},
		{[]string{"处理中"}, s.inProgress},
		{[]string{"解决"}, s.resolve},
		{[]string{"转派"}, s.transfer},
		{[]string{"备注"}, s.note},
		{[]string{"工单", "查看工单"}, s.show},
		{[]string{"催一下", "催单"}, s.nudge},
		{[]string{"解决了", "已解决"}, s.confirmResolved},
		{[]string{"没解决", "未解决"}, s.notResolved},
		{[]string{"评分"}, s.rate},
		{[]string{"取消工单", "撤销工单", "取消报修", "撤销报修", "撤回报修"}, s.cancel},
		{[]string{"重新打开"}, s.reopen},
	}
}

var (
	idRe = regexp.MustCompile(`(?i)\bBX-\d{8}-\d{4,}\b`)
	// actionNoSpacePattern catches "受理BX-…" typed without a space.
	actionNoSpacePattern = `^(?:受理|处理中|解决了|已解决|没解决|未解决|解决|转派|备注|查看工单|工单|催一下|催单|评分|取消工单|撤销工单|取消报修|撤销报修|撤回报修|重新打开)\s*(?i:bx)-\d`
)

func (s *Service) actionWithoutSpace(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
	text := req.Text()
	loc := idRe.FindStringIndex(text)
	if loc == nil {
		return s.myTickets(ctx, req)
	}
	verb := strings.TrimSpace(text[:loc[0]])
	for _, a := range s.actions() {
		if slices.Contains(a.names, verb) {
			return a.run(ctx, req, text[loc[0]:])
		}
	}
	return s.show(ctx, req, text[loc[0]:])
}

// splitID takes the ticket ID off the front of args.
func splitID(args string) (id, rest string) {
	loc := idRe.FindStringIndex(args)
	if loc == nil {
		return "", strings.TrimSpace(args)
	}
	return strings.ToUpper(args[loc[0]:loc[1]]), strings.TrimSpace(args[:loc[0]] + " " + args[loc[1]:])
}

// change is one lifecycle step run by a user on a ticket.
type change struct {
	verb  string // for messages: 受理, 解决…
	from  []ticketstore.Status
	to    ticketstore.Status // "" keeps the status
	allow func(id *bot.Identity, userID string, t *ticketstore.Ticket) error
	apply func(t *ticketstore.Ticket, req *bot.Request) ticketstore.Event
}

var errNeedID = errors.New("no ticket id")

// run applies c to the ticket named in args, atomically with its checks.
func (s *Service) run(ctx context.Context, req *bot.Request, args string, c change) (*ticketstore.Ticket, string, error) {
	id, rest := splitID(args)
	if id == "" {
		return nil, rest, errNeedID
	}
	t, err := s.d.Store.Update(ctx, id, func(t *ticketstore.Ticket) (ticketstore.Event, error) {
		if err := c.allow(req.Identity, req.UserID(), t); err != nil {
			return ticketstore.Event{}, err
		}
		if len(c.from) > 0 && !slices.Contains(c.from, t.Status) {
			return ticketstore.Event{}, denial(fmt.Sprintf("工单 %s 当前状态是「%s」，不能%s。", t.ID, t.Status.Label(), c.verb))
		}
		from := t.Status
		ev := c.apply(t, req)
		if c.to != "" {
			t.Status = c.to
		}
		t.UpdatedAt = req.Now
		ev.At, ev.Actor = req.Now, req.UserID()
		if ev.Kind == "" {
			ev.Kind = ticketstore.EventStatus
		}
		if ev.Kind == ticketstore.EventStatus {
			ev.From, ev.To = from, t.Status
		}
		return ev, nil
	})
	if errors.Is(err, ticketstore.ErrNotFound) {
		return nil, rest, denial(fmt.Sprintf("没有找到工单 %s，请检查编号（格式如 BX-20261126-0001）。", id))
	}
	return t, rest, err
}

// reply turns the outcome of run into replies, handling denials and a missing ID.
func (s *Service) reply(t *ticketstore.Ticket, err error, usage string, ok func(t *ticketstore.Ticket) []bot.Reply) ([]bot.Reply, error) {
	if errors.Is(err, errNeedID) {
		return []bot.Reply{bot.Text("请带上工单编号，例如：%s", usage)}, nil
	}
	if out, isDenial := denied(err); isDenial {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	return ok(t), nil
}

func (s *Service) engineerOnly(what string) func(*bot.Identity, string, *ticketstore.Ticket) error {
	return func(id *bot.Identity, userID string, t *ticketstore.Ticket) error {
		if !canWork(id, t) {
			return s.workDenial(id, userID, t, what)
		}
		return nil
	}
}

func viewers(id *bot.Identity, userID string, t *ticketstore.Ticket) error {
	if !canView(id, userID, t) {
		return viewDenial(t.ID)
	}
	return nil
}

func reporterOnly(id *bot.Identity, userID string, t *ticketstore.Ticket) error {
	if t.Reporter != userID {
		if canView(id, userID, t) {
			return denial(fmt.Sprintf("抱歉，只有提交人可以确认工单 %s 的处理结果。处理人标记已解决请用：解决 %s 处理说明", t.ID, t.ID))
		}
		return viewDenial(t.ID)
	}
	return nil
}

var workable = []ticketstore.Status{ticketstore.StatusNew, ticketstore.StatusAccepted, ticketstore.StatusInProgress,
	ticketstore.StatusReopened}

// notifyReporter tells the reporter about a change made by someone else.
func (s *Service) notifyReporter(req *bot.Request, t *ticketstore.Ticket, text string) []bot.Reply {
	if t.Reporter == req.UserID() {
		return nil
	}
	return []bot.Reply{{To: t.Reporter, Text: text}}
}

func (s *Service) accept(ctx context.Context, req *bot.Request, args string) ([]bot.Reply, error) {
	t, _, err := s.run(ctx, req, args, change{verb: "受理", to: ticketstore.StatusAccepted,
		from:  []ticketstore.Status{ticketstore.StatusNew, ticketstore.StatusReopened},
		allow: s.engineerOnly("受理"),
		apply: func(t *ticketstore.Ticket, req *bot.Request) ticketstore.Event {
			t.Assignee = req.UserID()
			if t.RespondedAt.IsZero() {
				t.RespondedAt = req.Now
			}
			return ticketstore.Event{Text: "受理"}
		}})
	return s.reply(t, err, "受理 BX-20261126-0001", func(t *ticketstore.Ticket) []bot.Reply {
		return append([]bot.Reply{bot.Text("已受理工单 %s「%s」。处理时回复「处理中 %s」，解决后回复「解决 %s 说明」。",
			t.ID, t.Title, t.ID, t.ID)},
			s.notifyReporter(req, t, fmt.Sprintf("您的工单 %s「%s」已由%s受理，正在安排处理。", t.ID, t.Title, s.name(t.Assignee)))...)
	})
}

func (s *Service) inProgress(ctx context.Context, req *bot.Request, args string) ([]bot.Reply, error) {
	t, _, err := s.run(ctx, req, args, change{verb: "标记为处理中", to: ticketstore.StatusInProgress,
		from:  []ticketstore.Status{ticketstore.StatusNew, ticketstore.StatusAccepted, ticketstore.StatusReopened},
		allow: s.engineerOnly("处理"),
		apply: func(t *ticketstore.Ticket, req *bot.Request) ticketstore.Event {
			if t.Assignee == "" || t.Status == ticketstore.StatusNew {
				t.Assignee = req.UserID()
			}
			if t.RespondedAt.IsZero() {
				t.RespondedAt = req.Now
			}
			return ticketstore.Event{Text: "开始处理"}
		}})
	return s.reply(t, err, "处理中 BX-20261126-0001", func(t *ticketstore.Ticket) []bot.Reply {
		return append([]bot.Reply{bot.Text("工单 %s 已标记为处理中。", t.ID)},
			s.notifyReporter(req, t, fmt.Sprintf("您的工单 %s「%s」正在处理中（%s）。", t.ID, t.Title, s.name(t.Assignee)))...)
	})
}

// resolve marks a ticket 已解决 for the reporter to confirm. On a ticket already
// resolved, 解决 with an explanation adds the 处理说明 (forgotten the first time)
// and tells the reporter; the status and its clocks are unchanged.
func (s *Service) resolve(ctx context.Context, req *bot.Request, args string) ([]bot.Reply, error) {
	_, note := splitID(args)
	from := workable
	if note != "" {
		from = append(slices.Clone(workable), ticketstore.StatusResolved)
	}
	supplement := false
	t, _, err := s.run(ctx, req, args, change{verb: "标记为已解决", to: ticketstore.StatusResolved, from: from,
		allow: func(ident *bot.Identity, uid string, t *ticketstore.Ticket) error {
			if err := s.engineerOnly("解决")(ident, uid, t); err != nil {
				return err
			}
			if t.Status == ticketstore.StatusResolved && note == "" {
				return denial(fmt.Sprintf("工单 %s 已标记为已解决，正在等提交人确认。要补充处理说明请回复：解决 %s 处理说明", t.ID, t.ID))
			}
			return nil
		},
		apply: func(t *ticketstore.Ticket, req *bot.Request) ticketstore.Event {
			if supplement = t.Status == ticketstore.StatusResolved; supplement {
				if t.Resolution == "" {
					t.Resolution = note
				} else {
					t.Resolution += "；" + note
				}
				return ticketstore.Event{Kind: ticketstore.EventResolution, Text: note}
			}
			t.Resolution, t.ResolvedAt = note, req.Now
			if t.RespondedAt.IsZero() {
				t.RespondedAt = req.Now
			}
			if t.Assignee == "" {
				t.Assignee = req.UserID()
			}
			return ticketstore.Event{Text: note}
		}})
	return s.reply(t, err, "解决 BX-20261126-0001 已更换硒鼓", func(t *ticketstore.Ticket) []bot.Reply {
		var out []bot.Reply
		switch {
		case supplement:
			out = append(out, bot.Text("已补充工单 %s 的处理说明：%s\n工单仍在等提交人确认。", t.ID, note))
		case note == "":
			out = append(out, bot.Text("工单 %s 已标记为已解决，等待提交人确认。没有写处理说明，可以回复「解决 %s 处理说明」补上，提交人会收到。", t.ID, t.ID))
		default:
			out = append(out, bot.Text("工单 %s 已标记为已解决，等待提交人确认。", t.ID))
		}
		if t.Reporter == req.UserID() {
			return out
		}
		desc := fmt.Sprintf("您的工单 %s「%s」已由%s处理完成。", t.ID, t.Title, s.name(req.UserID()))
		if supplement {
			desc = fmt.Sprintf("%s补充了工单 %s「%s」的处理说明。", s.name(req.UserID()), t.ID, t.Title)
		}
		if t.Resolution != "" {
			desc += "\n处理说明：" + t.Resolution
		}
		r := bot.CardReply(bot.Card{Title: "问题解决了吗？", Description: desc + "\n请确认问题是否已经解决。",
			Buttons: []bot.Button{{Label: "解决了", Value: "解决了 " + t.ID, Style: 1}, {Label: "没解决", Value: "没解决 " + t.ID}}})
		r.To = t.Reporter
		return append(out, r)
	})
}

func (s *Service) transfer(ctx context.Context, req *bot.Request, args string) ([]bot.Reply, error) {
	id, who := splitID(args)
	if id == "" || who == "" {
		return []bot.Reply{bot.Text("请写明工单编号和转派给谁，例如：转派 BX-20261126-0001 zhaolei")}, nil
	}
	var target string
	t, _, err := s.run(ctx, req, id, change{verb: "转派", from: workable,
		allow: func(ident *bot.Identity, uid string, t *ticketstore.Ticket) error {
			if err := s.engineerOnly("转派")(ident, uid, t); err != nil {
				return err
			}
			var err error
			if target, err = s.engineerOf(ctx, t.Project, who); err != nil {
				return err
			}
			if target == t.Assignee {
				// Nothing changes: no event, no second notification.
				return denial(fmt.Sprintf("该工单已由%s处理。", s.name(target)))
			}
			return nil
		},
		apply: func(t *ticketstore.Ticket, req *bot.Request) ticketstore.Event {
			from := t.Assignee
			t.Assignee = target
			return ticketstore.Event{Kind: ticketstore.EventTransferred,
				Text: fmt.Sprintf("%s → %s", s.name(from), s.name(target))}
		}})
	return s.reply(t, err, "转派 BX-20261126-0001 zhaolei", func(t *ticketstore.Ticket) []bot.Reply {
		out := []bot.Reply{bot.Text("已将工单 %s 转派给%s。", t.ID, s.name(t.Assignee))}
		if t.Assignee != req.UserID() {
			out = append(out, s.newTicketCard(t, t.Assignee, fmt.Sprintf("%s转派给您的工单", s.name(req.UserID()))))
		}
		return append(out, s.notifyReporter(req, t, fmt.Sprintf("您的工单 %s 已转交给%s处理。", t.ID, s.name(t.Assignee)))...)
	})
}

// engineerOf resolves a user ID or name to an engineer of the project.
func (s *Service) engineerOf(ctx context.Context, projectID, who string) (string, error) {
	p, err := s.project(ctx, projectID)
	if err != nil {
		return "", err
	}
	who = strings.TrimPrefix(strings.TrimSpace(who), "@")
	for _, m := range p.Members {
		if m.Role == bot.RoleEngineer && (m.User == who || s.d.Directory.Name(m.User) == who) {
			return m.User, nil
		}
	}
	return "", denial(fmt.Sprintf("「%s」不是该项目的实施工程师，只能转派给本项目的工程师。", who))
}

func (s *Service) note(ctx context.Context, req *bot.Request, args string) ([]bot.Reply, error) {
	_, text := splitID(args)
	if text == "" {
		return []bot.Reply{bot.Text("请写上备注内容，例如：备注 BX-20261126-0001 已联系厂家寄配件")}, nil
	}
	t, _, err := s.run(ctx, req, args, change{verb: "备注", allow: viewers,
		apply: func(*ticketstore.Ticket, *bot.Request) ticketstore.Event {
			return ticketstore.Event{Kind: ticketstore.EventNote, Text: text}
		}})
	return s.reply(t, err, "备注 BX-20261126-0001 已联系厂家", func(t *ticketstore.Ticket) []bot.Reply {
		out := []bot.Reply{bot.Text("已在工单 %s 上添加备注。", t.ID)}
		msg := fmt.Sprintf("工单 %s 有新备注（%s）：%s", t.ID, s.name(req.UserID()), text)
		out = append(out, s.notifyReporter(req, t, msg)...)
		if t.Reporter == req.UserID() && t.Assignee != "" && t.Assignee != req.UserID() {
			out = append(out, bot.Reply{To: t.Assignee, Text: msg})
		}
		return out
	})
}

func (s *Service) cancel(ctx context.Context, req *bot.Request, args string) ([]bot.Reply, error) {
	if id, _ := splitID(args); id == "" {
		_, out, err := s.pickOwn(ctx, req, "取消工单", func(t *ticketstore.Ticket) bool {
			return slices.Contains(workable, t.Status)
		})
		return out, err
	}
	t, _, err := s.run(ctx, req, args, change{verb: "取消", to: ticketstore.StatusCancelled, from: workable,
		allow: func(id *bot.Identity, uid string, t *ticketstore.Ticket) error {
			if t.Reporter == uid || id.HasRole(t.Project, bot.RolePM) {
				return nil
			}
			if canView(id, uid, t) {
				return denial(fmt.Sprintf("抱歉，只有提交人或项目经理可以取消工单 %s。", t.ID))
			}
			return viewDenial(t.ID)
		},
		apply: func(*ticketstore.Ticket, *bot.Request) ticketstore.Event { return ticketstore.Event{Text: "取消"} }})
	return s.reply(t, err, "取消工单 BX-20261126-0001", func(t *ticketstore.Ticket) []bot.Reply {
		out := []bot.Reply{bot.Text("工单 %s 已取消。", t.ID)}
		if t.Assignee != "" && t.Assignee != req.UserID() {
			out = append(out, bot.Reply{To: t.Assignee, Text: fmt.Sprintf("工单 %s「%s」已被%s取消，无需再处理。",
				t.ID, t.Title, s.name(req.UserID()))})
		}
		return append(out, s.notifyReporter(req, t, fmt.Sprintf("您的工单 %s 已被%s取消。", t.ID, s.name(req.UserID())))...)
	})
}
