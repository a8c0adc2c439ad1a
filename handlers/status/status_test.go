package status

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"deliverybot/bot"
	"deliverybot/bot/bottest"
	"deliverybot/bot/redisstore/redistest"
	"deliverybot/bot/registry"
)

func demoPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "deploy", "demo", "projects.yaml")
}

// fakeTickets reports fixed counts per project.
type fakeTickets map[string]TicketSummary

func (f fakeTickets) ProjectTicketStats(_ context.Context, id string, _ time.Time) (TicketSummary, error) {
	return f[id], nil
}

type env struct {
	h   *bottest.Harness
	reg *registry.Registry
	svc *Service
}

// newEnv runs the real router with the demo registry as identity resolver and a
// Redis change log on the harness's Redis.
func newEnv(t *testing.T, deps Deps) *env { return newEnvTB(t, deps) }

func newEnvB(b *testing.B) *env { return newEnvTB(b, Deps{}) }

func newEnvTB(t testing.TB, deps Deps) *env {
	t.Helper()
	data, err := registry.LoadFile(demoPath())
	if err != nil {
		t.Fatal(err)
	}
	b := redistest.New(t)
	e := &env{reg: registry.New(data, &registry.RedisChangeLog{Client: b.Client, Prefix: b.Prefix})}
	deps.Registry = e.reg
	e.h = bottest.New(t, bottest.WithBackend(b), bottest.WithIdentity(e.reg),
		bottest.WithSetup(func(r *bot.Router, d *bot.Deps) {
			svc, err := Register(r, deps)
			if err != nil {
				t.Fatal(err)
			}
			e.svc = svc
		}))
	return e
}

func TestComputeDemoRAG(t *testing.T) {
	data, err := registry.LoadFile(demoPath())
	if err != nil {
		t.Fatal(err)
	}
	reg := registry.New(data, nil)
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, reg.Location())
	want := map[string]RAG{"hdyy": Green, "jxjt": Red, "ylzq": Green}
	for _, p := range data.Projects {
		st := Compute(context.Background(), reg, p, now, Sources{})
		if st.RAG != want[p.ID] {
			t.Errorf("%s: RAG %s (%v), want %s", p.ID, st.RAG, st.Reasons, want[p.ID])
		}
	}
	p, _ := data.Project("jxjt")
	st := Compute(context.Background(), reg, p, now, Sources{})
	if st.Phase != registry.PhaseBuild || st.PhaseIndex != 3 || st.Percent != 55 {
		t.Errorf("phase = %s %d %d", st.Phase, st.PhaseIndex, st.Percent)
	}
	if st.GoLive == nil || st.GoLive.SlipWorkingDays != 20 || st.GoLive.DaysLeft != 22 {
		t.Errorf("go-live = %+v", st.GoLive)
	}
	if st.NextMilestone == nil || st.NextMilestone.Name != "测试环境交付" || st.NextMilestone.OverdueDays != 6 {
		t.Errorf("next milestone = %+v", st.NextMilestone)
	}
	if len(st.Risks) != 3 || st.Risks[0].Level != registry.LevelHigh {
		t.Errorf("risks = %+v", st.Risks)
	}
}

func TestRAGRule(t *testing.T) {
	data, _ := registry.LoadFile(demoPath())
	reg := registry.New(data, nil)
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, reg.Location())
	base, _ := data.Project("hdyy") // green on its own
	tests := []struct {
		name   string
		change func(p *registry.Project)
		tix    TicketSummary
		want   RAG
	}{
		{"on plan", func(p *registry.Project) {}, TicketSummary{}, Green},
		{"slip 5 working days", func(p *registry.Project) { p.GoLive().Forecast = "2027-01-22" }, TicketSummary{}, Amber},
		{"slip 6 working days", func(p *registry.Project) { p.GoLive().Forecast = "2027-01-25" }, TicketSummary{}, Red},
		{"milestone overdue", func(p *registry.Project) { p.Milestone("需求确认").Forecast = "2026-11-25" }, TicketSummary{}, Red},
		{"due today is not overdue", func(p *registry.Project) { p.Milestone("需求确认").Forecast = "2026-11-26" }, TicketSummary{}, Green},
		{"high risk open", func(p *registry.Project) { p.Risks[0].Level = registry.LevelHigh }, TicketSummary{}, Amber},
		{"high risk closed", func(p *registry.Project) { p.Risks[0].Level, p.Risks[0].Closed = registry.LevelHigh, true }, TicketSummary{}, Green},
		{"SLA breach", func(p *registry.Project) {}, TicketSummary{OpenByPriority: map[string]int{"P2": 1}, Breached: 1}, Amber},
		{"phase past planned end", func(p *registry.Project) { p.Phases[0].PlannedEnd = "2026-11-25" }, TicketSummary{}, Amber},
		{"live: slip no longer counts", func(p *registry.Project) { g := p.GoLive(); g.Forecast, g.Done = "2027-03-01", true }, TicketSummary{}, Green},
	}
	for _, tc := range tests {
		p := base.Clone()
		tc.change(&p)
		st := Compute(context.Background(), reg, p, now, Sources{Tickets: fakeTickets{"hdyy": tc.tix}})
		if st.RAG != tc.want {
			t.Errorf("%s: RAG %s %v, want %s", tc.name, st.RAG, st.Reasons, tc.want)
		}
		if st.RAG != Green && len(st.Reasons) == 0 {
			t.Errorf("%s: no reason given for %s", tc.name, st.RAG)
		}
	}
}

