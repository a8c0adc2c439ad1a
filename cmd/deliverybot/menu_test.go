package main

import (
	"strings"
	"testing"
)

// The whole app's 帮助 menu, as the demo people see it: each is offered only
// what they can use, so client staff are not shown PM commands that refuse them.
func TestChatHelpMenuFollowsRole(t *testing.T) {
	isolateRedis(t)
	out := chat(t, t.TempDir(), "帮助\n/user 00123\n帮助\n/user fengxue\n帮助\n/user guest\n帮助\n/quit\n", "--user", "demo")
	menus := strings.Split(out, "已切换为用户 ")
	if len(menus) != 4 {
		t.Fatalf("want 4 menus, got %d:\n%s", len(menus), out)
	}
	line := func(name string) string { return "· " + name + " —— " }
	pm, engineer, staff, guest := menus[0], menus[1], menus[2], menus[3]
	mustContain(t, pm, line("报修"), line("我的工单"), line("进度"), line("所有项目"), line("周报"), line("更新进度"),
		"4. 所有项目", "5. 周报", "6. 更新进度")
	mustContain(t, engineer, line("进度"), line("更新进度"), "4. 更新进度")
	mustNotContain(t, engineer, "所有项目", "周报")
	mustContain(t, staff, line("报修"), line("我的工单"), line("进度"), "3. 进度")
	mustNotContain(t, staff, "所有项目", "周报", "更新进度", "4. ")
	// In no project: nothing to file or follow but their own tickets.
	mustContain(t, guest, line("我的工单"), "1. 我的工单")
	mustNotContain(t, guest, "报修", "进度", "所有项目", "周报", "2. ")
}
