package status

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"deliverybot/bot"
	"deliverybot/bot/dates"
	"deliverybot/bot/registry"
)

// ProjectStatus returns the live status of a project (tickets and changes from Deps).
func (s *Service) ProjectStatus(ctx context.Context, p registry.Project, now time.Time) Status {
	return Compute(ctx, s.d.Registry, p, now.In(s.d.Registry.Location()), Sources{Tickets: s.d.Tickets, Changes: s.d.Changes})
}

func (s *Service) status(ctx context.Context, req *bot.Request, args string, fixed *registry.Project) ([]bot.Reply, error) {
	p, replies, err := s.pick(ctx, req, args, ActView, "status", args, fixed)
	if p == nil || err != nil {
		return replies, err
	}
	return s.statusOf(ctx, req, p, false)
}

func (s *Service) goLiveQuestion(ctx context.Context, req *bot.Request, args string, fixed *registry.Project) ([]bot.Reply, error) {
	p, replies, err := s.pick(ctx, req, args, ActView, "golive", args, fixed)
	if p == nil || err != nil {
		return replies, err
	}
	return s.statusOf(ctx, req, p, true)
}

func (s *Service) statusOf(ctx context.Context, req *bot.Request, p *registry.Project, goLiveFirst bool) ([]bot.Reply, error) {
	st := s.ProjectStatus(ctx, *p, req.Now)
	md := st.Markdown()
	if goLiveFirst {
		md = goLiveAnswer(st) + "\n\n" + md
	}
	return []bot.Reply{{Markdown: md, Text: bot.MarkdownToText(md)}}, nil
}

// goLiveAnswer answers "上线还有几天" in one sentence.
func goLiveAnswer(st Status) string {
	g := st.GoLive
	switch {
	case g == nil:
		return fmt.Sprintf("**%s** 还没有设置上线里程碑。", st.Name)
	case g.Done:
		return fmt.Sprintf("**%s** 已于 %s 上线。", st.Name, g.Forecast)
	case g.DaysLeft > 0:
		return fmt.Sprintf("**%s** 距上线还有 **%d 天**（预计 %s）。", st.Name, g.DaysLeft, g.Forecast)
	case g.DaysLeft == 0:
		return fmt.Sprintf("**%s** 预计今天（%s）上线。", st.Name, g.Forecast)
	}
	return fmt.Sprintf("**%s** 已过预计上线日 %d 天（预计 %s），请与项目经理确认新的上线日期。", st.Name, -g.DaysLeft, g.Forecast)
}

// statuses computes the status of each project, worst first.
func (s *Service) statuses(ctx context.Context, ps []registry.Project, now time.Time) []Status {
	out := make([]Status, 0, len(ps))
	for _, p := range ps {
		out = append(out, s.ProjectStatus(ctx, p, now))
	}
	SortWorstFirst(out)
	return out
}

func (s *Service) portfolio(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
	id := identity(req)
	if !Allowed(id, ActPortfolio, "") {
		return []bot.Reply{bot.Text("抱歉，「所有项目」仅对项目经理开放。查看您参与的项目请回复「进度」。")}, nil
	}
	ps, err := s.d.Registry.Projects(ctx)
	if err != nil {
		return nil, err
	}
	md := PortfolioMarkdown(s.statuses(ctx, ps, req.Now), req.Now.In(s.d.Registry.Location()).Format(asOfLayout))
	card := bot.Reply{Markdown: md, Text: bot.MarkdownToText(md)}
	return []bot.Reply{card}, nil
}

// DigestFor returns the weekly digest replies for a PM: a header and one status per
// project they manage, worst first; nil when they manage none.
func (s *Service) DigestFor(ctx context.Context, userID string, now time.Time) ([]bot.Reply, error) {
	ps, err := s.d.Registry.Projects(ctx)
	if err != nil {
		return nil, err
	}
	var mine []registry.Project
	for _, p := range ps {
		if p.PM == userID {
			mine = append(mine, p)
		}
	}
	if len(mine) == 0 {
		return nil, nil
	}
	ss := s.statuses(ctx, mine, now)
	var head strings.Builder
	fmt.Fprintf(&head, "### 📋 项目周报 · %s\n%s，您负责的 %d 个项目：\n", now.In(s.d.Registry.Location()).Format("2006-01-02"), s.d.Registry.Name(userID), len(ss))
	for _, st := range ss {
		head.WriteString(st.PortfolioLine() + "\n")
	}
	out := []bot.Reply{{Markdown: strings.TrimSpace(head.String()), Text: bot.MarkdownToText(strings.TrimSpace(head.String()))}}
	for _, st := range ss {
		out = append(out, st.Reply())
	}
	return out, nil
}

