package ticket

import (
	"context"
	"fmt"
	"strings"

	"deliverybot/bot"
	"deliverybot/handlers/ticket/ticketstore"
)

// listLimit caps how many tickets a chat list shows.
const listLimit = 10

// listButtons caps the numbered choices under a list (a WeCom card holds 6).
const listButtons = 6

// myTickets lists the user's own tickets and, for engineers, the open ones assigned to them.
func (s *Service) myTickets(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
	own, err := s.d.Store.List(ctx, ticketstore.Filter{Reporter: req.UserID(), Limit: listLimit})
	if err != nil {
		return nil, err
	}
	assigned, err := s.d.Store.List(ctx, ticketstore.Filter{Assignee: req.UserID(), OpenOnly: true, Limit: listLimit})
	if err != nil {
		return nil, err
	}
	if len(own) == 0 && len(assigned) == 0 {
		return []bot.Reply{bot.Text("您目前没有工单。遇到问题可以回复「报修」提交。")}, nil
	}
	var b strings.Builder
	if len(own) > 0 {
		b.WriteString("我提交的工单（最近 " + fmt.Sprint(len(own)) + " 个）：")
		for _, t := range own {
			b.WriteString("\n" + s.line(t))
		}
	}
	if len(assigned) > 0 {
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString("待我处理的工单：")
		for _, t := range assigned {
			b.WriteString("\n" + s.line(t))
		}
	}
	b.WriteString("\n\n回复序号或「工单 编号」查看详情和处理记录。")
	return []bot.Reply{bot.CardReply(bot.Card{Title: "我的工单", Description: b.String(), Buttons: ticketButtons(own, assigned)})}, nil
}

// ticketButtons open the listed tickets, so a phone user answers with a
// number instead of typing an ID (at most listButtons, own tickets first).
func ticketButtons(lists ...[]*ticketstore.Ticket) []bot.Button {
	var out []bot.Button
	seen := map[string]bool{}
	for _, l := range lists {
		for _, t := range l {
			if seen[t.ID] || len(out) == listButtons {
				continue
			}
			seen[t.ID] = true
			out = append(out, bot.Button{Label: t.ID, Value: "工单 " + t.ID})
		}
	}
	return out
}

func (s *Service) line(t *ticketstore.Ticket) string {
	return fmt.Sprintf("· %s【%s】%s %s（%s）", t.ID, t.Status.Label(), t.Priority, t.Title, s.clock(t.CreatedAt))
}

