package main

// Acceptance tests for 报修 (issue 7): `deliverybot chat` driven by the scripts in
// testdata/scripts, checked through the replies and the admin JSON on the same
// data dir (and Redis prefix when REDIS_URL is set).

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"deliverybot/bot/blob"
)

// scriptTicket is the part of the `ticket list|show --json` contract the tests rely on.
type scriptTicket struct {
	ID          string `json:"id"`
	Project     string `json:"project"`
	Reporter    string `json:"reporter"`
	Assignee    string `json:"assignee"`
	Status      string `json:"status"`
	Priority    string `json:"priority"`
	Impact      string `json:"impact"`
	Urgency     string `json:"urgency"`
	Product     string `json:"product"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Location    string `json:"location"`
	Phone       string `json:"phone"`
	Resolution  string `json:"resolution"`
	Rating      int    `json:"rating"`
	Photos      []struct {
		Ref      string `json:"ref"`
		ThumbRef string `json:"thumb_ref"`
	} `json:"photos"`
	CreatedAt   time.Time `json:"created_at"`
	ResponseDue time.Time `json:"response_due"`
	ResolveDue  time.Time `json:"resolve_due"`
	History     []struct {
		Actor string `json:"actor"`
		Kind  string `json:"kind"`
		From  string `json:"from"`
		To    string `json:"to"`
		Text  string `json:"text"`
	} `json:"history"`
}

// script reads testdata/scripts/NAME.chat, drops # comment lines and fills ${VAR}s.
func script(t *testing.T, name string, vars map[string]string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "scripts", name+".chat"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		for k, v := range vars {
			line = strings.ReplaceAll(line, "${"+k+"}", v)
		}
		b.WriteString(line + "\n")
	}
	if s := b.String(); strings.Contains(s, "${") {
		t.Fatalf("script %s has an unfilled variable:\n%s", name, s)
	}
	return b.String()
}

// admin runs an admin subcommand on dataDir and returns stdout.
func admin(t *testing.T, dataDir string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append(args, "--data-dir", dataDir, "--kb", demoKB, "--projects", demoProjects)
	if err := run(context.Background(), args, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("%v: %v\nstderr:\n%s", args, err, errOut.String())
	}
	return out.String()
}

// adminJSON runs an admin subcommand with --json and decodes its output into v.
func adminJSON(t *testing.T, dataDir string, v any, args ...string) {
	t.Helper()
	out := admin(t, dataDir, append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%v --json: %v\n%s", args, err, out)
	}
}

func listTickets(t *testing.T, dataDir string, filter ...string) []scriptTicket {
	t.Helper()
	var list []scriptTicket
	adminJSON(t, dataDir, &list, append([]string{"ticket", "list"}, filter...)...)
	return list
}

func showTicket(t *testing.T, dataDir, id string) scriptTicket {
	t.Helper()
	var tk scriptTicket
	adminJSON(t, dataDir, &tk, "ticket", "show", id)
	return tk
}

// onlyTicket asserts the data dir holds exactly one ticket and returns it.
func onlyTicket(t *testing.T, dataDir string) scriptTicket {
	t.Helper()
	list := listTickets(t, dataDir)
	if len(list) != 1 {
		t.Fatalf("want exactly 1 ticket, got %d: %+v", len(list), list)
	}
	return list[0]
}

func mustContain(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Fatalf("missing %q in:\n%s", w, out)
		}
	}
}

func mustNotContain(t *testing.T, out string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(out, b) {
			t.Fatalf("unexpected %q in:\n%s", b, out)
		}
	}
}

var filedRe = regexp.MustCompile(`报修已提交：(BX-(\d{8})-(\d{4}))`)

// filedID returns the ID of the ticket the chat output says was filed, checking
// its format: BX-<today in Asia/Shanghai>-0001 for the first ticket of a data dir.
func filedID(t *testing.T, out string, before time.Time) string {
	t.Helper()
	m := filedRe.FindAllStringSubmatch(out, -1)
	if len(m) != 1 {
		t.Fatalf("want one 报修已提交 in the output, got %d:\n%s", len(m), out)
	}
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	if d := m[0][2]; d != before.In(sh).Format("20060102") && d != time.Now().In(sh).Format("20060102") {
		t.Fatalf("ticket %s is not dated today in Asia/Shanghai", m[0][1])
	}
	return m[0][1]
}

// turns splits a chat transcript into what each speaker saw, in order:
// turns[0] belongs to the starting user, then one per /user switch.
func turns(out string) []string {
	return strings.Split(out, "已切换为用户 ")
}

// testImage writes a 640×480 PNG and returns its path.
func testImage(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 0x80, 0xff})
		}
	}
	path := filepath.Join(t.TempDir(), "printer.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// fileSimple files a P4 ticket as wulei and returns its ID.
func fileSimple(t *testing.T, dir string) string {
	t.Helper()
	before := time.Now()
	return filedID(t, chat(t, dir, script(t, "ticket_file_simple", nil), "--user", "wulei"), before)
}

func TestScriptTicketHappyPathWithPhoto(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	before := time.Now()
	out := chat(t, dir, script(t, "ticket_happy_photo", map[string]string{"IMAGE": testImage(t)}), "--user", "wulei")
	id := filedID(t, out, before)
	if !strings.HasSuffix(id, "-0001") {
		t.Fatalf("first ticket of a fresh store is %s, want …-0001", id)
	}
	mustContain(t, out, "已收到 1 张照片", "照片：1 张照片", "优先级为 P2（高）", "已通知工程师刘洋处理",
		"[→ 通知 liuyang]\n【新报修工单 "+id+"（P2）】", "1. 受理 "+id)

	tk := onlyTicket(t, dir)
	want := scriptTicket{ID: id, Project: "hdyy", Reporter: "wulei", Assignee: "liuyang", Status: "新建", Priority: "P2",
		Impact: "部门", Urgency: "紧急", Product: "企业微信", Title: "企业微信：打印机驱动装不上总是报错",
		Description: "打印机驱动装不上总是报错", Location: "三楼门诊", Phone: "13812345678"}
	got := tk
	got.Photos, got.History, got.CreatedAt, got.ResponseDue, got.ResolveDue = nil, nil, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ticket list JSON:\n got %+v\nwant %+v", got, want)
	}
	// hdyy SLA for P2: first response 2h, resolution 1d.
	if d := tk.ResponseDue.Sub(tk.CreatedAt); d != 2*time.Hour {
		t.Errorf("response_due - created_at = %v, want 2h", d)
	}
	if d := tk.ResolveDue.Sub(tk.CreatedAt); d != 24*time.Hour {
		t.Errorf("resolve_due - created_at = %v, want 24h", d)
	}
	if len(tk.History) != 1 || tk.History[0].Kind != "created" || tk.History[0].To != "新建" || tk.History[0].Actor != "wulei" {
		t.Fatalf("history = %+v, want one created event by wulei", tk.History)
	}

	// Both the photo and its thumbnail are kept in the blob store.
	if len(tk.Photos) != 1 {
		t.Fatalf("photos = %+v, want 1", tk.Photos)
	}
	p := tk.Photos[0]
	if !strings.HasPrefix(p.Ref, "blob:") || !strings.HasPrefix(p.ThumbRef, "blob:") || p.Ref == p.ThumbRef {
		t.Fatalf("photo refs = %+v, want two different blob: refs", p)
	}
	blobs, err := blob.NewFS(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	for ref, wantW := range map[string]int{p.Ref: 640, p.ThumbRef: blob.ThumbMaxSide} {
		data, _, err := blobs.Get(context.Background(), ref)
		if err != nil {
			t.Fatalf("blob %s: %v", ref, err)
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("blob %s is not an image: %v", ref, err)
		}
		if cfg.Width != wantW {
			t.Errorf("blob %s is %d px wide, want %d", ref, cfg.Width, wantW)
		}
	}

	// show agrees with list; the filters find it only under its own project and status.
	if s := showTicket(t, dir, id); s.ID != id || s.Status != "新建" || len(s.Photos) != 1 || s.Photos[0] != p {
		t.Fatalf("ticket show = %+v", s)
	}
	if l := listTickets(t, dir, "--project", "hdyy", "--status", "新建"); len(l) != 1 || l[0].ID != id {
		t.Fatalf("list --project hdyy --status 新建 = %+v", l)
	}
	if l := listTickets(t, dir, "--project", "jxjt"); len(l) != 0 {
		t.Fatalf("list --project jxjt = %+v, want none", l)
	}
	if l := listTickets(t, dir, "--status", "已关闭"); len(l) != 0 {
		t.Fatalf("list --status 已关闭 = %+v, want none", l)
	}
}

func TestScriptTicketCancelMidForm(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	out := chat(t, dir, script(t, "ticket_cancel", nil), "--user", "wulei")
	mustContain(t, out, "确定要取消「报修」吗", "已取消「报修」，填写的内容没有保存")
	mustNotContain(t, out, "报修已提交")
	if l := listTickets(t, dir); len(l) != 0 {
		t.Fatalf("cancelled filing left tickets: %+v", l)
	}
}

func TestScriptTicketCorrectionChangesPriority(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	before := time.Now()
	out := chat(t, dir, script(t, "ticket_correction", nil), "--user", "wulei")
	id := filedID(t, out, before)
	mustContain(t, out, "优先级为 P4（低）", "已将「紧急程度」改为「紧急」", "优先级为 P3（中）", "紧急程度：紧急")
	tk := onlyTicket(t, dir)
	if tk.ID != id || tk.Urgency != "紧急" || tk.Impact != "仅我" || tk.Priority != "P3" {
		t.Fatalf("corrected ticket = %+v, want 仅我 × 紧急 = P3", tk)
	}
}

func TestScriptTicketFAQMidFormResumes(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	before := time.Now()
	out := chat(t, dir, script(t, "ticket_faq_midform", nil), "--user", "wulei")
	id := filedID(t, out, before)
	mustContain(t, out, "VPN登不上怎么办", "我们继续刚才的「报修」")
	// The question was not taken as the answer to 影响范围.
	faq := strings.Index(out, "VPN登不上怎么办")
	if resume := strings.Index(out[faq:], "【报修（4/7）】"); resume < 0 {
		t.Fatalf("form did not re-ask 影响范围 after the FAQ answer:\n%s", out[faq:])
	}
	tk := onlyTicket(t, dir)
	if tk.ID != id || tk.Impact != "仅我" || tk.Urgency != "不急" || tk.Priority != "P4" {
		t.Fatalf("ticket = %+v, want 仅我 × 不急 = P4", tk)
	}
	if strings.Contains(tk.Description+tk.Location, "vpn") {
		t.Fatalf("the FAQ question leaked into the ticket: %+v", tk)
	}
}

func TestScriptTicketInvalidPhoneReasked(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	before := time.Now()
	out := chat(t, dir, script(t, "ticket_bad_phone", nil), "--user", "wulei")
	filedID(t, out, before)
	mustContain(t, out, "电话号码格式不对，请输入 11 位手机号")
	if n := strings.Count(out, "【报修（6/7）】留一个联系电话吧"); n != 2 {
		t.Fatalf("phone asked %d times, want 2 (asked, re-asked):\n%s", n, out)
	}
	if tk := onlyTicket(t, dir); tk.Phone != "13900001111" {
		t.Fatalf("phone = %q, want the corrected 13900001111", tk.Phone)
	}
}

func TestScriptTicketKBDeflection(t *testing.T) {
	isolateRedis(t)
	t.Run("能 closes without a ticket", func(t *testing.T) {
		dir := t.TempDir()
		out := chat(t, dir, script(t, "ticket_kb_deflect", nil), "--user", "wulei")
		mustContain(t, out, "我在知识库里找到一个可能的解决办法", "审批流程打不开怎么办？", "这个能解决吗？",
			"问题解决了就不提交报修了")
		mustNotContain(t, out, "报修已提交")
		if l := listTickets(t, dir); len(l) != 0 {
			t.Fatalf("deflected filing created tickets: %+v", l)
		}
	})
	t.Run("不能 goes on to file", func(t *testing.T) {
		dir := t.TempDir()
		before := time.Now()
		out := chat(t, dir, script(t, "ticket_kb_not_helpful", nil), "--user", "wulei")
		id := filedID(t, out, before)
		mustContain(t, out, "这个能解决吗？", "好的，我们继续提交报修。")
		if tk := onlyTicket(t, dir); tk.ID != id || tk.Description != "审批流程打不开一直转圈" {
			t.Fatalf("ticket = %+v", tk)
		}
		// 不能 is 没用 for the article offered, so KB authors see it in kb gaps.
		var gaps struct {
			Useless []struct {
				EntryID string `json:"entry_id"`
				Useless int    `json:"useless"`
			} `json:"useless"`
		}
		adminJSON(t, dir, &gaps, "kb", "gaps")
		if len(gaps.Useless) != 1 || gaps.Useless[0].EntryID != "approval-cannot-open" || gaps.Useless[0].Useless != 1 {
			t.Fatalf("kb gaps 没用 = %+v, want approval-cannot-open once", gaps.Useless)
		}
	})
}

func TestScriptTicketSimilarMerge(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	before := time.Now()
	out := chat(t, dir, script(t, "ticket_similar_merge", nil), "--user", "wulei")
	id := filedID(t, out, before) // exactly one 报修已提交
	mustContain(t, out, "您 24 小时内提交过一个相似的工单 "+id, "要补充到 "+id+" 吗？",
		"已将这次的描述补充到工单 "+id+"，没有新建工单",
		"[→ 通知 liuyang]\n工单 "+id+" 有新的补充（吴磊）：三楼打印机卡纸了，打不出来")
	tk := onlyTicket(t, dir)
	if tk.ID != id || tk.Description != "三楼打印机又卡纸了" || tk.Status != "新建" {
		t.Fatalf("ticket = %+v", tk)
	}
	if len(tk.History) != 2 || tk.History[1].Kind != "note" || tk.History[1].Actor != "wulei" ||
		tk.History[1].Text != "补充：三楼打印机卡纸了，打不出来" {
		t.Fatalf("history = %+v, want created + the note", tk.History)
	}
}

func TestScriptTicketSimilarDeclinedFilesNew(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	out := chat(t, dir, script(t, "ticket_similar_new", nil), "--user", "wulei")
	ids := filedRe.FindAllStringSubmatch(out, -1)
	if len(ids) != 2 || ids[0][1] == ids[1][1] {
		t.Fatalf("want two different tickets filed, got %v:\n%s", ids, out)
	}
	mustContain(t, out, "要补充到 "+ids[0][1]+" 吗？", "好的，为您新建一个工单。")
	list := listTickets(t, dir)
	if len(list) != 2 {
		t.Fatalf("want 2 tickets, got %+v", list)
	}
	byID := map[string]scriptTicket{list[0].ID: list[0], list[1].ID: list[1]}
	first, second := byID[ids[0][1]], byID[ids[1][1]]
	if len(first.History) != 1 || second.Description != "三楼打印机卡纸了，打不出来" || second.Location != "二楼" ||
		!strings.HasSuffix(second.ID, "-0002") {
		t.Fatalf("tickets = %+v / %+v", first, second)
	}
}

// scriptOnFiledTicket files the simple ticket as wulei in a fresh data dir,
// runs the script name with its ID, and returns the dir, the ID and the output
// split at each user switch, failing unless there are want parts.
func scriptOnFiledTicket(t *testing.T, name string, want int) (dir, id string, ts []string) {
	t.Helper()
	isolateRedis(t)
	dir = t.TempDir()
	id = fileSimple(t, dir)
	out := chat(t, dir, script(t, name, map[string]string{"ID": id}), "--user", "wulei")
	if ts = turns(out); len(ts) != want {
		t.Fatalf("want %d user switches, got %d:\n%s", want-1, len(ts)-1, out)
	}
	return dir, id, ts
}

func TestScriptTicketAcceptResolveConfirmRate(t *testing.T) {
	dir, id, ts := scriptOnFiledTicket(t, "ticket_lifecycle", 3)
	eng, rep := ts[1], ts[2]
	mustContain(t, eng, "已受理工单 "+id, "[→ 通知 wulei]\n您的工单 "+id+"「企业微信：打印机驱动装不上总是报错」已由刘洋受理",
		"工单 "+id+" 已标记为处理中", "工单 "+id+" 已标记为已解决，等待提交人确认", "【问题解决了吗？】", "处理说明：已重装打印机驱动")
	mustContain(t, rep, "【工单 "+id+" 已关闭】", "5. 5 分 非常满意", "[→ 通知 liuyang]\n提交人已确认工单 "+id+" 解决",
		"收到您的 5 分评价", "· "+id+"【已关闭】P4")

	tk := showTicket(t, dir, id)
	if tk.Status != "已关闭" || tk.Rating != 5 || tk.Assignee != "liuyang" || tk.Resolution != "已重装打印机驱动" {
		t.Fatalf("ticket = %+v, want 已关闭, rated 5, resolved by liuyang", tk)
	}
	var steps []string
	for _, h := range tk.History {
		steps = append(steps, h.Actor+":"+h.Kind+":"+h.To)
	}
	wantSteps := "wulei:created:新建 liuyang:status:已受理 liuyang:status:处理中 liuyang:status:已解决 wulei:status:已关闭 wulei:rated:"
	if got := strings.Join(steps, " "); got != wantSteps {
		t.Fatalf("history:\n got %s\nwant %s", got, wantSteps)
	}
	if l := listTickets(t, dir, "--status", "已关闭"); len(l) != 1 || l[0].ID != id {
		t.Fatalf("list --status 已关闭 = %+v", l)
	}
}

func TestScriptTicketReopen(t *testing.T) {
	dir, id, ts := scriptOnFiledTicket(t, "ticket_reopen", 4)
	mustContain(t, ts[2], "工单 "+id+" 已重新打开，已通知刘洋继续处理",
		"[→ 通知 liuyang]\n【工单 "+id+" 被重新打开】", "吴磊反馈问题没有解决")
	mustContain(t, ts[3], "工单 "+id+" 已标记为处理中")

	tk := showTicket(t, dir, id)
	if tk.Status != "处理中" || tk.Rating != 0 {
		t.Fatalf("ticket = %+v, want 处理中 after the reopen", tk)
	}
	n := len(tk.History)
	if n != 5 || tk.History[3].Actor != "wulei" || tk.History[3].From != "已解决" || tk.History[3].To != "重新打开" ||
		tk.History[4].From != "重新打开" || tk.History[4].To != "处理中" {
		t.Fatalf("history = %+v, want …已解决 → 重新打开 (wulei) → 处理中", tk.History)
	}
	if l := listTickets(t, dir, "--status", "重新打开"); len(l) != 0 {
		t.Fatalf("list --status 重新打开 = %+v, want none (now 处理中)", l)
	}
}

func TestScriptTicketAuthorization(t *testing.T) {
	dir, id, ts := scriptOnFiledTicket(t, "ticket_authz", 7)
	fengxue, wulei, liqiang, demo, chenjing, guest := ts[1], ts[2], ts[3], ts[4], ts[5], ts[6]

	// Another project's client sees neither the ticket nor its content.
	mustContain(t, fengxue, "抱歉，您没有权限查看工单 "+id, "只有该项目的实施工程师可以受理工单 "+id)
	mustNotContain(t, fengxue, "打印机驱动", "已受理工单")
	// The reporter (client staff) cannot accept; nor can an engineer of another project.
	mustContain(t, wulei, "只有该项目的实施工程师可以受理工单 "+id)
	mustContain(t, liqiang, "只有该项目的实施工程师可以受理工单 "+id)
	mustNotContain(t, wulei+liqiang, "已受理工单")
	// The project's PM sees it.
	mustContain(t, demo, id, "打印机驱动装不上总是报错")
	mustNotContain(t, demo, "没有权限")
	// A PM of another project does not see it either.
	mustContain(t, chenjing, "抱歉，您没有权限查看工单 "+id)
	mustNotContain(t, chenjing, "打印机驱动")
	// Someone in no project cannot file.
	mustContain(t, guest, "您还没有加入任何项目，暂时无法在这里报修")

	tk := showTicket(t, dir, id)
	if tk.Status != "新建" || tk.Assignee != "liuyang" || len(tk.History) != 1 {
		t.Fatalf("denied actions changed the ticket: %+v", tk)
	}
	if l := listTickets(t, dir); len(l) != 1 {
		t.Fatalf("want 1 ticket (guest filed none), got %+v", l)
	}
}

func TestScriptTicketFormExpires(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	// The TTL is how long a form may sit idle; real waits keep the test honest
	// about the wall clock chat uses. Expiry is judged when the user comes back, so
	// the first run gets a long TTL (a slow machine must not expire it mid-script).
	first := chat(t, dir, script(t, "ticket_expiry_start", nil), "--user", "wulei", "--form-ttl", "1m")
	mustContain(t, first, "【报修（2/7）】")
	time.Sleep(400 * time.Millisecond)
	out := chat(t, dir, script(t, "ticket_expiry_return", nil), "--user", "wulei", "--form-ttl", "300ms")
	mustContain(t, out, "您之前填写的「报修」已超过 300ms没有操作，已自动取消")
	mustNotContain(t, out, "【报修（3/")
	if l := listTickets(t, dir); len(l) != 0 {
		t.Fatalf("expired form left tickets: %+v", l)
	}
}

func TestScriptTicketFreeTextStartsFiling(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	before := time.Now()
	out := chat(t, dir, script(t, "ticket_free_text", nil), "--user", "wulei")
	id := filedID(t, out, before)
	// The description came from the first message, so 问题描述 (2/7) is never asked.
	mustContain(t, out, "好的，我来帮您提交报修。", "【报修（1/7）】", "问题描述：三楼打印机又卡纸了")
	mustNotContain(t, out, "【报修（2/7）】")
	if tk := onlyTicket(t, dir); tk.ID != id || tk.Description != "三楼打印机又卡纸了" || tk.Priority != "P4" {
		t.Fatalf("ticket = %+v", tk)
	}
}

func TestScriptTicketPhotoBeforeFiling(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	before := time.Now()
	out := chat(t, dir, script(t, "ticket_photo_first", map[string]string{"IMAGE": testImage(t)}), "--user", "wulei")
	id := filedID(t, out, before)
	mustContain(t, out, "【收到 1 张照片】", "已附上您刚才发送的 1 张照片", "照片：1 张照片")
	tk := onlyTicket(t, dir)
	if tk.ID != id || tk.Description != "三楼打印机又卡纸了" || len(tk.Photos) != 1 || tk.Photos[0].ThumbRef == "" {
		t.Fatalf("ticket = %+v, want the early photo attached with a thumbnail", tk)
	}
}

func TestScriptTicketTransferNudgeNote(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	before := time.Now()
	id := filedID(t, chat(t, dir, script(t, "ticket_jxjt_file", nil), "--user", "fengxue"), before)
	out := chat(t, dir, script(t, "ticket_transfer_nudge", map[string]string{"ID": id}), "--user", "fengxue")
	ts := turns(out)
	if len(ts) != 4 {
		t.Fatalf("want 3 user switches, got %d:\n%s", len(ts)-1, out)
	}
	liqiang, fengxue, zhaolei := ts[1], ts[2], ts[3]
	mustContain(t, liqiang, "已将工单 "+id+" 转派给赵磊", "[→ 通知 zhaolei]\n【李强转派给您的工单 "+id+"（P2）】",
		"[→ 通知 fengxue]\n您的工单 "+id+" 已转交给赵磊处理")
	mustContain(t, fengxue, "已提醒赵磊尽快处理工单 "+id, "[→ 通知 zhaolei]\n【催办："+id+"】",
		"已经催过了", "已在工单 "+id+" 上添加备注", "[→ 通知 zhaolei]\n工单 "+id+" 有新备注（冯雪）：下午三点前都在办公室")
	if n := strings.Count(fengxue, "【催办："); n != 1 {
		t.Fatalf("assignee nudged %d times, want 1:\n%s", n, fengxue)
	}
	mustContain(t, zhaolei, "【工单 "+id+" · 已受理】", "处理人：赵磊")

	tk := showTicket(t, dir, id)
	if tk.Project != "jxjt" || tk.Assignee != "zhaolei" || tk.Status != "已受理" || tk.Priority != "P2" || tk.Location != "人力资源部" {
		t.Fatalf("ticket = %+v", tk)
	}
	var kinds []string
	for _, h := range tk.History {
		kinds = append(kinds, h.Actor+":"+h.Kind)
	}
	if got, want := strings.Join(kinds, " "), "fengxue:created 00123:status 00123:transferred fengxue:nudged fengxue:note"; got != want {
		t.Fatalf("history:\n got %s\nwant %s", got, want)
	}
}

// After a closed ticket is reopened and fixed again, the bot shows the rating
// card a second time; it must not then refuse the score it just asked for.
// (Guards a fixed bug: the card was shown, then the answer refused with
// "已经评过分（5 分）"; reopening now clears the old score.)
func TestScriptTicketRatingAskedAgainAfterReopenIsAccepted(t *testing.T) {
	dir, id, ts := scriptOnFiledTicket(t, "ticket_rate_after_reopen", 5)
	first, second := ts[2], ts[4]
	mustContain(t, first, "收到您的 5 分评价", "工单 "+id+" 已重新打开")
	if !strings.Contains(second, "【工单 "+id+" 已关闭】") {
		t.Fatalf("second confirmation did not close the ticket:\n%s", second)
	}
	if strings.Contains(second, "请为这次服务打个分") {
		// Asked again: the answer must count.
		mustNotContain(t, second, "已经评过分")
		mustContain(t, second, "收到您的 3 分评价")
		if tk := showTicket(t, dir, id); tk.Rating != 3 {
			t.Fatalf("rating = %d, want the new 3", tk.Rating)
		}
	}
	if tk := showTicket(t, dir, id); tk.Status != "已关闭" {
		t.Fatalf("status = %s, want 已关闭", tk.Status)
	}
}

// A photo sent while a text question is open is not silently lost.
// (Guards a fixed bug: the reply was "请输入内容。" and the photo was dropped;
// the form now keeps it for its photo step.)
func TestScriptTicketPhotoDuringTextSlotNotLost(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	out := chat(t, dir, script(t, "ticket_photo_early_slot", map[string]string{"IMAGE": testImage(t)}), "--user", "wulei")
	// What the bot said between the photo and the next question.
	_, afterPrompt, ok := strings.Cut(out, "【报修（3/7）】")
	_, afterPhoto, ok2 := strings.Cut(afterPrompt, "\n\n")
	reply, _, ok3 := strings.Cut(afterPhoto, "\n\n")
	if !ok || !ok2 || !ok3 {
		t.Fatalf("form did not reach 位置或部门:\n%s", out)
	}
	list := listTickets(t, dir)
	kept := len(list) == 1 && len(list[0].Photos) == 1
	if !kept && !strings.Contains(reply, "照片") {
		t.Fatalf("photo dropped: reply to it was %q and the ticket has photos %+v\n%s", reply, list, out)
	}
}

// 解决了 / 没解决 with no ticket waiting, right after a KB answer, rate the answer.
func TestSolvedAfterKBAnswerRatesIt(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	out := chat(t, dir, "企业微信收不到消息通知怎么办\n没解决\n解决了\n/quit\n", "--user", "wulei")
	mustContain(t, out, "抱歉没帮上忙", "您目前没有等待您确认的工单")
	var gaps struct {
		Useless []struct {
			EntryID string `json:"entry_id"`
		} `json:"useless"`
	}
	adminJSON(t, dir, &gaps, "kb", "gaps")
	if len(gaps.Useless) != 1 || gaps.Useless[0].EntryID != "wecom-no-notification" {
		t.Fatalf("kb gaps 没用 = %+v, want the answered entry", gaps.Useless)
	}
}