func (s *Service) digest(ctx context.Context, req *bot.Request) ([]bot.Reply, error) {
	id := identity(req)
	if !Allowed(id, ActDigest, "") {
		return []bot.Reply{bot.Text("抱歉，周报仅发送给项目经理。查看您参与的项目请回复「进度」。")}, nil
	}
	out, err := s.DigestFor(ctx, id.UserID, req.Now)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return []bot.Reply{bot.Text("您目前没有负责的项目，暂无周报。")}, nil
	}
	return out, nil
}

// --- updates ---------------------------------------------------------------

var phaseShort = map[string]string{
	"调研": registry.PhaseResearch, "需求": registry.PhaseResearch,
	"设计": registry.PhaseDesign, "方案": registry.PhaseDesign,
	"环境": registry.PhaseBuild, "测试": registry.PhaseBuild, "搭建": registry.PhaseBuild, "环境搭建": registry.PhaseBuild,
	"上线": registry.PhaseLaunch, "培训": registry.PhaseLaunch, "正式上线": registry.PhaseLaunch,
	"运维": registry.PhaseOperate, "优化": registry.PhaseOperate,
}

// findPhase finds a phase named in text and returns it with the text minus the name.
func findPhase(text string) (phase, rest string) {
	for _, n := range registry.PhaseNames {
		if i := strings.Index(text, n); i >= 0 {
			return n, strings.TrimSpace(text[:i] + " " + text[i+len(n):])
		}
	}
	fields := strings.Fields(text)
	for i, f := range fields {
		if n, ok := phaseShort[strings.TrimSuffix(f, "阶段")]; ok {
			return n, strings.Join(append(append([]string{}, fields[:i]...), fields[i+1:]...), " ")
		}
	}
	return "", text
}

var rePercent = regexp.MustCompile(`([-－−]?)\s*(\d{1,3})\s*[%％]?\s*$`)

const updateHelp = "可用的更新指令：\n" +
	"· 更新进度 方案设计 80%（不写阶段则为当前阶段）\n" +
	"· 完成 方案设计（关闭该阶段并开启下一阶段）\n" +
	"· 里程碑 上线 延期到 2026-12-20 原因 客户推迟验收\n" +
	"· 里程碑 上线 完成\n" +
	"· 新增风险 高 测试服务器未到位 负责人 李强\n" +
	"· 关闭风险 2"

func (s *Service) progress(ctx context.Context, req *bot.Request, args string, fixed *registry.Project) ([]bot.Reply, error) {
	if strings.TrimSpace(args) == "" {
		return []bot.Reply{{Text: updateHelp}}, nil
	}
	phase, rest := findPhase(args)
	m := rePercent.FindStringSubmatchIndex(rest)
	if m == nil {
		return []bot.Reply{bot.Text("请写明阶段和完成度，例如「更新进度 方案设计 80%%」（不写阶段则更新当前阶段）。阶段：%s", strings.Join(registry.PhaseNames, "、"))}, nil
	}
	pct, _ := strconv.Atoi(rest[m[4]:m[5]])
	if m[3] > m[2] { // a minus sign: "-10%" is not "10%"
		example := phase
		if example == "" {
			example = "方案设计"
		}
		return []bot.Reply{bot.Text("完成度不能是负数（您写的是 -%d%%）。要调低进度，请直接写新的完成度，例如「更新进度 %s 50%%」。", pct, example)}, nil
	}
	if pct > 100 {
		return []bot.Reply{bot.Text("完成度应在 0–100 之间，您写的是 %d%%。", pct)}, nil
	}
	query := strings.TrimSpace(rest[:m[0]])
	p, replies, err := s.pick(ctx, req, query, ActUpdate, "progress", args, fixed)
	if p == nil || err != nil {
		return replies, err
	}
	if phase == "" { // "更新进度 80%" means the current phase
		_, cur := p.CurrentPhase()
		phase = cur.Name
	}
	if samePercent(p, phase, pct) {
		return []bot.Reply{bot.Text("「%s」%s 的进度已经是 %d%%，没有变化，未记入项目日志。", p.Name, phase, pct)}, nil
	}
	return s.apply(ctx, req, registry.Change{Project: p.ID, Op: registry.OpPhasePercent, Phase: phase, Percent: pct})
}

