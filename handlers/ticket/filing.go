package ticket

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"deliverybot/bot"
	"deliverybot/bot/registry"
	"deliverybot/handlers/ticket/ticketstore"
	"deliverybot/knowledge"
)

// faultPatterns route free text that reports a fault to the filing dialog.
var faultPatterns = []string{
	`坏了|坏掉|打不开|故障|报错|出错|卡纸|卡住|卡死|死机|蓝屏|黑屏|闪退|不能用|用不了|登不上|登录不了|连不上|上不了网|没反应|没有反应|打印不了|不出纸|不工作`,
	// 无法 alone is too broad ("无法按期上线"); only with an action that failed.
	`无法(?:登录|登陆|打开|使用|连接|联网|上网|打印|启动|开机|访问|提交|保存|上传|下载|发送|接收|加载|显示|识别|审批|扫描)`,
}

// questionRe spots how-to questions: those go to the KB first, never straight into a ticket.
var questionRe = regexp.MustCompile(`怎么|怎样|如何|咋|为什么|为啥|什么|哪里|在哪|吗[？?。]?$|[？?]`)

// isHowTo reports a how-to question, in simplified or traditional characters
// ("VPN登不上怎麼辦"); the folded text has no punctuation, so both are checked.
func isHowTo(text string) bool {
	return questionRe.MatchString(text) || questionRe.MatchString(knowledge.BasicNormalize(text))
}

// fault handles free text classified as a fault report.
func (s *Service) fault(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
	text := req.Text()
	if !canFile(req.Identity) {
		return s.answerOnly(ctx, req, text)
	}
	if !isHowTo(text) {
		return s.startWith(ctx, req, text)
	}
	if faq := s.faq(req); faq != nil {
		// The FAQ handler also serves the router's FAQ stage: let it answer as that
		// stage would (suggestions, gap logging), since an intent cannot pass on.
		if stage, ok := faq.(bot.Handler); ok {
			out, err := stage.Handle(ctx, req)
			if !errors.Is(err, bot.ErrNotHandled) {
				return out, err
			}
		}
		if ans, ok := faq.Answer(ctx, req, text); ok {
			return append(ans, bot.Text("如果按上面的方法还是不行，回复「报修」提交工单，工程师会跟进处理。")), nil
		}
	}
	return []bot.Reply{bot.CardReply(bot.Card{Title: "需要报修吗？",
		Description: "这个问题我暂时没有找到现成的解决办法。需要的话我帮您提交报修，由工程师跟进。",
		Buttons:     []bot.Button{{Label: "提交报修", Value: "报修 " + text}, {Label: "不用了", Value: "帮助"}}})}, nil
}

// answerOnly serves a fault report from someone who cannot file (in no project)
// the way the FAQ stage serves anyone: the KB's answer or suggestions, with no
// 报修 offer, which would only lead to the refusal. Without a KB answer they
// learn whom to ask. Only an explicit 报修 gets the plain refusal.
func (s *Service) answerOnly(ctx context.Context, req *bot.Request, text string) ([]bot.Reply, error) {
	if faq := s.faq(req); faq != nil {
		if stage, ok := faq.(bot.Handler); ok {
			out, err := stage.Handle(ctx, req)
			switch {
			case err == nil && !offersFiling(out):
				return out, nil
			case err != nil && !errors.Is(err, bot.ErrNotHandled):
				return nil, err
			}
		}
		if ans, ok := faq.Answer(ctx, req, text); ok {
			return ans, nil
		}
	}
	return []bot.Reply{bot.Text("知识库里暂时没有找到这个问题的解决办法。您还没有加入任何项目，暂时无法在这里报修，"+
		"如需工程师处理，请联系%s把您加入项目。", s.d.Contact)}, nil
}

// offersFiling reports whether replies carry a button that starts a filing.
func offersFiling(out []bot.Reply) bool {
	for _, r := range out {
		if r.Card == nil {
			continue
		}
		for _, b := range r.Card.Buttons {
			for _, c := range startCommands {
				if b.Value == c || strings.HasPrefix(b.Value, c+" ") {
					return true
				}
			}
		}
	}
	return false
}

// start opens the dialog for 报修 / 我要报修 / the menu key; "报修 <描述>" prefills the description.
func (s *Service) start(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
	return s.startWith(ctx, req, req.Args())
}