func TestStatusForPM(t *testing.T) {
	e := newEnv(t, Deps{Tickets: fakeTickets{"jxjt": {OpenByPriority: map[string]int{"P1": 1, "P3": 2}, Breached: 1}}})
	out := e.h.Say("demo", "锦绣项目怎么样了")
	if len(out) != 1 || out[0].Markdown == "" || out[0].Text == "" {
		t.Fatalf("want one markdown reply with text fallback, got %+v", out)
	}
	text := bottest.PlainText(out)
	bottest.MustContain(t, text, "锦绣集团企业微信上线项目", "红灯", "环境搭建与测试", "55%", "测试环境交付",
		"已逾期 6 天", "距上线：22 天", "延期 20 个工作日", "未结 3", "P1 1", "超 SLA 1", "未接入变更系统",
		"#1 集团AD域", "截至 2026-11-26 10:00")
	bottest.MustNotContain(t, text, "<font", "**")
	if !strings.Contains(out[0].Markdown, "<font") {
		t.Errorf("markdown lost its colours: %s", out[0].Markdown)
	}
}

func TestStatusForClientOwnProjectOnly(t *testing.T) {
	e := newEnv(t, Deps{})
	text := e.h.SayText("zhouhong", "进度")
	bottest.MustContain(t, text, "华东医院企业微信协同办公项目", "需求调研", "未接入工单系统")
	text = e.h.SayText("zhouhong", "锦绣项目怎么样了")
	bottest.MustContain(t, text, "不是「锦绣集团企业微信上线项目」的成员", "王敏")
	bottest.MustNotContain(t, text, "环境搭建与测试")
}

func TestStatusForOutsider(t *testing.T) {
	e := newEnv(t, Deps{})
	for _, user := range []string{"stranger", "guest"} {
		text := e.h.SayText(user, "进度")
		bottest.MustContain(t, text, "抱歉", "请联系")
		bottest.MustNotContain(t, text, "红灯", "绿灯")
		text = e.h.SayText(user, "锦绣项目怎么样了")
		bottest.MustContain(t, text, "王敏")
		bottest.MustNotContain(t, text, "红灯", "环境搭建")
	}
	bottest.MustContain(t, e.h.SayText("stranger", "进度"), "未登记")
}

func TestAmbiguousProjectAsksAndRemembers(t *testing.T) {
	e := newEnv(t, Deps{})
	out := e.h.Say("demo", "进度")
	if len(out) != 1 || out[0].Card == nil || len(out[0].Card.Buttons) != 2 {
		t.Fatalf("want a choice card with two projects, got %s", bottest.PlainText(out))
	}
	text := e.h.SayText("demo", "2") // numbered answer → second button
	bottest.MustContain(t, text, "锦绣集团企业微信上线项目", "红灯")
	// Remembered for the conversation: no second question.
	text = e.h.SayText("demo", "上线还有几天")
	bottest.MustContain(t, text, "锦绣集团企业微信上线项目", "距上线还有 22 天")
	// Naming the other project switches.
	text = e.h.SayText("demo", "华东医院项目进展如何")
	bottest.MustContain(t, text, "华东医院企业微信协同办公项目")
	bottest.MustContain(t, e.h.SayText("demo", "进度"), "华东医院企业微信协同办公项目")
	bottest.MustContain(t, e.h.SayText("demo", "我们的项目进展怎么样"), "华东医院企业微信协同办公项目")

	// An ambiguous name (both are 企业微信 projects) also asks.
	out = e.h.Say("demo", "企业微信项目怎么样了")
	if len(out) != 1 || out[0].Card == nil || len(out[0].Card.Buttons) != 2 {
		t.Fatalf("ambiguous name: %s", bottest.PlainText(out))
	}
	bottest.MustContain(t, bottest.PlainText(e.h.Click("demo", out[0].Card.Buttons[0].Value)), "华东医院")
}