// samePercent reports an update that would change nothing, so the project log
// stays a list of real changes. Unstarted and finished phases are left to Apply,
// which starts the one and explains the other.
func samePercent(p *registry.Project, phase string, pct int) bool {
	ph := p.Phase(phase)
	return ph != nil && ph.ActualStart != "" && !ph.Done() && ph.Percent == pct
}

func (s *Service) complete(ctx context.Context, req *bot.Request, args string, fixed *registry.Project) ([]bot.Reply, error) {
	phase, query := findPhase(args)
	if phase == "" {
		return []bot.Reply{bot.Text("请写明要完成的阶段，例如「完成 方案设计」。阶段：%s", strings.Join(registry.PhaseNames, "、"))}, nil
	}
	p, replies, err := s.pick(ctx, req, query, ActUpdate, "complete", args, fixed)
	if p == nil || err != nil {
		return replies, err
	}
	return s.apply(ctx, req, registry.Change{Project: p.ID, Op: registry.OpPhaseComplete, Phase: phase})
}

var (
	reMove = regexp.MustCompile(`^(.*?)\s*(延期到|延期至|推迟到|推迟至|延到|改到|改为|调整到|调整为|提前到|提前至)\s*(\S+)\s*(?:(?:原因|因为)[:：]?\s*(.*))?$`)
	reDone = regexp.MustCompile(`^(.*?)\s*(?:已完成|完成|已达成|达成)$`)
)

func (s *Service) milestone(ctx context.Context, req *bot.Request, args string, fixed *registry.Project) ([]bot.Reply, error) {
	c := registry.Change{}
	var name, verb string
	if m := reMove.FindStringSubmatch(args); m != nil {
		d, err := dates.Normalise(m[3], req.Now, s.d.Registry.Location())
		if err != nil {
			return []bot.Reply{bot.Text("没看懂日期「%s」。可以写 2026-12-20、12月20日、下周五 或 明天。", m[3])}, nil
		}
		name, verb, c.Op, c.Date, c.Reason = m[1], m[2], registry.OpMilestoneMove, registry.Date(d), clip(strings.TrimSpace(m[4]), 200)
	} else if m := reDone.FindStringSubmatch(args); m != nil {
		name, c.Op = m[1], registry.OpMilestoneDone
	} else {
		return []bot.Reply{bot.Text("请按格式写，例如「里程碑 上线 延期到 2026-12-20 原因 客户推迟验收」或「里程碑 上线 完成」。")}, nil
	}
	fields := strings.Fields(name)
	if len(fields) == 0 {
		return []bot.Reply{bot.Text("请写明里程碑名称，例如「里程碑 上线 延期到 12月20日」。")}, nil
	}
	c.Milestone = fields[len(fields)-1]
	p, replies, err := s.pick(ctx, req, strings.Join(fields[:len(fields)-1], " "), ActUpdate, "milestone", args, fixed)
	if p == nil || err != nil {
		return replies, err
	}
	c.Project = p.ID
	if msg := s.moveDirection(req, p, c, verb); msg != "" {
		return []bot.Reply{bot.Text("%s", msg)}, nil
	}
	return s.apply(ctx, req, c)
}

// moveDirection checks a milestone move against the verb used: 延期 must be later
// than the current forecast and 提前 earlier; 改到/调整到 may go either way. A move
// to the forecast itself changes nothing and is not logged. Unknown milestones and
// dates before today are left to Apply, which explains them.
func (s *Service) moveDirection(req *bot.Request, p *registry.Project, c registry.Change, verb string) string {
	m := p.Milestone(c.Milestone)
	if m == nil || m.Forecast == "" || c.Date < registry.DateOf(req.Now, s.d.Registry.Location()) {
		return ""
	}
	switch {
	case c.Date == m.Forecast:
		return fmt.Sprintf("「%s」里程碑「%s」的预计日期已经是 %s，没有变化，未记入项目日志。", p.Name, m.Name, m.Forecast)
	case strings.HasPrefix(verb, "提前") && c.Date > m.Forecast:
		return fmt.Sprintf("「%s」的里程碑「%s」当前预计 %s，「%s」%s 比它还晚，不是提前。如果是延期，请写「里程碑 %s 延期到 %s」。",
			p.Name, m.Name, m.Forecast, verb, c.Date, m.Name, c.Date)
	case !strings.HasPrefix(verb, "提前") && !strings.HasPrefix(verb, "改") && !strings.HasPrefix(verb, "调整") && c.Date < m.Forecast:
		return fmt.Sprintf("「%s」的里程碑「%s」当前预计 %s，「%s」%s 比它还早，不是延期。如果是提前，请写「里程碑 %s 提前到 %s」。",
			p.Name, m.Name, m.Forecast, verb, c.Date, m.Name, c.Date)
	}
	return ""
}

