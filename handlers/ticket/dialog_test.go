package ticket_test

import (
	"bytes"
	"context"
	"image"
	_ "image/jpeg" // decode the thumbnail
	"image/png"
	"strings"
	"testing"
	"time"

	"deliverybot/bot"
	"deliverybot/bot/bottest"
	"deliverybot/bot/redisstore/redistest"
	"deliverybot/handlers/ticket"
	"deliverybot/handlers/ticket/ticketstore"
)

func TestHappyPathWithPhoto(t *testing.T) {
	e := newEnv(t)
	out := e.say(reporter, "报修")
	bottest.MustContain(t, out, "我来帮您提交报修", "1. 企业微信", "2. 打印机", "3. 其他")
	bottest.MustContain(t, e.say(reporter, "2"), "请描述一下遇到的问题")
	bottest.MustContain(t, e.say(reporter, "坏了"), "问题描述太短了")
	bottest.MustContain(t, e.say(reporter, "三楼打印机又卡纸了，打印不出来"), "位置或部门", "可回复「跳过」")
	bottest.MustContain(t, e.say(reporter, "三楼东侧打印室"), "影响多少人", "1. 仅我")
	bottest.MustContain(t, e.say(reporter, "2"), "有多紧急")
	bottest.MustContain(t, e.say(reporter, "紧急"), "优先级为 P2（高）", "联系电话")
	bottest.MustContain(t, e.say(reporter, "138-0013-8000"), "照片")
	photo := []byte("\xff\xd8\xff\xe0 fake jpeg bytes")
	bottest.MustContain(t, bottest.PlainText(e.SendImage(reporter, photo, "image/jpeg")), "已收到 1 张照片")
	out = e.say(reporter, "完成")
	bottest.MustContain(t, out, "请确认", "系统或产品：打印机", "联系电话：13800138000", "照片：1 张")
	out = e.say(reporter, "确认")
	bottest.MustContain(t, out, "报修已提交：BX-20261126-0001", "刘洋", "P2")

	tk := e.ticket("BX-20261126-0001")
	if tk.Project != "hdyy" || tk.Reporter != reporter || tk.Assignee != engineer || tk.Status != ticketstore.StatusNew ||
		tk.Priority != "P2" || tk.Product != "打印机" || tk.Location != "三楼东侧打印室" || tk.Phone != "13800138000" {
		t.Fatalf("ticket = %+v", tk)
	}
	if len(tk.Photos) != 1 || tk.Photos[0].Ref == "" || tk.Photos[0].ThumbRef == "" || tk.Photos[0].ThumbRef == tk.Photos[0].Ref {
		t.Fatalf("photos = %+v, want original and thumbnail refs", tk.Photos)
	}
	thumb, _, err := e.Blobs.Get(context.Background(), tk.Photos[0].ThumbRef)
	if err != nil || !strings.HasPrefix(string(thumb), "thumb:") {
		t.Fatalf("thumbnail blob = %q, %v", thumb, err)
	}
	if want := 2 * time.Hour; !tk.ResponseDue.Equal(tk.CreatedAt.Add(want)) {
		t.Errorf("response due %v, want created+%v", tk.ResponseDue, want)
	}
	note := e.Notifier.Inbox(engineer)
	if len(note) != 1 || note[0].Card == nil || note[0].Card.Buttons[0].Value != "受理 BX-20261126-0001" {
		t.Fatalf("engineer notification = %+v", note)
	}
}

func TestCancelMidForm(t *testing.T) {
	e := newEnv(t)
	e.say(reporter, "报修")
	e.say(reporter, "打印机")
	bottest.MustContain(t, e.say(reporter, "取消"), "确定要取消「报修」吗")
	bottest.MustContain(t, e.say(reporter, "确定取消"), "已取消「报修」")
	if n := e.count(); n != 0 {
		t.Fatalf("%d tickets after cancel", n)
	}
	bottest.MustContain(t, e.say(reporter, "取消"), "没有进行中的操作")
}

func TestCorrectionAtSummaryRecomputesPriority(t *testing.T) {
	e := newEnv(t)
	e.toSummary(reporter, "三楼打印机又卡纸了")
	out := e.say(reporter, "把位置改成二楼护士站")
	bottest.MustContain(t, out, "已将「位置或部门」改为「二楼护士站」", "请确认")
	out = e.say(reporter, "紧急程度改成不急")
	bottest.MustContain(t, out, "优先级为 P4（低）", "请确认")
	id := ticketID(t, e.say(reporter, "确认"))
	tk := e.ticket(id)
	if tk.Location != "二楼护士站" || tk.Urgency != "不急" || tk.Priority != "P4" {
		t.Fatalf("ticket = %+v", tk)
	}
}