func TestUpdateThenStatusAndAudit(t *testing.T) {
	e := newEnv(t, Deps{})
	e.h.Say("demo", "进度 锦绣") // choose the project
	text := e.h.SayText("demo", "更新进度 环境搭建与测试 80%")
	bottest.MustContain(t, text, "已更新", "55% → 80%")
	text = e.h.SayText("demo", "里程碑 测试环境交付 延期到 下周五 原因 服务器到货延迟")
	bottest.MustContain(t, text, "2026-11-20 → 2026-12-04", "服务器到货延迟")
	text = e.h.SayText("00123", "新增风险 高 UAT 用户未到位 负责人 郑凯 措施 提前发会议邀请")
	bottest.MustContain(t, text, "新增风险 #4（高）")
	bottest.MustContain(t, e.h.SayText("demo", "关闭风险 1"), "关闭风险 #1")
	bottest.MustContain(t, e.h.SayText("demo", "更新进度 85%"), "环境搭建与测试 进度 80% → 85%")

	text = e.h.SayText("demo", "进度")
	bottest.MustContain(t, text, "85%", "预计 12-04", "#4 UAT 用户未到位（郑凯）")
	bottest.MustNotContain(t, text, "集团AD域", "已逾期")

	audit, err := e.reg.Audit(context.Background(), "jxjt")
	if err != nil || len(audit) != 5 {
		t.Fatalf("audit = %+v %v", audit, err)
	}
	if audit[4].User != "demo" || audit[4].Op != registry.OpPhasePercent || audit[2].User != "00123" {
		t.Errorf("audit who/what wrong: %+v", audit)
	}
	bottest.MustContain(t, e.h.SayText("demo", "项目日志"), "王敏", "李强", "新增风险 #4")

	// Completing a phase opens the next one.
	bottest.MustContain(t, e.h.SayText("demo", "完成 环境搭建与测试"), "进入 正式上线与培训")
	bottest.MustContain(t, e.h.SayText("demo", "进度"), "正式上线与培训（第 4/5 阶段）")
}

func TestUpdateAmbiguousProjectResumesAfterChoice(t *testing.T) {
	e := newEnv(t, Deps{})
	out := e.h.Say("demo", "里程碑 上线 提前到 12月20日 原因 客户要求")
	if len(out) != 1 || out[0].Card == nil {
		t.Fatalf("want project choice, got %s", bottest.PlainText(out))
	}
	text := e.h.SayText("demo", "1") // 华东医院
	bottest.MustContain(t, text, "华东医院企业微信协同办公项目", "2027-01-15 → 2026-12-20")
}

// A parked update runs only when the very next message answers its card, in
// time: an old card answered after other messages, or too late, must not change
// the project.
func TestParkedUpdateOnlyAnswersItsOwnCard(t *testing.T) {
	e := newEnv(t, Deps{})
	bottest.MustContain(t, e.h.SayText("demo", "更新进度 80%"), "请选择项目")
	e.h.Say("demo", "进度 锦绣")
	e.h.Say("demo", "所有项目")
	text := e.h.SayText("demo", "切换项目 华东医院")
	bottest.MustContain(t, text, "华东医院企业微信协同办公项目", "需求调研（第 1/5 阶段）70%")
	bottest.MustNotContain(t, text, "已更新")

	e = newEnv(t, Deps{}) // nothing remembered: the update asks again
	bottest.MustContain(t, e.h.SayText("demo", "更新进度 80%"), "请选择项目")
	e.h.Clock.Advance(pendingTTL + time.Minute)
	text = e.h.SayText("demo", "切换项目 华东医院")
	bottest.MustContain(t, text, "之前的「更新进度」等待选择项目已超过 10 分钟，没有执行")
	bottest.MustNotContain(t, text, "已更新")
	if a, _ := e.reg.Audit(context.Background(), "hdyy"); len(a) != 0 {
		t.Fatalf("stale parked update was applied: %+v", a)
	}

	// Answered right away, it still runs.
	e = newEnv(t, Deps{})
	e.h.Say("demo", "更新进度 80%")
	bottest.MustContain(t, e.h.SayText("demo", "1"), "需求调研 进度 70% → 80%")
}

func TestUpdateRefusedForClients(t *testing.T) {
	e := newEnv(t, Deps{})
	text := e.h.SayText("zhengkai", "更新进度 环境搭建与测试 90%")
	bottest.MustContain(t, text, "客户负责人", "只有项目经理和实施工程师")
	if a, _ := e.reg.Audit(context.Background(), "jxjt"); len(a) != 0 {
		t.Fatalf("client change was stored: %+v", a)
	}
	// An engineer of another project cannot touch this one.
	text = e.h.SayText("liuyang", "更新进度 锦绣 环境搭建与测试 90%")
	bottest.MustContain(t, text, "抱歉")
}