var reOwner = regexp.MustCompile(`\s*(?:负责人|责任人)[:：]?\s*(\S+)`)
var reMitigation = regexp.MustCompile(`\s*(?:措施|应对|应对措施)[:：]?\s*(.+)$`)

func (s *Service) addRisk(ctx context.Context, req *bot.Request, args string, fixed *registry.Project) ([]bot.Reply, error) {
	r := registry.Risk{Level: registry.LevelMedium}
	text := strings.TrimSpace(args)
	if m := reMitigation.FindStringSubmatch(text); m != nil {
		r.Mitigation = clip(strings.TrimSpace(m[1]), 200)
		text = strings.TrimSpace(text[:strings.Index(text, m[0])])
	}
	if m := reOwner.FindStringSubmatch(text); m != nil {
		owner, ok := s.findUser(m[1])
		if !ok {
			return []bot.Reply{bot.Text("没有找到负责人「%s」，请写姓名或企业微信账号。", m[1])}, nil
		}
		r.Owner = owner
		text = strings.TrimSpace(strings.Replace(text, m[0], "", 1))
	}
	level, text, unknown := splitLevel(text)
	if unknown != "" {
		example := text
		if example == "" {
			example = "测试服务器未到位"
		}
		return []bot.Reply{bot.Text("没看懂风险等级「%s」。请问是 高、中 还是 低？请重新发送，例如「新增风险 高 %s」。", unknown, example)}, nil
	}
	if level != "" {
		r.Level = level
	}
	r.Description = clip(strings.TrimSpace(text), 300)
	if r.Description == "" {
		return []bot.Reply{bot.Text("请写明风险内容，例如「新增风险 高 测试服务器未到位 负责人 李强 措施 临时用云主机」。")}, nil
	}
	p, replies, err := s.pick(ctx, req, "", ActUpdate, "risk_add", args, fixed)
	if p == nil || err != nil {
		return replies, err
	}
	return s.apply(ctx, req, registry.Change{Project: p.ID, Op: registry.OpRiskAdd, Risk: &r})
}

// splitLevel takes a leading risk level off a 新增风险 text: a known level word
// ("高", "超高", "严重", "一般", "轻微" …) followed by a space or colon, or "高风险"
// glued to the description. A first word that looks like a level but is not a
// known one ("中高") comes back as unknown so the user is asked. Without a level
// word, level is "" and text is unchanged.
func splitLevel(text string) (level, rest, unknown string) {
	word, after := text, ""
	if i := strings.IndexFunc(text, func(r rune) bool { return unicode.IsSpace(r) || r == ':' || r == '：' }); i >= 0 {
		word, after = text[:i], strings.TrimLeftFunc(text[i:], func(r rune) bool { return unicode.IsSpace(r) || r == ':' || r == '：' })
	}
	if lv, ok := registry.LevelOf(word); ok {
		return lv, after, ""
	}
	if registry.LooksLikeLevel(word) {
		return "", after, word
	}
	for _, lv := range []string{registry.LevelHigh, registry.LevelMedium, registry.LevelLow} {
		if rest, ok := strings.CutPrefix(text, lv+"风险"); ok {
			return lv, strings.TrimLeft(rest, " :："), ""
		}
	}
	return "", text, ""
}

var reRiskID = regexp.MustCompile(`^(.*?)\s*[#＃]?(\d+)\s*$`)

