package main

// Acceptance tests for project status (issue 6): `deliverybot chat` scripts from
// testdata/scripts, checked through the replies and `project status|list|audit --json`.

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// scriptStatus is the part of the `project status ID --json` contract the tests rely on.
type scriptStatus struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Phase         string `json:"phase"`
	Percent       int    `json:"percent"`
	RAG           string `json:"rag"`
	NextMilestone *struct {
		Name     string `json:"name"`
		Planned  string `json:"planned"`
		Forecast string `json:"forecast"`
	} `json:"next_milestone"`
	GoLive *struct {
		Name     string `json:"name"`
		Planned  string `json:"planned"`
		Forecast string `json:"forecast"`
		Done     bool   `json:"done"`
		Reason   string `json:"reason"`
	} `json:"go_live"`
	OpenTickets    int `json:"open_tickets"`
	PendingChanges int `json:"pending_changes"`
	Tickets        struct {
		OpenByPriority map[string]int `json:"open_by_priority"`
	} `json:"tickets"`
	Risks []struct {
		ID          int    `json:"id"`
		Description string `json:"description"`
		Level       string `json:"level"`
		Owner       string `json:"owner"`
		Mitigation  string `json:"mitigation"`
		Closed      bool   `json:"closed"`
	} `json:"risks"`
	AsOf time.Time `json:"as_of"`
}

type scriptListItem struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	PM      string `json:"pm"`
	Oncall  string `json:"oncall"`
	Phase   string `json:"phase"`
	Percent int    `json:"percent"`
	RAG     string `json:"rag"`
	Members []struct {
		User string `json:"user"`
		Role string `json:"role"`
		CCB  bool   `json:"ccb"`
	} `json:"members"`
}

type scriptChange struct {
	Seq       int    `json:"seq"`
	User      string `json:"user"`
	Project   string `json:"project"`
	Op        string `json:"op"`
	Summary   string `json:"summary"`
	Date      string `json:"date"`
	Reason    string `json:"reason"`
	Percent   int    `json:"percent"`
	Phase     string `json:"phase"`
	RiskID    int    `json:"risk_id"`
	Milestone string `json:"milestone"`
}

func projectStatus(t *testing.T, dir, id string) scriptStatus {
	t.Helper()
	var st scriptStatus
	adminJSON(t, dir, &st, "project", "status", id)
	if st.ID != id {
		t.Fatalf("project status %s returned id %q", id, st.ID)
	}
	return st
}

// nextWeekFriday is what "下周五" means in Asia/Shanghai: the Friday of the
// week (Monday–Sunday) after this one.
func nextWeekFriday(t *testing.T, now time.Time) string {
	t.Helper()
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	now = now.In(sh)
	wd := int(now.Weekday()+6) % 7 // Monday = 0 … Sunday = 6
	return now.AddDate(0, 0, 7-wd+4).Format("2006-01-02")
}

// demoFresh reports whether today (Asia/Shanghai) is still within the demo
// story of projects.yaml ("as of 2026-11-26"): 华东医院's 需求确认 falls due on
// 2026-11-27, after which its colour turns by the documented RAG rule. 锦绣's red
// (go-live slipped 20 working days) holds on any date.
func demoFresh(t *testing.T) bool {
	t.Helper()
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return time.Now().In(sh).Format("2006-01-02") <= "2026-11-27"
}

const (
	jxjtName = "锦绣集团企业微信上线项目"
	hdyyName = "华东医院企业微信协同办公项目"
)

