package status

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/text/width"

	"deliverybot/bot"
	"deliverybot/bot/registry"
)

// Session variables this package uses.
const (
	VarProject = "project"         // the project the conversation is about
	varPending = "project_pending" // command waiting for a project choice: see park
)

// Deps are what the status handlers need.
type Deps struct {
	Registry *registry.Registry // required
	Tickets  TicketStats        // optional: counts shown as "未接入" when nil
	Changes  ChangeStats        // optional
	// Contact is whom people without a project are told to ask (default: the PMs' names).
	Contact string
	// Clock gives the CLI its "now" (default: system clock; chat uses the request time).
	Clock bot.Clock
}

// Service answers status questions and applies PM updates.
type Service struct {
	d    Deps
	cmds map[string]cmdFunc
}

// cmdFunc is one of this package's commands with its argument text; fixed is the
// project when it was already chosen (after a choice card), else nil.
type cmdFunc func(ctx context.Context, req *bot.Request, args string, fixed *registry.Project) ([]bot.Reply, error)

// New builds the service.
func New(d Deps) *Service {
	s := &Service{d: d}
	s.cmds = map[string]cmdFunc{
		"status": s.status, "golive": s.goLiveQuestion, "progress": s.progress, "complete": s.complete,
		"milestone": s.milestone, "risk_add": s.addRisk, "risk_close": s.closeRisk, "audit": s.audit,
	}
	return s
}

// Register adds the status commands and intents to r and returns the service.
func Register(r *bot.Router, d Deps) (*Service, error) {
	if d.Registry == nil {
		return nil, errors.New("status: Registry is required")
	}
	s := New(d)
	// Mid-form too: a PM filing a 报修 who asks 进度 means the project, not the answer.
	r.CommandMidForm([]string{"进度", "项目进度", "项目状态"}, "查看项目进度（可加项目名）", s.cmd("status"),
		func(string) bool { return true })
	r.Query([]string{"所有项目", "项目总览"}, "项目经理：所有项目一览", bot.HandlerFunc(s.portfolio))
	r.Query([]string{"周报", "项目周报"}, "项目经理：我负责项目的周报", bot.HandlerFunc(s.digest))
	r.Command([]string{"更新进度"}, "项目经理/工程师：更新阶段进度，如「更新进度 方案设计 80%」", s.cmd("progress"))
	r.Command([]string{"完成", "完成阶段"}, "", s.cmd("complete"))
	r.Command([]string{"里程碑"}, "", s.cmd("milestone"))
	r.Command([]string{"新增风险", "添加风险"}, "", s.cmd("risk_add"))
	r.Command([]string{"关闭风险"}, "", s.cmd("risk_close"))
	r.Command([]string{"项目日志", "变更日志"}, "", s.cmd("audit"))
	r.Command([]string{"切换项目", "选择项目"}, "", bot.HandlerFunc(s.choose))
	for _, a := range []struct {
		name string
		act  Action
	}{{"进度", ActView}, {"所有项目", ActPortfolio}, {"周报", ActDigest}, {"更新进度", ActUpdate}} {
		if err := r.Audience(a.name, audience(a.act)); err != nil {
			return nil, err
		}
	}
	if err := r.Intent("project_golive", s.question("golive"), goLivePatterns()...); err != nil {
		return nil, err
	}
	if err := r.Intent("project_status", s.question("status"), s.statusPatterns()...); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Service) cmd(name string) bot.Handler {
	return bot.HandlerFunc(func(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
		return s.run(ctx, req, name, req.Args())
	})
}

// question routes free text: the whole message is the argument.
func (s *Service) question(name string) bot.Handler {
	return bot.HandlerFunc(func(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
		return s.run(ctx, req, name, extractName(req.Text()))
	})
}

// run executes a named command with args. Full-width digits and signs from
// Chinese keyboards (８０％, ＃２) are narrowed first, so the patterns need only ASCII.
func (s *Service) run(ctx context.Context, req *bot.Request, name, args string) ([]bot.Reply, error) {
	f, ok := s.cmds[name]
	if !ok {
		return nil, fmt.Errorf("status: unknown command %q", name)
	}
	return f(ctx, req, width.Narrow.String(args), nil)
}

