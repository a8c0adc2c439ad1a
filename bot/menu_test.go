package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"deliverybot/bot"
	"deliverybot/bot/bottest"
)

// pmOnly is an audience: PMs of any project.
func pmOnly(_ context.Context, req *bot.Request) bool {
	if req.Identity == nil {
		return false
	}
	for _, m := range req.Identity.Projects {
		if m.Role == bot.RolePM {
			return true
		}
	}
	return false
}

// menuHarness registers more commands with help than fit in buttons, three of
// them for PMs only.
func menuHarness(t *testing.T) *bottest.Harness {
	t.Helper()
	noop := bot.HandlerFunc(func(context.Context, *bot.Request) ([]bot.Reply, error) { return nil, nil })
	return bottest.New(t,
		bottest.WithUsers(
			bottest.Person("pm", "王敏", bottest.Member("p1", "项目一", bot.RolePM, true)),
			bottest.Person("staff", "冯雪", bottest.Member("p1", "项目一", bot.RoleClientStaff, false))),
		bottest.WithSetup(func(r *bot.Router, _ *bot.Deps) {
			r.Command([]string{"报修"}, "提交故障", noop)
			r.Query([]string{"所有项目", "项目总览"}, "项目经理：所有项目一览", noop)
			r.Query([]string{"周报"}, "项目经理：周报", noop)
			r.Command([]string{"更新进度"}, "项目经理：更新进度", noop)
			r.Query([]string{"我的工单"}, "查看工单", noop)
			r.Command([]string{"进度"}, "查看进度", noop)
			r.Command([]string{"联系人"}, "项目联系人", noop)
			r.Command([]string{"反馈"}, "意见反馈", noop)
			// An alias names the command as well as its first name.
			for _, name := range []string{"项目总览", "周报", "更新进度"} {
				if err := r.Audience(name, pmOnly); err != nil {
					t.Fatal(err)
				}
			}
		}))
}

// menuOf returns the menu card in replies: its lines' command words and its buttons' values.
func menuOf(t *testing.T, replies []bot.Reply) (lines, buttons []string) {
	t.Helper()
	for _, r := range replies {
		if r.Card == nil || !strings.Contains(r.Card.Title, "我能帮您做这些") {
			continue
		}
		for _, l := range strings.Split(r.Card.Description, "\n") {
			if name, _, ok := strings.Cut(strings.TrimPrefix(l, "· "), " —— "); ok {
				lines = append(lines, name)
			}
		}
		for _, b := range r.Card.Buttons {
			buttons = append(buttons, b.Value)
		}
		return lines, buttons
	}
	t.Fatalf("no menu card in %+v", replies)
	return nil, nil
}

func TestMenuListsOnlyCommandsForTheUsersAudience(t *testing.T) {
	h := menuHarness(t)
	pmOnlyCmds := []string{"所有项目", "周报", "更新进度"}
	tests := []struct {
		user, text  string
		lines, btns []string
		mustNotShow []string
	}{
		{user: "pm", text: "帮助",
			lines: []string{"帮助", "报修", "所有项目", "周报", "更新进度", "我的工单", "进度", "联系人", "反馈"},
			btns:  []string{"报修", "所有项目", "周报", "更新进度", "我的工单", "进度"}},
		// Hidden commands free their buttons for the next visible ones.
		{user: "staff", text: "帮助",
			lines: []string{"帮助", "报修", "我的工单", "进度", "联系人", "反馈"},
			btns:  []string{"报修", "我的工单", "进度", "联系人", "反馈"}, mustNotShow: pmOnlyCmds},
		{user: "staff", text: "今天吃什么", // the fallback menu
			lines: []string{"帮助", "报修", "我的工单", "进度", "联系人", "反馈"},
			btns:  []string{"报修", "我的工单", "进度", "联系人", "反馈"}, mustNotShow: pmOnlyCmds},
		{user: "staff", text: "你好", // the greeting's menu
			lines: []string{"帮助", "报修", "我的工单", "进度", "联系人", "反馈"},
			btns:  []string{"报修", "我的工单", "进度", "联系人", "反馈"}, mustNotShow: pmOnlyCmds},
		// Nobody resolved: no memberships, so the PM-only lines stay hidden.
		{user: "stranger", text: "帮助",
			lines: []string{"帮助", "报修", "我的工单", "进度", "联系人", "反馈"},
			btns:  []string{"报修", "我的工单", "进度", "联系人", "反馈"}, mustNotShow: pmOnlyCmds},
	}
	for _, tc := range tests {
		replies := h.Say(tc.user, tc.text)
		lines, btns := menuOf(t, replies)
		if !slices.Equal(lines, tc.lines) || !slices.Equal(btns, tc.btns) {
			t.Errorf("%s %q: lines %v buttons %v, want %v and %v", tc.user, tc.text, lines, btns, tc.lines, tc.btns)
		}
		bottest.MustNotContain(t, bottest.PlainText(replies), tc.mustNotShow...)
	}
}

// Hiding is only about the menu: the command still runs its handler, which
// decides for itself whether to refuse.
func TestAudienceDoesNotBlockTheCommand(t *testing.T) {
	h := bottest.New(t, bottest.WithSetup(func(r *bot.Router, _ *bot.Deps) {
		r.Query([]string{"周报"}, "项目经理：周报", bot.HandlerFunc(func(context.Context, *bot.Request) ([]bot.Reply, error) {
			return []bot.Reply{bot.Text("周报仅对项目经理开放")}, nil
		}))
		if err := r.Audience("周报", pmOnly); err != nil {
			t.Fatal(err)
		}
	}))
	bottest.MustContain(t, h.SayText("u1", "周报"), "周报仅对项目经理开放")
}

func TestAudienceNeedsARegisteredCommand(t *testing.T) {
	r := bot.NewRouter(bot.RouterOptions{})
	if err := r.Audience("不存在", pmOnly); err == nil || !strings.Contains(err.Error(), "不存在") {
		t.Fatalf("want an error naming the missing command, got %v", err)
	}
}