func TestScriptStatusPMChoosesProject(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	out := chat(t, dir, script(t, "status_pm_choose", nil), "--user", "demo")
	mustContain(t, out, "【请选择项目】", "1. "+hdyyName, "2. "+jxjtName,
		"状态：🔴 红灯", "当前阶段：环境搭建与测试（第 3/5 阶段）55%", "下个里程碑：测试环境交付 计划 11-06",
		"🔴高 #1 集团AD域与企业微信通讯录同步接口尚未开放（郑凯）", "项目经理 王敏 · 值班 李强", "截至 ")
	if n := strings.Count(out, "【请选择项目】"); n != 1 {
		t.Fatalf("asked for the project %d times, want once (the choice is remembered):\n%s", n, out)
	}
	if n := strings.Count(out, jxjtName+"\n状态："); n != 2 {
		t.Fatalf("锦绣 status shown %d times, want 2 (chosen, then remembered):\n%s", n, out)
	}
	// Naming the other project switches to it.
	last := out[strings.LastIndex(out, "状态："):]
	mustContain(t, last, "当前阶段：需求调研（第 1/5 阶段）70%", "项目经理 王敏 · 值班 刘洋")

	// The CLI gives the same data.
	st := projectStatus(t, dir, "jxjt")
	if st.Name != jxjtName || st.Phase != "环境搭建与测试" || st.Percent != 55 || st.RAG != "red" {
		t.Fatalf("status = %+v", st)
	}
	if st.NextMilestone == nil || st.NextMilestone.Name != "测试环境交付" || st.NextMilestone.Planned != "2026-11-06" {
		t.Fatalf("next_milestone = %+v", st.NextMilestone)
	}
	if g := st.GoLive; g == nil || g.Name != "上线" || g.Planned != "2026-11-20" || g.Forecast != "2026-12-18" || g.Done {
		t.Fatalf("go_live = %+v", st.GoLive)
	}
	if len(st.Risks) != 3 || st.Risks[0].ID != 1 || st.Risks[0].Level != "高" || st.Risks[0].Owner != "zhengkai" {
		t.Fatalf("risks = %+v, want 3 with the 高 #1 first", st.Risks)
	}
	if st.OpenTickets != 0 || st.PendingChanges != 0 || time.Since(st.AsOf) > time.Minute || st.AsOf.After(time.Now()) {
		t.Fatalf("open_tickets %d pending_changes %d as_of %v", st.OpenTickets, st.PendingChanges, st.AsOf)
	}
}

func TestScriptStatusClientSeesOnlyOwnProject(t *testing.T) {
	isolateRedis(t)
	out := chat(t, t.TempDir(), script(t, "status_client", nil), "--user", "fengxue")
	// 进度 goes straight to her only project, no choice.
	mustNotContain(t, out, "【请选择项目】")
	mustContain(t, out, jxjtName+"\n状态：🔴 红灯", "环境搭建与测试（第 3/5 阶段）55%")
	mustContain(t, out, "抱歉，您不是「"+hdyyName+"」的成员，无法查看该项目的进度。如需了解，请联系该项目的项目经理 王敏。",
		"抱歉，「所有项目」仅对项目经理开放")
	// Nothing of 华东医院's status leaks into the refusal.
	mustNotContain(t, out, "需求调研（第 1/5 阶段）", "信息科人手紧张", "远陆证券")
}

func TestScriptStatusOutsiderRefusedPolitely(t *testing.T) {
	isolateRedis(t)
	out := chat(t, t.TempDir(), script(t, "status_outsider", nil), "--user", "guest")
	mustContain(t, out, "抱歉，您目前没有参与任何项目，无法查看项目进度。如需加入项目，请联系项目经理（王敏、陈静）。",
		"抱歉，您不是「"+jxjtName+"」的成员", "抱歉，「所有项目」仅对项目经理开放")
	mustNotContain(t, out, "红灯", "绿灯", "55%", "当前阶段")
}

func TestScriptStatusAmbiguousNameOffersChoice(t *testing.T) {
	isolateRedis(t)
	out := chat(t, t.TempDir(), script(t, "status_ambiguous", nil), "--user", "demo")
	mustContain(t, out, "【请选择项目】\n您说的是哪个项目？", "1. "+hdyyName, "2. "+jxjtName,
		hdyyName+"\n状态：", "当前阶段：需求调研（第 1/5 阶段）70%", "下个里程碑：需求确认 计划 11-27", "项目经理 王敏 · 值班 刘洋")
	mustNotContain(t, out, "环境搭建与测试（第 3/5 阶段）")
	if demoFresh(t) {
		mustContain(t, out, hdyyName+"\n状态：🟢 绿灯")
	}
}