func TestFAQDigressionThenResume(t *testing.T) {
	e := newEnv(t)
	e.say(reporter, "报修")
	e.say(reporter, "打印机")
	e.say(reporter, "三楼打印机又卡纸了")
	e.say(reporter, "跳过")
	out := e.say(reporter, "打印机驱动怎么装？")
	bottest.MustContain(t, out, "软件中心", "我们继续刚才的「报修」", "影响多少人")
	bottest.MustContain(t, e.say(reporter, "仅我"), "有多紧急")
}

func TestInvalidPhoneIsAskedAgain(t *testing.T) {
	e := newEnv(t)
	e.say(reporter, "报修")
	e.say(reporter, "打印机")
	e.say(reporter, "三楼打印机又卡纸了")
	e.say(reporter, "跳过")
	e.say(reporter, "仅我")
	bottest.MustContain(t, e.say(reporter, "一般"), "联系电话")
	bottest.MustContain(t, e.say(reporter, "12345"), "电话号码格式不对", "联系电话")
	bottest.MustContain(t, e.say(reporter, "010-12345678"), "照片")
	out := e.say(reporter, "跳过")
	bottest.MustContain(t, out, "联系电话：010-12345678")
}

func TestIdleFormExpires(t *testing.T) {
	e := newEnv(t)
	e.say(reporter, "报修")
	e.say(reporter, "打印机")
	e.Clock.Advance(31 * time.Minute)
	out := e.say(reporter, "三楼打印机又卡纸了")
	bottest.MustContain(t, out, "已超过 30 分钟没有操作，已自动取消")
	if n := e.count(); n != 0 {
		t.Fatalf("%d tickets after expiry", n)
	}
}

func TestKBDeflection(t *testing.T) {
	e := newEnv(t)
	e.say(reporter, "报修")
	e.say(reporter, "企业微信")
	out := e.say(reporter, "电脑连不上VPN了，一直转圈")
	bottest.MustContain(t, out, "知识库里找到", "华东节点", "这个能解决吗")
	bottest.MustContain(t, e.say(reporter, "能"), "太好了")
	if n := e.count(); n != 0 {
		t.Fatalf("%d tickets after deflection", n)
	}
	if n, _ := e.store.Deflections(context.Background(), "hdyy"); n != 1 {
		t.Fatalf("deflections = %d, want 1", n)
	}

	// 不能 continues the filing and the summary does not list the KB step.
	e.say(reporter, "报修")
	e.say(reporter, "企业微信")
	e.say(reporter, "电脑连不上VPN了，一直转圈")
	bottest.MustContain(t, e.say(reporter, "不能"), "我们继续提交报修", "位置或部门")
	e.say(reporter, "跳过")
	e.say(reporter, "仅我")
	e.say(reporter, "一般")
	e.say(reporter, "跳过")
	out = e.say(reporter, "跳过")
	bottest.MustContain(t, out, "请确认")
	bottest.MustNotContain(t, out, "知识库建议")
	e.say(reporter, "确认")
	if n, _ := e.store.Deflections(context.Background(), "hdyy"); n != 1 || e.count() != 1 {
		t.Fatalf("deflections = %d, tickets = %d; want 1 and 1", n, e.count())
	}
}

func TestFreeTextFaultStartsFilingButHowToGoesToKB(t *testing.T) {
	e := newEnv(t)
	out := e.say(reporter, "三楼电脑又蓝屏了")
	bottest.MustContain(t, out, "我来帮您提交报修", "哪个系统或产品")
	e.say(reporter, "其他")
	out = e.say(reporter, "跳过") // location: the description was taken from the first message
	bottest.MustContain(t, out, "影响多少人")

	e2 := newEnv(t)
	out = e2.say(reporter, "vpn登不上怎么办")
	bottest.MustContain(t, out, "华东节点", "回复「报修」")
	bottest.MustNotContain(t, out, "我来帮您提交报修")
	out = e2.say(reporter, "系统登不上怎么办")
	bottest.MustContain(t, out, "需要报修吗", "提交报修")
}

