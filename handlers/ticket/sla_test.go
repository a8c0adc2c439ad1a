package ticket_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"deliverybot/bot"
	"deliverybot/bot/bottest"
	"deliverybot/handlers/ticket"
	"deliverybot/handlers/ticket/ticketstore"
)

// replica is a second process sharing the store: its own service and notifier.
func (e *env) replica(n bot.Notifier) *ticket.Service {
	e.t.Helper()
	s, err := ticket.New(ticket.Deps{Store: e.store, Directory: e.reg, Notifier: n, Clock: e.Clock,
		Location: bottest.Shanghai})
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// checkAll runs one SLA pass on every replica at the same time and returns the total sent.
func checkAll(t *testing.T, replicas ...*ticket.Service) int {
	t.Helper()
	var (
		mu    sync.Mutex
		total int
		wg    sync.WaitGroup
	)
	for _, r := range replicas {
		wg.Go(func() {
			n, err := r.CheckSLA(context.Background())
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	wg.Wait()
	return total
}

func TestSLAEscalatesOnceWithTwoSchedulers(t *testing.T) {
	e := newEnv(t)
	id := e.file(reporter, "三楼打印机又卡纸了") // 部门 × 紧急 = P2: respond in 2 h, resolve in 24 h
	n1, n2 := &bottest.Notifier{}, &bottest.Notifier{}
	a, b := e.replica(n1), e.replica(n2)
	pmInbox := func() []bot.Reply { return append(n1.Inbox(pm), n2.Inbox(pm)...) }

	if n := checkAll(t, a, b); n != 0 {
		t.Fatalf("escalated %d before any target passed", n)
	}
	e.Clock.Advance(2*time.Hour + time.Minute)
	if n := checkAll(t, a, b); n != 1 {
		t.Fatalf("first-response breach escalated %d times, want 1", n)
	}
	got := pmInbox()
	if len(got) != 1 || !strings.Contains(bottest.PlainText(got), id+" 首次响应超时") {
		t.Fatalf("PM got %q", bottest.PlainText(got))
	}
	if n := checkAll(t, a, b); n != 0 || len(pmInbox()) != 0 {
		t.Fatalf("escalated again on the next tick (%d)", n)
	}

	e.say(engineer, "受理 "+id)
	e.Clock.Advance(22 * time.Hour)
	if n := checkAll(t, a, b); n != 1 {
		t.Fatalf("resolution breach escalated %d times, want 1", n)
	}
	bottest.MustContain(t, bottest.PlainText(pmInbox()), id+" 解决超时")
	if n := checkAll(t, a, b); n != 0 {
		t.Fatalf("resolution escalated again (%d)", n)
	}
	var escalations int
	for _, ev := range e.ticket(id).History {
		if ev.Kind == ticketstore.EventEscalated {
			escalations++
		}
	}
	if escalations != 2 {
		t.Fatalf("%d escalation events in history, want 2", escalations)
	}
	bottest.MustContain(t, e.say(pm, "工单 "+id), "SLA 升级：首次响应超时")
}

type failingNotifier struct{}

func (failingNotifier) Notify(context.Context, string, bot.Reply) error {
	return errors.New("wecom down")
}

// TestSLAFailedEscalationIsRetried: nothing is marked sent until the PM was told.
func TestSLAFailedEscalationIsRetried(t *testing.T) {
	e := newEnv(t)
	id := e.file(reporter, "三楼打印机又卡纸了")
	e.Clock.Advance(3 * time.Hour)
	n, err := e.replica(failingNotifier{}).CheckSLA(context.Background())
	if err == nil || n != 0 {
		t.Fatalf("failing notifier: sent %d, err %v", n, err)
	}
	if done, _ := e.store.Escalated(context.Background(), id, ticket.BreachResponse); done {
		t.Fatal("escalation marked done although the notification failed")
	}
	ok := &bottest.Notifier{}
	if n, err := e.replica(ok).CheckSLA(context.Background()); err != nil || n != 1 {
		t.Fatalf("retry after restart: sent %d, err %v", n, err)
	}
	if len(ok.Inbox(pm)) != 1 {
		t.Fatal("PM not told on retry")
	}
}

// cancelOnNotify stops RunSLA as soon as it delivered something.
type cancelOnNotify struct {
	bottest.Notifier
	cancel context.CancelFunc
}

func (c *cancelOnNotify) Notify(ctx context.Context, user string, r bot.Reply) error {
	defer c.cancel()
	return c.Notifier.Notify(ctx, user, r)
}

func TestRunSLALoopsUntilCancelled(t *testing.T) {
	e := newEnv(t)
	e.file(reporter, "三楼打印机又卡纸了")
	e.Clock.Advance(3 * time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	n := &cancelOnNotify{cancel: cancel}
	if err := e.replica(n).RunSLA(ctx); err != nil {
		t.Fatal(err)
	}
	if len(n.Inbox(pm)) != 1 {
		t.Fatal("RunSLA did not escalate")
	}
	if err := e.replica(nil).RunSLA(context.Background()); err == nil {
		t.Fatal("RunSLA without a notifier should refuse to start")
	}
}

func TestProjectTicketStats(t *testing.T) {
	e := newEnv(t)
	id := e.file(reporter, "三楼打印机又卡纸了") // P2
	e.file(reporter, "审批流程打不开，提示网络错误")
	e.say(engineer, "受理 "+id)
	e.Clock.Advance(3 * time.Hour) // the second ticket missed its 2 h first response
	sum, err := e.svc.ProjectTicketStats(context.Background(), "hdyy", e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if sum.OpenByPriority["P2"] != 2 || sum.Total() != 2 || sum.Breached != 1 {
		t.Fatalf("stats = %+v", sum)
	}
	other, _ := e.svc.ProjectTicketStats(context.Background(), "jxjt", e.Clock.Now())
	if other.Total() != 0 {
		t.Fatalf("other project stats = %+v", other)
	}
}