func TestScriptStatusPMUpdatesAndAudit(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	// A 延期 must land after 锦绣's forecast (2026-12-18) and not in the past:
	// next week's Friday once it is later, a fixed later date until then.
	friday := max(nextWeekFriday(t, time.Now()), "2026-12-25")
	out := chat(t, dir, script(t, "status_updates", map[string]string{"DATE": friday}), "--user", "demo")
	ts := turns(out)
	if len(ts) != 4 {
		t.Fatalf("want 3 user switches, got %d:\n%s", len(ts)-1, out)
	}
	demo, fengxue, liuyang, liqiang := ts[0], ts[1], ts[2], ts[3]
	mustContain(t, demo, "【请选择项目】",
		"✅ 已更新「"+jxjtName+"」：新增风险 #4（高）：门店网络不稳定",
		"✅ 已更新「"+jxjtName+"」：环境搭建与测试 进度 55% → 80%",
		"✅ 已更新「"+jxjtName+"」：里程碑 上线 预计 2026-12-18 → "+friday+"，原因：通讯录接口仍未开放",
		"✅ 已更新「"+jxjtName+"」：关闭风险 #2：测试服务器资源到位延迟",
		"项目日志（最近 4 条）")
	if n := strings.Count(demo, "【请选择项目】"); n != 1 {
		t.Fatalf("the project choice should be remembered: asked %d times:\n%s", n, demo)
	}
	mustContain(t, fengxue, "您在「"+jxjtName+"」中的角色是客户员工，只有项目经理和实施工程师可以更新项目信息")
	mustNotContain(t, fengxue, "✅ 已更新")
	mustContain(t, liuyang, "您不是「"+jxjtName+"」的项目经理或实施工程师")
	mustNotContain(t, liuyang, "✅ 已更新")
	mustContain(t, liqiang, "✅ 已更新「"+jxjtName+"」：环境搭建与测试 进度 80% → 85%")

	st := projectStatus(t, dir, "jxjt")
	if st.Phase != "环境搭建与测试" || st.Percent != 85 {
		t.Fatalf("phase %s %d%%, want 环境搭建与测试 85%%", st.Phase, st.Percent)
	}
	if g := st.GoLive; g == nil || g.Forecast != friday || g.Reason != "通讯录接口仍未开放" || g.Planned != "2026-11-20" {
		t.Fatalf("go_live = %+v, want forecast %s with the reason", st.GoLive, friday)
	}
	risks := map[int]string{}
	for _, r := range st.Risks {
		risks[r.ID] = r.Level + " " + r.Description + " " + r.Owner + " " + r.Mitigation
		if r.ID == 2 && !r.Closed {
			t.Fatalf("risk #2 still open in the status: %+v", r)
		}
	}
	if got := risks[4]; got != "高 门店网络不稳定 00123 备用4G路由器" {
		t.Fatalf("risk #4 = %q", got)
	}
	if _, ok := risks[1]; !ok {
		t.Fatalf("fengxue's 关闭风险 1 must not close risk #1: %+v", st.Risks)
	}

	var audit []scriptChange
	adminJSON(t, dir, &audit, "project", "audit", "jxjt")
	var ops []string
	for _, c := range audit {
		ops = append(ops, c.User+":"+c.Op)
		if c.Project != "jxjt" {
			t.Fatalf("audit entry for another project: %+v", c)
		}
	}
	// Newest first; the refused updates left no trace.
	want := "00123:phase_percent demo:risk_close demo:milestone_move demo:phase_percent demo:risk_add"
	if got := strings.Join(ops, " "); got != want {
		t.Fatalf("audit:\n got %s\nwant %s", got, want)
	}
	if m := audit[2]; m.Date != friday || m.Reason != "通讯录接口仍未开放" {
		t.Fatalf("milestone audit entry = %+v", m)
	}
	text := admin(t, dir, "project", "audit", "jxjt")
	mustContain(t, text, "王敏(demo) 里程碑 上线 预计 2026-12-18 → "+friday, "李强(00123) 环境搭建与测试 进度 80% → 85%")

	// The other project is untouched.
	if h := projectStatus(t, dir, "hdyy"); h.Percent != 70 || h.Phase != "需求调研" {
		t.Fatalf("hdyy changed: %+v", h)
	}
	var hdyyAudit []scriptChange
	adminJSON(t, dir, &hdyyAudit, "project", "audit", "hdyy")
	if len(hdyyAudit) != 0 {
		t.Fatalf("hdyy audit = %+v, want empty", hdyyAudit)
	}
}