func TestSimilarTicketMerge(t *testing.T) {
	e := newEnv(t)
	id := e.file(reporter, "三楼打印机又卡纸了")
	e.Notifier.Inbox(engineer)
	e.Clock.Advance(2 * time.Hour)
	e.say(reporter, "报修")
	e.say(reporter, "打印机")
	out := e.say(reporter, "三楼打印机卡纸了，打不出来")
	bottest.MustContain(t, out, "要补充到 "+id+" 吗")
	bottest.MustContain(t, e.say(reporter, "是"), "已将这次的描述补充到工单 "+id)
	if n := e.count(); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}
	tk := e.ticket(id)
	last := tk.History[len(tk.History)-1]
	if last.Kind != ticketstore.EventNote || !strings.Contains(last.Text, "打不出来") {
		t.Fatalf("last event = %+v", last)
	}
	bottest.MustContain(t, e.inbox(engineer), "新的补充")

	// A different fault is not offered for merging; 否 on a similar one files a new ticket.
	e.say(reporter, "报修")
	e.say(reporter, "企业微信")
	bottest.MustNotContain(t, e.say(reporter, "审批流程打不开，提示网络错误"), "要补充到")
	e.say(reporter, "取消")
	e.say(reporter, "确定取消")
	e.say(reporter, "报修")
	e.say(reporter, "打印机")
	e.say(reporter, "三楼打印机又卡纸了！")
	bottest.MustContain(t, e.say(reporter, "否"), "为您新建一个工单", "位置或部门")
}

func TestAcceptResolveConfirmRate(t *testing.T) {
	e := newEnv(t)
	id := e.file(reporter, "三楼打印机又卡纸了")
	e.Notifier.Inbox(engineer)

	bottest.MustContain(t, bottest.PlainText(e.Click(engineer, "受理 "+id)), "已受理工单 "+id)
	bottest.MustContain(t, e.inbox(reporter), "已由刘洋受理")
	bottest.MustContain(t, e.say(engineer, "处理中"+strings.ToLower(id)), "已标记为处理中")
	bottest.MustContain(t, e.inbox(reporter), "正在处理中")
	bottest.MustContain(t, e.say(engineer, "备注 "+id+" 已联系厂家寄搓纸轮"), "已在工单")
	bottest.MustContain(t, e.inbox(reporter), "已联系厂家寄搓纸轮")
	bottest.MustContain(t, e.say(engineer, "解决 "+id+" 更换了搓纸轮"), "等待提交人确认")
	bottest.MustContain(t, e.inbox(reporter), "问题解决了吗", "更换了搓纸轮", "解决了", "没解决")

	out := e.say(reporter, "解决了")
	bottest.MustContain(t, out, "已关闭", "5 分 非常满意")
	bottest.MustContain(t, e.inbox(engineer), "已确认工单 "+id+" 解决")
	bottest.MustContain(t, e.say(reporter, "5"), "收到您的 5 分评价")
	bottest.MustContain(t, e.say(reporter, "评分 "+id+" 1"), "已经评过分")
	bottest.MustContain(t, e.say(reporter, "评分 "+id+" 6"), "1 到 5 的整数评分")

	tk := e.ticket(id)
	if tk.Status != ticketstore.StatusClosed || tk.Rating != 5 || tk.Resolution != "更换了搓纸轮" || tk.RespondedAt.IsZero() {
		t.Fatalf("ticket = %+v", tk)
	}
	var kinds []string
	for _, ev := range tk.History {
		kinds = append(kinds, ev.Kind+":"+string(ev.To))
	}
	want := "created:新建 status:已受理 status:处理中 note: status:已解决 status:已关闭 rated:"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("history = %s\nwant      %s", got, want)
	}
	detail := e.say(reporter, "工单 "+id)
	bottest.MustContain(t, detail, "已关闭", "刘洋 已受理 → 处理中", "评分：5 分")
}

func TestReopenAfterNotResolved(t *testing.T) {
	e := newEnv(t)
	id := e.file(reporter, "三楼打印机又卡纸了")
	e.say(engineer, "受理 "+id)
	e.say(engineer, "解决 "+id+" 清理了卡纸")
	e.Notifier.Inbox(engineer)
	bottest.MustContain(t, e.say(reporter, "没解决 "+id+" 还是卡"), "已重新打开")
	bottest.MustContain(t, e.inbox(engineer), "被重新打开", "处理中 "+id)
	if tk := e.ticket(id); tk.Status != ticketstore.StatusReopened {
		t.Fatalf("status = %s", tk.Status)
	}
	bottest.MustContain(t, e.say(engineer, "解决 "+id+" 换了新硒鼓"), "等待提交人确认")
	e.say(reporter, "解决了 "+id)
	// Closed tickets can be reopened by the reporter.
	bottest.MustContain(t, e.say(reporter, "重新打开 "+id), "已重新打开")
	bottest.MustContain(t, e.say(reporter, "解决了 "+id), "当前状态是「重新打开」")
}

