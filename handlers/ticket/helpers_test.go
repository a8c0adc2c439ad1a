package ticket_test

import (
	"context"
	"image"
	"strings"
	"testing"

	"deliverybot/bot"
	"deliverybot/bot/bottest"
	"deliverybot/bot/redisstore/redistest"
	"deliverybot/bot/registry"
	"deliverybot/handlers/ticket"
	"deliverybot/handlers/ticket/ticketstore"
)

// People in the fixture registry.
const (
	reporter  = "wulei"    // client staff, 华东医院
	lead      = "zhouhong" // client lead, 华东医院 (not the reporter)
	engineer  = "liuyang"  // on-call engineer, 华东医院
	engineer2 = "zhaolei"  // second engineer, 华东医院
	pm        = "demo"     // PM, 华东医院
	outsider  = "fengxue"  // client staff of another project
	otherEng  = "00123"    // engineer of another project
	multi     = "hejing"   // client staff in two projects
)

func fixtureRegistry() *registry.Registry {
	users := []registry.User{{ID: reporter, Name: "吴磊"}, {ID: lead, Name: "周红"}, {ID: engineer, Name: "刘洋"},
		{ID: engineer2, Name: "赵磊"}, {ID: pm, Name: "王敏"}, {ID: outsider, Name: "冯雪"}, {ID: otherEng, Name: "李强"},
		{ID: multi, Name: "何静"}}
	return registry.New(&registry.Data{Users: users, Projects: []registry.Project{
		{ID: "hdyy", Name: "华东医院", Aliases: []string{"医院项目"}, PM: pm, Oncall: engineer, Products: []string{"企业微信", "打印机"},
			Members: []registry.Member{{User: pm, Role: bot.RolePM}, {User: engineer, Role: bot.RoleEngineer},
				{User: engineer2, Role: bot.RoleEngineer}, {User: lead, Role: bot.RoleClientLead},
				{User: reporter, Role: bot.RoleClientStaff}, {User: multi, Role: bot.RoleClientStaff}}},
		{ID: "jxjt", Name: "锦绣集团", Aliases: []string{"锦绣企微"}, PM: pm, Oncall: otherEng, Products: []string{"腾讯会议"},
			Members: []registry.Member{{User: pm, Role: bot.RolePM}, {User: otherEng, Role: bot.RoleEngineer},
				{User: outsider, Role: bot.RoleClientStaff}, {User: multi, Role: bot.RoleClientStaff}}},
	}}, nil)
}

// fakeFAQ answers questions that contain one of its keywords.
type fakeFAQ map[string]string

func (f fakeFAQ) Answer(_ context.Context, _ *bot.Request, q string) ([]bot.Reply, bool) {
	for k, a := range f {
		if strings.Contains(strings.ToLower(q), k) {
			return []bot.Reply{{Text: a}}, true
		}
	}
	return nil, false
}

var kb = fakeFAQ{
	"vpn":   "VPN 连不上：请先断开 Wi-Fi 重连，再在客户端里选择「华东节点」。",
	"打印机驱动": "打印机驱动：在软件中心搜索「打印机」一键安装。",
}

// fakeThumb stands in for blob.Thumbnail: a recognisably smaller copy.
func fakeThumb(data []byte) ([]byte, error) {
	return append([]byte("thumb:"), data[:min(len(data), 4)]...), nil
}

type env struct {
	*bottest.Harness
	t     *testing.T
	svc   *ticket.Service
	store *ticketstore.Store
	reg   *registry.Registry
}

func newEnv(t *testing.T, opts ...bottest.Option) *env {
	t.Helper()
	b := redistest.New(t)
	e := &env{t: t, reg: fixtureRegistry()}
	e.store = ticketstore.New(b.Client, b.Prefix, bottest.Shanghai)
	opts = append([]bottest.Option{bottest.WithBackend(b), bottest.WithIdentity(e.reg), bottest.WithFAQ(kb),
		bottest.WithSetup(func(r *bot.Router, d *bot.Deps) {
			svc, err := ticket.Register(r, ticket.Deps{Store: e.store, Directory: e.reg, Notifier: d.Notifier,
				Thumbnail: fakeThumb, Clock: d.Clock, Location: bottest.Shanghai})
			if err != nil {
				t.Fatal(err)
			}
			e.svc = svc
		})}, opts...)
	e.Harness = bottest.New(t, opts...)
	return e
}

// say sends text and returns the sender's replies as plain text.
func (e *env) say(user, text string) string {
	e.t.Helper()
	return e.SayText(user, text)
}

// inbox returns (and clears) what user was notified of, as plain text.
func (e *env) inbox(user string) string {
	return bottest.PlainText(e.Notifier.Inbox(user))
}

// toSummary files up to the summary card with the given description.
func (e *env) toSummary(user, desc string) string {
	e.t.Helper()
	e.say(user, "报修")
	e.say(user, "打印机")
	out := e.say(user, desc)
	bottest.MustContain(e.t, out, "位置或部门")
	e.say(user, "三楼东侧打印室")
	e.say(user, "部门")
	e.say(user, "紧急")
	e.say(user, "跳过")
	return e.say(user, "跳过")
}

// file creates a ticket through the dialog and returns its ID.
func (e *env) file(user, desc string) string {
	e.t.Helper()
	bottest.MustContain(e.t, e.toSummary(user, desc), "请确认")
	out := e.say(user, "确认")
	bottest.MustContain(e.t, out, "报修已提交")
	return ticketID(e.t, out)
}

func ticketID(t *testing.T, text string) string {
	t.Helper()
	i := strings.Index(text, "BX-")
	if i < 0 || len(text) < i+16 {
		t.Fatalf("no ticket ID in %q", text)
	}
	return text[i : i+16]
}

func (e *env) ticket(id string) *ticketstore.Ticket {
	e.t.Helper()
	tk, err := e.store.Get(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return tk
}

func (e *env) count() int {
	e.t.Helper()
	list, err := e.store.List(context.Background(), ticketstore.Filter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(list)
}

// realTickets is the ticket feature on a harness with its production defaults
// (real thumbnails, no fake FAQ), for benchmarks and photo tests.
func realTickets(tb testing.TB) (*bottest.Harness, *ticketstore.Store) {
	tb.Helper()
	be := redistest.New(tb)
	reg := fixtureRegistry()
	store := ticketstore.New(be.Client, be.Prefix, bottest.Shanghai)
	h := bottest.New(tb, bottest.WithBackend(be), bottest.WithIdentity(reg),
		bottest.WithSetup(func(r *bot.Router, d *bot.Deps) {
			if _, err := ticket.Register(r, ticket.Deps{Store: store, Directory: reg, Clock: d.Clock}); err != nil {
				tb.Fatal(err)
			}
		}))
	return h, store
}

// noisyImage is photo-like content that compresses poorly, so thumbnails must shrink it.
func noisyImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(uint32(i) * 2654435761 >> 24)
	}
	return img
}