func TestScriptStatusPortfolio(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	out := chat(t, dir, script(t, "status_portfolio", nil), "--user", "demo")
	ts := turns(out)
	if len(ts) != 2 {
		t.Fatalf("want 1 user switch:\n%s", out)
	}
	pm, lead := ts[0], ts[1]
	mustContain(t, pm, "所有项目（3 个，问题最多的在前）")
	red := strings.Index(pm, "🔴 "+jxjtName+" · 环境搭建与测试 55%")
	hdyy := strings.Index(pm, " "+hdyyName+" · 需求调研 70%")
	ylzq := strings.Index(pm, " 远陆证券腾讯会议项目 · 后期运维与优化 40% · 已上线 · 陈静")
	if red < 0 || hdyy < 0 || ylzq < 0 {
		t.Fatalf("portfolio lines missing:\n%s", pm)
	}
	if demoFresh(t) && (red > hdyy || red > ylzq || !strings.Contains(pm, "🟢 "+hdyyName) || !strings.Contains(pm, "🟢 远陆证券")) {
		t.Fatalf("portfolio not worst first (red 锦绣, then the green ones):\n%s", pm)
	}
	mustContain(t, lead, "抱歉，「所有项目」仅对项目经理开放")
	mustNotContain(t, lead, "远陆证券", "所有项目（")

	var list []scriptListItem
	adminJSON(t, dir, &list, "project", "list")
	got := map[string]scriptListItem{}
	for _, it := range list {
		got[it.ID] = it
	}
	if len(list) != 3 || len(got) != 3 {
		t.Fatalf("project list = %+v, want hdyy, jxjt, ylzq", list)
	}
	for id, want := range map[string]string{
		"hdyy": "demo liuyang 需求调研 70 green",
		"jxjt": "demo 00123 环境搭建与测试 55 red",
		"ylzq": "chenjing sunhao 后期运维与优化 40 green",
	} {
		it := got[id]
		if !demoFresh(t) && id != "jxjt" {
			want = strings.TrimSuffix(want, " green") + " " + it.RAG
		}
		if s := strings.Join([]string{it.PM, it.Oncall, it.Phase, strconv.Itoa(it.Percent), it.RAG}, " "); s != want {
			t.Errorf("%s: %s, want %s", id, s, want)
		}
	}
	var liqiang string
	for _, m := range got["jxjt"].Members {
		if m.User == "00123" {
			liqiang = m.Role + " " + map[bool]string{true: "ccb", false: "-"}[m.CCB]
		}
	}
	if len(got["jxjt"].Members) != 5 || liqiang != "engineer ccb" {
		t.Fatalf("jxjt members = %+v, want 5 with 00123 engineer in the CCB", got["jxjt"].Members)
	}
}

// Open tickets in a project's status come live from the ticket store.
func TestScriptStatusCountsOpenTickets(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	before := time.Now()
	out := chat(t, dir, script(t, "status_with_tickets", nil), "--user", "fengxue")
	id := filedID(t, out, before)
	mustContain(t, out, "优先级为 P1", "[→ 通知 00123]\n【新报修工单 "+id+"（P1）】")
	if tk := onlyTicket(t, dir); tk.Project != "jxjt" || tk.Priority != "P1" || tk.Assignee != "00123" {
		t.Fatalf("ticket = %+v", tk)
	}
	st := projectStatus(t, dir, "jxjt")
	if st.OpenTickets != 1 || st.Tickets.OpenByPriority["P1"] != 1 {
		t.Fatalf("jxjt status open_tickets %d by priority %v, want 1 P1", st.OpenTickets, st.Tickets.OpenByPriority)
	}
	status := out[strings.LastIndex(out, jxjtName+"\n状态："):]
	mustContain(t, status, "工单：未结 1")
	if h := projectStatus(t, dir, "hdyy"); h.OpenTickets != 0 {
		t.Fatalf("hdyy open_tickets = %d, want 0", h.OpenTickets)
	}
}

func TestScriptStatusCompletePhaseOpensNext(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	out := chat(t, dir, script(t, "status_phase_complete", nil), "--user", "demo")
	mustContain(t, out, "✅ 已更新「"+jxjtName+"」：完成阶段 环境搭建与测试，进入 正式上线与培训",
		"当前阶段：正式上线与培训（第 4/5 阶段）0%")
	mustNotContain(t, out, "【请选择项目】") // the name in the command picks the project

	var list []scriptListItem
	adminJSON(t, dir, &list, "project", "list")
	for _, it := range list {
		if it.ID == "jxjt" && (it.Phase != "正式上线与培训" || it.Percent != 0) {
			t.Fatalf("project list jxjt = %s %d%%, want 正式上线与培训 0%%", it.Phase, it.Percent)
		}
	}
	if st := projectStatus(t, dir, "jxjt"); st.Phase != "正式上线与培训" || st.Percent != 0 {
		t.Fatalf("status = %s %d%%", st.Phase, st.Percent)
	}
	var audit []scriptChange
	adminJSON(t, dir, &audit, "project", "audit", "jxjt")
	if len(audit) != 1 || audit[0].Op != "phase_complete" || audit[0].Phase != "环境搭建与测试" || audit[0].User != "demo" {
		t.Fatalf("audit = %+v, want one phase_complete by demo", audit)
	}
}