// show renders a ticket with its history, for people allowed to see it.
func (s *Service) show(ctx context.Context, req *bot.Request, args string) ([]bot.Reply, error) {
	id, _ := splitID(args)
	if id == "" {
		return s.myTickets(ctx, req)
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
	return []bot.Reply{bot.CardReply(s.detailCard(t, req))}, nil
}

func (s *Service) detailCard(t *ticketstore.Ticket, req *bot.Request) bot.Card {
	c := bot.Card{Title: fmt.Sprintf("工单 %s · %s", t.ID, t.Status.Label())}
	c.Fields = []bot.Field{{Key: "标题", Value: t.Title}, {Key: "优先级", Value: priorityLabel(t.Priority)},
		{Key: "项目", Value: projectLabel(t)}, {Key: "系统或产品", Value: or(t.Product)},
		{Key: "提交人", Value: s.name(t.Reporter)}, {Key: "处理人", Value: s.name(t.Assignee)},
		{Key: "影响范围", Value: or(t.Impact)}, {Key: "紧急程度", Value: or(t.Urgency)},
		{Key: "位置或部门", Value: or(t.Location)}, {Key: "联系电话", Value: or(t.Phone)},
		{Key: "照片", Value: fmt.Sprintf("%d 张", len(t.Photos))},
		{Key: "提交时间", Value: s.clock(t.CreatedAt)}, {Key: "响应时限", Value: s.clock(t.ResponseDue)},
		{Key: "解决时限", Value: s.clock(t.ResolveDue)}}
	if t.Resolution != "" {
		c.Fields = append(c.Fields, bot.Field{Key: "处理说明", Value: t.Resolution})
	}
	if t.Rating > 0 {
		c.Fields = append(c.Fields, bot.Field{Key: "评分", Value: fmt.Sprintf("%d 分", t.Rating)})
	}
	var b strings.Builder
	b.WriteString("问题描述：" + t.Description + "\n处理记录：")
	for _, e := range t.History {
		b.WriteString("\n" + s.eventLine(e))
	}
	c.Description = b.String()
	c.Buttons = s.detailButtons(t, req)
	return c
}

func or(v string) string {
	if v == "" {
		return "—"
	}
	return v
}

func (s *Service) eventLine(e ticketstore.Event) string {
	what := e.Text
	switch e.Kind {
	case ticketstore.EventCreated:
		what = "提交报修"
	case ticketstore.EventStatus:
		what = fmt.Sprintf("%s → %s", e.From.Label(), e.To.Label())
		if e.Text != "" {
			what += "：" + e.Text
		}
	case ticketstore.EventTransferred:
		what = "转派 " + e.Text
	case ticketstore.EventNote:
		what = "备注：" + e.Text
	case ticketstore.EventNudged:
		what = "催办"
	case ticketstore.EventRated:
		what = "评分 " + e.Text
	case ticketstore.EventEscalated:
		what = "SLA 升级：" + e.Text
	case ticketstore.EventResolution:
		what = "补充处理说明：" + e.Text
	}
	actor := "系统"
	if e.Actor != "" {
		actor = s.name(e.Actor)
	}
	return fmt.Sprintf("%s %s %s", s.clock(e.At), actor, what)
}

// detailButtons offer the next steps the viewer may take.
func (s *Service) detailButtons(t *ticketstore.Ticket, req *bot.Request) []bot.Button {
	var out []bot.Button
	if canWork(req.Identity, t) {
		switch t.Status {
		case ticketstore.StatusNew, ticketstore.StatusReopened:
			out = append(out, bot.Button{Label: "受理", Value: "受理 " + t.ID, Style: 1})
		case ticketstore.StatusAccepted:
			out = append(out, bot.Button{Label: "处理中", Value: "处理中 " + t.ID})
		}
		if t.Status.Open() {
			out = append(out, bot.Button{Label: "解决", Value: "解决 " + t.ID})
		}
	}
	if t.Reporter == req.UserID() {
		switch {
		case t.Status == ticketstore.StatusResolved:
			out = append(out, bot.Button{Label: "解决了", Value: "解决了 " + t.ID}, bot.Button{Label: "没解决", Value: "没解决 " + t.ID})
		case t.Status.Open():
			out = append(out, bot.Button{Label: "催一下", Value: "催一下 " + t.ID})
		}
	}
	return out
}

// projectTickets lists the open tickets of the projects where the user is PM
// or engineer, and those resolved but waiting for the reporter's confirmation.
func (s *Service) projectTickets(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
	var b strings.Builder
	staff := false
	if req.Identity != nil {
		for _, m := range req.Identity.Projects {
			if m.Role != bot.RolePM && m.Role != bot.RoleEngineer {
				continue
			}
			staff = true
			open, err := s.d.Store.List(ctx, ticketstore.Filter{Project: m.ProjectID, OpenOnly: true, Limit: listLimit})
			if err != nil {
				return nil, err
			}
			waiting, err := s.d.Store.List(ctx, ticketstore.Filter{Project: m.ProjectID, Status: ticketstore.StatusResolved,
				Limit: listLimit})
			if err != nil {
				return nil, err
			}
			if b.Len() > 0 {
				b.WriteString("\n\n")
			}
			b.WriteString(s.projectSection(m.ProjectName, open, waiting))
		}
	}
	if !staff {
		return []bot.Reply{bot.Text("抱歉，项目工单只对项目经理和实施工程师开放。查看自己提交的工单请回复「我的工单」。")}, nil
	}
	return []bot.Reply{{Text: b.String()}}, nil
}

// projectSection lists one project's open tickets, then those waiting for the
// reporter's confirmation; an empty list says so rather than ending on a
// heading with nothing under it.
func (s *Service) projectSection(project string, open, waiting []*ticketstore.Ticket) string {
	var b strings.Builder
	switch {
	case len(open) == 0 && len(waiting) == 0:
		return project + " 没有未完成的工单。"
	case len(open) == 0:
		b.WriteString(project + " 没有待处理的工单。")
	default:
		fmt.Fprintf(&b, "%s 未完成的工单（%d 个）：", project, len(open))
		s.assignedLines(&b, open)
	}
	if len(waiting) > 0 {
		fmt.Fprintf(&b, "\n%s 已解决、等待提交人确认的工单（%d 个）：", project, len(waiting))
		s.assignedLines(&b, waiting)
	}
	return b.String()
}

// assignedLines writes a line per ticket with who handles it.
func (s *Service) assignedLines(b *strings.Builder, list []*ticketstore.Ticket) {
	for _, t := range list {
		b.WriteString("\n" + s.line(t) + " 处理人：" + s.name(t.Assignee))
	}
}