func (s *Service) startWith(ctx context.Context, req *bot.Request, desc string) ([]bot.Reply, error) {
	if !canFile(req.Identity) {
		return []bot.Reply{bot.Text("抱歉，您还没有加入任何项目，暂时无法在这里报修。请联系%s把您加入项目后再试。", s.d.Contact)}, nil
	}
	prefill := map[string]string{}
	if utf8.RuneCountInString(strings.TrimSpace(desc)) >= minDescRunes {
		prefill[slotDesc] = strings.TrimSpace(desc)
	}
	thumbs := map[string]string{}
	photos := takePendingPhotos(req, prefill, thumbs)
	st := bot.NewFormState(s.form, prefill, req.Now)
	for k, v := range thumbs {
		st.Data[k] = v
	}
	var projects []string
	for _, m := range req.Identity.Projects {
		projects = append(projects, m.ProjectID+"\t"+m.ProjectName)
	}
	st.Data[dataProjects] = strings.Join(projects, "\n")
	var chosen []bot.Reply
	if len(projects) == 1 {
		var err error
		if chosen, err = s.chooseProject(ctx, &st, req.Identity.Projects[0].ProjectID); err != nil {
			return nil, err
		}
	}
	intro := s.form.Intro
	if photos > 0 {
		intro += fmt.Sprintf("已附上您刚才发送的 %d 张照片。", photos)
	}
	out := append([]bot.Reply{bot.Text("%s\n%s", intro, bot.FormHint)}, chosen...)
	for _, slot := range append([]string(nil), st.Order...) {
		extra, end, err := s.afterSlot(ctx, req, &st, slot)
		if err != nil {
			return nil, err
		}
		out = append(out, extra...)
		if end {
			return out, nil
		}
	}
	s.form.Replan(&st)
	// A KB answer or similar ticket found from the first message is asked about
	// right away, while the user is looking at it.
	switch {
	case st.Data[dataKB] == "1":
		st.Slot = slotKB
	case st.Data[dataSimilar] != "":
		st.Slot = slotMerge
	}
	req.Session.Form = &st
	return append(out, s.prompt(&st)), nil
}

// prompt renders the current question; dynamic option lists get buttons.
func (s *Service) prompt(st *bot.FormState) bot.Reply {
	r := bot.PromptReply(s.form, st)
	key := map[string]string{slotProject: dataProjects, slotProduct: dataProducts}[st.Slot]
	opts := lines(st.Data[key])
	if st.Stage != bot.StageFilling || key == "" || len(opts) == 0 || r.Card != nil {
		return r
	}
	// Buttons replace the numbered list the text prompt carries.
	title, desc := "报修", r.Text
	if rest, ok := strings.CutPrefix(desc, "【"); ok {
		title, desc, _ = strings.Cut(rest, "】")
	}
	desc, _, _ = strings.Cut(desc, "请回复序号或名称：")
	c := bot.Card{Title: title, Description: desc}
	for _, o := range opts {
		c.Buttons = append(c.Buttons, bot.Button{Label: optionLabel(o), Value: optionLabel(o)})
	}
	return bot.CardReply(c)
}

// complete files the ticket when the reporter confirms the summary. It is
// idempotent on the confirming message, so a reprocessed message files nothing new.
func (s *Service) complete(ctx context.Context, req *bot.Request, st *bot.FormState) ([]bot.Reply, error) {
	p, err := s.project(ctx, st.Data[dataProject])
	if err != nil {
		return nil, err
	}
	t := s.newTicket(req, st, p)
	key := req.Msg.ID
	if key == "" {
		key = fmt.Sprintf("%s:%d", req.UserID(), st.StartedAt.UnixNano())
	}
	first := ticketstore.Event{At: t.CreatedAt, Actor: t.Reporter, Kind: ticketstore.EventCreated,
		To: ticketstore.StatusNew, Text: "提交报修"}
	id, created, err := s.d.Store.Create(ctx, t, key, first)
	if err != nil {
		return nil, bot.NewUserError("工单保存失败", err)
	}
	if !created {
		// The message was processed before: answer with the ticket it made.
		if t, err = s.d.Store.Get(ctx, id); err != nil {
			return nil, err
		}
	}
	out := []bot.Reply{bot.CardReply(bot.Card{Title: "报修已提交：" + t.ID,
		Description: fmt.Sprintf("已通知工程师%s处理，状态有变化我会告诉您。可回复「工单 %s」查看进度，「我的工单」查看全部。",
			s.name(t.Assignee), t.ID),
		Fields: []bot.Field{{Key: "优先级", Value: priorityLabel(t.Priority)},
			{Key: "响应时限", Value: s.clock(t.ResponseDue)}, {Key: "解决时限", Value: s.clock(t.ResolveDue)}},
		Buttons: []bot.Button{{Label: "查看工单", Value: "工单 " + t.ID}, {Label: "我的工单", Value: "我的工单"}}})}
	if t.Assignee != "" && t.Assignee != t.Reporter {
		out = append(out, s.newTicketCard(t, t.Assignee, "新报修工单"))
	}
	s.announce(ctx, req, t)
	return out, nil
}