func TestTransferNudgeAndCancel(t *testing.T) {
	e := newEnv(t)
	id := e.file(reporter, "三楼打印机又卡纸了")
	e.Notifier.Inbox(engineer)
	bottest.MustContain(t, e.say(engineer, "转派 "+id+" 李强"), "不是该项目的实施工程师")
	bottest.MustContain(t, e.say(engineer, "转派 "+id+" 赵磊"), "已将工单 "+id+" 转派给赵磊")
	bottest.MustContain(t, e.inbox(engineer2), "刘洋转派给您的工单", "受理 "+id)
	bottest.MustContain(t, e.inbox(reporter), "已转交给赵磊")

	bottest.MustContain(t, e.say(reporter, "催一下 "+id), "已提醒赵磊")
	bottest.MustContain(t, e.inbox(engineer2), "催办")
	bottest.MustContain(t, e.say(reporter, "催一下 "+id), "已经催过了", "30 分钟")
	if len(e.Notifier.Inbox(engineer2)) != 0 {
		t.Fatal("second nudge notified the engineer")
	}
	bottest.MustContain(t, e.say(reporter, "取消工单 "+id), "已取消")
	bottest.MustContain(t, e.inbox(engineer2), "无需再处理")
	bottest.MustContain(t, e.say(engineer2, "受理 "+id), "当前状态是「已取消」")
}

func TestAuthorization(t *testing.T) {
	e := newEnv(t)
	id := e.file(reporter, "三楼打印机又卡纸了")
	cases := []struct {
		user, text string
		want       string
	}{
		{outsider, "工单 " + id, "没有权限查看"},
		{otherEng, "工单 " + id, "没有权限查看"},
		{lead, "工单 " + id, "没有权限查看"},
		{outsider, "催一下 " + id, "没有权限查看"},
		{reporter, "受理 " + id, "只有该项目的实施工程师可以受理"},
		{pm, "解决 " + id + " 好了", "需由实施工程师解决，项目经理不能直接操作"},
		{otherEng, "受理 " + id, "只有该项目的实施工程师可以受理"},
		{engineer, "解决了 " + id, "处理人标记已解决请用：解决 " + id},
		{outsider, "解决了 " + id, "没有权限查看"},
		{reporter, "工单 " + id, "三楼打印机又卡纸了"},
		{pm, "工单 " + id, "处理记录"},
		{engineer2, "工单 " + id, "处理记录"},
		{reporter, "工单 BX-20990101-0001", "没有找到工单"},
	}
	for _, c := range cases {
		bottest.MustContain(t, e.say(c.user, c.text), c.want)
	}
	if tk := e.ticket(id); tk.Status != ticketstore.StatusNew || len(tk.History) != 1 {
		t.Fatalf("denied actions changed the ticket: %+v", tk)
	}
	bottest.MustContain(t, e.say("stranger", "报修"), "还没有加入任何项目")
}

// The PM is not told to contact the PM: they are sent to the ticket's handler.
func TestWorkDenialForPMNamesWhomToAsk(t *testing.T) {
	e := newEnv(t)
	id := e.file(reporter, "三楼打印机又卡纸了")
	out := e.say(pm, "转派 "+id+" 赵磊")
	bottest.MustContain(t, out, "工单 "+id+" 需由实施工程师转派", "请联系当前处理人刘洋转派")
	bottest.MustNotContain(t, out, "请联系项目经理")
	if tk := e.ticket(id); tk.Assignee != engineer {
		t.Fatalf("denied transfer changed the assignee to %s", tk.Assignee)
	}
	// Others are still sent to the PM.
	bottest.MustContain(t, e.say(otherEng, "转派 "+id+" 赵磊"), "只有该项目的实施工程师可以转派", "请联系项目经理安排")
}

func TestMyTicketsAndProjectChoice(t *testing.T) {
	e := newEnv(t)
	id := e.file(reporter, "三楼打印机又卡纸了")
	bottest.MustContain(t, e.say(reporter, "我的工单"), "我提交的工单", id, "【新建】", "1. "+id)
	bottest.MustContain(t, e.say(reporter, "1"), "【工单 "+id, "处理记录")
	bottest.MustContain(t, e.say(engineer, "我的工单"), "待我处理的工单", id)
	bottest.MustContain(t, e.say(outsider, "我的工单"), "您目前没有工单")

	out := e.say(multi, "报修")
	bottest.MustContain(t, out, "哪个项目", "华东医院", "锦绣集团")
	bottest.MustContain(t, e.say(multi, "2"), "腾讯会议")
	bottest.MustContain(t, e.say(multi, "腾讯会议"), "请描述")
}