func (s *Service) closeRisk(ctx context.Context, req *bot.Request, args string, fixed *registry.Project) ([]bot.Reply, error) {
	m := reRiskID.FindStringSubmatch(strings.TrimSpace(args))
	if m == nil {
		return []bot.Reply{bot.Text("请写明风险编号，例如「关闭风险 2」。编号见「进度」中的 #N。")}, nil
	}
	n, _ := strconv.Atoi(m[2])
	p, replies, err := s.pick(ctx, req, m[1], ActUpdate, "risk_close", args, fixed)
	if p == nil || err != nil {
		return replies, err
	}
	if r := p.Risk(n); r == nil || r.Closed {
		return []bot.Reply{bot.Text("%s", riskNotOpen(p, n, r))}, nil
	}
	return s.apply(ctx, req, registry.Change{Project: p.ID, Op: registry.OpRiskClose, RiskID: n})
}

// riskNotOpen explains a 关闭风险 for a number that is not an open risk and
// lists the open ones, so the PM can pick the right number from the reply.
func riskNotOpen(p *registry.Project, n int, r *registry.Risk) string {
	var b strings.Builder
	if r == nil {
		fmt.Fprintf(&b, "「%s」没有编号为 %d 的风险。", p.Name, n)
	} else {
		fmt.Fprintf(&b, "「%s」的风险 #%d 之前已经关闭，无需再关。", p.Name, n)
	}
	open := 0
	for _, x := range p.Risks {
		if x.Closed {
			continue
		}
		if open == 0 {
			b.WriteString("\n未关闭的风险：")
		}
		open++
		fmt.Fprintf(&b, "\n#%d（%s）%s", x.ID, x.Level, x.Description)
	}
	if open == 0 {
		b.WriteString("该项目目前没有未关闭的风险。")
	} else {
		b.WriteString("\n回复「关闭风险 编号」关闭其中一项。")
	}
	return b.String()
}

// apply stores a change and answers with what changed and the new RAG.
func (s *Service) apply(ctx context.Context, req *bot.Request, c registry.Change) ([]bot.Reply, error) {
	c.At, c.User = req.Now, identity(req).UserID
	c.UserName = identity(req).Name
	stored, p, err := s.d.Registry.Apply(ctx, c)
	switch {
	case errors.Is(err, registry.ErrInvalidChange):
		return []bot.Reply{bot.Text("%s\n\n%s", strings.TrimPrefix(err.Error(), registry.ErrInvalidChange.Error()+"："), updateHelp)}, nil
	case errors.Is(err, registry.ErrReadOnly):
		return []bot.Reply{bot.Text("抱歉，当前环境的项目数据为只读，无法更新。请联系管理员。")}, nil
	case err != nil:
		return nil, err
	}
	st := s.ProjectStatus(ctx, p, req.Now)
	md := fmt.Sprintf("✅ 已更新「%s」：%s\n当前：%s %d%% · %s", p.Name, stored.Summary, st.Phase, st.Percent, st.RAG.Label())
	if len(st.Reasons) > 0 {
		md += "\n> " + strings.Join(st.Reasons, "；")
	}
	md += "\n<font color=\"comment\">已记入项目日志。回复「进度」查看完整状态。</font>"
	return []bot.Reply{{Markdown: md, Text: bot.MarkdownToText(md)}}, nil
}

func (s *Service) audit(ctx context.Context, req *bot.Request, args string, fixed *registry.Project) ([]bot.Reply, error) {
	p, replies, err := s.pick(ctx, req, args, ActAudit, "audit", args, fixed)
	if p == nil || err != nil {
		return replies, err
	}
	cs, err := s.d.Registry.Audit(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return []bot.Reply{bot.Text("「%s」还没有通过聊天做过更新。", p.Name)}, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### %s · 项目日志（最近 %d 条）\n", p.Name, min(10, len(cs)))
	for i, c := range cs {
		if i == 10 {
			break
		}
		who := c.UserName
		if who == "" {
			who = c.User
		}
		fmt.Fprintf(&b, "%s %s：%s\n", c.At.In(s.d.Registry.Location()).Format("01-02 15:04"), who, c.Summary)
	}
	md := strings.TrimSpace(b.String())
	return []bot.Reply{{Markdown: md, Text: bot.MarkdownToText(md)}}, nil
}

// findUser accepts a user ID or a person's name.
func (s *Service) findUser(who string) (string, bool) {
	if u, ok := s.d.Registry.User(who); ok {
		return u.ID, true
	}
	for _, u := range s.d.Registry.Base().Users {
		if u.Name == who {
			return u.ID, true
		}
	}
	return "", false
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