// Question patterns are anchored to the whole message so a how-to question that
// merely mentions a project word ("协同办公如何设置审批") still reaches the FAQ.
const (
	questionPrefix = `^(?:我们的|我们|咱们的|咱们|这个|我的)?`
	questionEnd    = `(?:呢|啊|了|吗)?[？?。!！]*$`
)

func goLivePatterns() []string {
	return []string{`^.{0,16}(?:上线还有(?:几|多少)天|还有(?:几|多少)天上线|(?:什么时候|何时|多久)(?:能)?上线|距离?上线还有(?:几|多少)?天?)` + questionEnd}
}

// statusPatterns match "XX项目怎么样了" where XX is a project name or alias (taken at
// registration; 进度 still works after a rename) or any short name followed by 项目.
func (s *Service) statusPatterns() []string {
	names := []string{`.{1,12}项目`, `项目`}
	for _, p := range s.d.Registry.Base().Projects {
		names = append(names, regexp.QuoteMeta(p.Name))
		for _, a := range p.Aliases {
			names = append(names, regexp.QuoteMeta(a))
		}
	}
	verbs := `(?:怎么样了?|咋样了?|进展如何|进度如何|进展怎么样|进度怎么样|情况如何|情况怎么样|什么情况|进展|进度|情况|状态)`
	// Without a subject only 进度/进展 questions count ("进度怎么样了", "现在到哪一步了"):
	// a bare "怎么样了" is too vague to be about the project.
	bare := `(?:现在|目前|最近)?(?:的)?(?:(?:进度|进展)(?:怎么样了?|咋样了?|如何了?|到哪了|到哪一步了)|(?:进度|进展)?到哪一步了)`
	return []string{
		questionPrefix + `(?:` + strings.Join(names, "|") + `)(?:的)?(?:现在|目前|最近)?(?:的)?` + verbs + questionEnd,
		questionPrefix + bare + questionEnd,
	}
}

// contact is whom to ask when someone has no project.
func (s *Service) contact() string {
	if s.d.Contact != "" {
		return s.d.Contact
	}
	return s.d.Registry.PMContact()
}

func identity(req *bot.Request) *bot.Identity {
	if req.Identity == nil {
		return &bot.Identity{UserID: req.UserID()}
	}
	return req.Identity
}

// pick decides which project a request is about. It returns the project, or replies
// to send instead (a refusal, "not found", or a card to choose from, in which case
// the command is parked in the session and re-run after the choice).
func (s *Service) pick(ctx context.Context, req *bot.Request, query string, act Action, cmd, args string, fixed *registry.Project) (*registry.Project, []bot.Reply, error) {
	id := identity(req)
	if fixed != nil {
		if !Allowed(id, act, fixed.ID) {
			return nil, []bot.Reply{s.refuse(id, fixed, act)}, nil
		}
		return fixed, nil, nil
	}
	all, err := s.d.Registry.Projects(ctx)
	if err != nil {
		return nil, nil, err
	}
	query = strings.TrimSpace(query)
	if !pronouns[normalise(query)] {
		found := matchProjects(all, query)
		if len(found) == 0 {
			return nil, []bot.Reply{bot.Text("没有找到名为「%s」的项目。%s", query, s.hint(id, all, act))}, nil
		}
		return s.chooseAmong(req, id, found, act, cmd, args)
	}
	if v := req.Session.Var(VarProject); v != "" && Allowed(id, act, v) {
		for i := range all {
			if all[i].ID == v {
				return &all[i], nil, nil
			}
		}
	}
	var mine []registry.Project
	for _, p := range all {
		if _, ok := id.In(p.ID); ok && Allowed(id, act, p.ID) {
			mine = append(mine, p)
		}
	}
	if len(mine) == 0 {
		var about *registry.Project
		if len(id.Projects) == 1 { // say which role they have there and who the PM is
			for i := range all {
				if all[i].ID == id.Projects[0].ProjectID {
					about = &all[i]
				}
			}
		}
		return nil, []bot.Reply{s.refuse(id, about, act)}, nil
	}
	return s.chooseAmong(req, id, mine, act, cmd, args)
}