// TestReprocessedConfirmFilesOnce replays the confirming message after its session
// change was lost (as when a worker dies before saving): no second ticket.
func TestReprocessedConfirmFilesOnce(t *testing.T) {
	e := newEnv(t)
	e.toSummary(reporter, "三楼打印机又卡纸了")
	ctx := context.Background()
	before, err := e.Sessions.Load(ctx, reporter)
	if err != nil {
		t.Fatal(err)
	}
	form := *before.Form
	msg := bot.Message{ID: "wecom-msg-42", UserID: reporter, Text: "确认"}
	first := bottest.PlainText(e.Send(msg))
	cur, _ := e.Sessions.Load(ctx, reporter)
	cur.Form = &form
	if err := e.Sessions.Save(ctx, cur); err != nil {
		t.Fatal(err)
	}
	second := bottest.PlainText(e.Send(msg))
	if ticketID(t, first) != ticketID(t, second) || e.count() != 1 {
		t.Fatalf("replayed confirm: %s / %s, %d tickets", ticketID(t, first), ticketID(t, second), e.count())
	}
}

// stageFAQ is a FAQ that also serves the router's FAQ stage (like handlers/faq).
type stageFAQ struct{ fakeFAQ }

func (stageFAQ) Handle(_ context.Context, req *bot.Request) ([]bot.Reply, error) {
	return []bot.Reply{{Text: "您是不是想问：" + req.Text()}}, nil
}

func TestHowToQuestionWithFaultWordGoesToFAQStage(t *testing.T) {
	e := newEnv(t, bottest.WithFAQ(stageFAQ{kb}))
	out := e.say(reporter, "系统登不上怎么办")
	bottest.MustContain(t, out, "您是不是想问：系统登不上怎么办")
	bottest.MustNotContain(t, out, "我来帮您提交报修")
}

func TestRealThumbnailIsSmallerJPEG(t *testing.T) {
	h, store := realTickets(t)
	// A noisy photo-like image: PNG keeps every pixel, the thumbnail must not.
	img := noisyImage(800, 600)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"报修", "打印机", "三楼打印机又卡纸了", "跳过", "仅我", "一般", "跳过"} {
		h.Say(reporter, m)
	}
	h.SendImage(reporter, buf.Bytes(), "image/png")
	h.Say(reporter, "完成")
	id := ticketID(t, bottest.PlainText(h.Say(reporter, "确认")))
	tk, err := store.Get(context.Background(), id)
	if err != nil || len(tk.Photos) != 1 {
		t.Fatalf("ticket %+v, %v", tk, err)
	}
	thumb, _, err := h.Blobs.Get(context.Background(), tk.Photos[0].ThumbRef)
	if err != nil {
		t.Fatal(err)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(thumb))
	if err != nil || format != "jpeg" || cfg.Width >= 800 || len(thumb) >= buf.Len() {
		t.Fatalf("thumbnail %s %dx%d, %d bytes (original %d): %v", format, cfg.Width, cfg.Height, len(thumb), buf.Len(), err)
	}
}

type fakeRobot struct{ posts map[string][]bot.Reply }

func (f *fakeRobot) Post(_ context.Context, project string, r bot.Reply) (bool, error) {
	if project != "hdyy" {
		return false, nil
	}
	f.posts[project] = append(f.posts[project], r)
	return true, nil
}

func TestGroupRobotAnnouncesNewTickets(t *testing.T) {
	b := redistest.New(t)
	reg := fixtureRegistry()
	store := ticketstore.New(b.Client, b.Prefix, bottest.Shanghai)
	robot := &fakeRobot{posts: map[string][]bot.Reply{}}
	h := bottest.New(t, bottest.WithBackend(b), bottest.WithIdentity(reg),
		bottest.WithSetup(func(r *bot.Router, d *bot.Deps) {
			if _, err := ticket.Register(r, ticket.Deps{Store: store, Directory: reg, Clock: d.Clock, Robot: robot}); err != nil {
				t.Fatal(err)
			}
		}))
	for _, m := range []string{"报修", "打印机", "三楼打印机又卡纸了", "跳过", "仅我", "一般", "跳过", "跳过"} {
		h.Say(reporter, m)
	}
	id := ticketID(t, bottest.PlainText(h.Say(reporter, "确认")))
	if got := robot.posts["hdyy"]; len(got) != 1 || !strings.Contains(got[0].PlainText(), "新报修工单 "+id) {
		t.Fatalf("robot posts = %+v", got)
	}
	if len(h.Notifier.Inbox(engineer)) != 1 {
		t.Fatal("on-call engineer not told directly")
	}
}