// A PM of another project is told it is this project she has no role in.
func TestUpdateRefusedForStaffOfAnotherProject(t *testing.T) {
	e := newEnv(t, Deps{})
	text := e.h.SayText("chenjing", "更新进度 锦绣 80%")
	bottest.MustContain(t, text, "您不是「锦绣集团企业微信上线项目」的项目经理或实施工程师", "王敏")
	bottest.MustNotContain(t, text, "只有项目经理和实施工程师可以")
	if a, _ := e.reg.Audit(context.Background(), "jxjt"); len(a) != 0 {
		t.Fatalf("change by another project's PM was stored: %+v", a)
	}
}

// Chinese keyboards type full-width digits and percent signs.
func TestUpdateWithFullWidthPercent(t *testing.T) {
	e := newEnv(t, Deps{})
	e.h.Say("demo", "进度 锦绣")
	bottest.MustContain(t, e.h.SayText("demo", "更新进度 ８０％"), "环境搭建与测试 进度 55% → 80%")
	bottest.MustContain(t, e.h.SayText("demo", "关闭风险 ＃２"), "关闭风险 #2")
}

// Setting the percent a phase already has changes nothing and logs nothing.
func TestNoOpUpdateIsNotLogged(t *testing.T) {
	e := newEnv(t, Deps{})
	e.h.Say("demo", "进度 锦绣")
	bottest.MustContain(t, e.h.SayText("demo", "更新进度 80%"), "55% → 80%")
	text := e.h.SayText("demo", "更新进度 80%")
	bottest.MustContain(t, text, "环境搭建与测试 的进度已经是 80%，没有变化")
	bottest.MustNotContain(t, text, "已更新")
	if a, _ := e.reg.Audit(context.Background(), "jxjt"); len(a) != 1 {
		t.Fatalf("audit has %d entries, want only the real change: %+v", len(a), a)
	}
}

func TestBadUpdateInputGetsHelp(t *testing.T) {
	e := newEnv(t, Deps{})
	e.h.Say("demo", "进度 锦绣")
	tests := map[string]string{
		"更新进度 方案设计":             "请写明阶段和完成度",
		"更新进度 方案设计 80%":         "已于 2026-10-16 完成",
		"更新进度 环境搭建与测试 120%":     "0–100",
		"里程碑 上线 延期到 下辈子":        "没看懂日期",
		"里程碑 验收 延期到 12月20日":     "没有里程碑「验收」",
		"关闭风险 9":                "没有编号为 9 的风险",
		"关闭风险":                  "请写明风险编号",
		"新增风险":                  "请写明风险内容",
		"新增风险 高 机房断电 负责人 不存在的人": "没有找到负责人",
		"完成 需求分析":               "请写明要完成的阶段",
	}
	for in, want := range tests {
		bottest.MustContain(t, e.h.SayText("demo", in), want)
	}
	if a, _ := e.reg.Audit(context.Background(), "jxjt"); len(a) != 0 {
		t.Fatalf("bad input was stored: %+v", a)
	}
	// A wrong risk number lists the open risks to choose from.
	out := e.h.SayText("demo", "关闭风险 9")
	bottest.MustContain(t, out, "未关闭的风险：", "#1", "回复「关闭风险 编号」")
	bottest.MustContain(t, e.h.SayText("demo", "关闭风险 1"), "关闭风险 #1")
	bottest.MustContain(t, e.h.SayText("demo", "关闭风险 1"), "风险 #1 之前已经关闭，无需再关")
}

func TestPortfolioWorstFirst(t *testing.T) {
	e := newEnv(t, Deps{})
	text := e.h.SayText("demo", "所有项目")
	i1, i2 := strings.Index(text, "锦绣集团"), strings.Index(text, "华东医院")
	if i1 < 0 || i2 < 0 || i1 > i2 || !strings.Contains(text, "远陆证券") {
		t.Fatalf("portfolio not worst first:\n%s", text)
	}
	bottest.MustContain(t, e.h.SayText("zhengkai", "所有项目"), "仅对项目经理开放")
}

func TestDigestOnDemand(t *testing.T) {
	e := newEnv(t, Deps{})
	out := e.h.Say("demo", "周报")
	if len(out) != 3 { // header + two projects
		t.Fatalf("周报 gave %d replies:\n%s", len(out), bottest.PlainText(out))
	}
	bottest.MustContain(t, bottest.PlainText(out), "项目周报", "锦绣集团", "华东医院")
	bottest.MustNotContain(t, bottest.PlainText(out), "远陆证券")
	bottest.MustContain(t, e.h.SayText("00123", "周报"), "仅发送给项目经理")
}