func (s *Service) chooseAmong(req *bot.Request, id *bot.Identity, found []registry.Project, act Action, cmd, args string) (*registry.Project, []bot.Reply, error) {
	var ok []registry.Project
	for _, p := range found {
		if Allowed(id, act, p.ID) {
			ok = append(ok, p)
		}
	}
	switch len(ok) {
	case 0:
		var about *registry.Project
		if len(found) == 1 {
			about = &found[0]
		}
		return nil, []bot.Reply{s.refuse(id, about, act)}, nil
	case 1:
		req.Session.SetVar(VarProject, ok[0].ID)
		return &ok[0], nil, nil
	}
	park(req, cmd, args)
	card := bot.Card{Title: "请选择项目", Description: "您说的是哪个项目？"}
	for _, p := range ok {
		card.Buttons = append(card.Buttons, bot.Button{Label: p.Name, Value: "切换项目 " + p.ID})
	}
	return nil, []bot.Reply{bot.CardReply(card)}, nil
}

// hint lists what the user may ask about after a miss.
func (s *Service) hint(id *bot.Identity, all []registry.Project, act Action) string {
	var names []string
	for _, p := range all {
		if _, member := id.In(p.ID); member && Allowed(id, act, p.ID) {
			names = append(names, p.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "您参与的项目：" + strings.Join(names, "、") + "。"
}

// refuse explains politely why not, and whom to ask.
func (s *Service) refuse(id *bot.Identity, about *registry.Project, act Action) bot.Reply {
	ask := s.contact()
	if about != nil {
		ask = "该项目的项目经理 " + s.d.Registry.Name(about.PM)
	}
	switch {
	case !id.Known:
		return bot.Text("抱歉，我暂时查不到您参与的项目（账号 %s 未登记）。如需查看项目进度，请联系%s为您开通。", id.UserID, ask)
	case act == ActUpdate || act == ActAudit:
		return s.refuseUpdate(id, about, ask)
	case about != nil:
		return bot.Text("抱歉，您不是「%s」的成员，无法查看该项目的进度。如需了解，请联系%s。", about.Name, ask)
	}
	return bot.Text("抱歉，您目前没有参与任何项目，无法查看项目进度。如需加入项目，请联系%s。", ask)
}

// refuseUpdate explains an update or audit refusal. Naming the project matters
// most for staff of other projects: they are PMs or engineers, just not here.
func (s *Service) refuseUpdate(id *bot.Identity, about *registry.Project, ask string) bot.Reply {
	if about == nil {
		return bot.Text("抱歉，只有项目经理和实施工程师可以更新所在项目的信息或查看日志。如需调整，请联系%s。", ask)
	}
	if m, ok := id.In(about.ID); ok {
		return bot.Text("抱歉，您在「%s」中的角色是%s，只有项目经理和实施工程师可以更新项目信息或查看日志。如需调整，请联系%s。",
			about.Name, registry.RoleLabel(m.Role), ask)
	}
	return bot.Text("抱歉，您不是「%s」的项目经理或实施工程师，无法更新该项目的信息或查看日志。如需调整，请联系%s。", about.Name, ask)
}

// choose handles "切换项目 ID" (the project-choice buttons): remember the project and
// re-run the command parked for it, if this message answers its card in time;
// otherwise show the chosen project's status.
func (s *Service) choose(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
	cmd, args, act := "status", "", ActView
	var lead []bot.Reply
	switch p := unpark(req); {
	case p == nil:
	case p.expired:
		lead = expiredNote(p)
	default:
		cmd, args = p.cmd, p.args
		if cmd != "status" && cmd != "golive" {
			act = ActUpdate
		}
	}
	p, replies, err := s.pick(ctx, req, req.Args(), act, cmd, args, nil)
	if p == nil || err != nil {
		return append(lead, replies...), err
	}
	out, err := s.withProject(ctx, req, cmd, args, p)
	return append(lead, out...), err
}

// withProject runs cmd for an already chosen project.
func (s *Service) withProject(ctx context.Context, req *bot.Request, cmd, args string, p *registry.Project) ([]bot.Reply, error) {
	req.Session.SetVar(VarProject, p.ID)
	f, ok := s.cmds[cmd]
	if !ok {
		return nil, fmt.Errorf("status: unknown command %q", cmd)
	}
	return f(ctx, req, args, p)
}