// announce posts the new ticket to the project's group robot, if there is one. A
// failure is logged only: the on-call engineer is told directly anyway.
func (s *Service) announce(ctx context.Context, req *bot.Request, t *ticketstore.Ticket) {
	if s.d.Robot == nil {
		return
	}
	md := fmt.Sprintf("**新报修工单 %s**（%s）\n> 项目：%s\n> 问题：%s\n> 提交人：%s\n> 处理人：%s\n请处理人回复「受理 %s」。",
		t.ID, t.Priority, projectLabel(t), t.Title, s.name(t.Reporter), s.name(t.Assignee), t.ID)
	if _, err := s.d.Robot.Post(ctx, t.Project, bot.Markdown(md)); err != nil {
		req.Log.Warn("ticket group robot failed", "ticket", t.ID, "err", err)
	}
}

func (s *Service) newTicket(req *bot.Request, st *bot.FormState, p registry.Project) *ticketstore.Ticket {
	v := st.Values
	prio := Priority(v[slotImpact], v[slotUrgency])
	target := s.slaTarget(p, prio)
	now := req.Now
	t := &ticketstore.Ticket{Project: p.ID, ProjectName: p.Name, Reporter: req.UserID(), ReporterName: req.Identity.DisplayName(),
		Assignee: onCall(p), Status: ticketstore.StatusNew, Priority: prio, Impact: v[slotImpact],
		Urgency: v[slotUrgency], Product: v[slotProduct], Title: title(v[slotProduct], v[slotDesc]),
		Description: v[slotDesc], Location: v[slotLocation], Phone: v[slotPhone],
		CreatedAt: now, UpdatedAt: now, ResponseDue: now.Add(target.FirstResponse), ResolveDue: now.Add(target.Resolution)}
	t.Photos = formPhotos(st)
	return t
}

// formPhotos are the photos collected by a filing, with their thumbnails.
func formPhotos(st *bot.FormState) []ticketstore.Photo {
	var out []ticketstore.Photo
	if refs := st.Values[slotPhotos]; refs != "" {
		for _, ref := range strings.Split(refs, ",") {
			out = append(out, ticketstore.Photo{Ref: ref, ThumbRef: st.Data[thumbPrefix+ref]})
		}
	}
	return out
}

// onCall is who gets new tickets: the on-call engineer, else the first engineer, else the PM.
func onCall(p registry.Project) string {
	if p.Oncall != "" {
		return p.Oncall
	}
	for _, m := range p.Members {
		if m.Role == bot.RoleEngineer {
			return m.User
		}
	}
	return p.PM
}

// title is a short headline: the product and the start of the description.
func title(product, desc string) string {
	d := shorten(strings.Join(strings.Fields(desc), " "), 24)
	if product == "" || strings.HasPrefix(product, "其他") {
		return d
	}
	return product + "：" + d
}

// newTicketCard tells an engineer about a ticket, with a 受理 button.
func (s *Service) newTicketCard(t *ticketstore.Ticket, to, heading string) bot.Reply {
	c := bot.Card{Title: fmt.Sprintf("%s %s（%s）", heading, t.ID, t.Priority), Description: t.Description,
		Fields: []bot.Field{{Key: "项目", Value: projectLabel(t)}, {Key: "系统或产品", Value: t.Product},
			{Key: "提交人", Value: s.name(t.Reporter)}, {Key: "影响范围", Value: t.Impact},
			{Key: "紧急程度", Value: t.Urgency}, {Key: "响应时限", Value: s.clock(t.ResponseDue)}},
		Buttons: []bot.Button{{Label: "受理 " + t.ID, Value: "受理 " + t.ID, Style: 1},
			{Label: "查看详情", Value: "工单 " + t.ID}}}
	if t.Location != "" {
		c.Fields = append(c.Fields, bot.Field{Key: "位置或部门", Value: t.Location})
	}
	if t.Phone != "" {
		c.Fields = append(c.Fields, bot.Field{Key: "联系电话", Value: t.Phone})
	}
	if len(t.Photos) > 0 {
		c.Fields = append(c.Fields, bot.Field{Key: "照片", Value: fmt.Sprintf("%d 张", len(t.Photos))})
	}
	r := bot.CardReply(c)
	r.To = to
	return r
}

func (s *Service) clock(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(s.d.Location).Format("01-02 15:04")
}

func projectLabel(t *ticketstore.Ticket) string {
	if t.ProjectName != "" {
		return t.ProjectName
	}
	return t.Project
}