func TestPhotoFirstThenFiling(t *testing.T) {
	e := newEnv(t)
	out := bottest.PlainText(e.SendImage(reporter, []byte("photo of a jammed printer"), "image/jpeg"))
	bottest.MustContain(t, out, "收到 1 张照片", "要用这些照片提交报修吗")
	out = e.say(reporter, "1") // the 报修 button
	bottest.MustContain(t, out, "已附上您刚才发送的 1 张照片", "哪个系统或产品")
	e.say(reporter, "打印机")
	e.say(reporter, "三楼打印机又卡纸了")
	e.say(reporter, "跳过")
	e.say(reporter, "仅我")
	e.say(reporter, "一般")
	out = e.say(reporter, "跳过")
	bottest.MustContain(t, out, "请确认", "照片：1 张")
	id := ticketID(t, e.say(reporter, "确认"))
	tk := e.ticket(id)
	if len(tk.Photos) != 1 || tk.Photos[0].ThumbRef == "" {
		t.Fatalf("photos = %+v", tk.Photos)
	}
	// Used photos are not attached again; old ones expire.
	bottest.MustNotContain(t, e.say(reporter, "报修"), "已附上")
	e.say(reporter, "取消")
	e.say(reporter, "确定取消")
	e.SendImage(reporter, []byte("another photo"), "image/jpeg")
	e.Clock.Advance(31 * time.Minute)
	bottest.MustNotContain(t, e.say(reporter, "报修"), "已附上")
}

// Photos waiting for 报修 go to the ticket the filing is merged into: the merge
// ends the dialog, so they would otherwise be lost.
func TestSimilarTicketMergeKeepsPhotos(t *testing.T) {
	e := newEnv(t)
	id := e.file(reporter, "三楼打印机卡纸了，打不出来")
	e.Notifier.Inbox(engineer)
	e.SendImage(reporter, []byte("jammed printer 1"), "image/jpeg")
	e.SendImage(reporter, []byte("jammed printer 2"), "image/jpeg")
	out := e.say(reporter, "报修 三楼打印机又卡纸了")
	bottest.MustContain(t, out, "已附上您刚才发送的 2 张照片", "要补充到 "+id+" 吗")
	bottest.MustContain(t, e.say(reporter, "是"), "已将这次的描述和 2 张照片补充到工单 "+id)
	tk := e.ticket(id)
	if len(tk.Photos) != 2 || tk.Photos[0].ThumbRef == "" || tk.Photos[1].ThumbRef == "" {
		t.Fatalf("photos = %+v, want the 2 waiting photos with thumbnails", tk.Photos)
	}
	bottest.MustContain(t, e.inbox(engineer), "附照片 2 张")
	bottest.MustContain(t, e.say(reporter, "工单 "+id), "照片：2 张")
	// The photos were used: the next filing does not attach them again.
	bottest.MustNotContain(t, e.say(reporter, "报修"), "已附上")
}

func TestCorrectingDescriptionSearchesKBAgain(t *testing.T) {
	e := newEnv(t)
	e.toSummary(reporter, "三楼打印机又卡纸了")
	out := e.say(reporter, "问题描述改成电脑连不上vpn了")
	bottest.MustContain(t, out, "已将「问题描述」改为", "华东节点", "这个能解决吗")
	out = e.say(reporter, "不能")
	bottest.MustContain(t, out, "请确认", "问题描述：电脑连不上vpn了")
	bottest.MustNotContain(t, out, "知识库建议")
}

// A project with nothing open says so instead of a heading with an empty list.
func TestProjectTicketsSaysWhenNoneOpen(t *testing.T) {
	e := newEnv(t)
	id := e.file(reporter, "三楼打印机又卡纸了")
	out := e.say(pm, "项目工单")
	bottest.MustContain(t, out, "华东医院 未完成的工单（1 个）：", id, "锦绣集团 没有未完成的工单。")
	bottest.MustNotContain(t, out, "（0 个）")
}
