package status

import (
	"fmt"
	"strings"
	"testing"

	"deliverybot/bot/bottest"
)

// The authorization matrix of the package doc, checked cell by cell through the
// real router with the demo registry. "Own" project is jxjt (锦绣), "other" is ylzq
// (远陆), which none of these people belong to.
func TestAuthorizationMatrix(t *testing.T) {
	people := []struct{ role, user string }{
		{"pm", "demo"}, {"engineer", "00123"}, {"client_lead", "zhengkai"}, {"client_staff", "fengxue"},
		{"outsider (known, no project)", "guest"}, {"unknown user", "nobody"},
	}
	type action struct {
		name   string
		setup  string // said first (selects the project where allowed)
		say    string
		okSign string // present only when allowed
	}
	actions := []action{
		{"status of own project", "", "进度 锦绣", "环境搭建与测试（第 3/5 阶段）"},
		{"status of another project", "", "远陆项目怎么样了", "后期运维与优化（第 5/5 阶段）"},
		{"所有项目", "", "所有项目", "所有项目（3 个"},
		{"周报", "", "周报", "项目周报"},
		{"更新进度 own", "", "更新进度 锦绣 环境搭建与测试 60%", "已更新"},
		{"更新进度 other", "", "更新进度 远陆 后期运维与优化 50%", "已更新"},
		{"完成 own", "", "完成 锦绣 环境搭建与测试", "已更新"},
		{"里程碑 own", "", "里程碑 锦绣 UAT验收 延期到 2026-12-11", "已更新"},
		{"新增风险 own", "进度 锦绣", "新增风险 低 演示风险", "已更新"},
		{"关闭风险 own", "进度 锦绣", "关闭风险 锦绣 3", "已更新"},
		{"项目日志 own", "", "项目日志 锦绣", "还没有通过聊天做过更新"},
	}
	// allowed[role][action]
	allowed := map[string]map[string]bool{
		"pm":           {"status of own project": true, "status of another project": true, "所有项目": true, "周报": true, "更新进度 own": true, "完成 own": true, "里程碑 own": true, "新增风险 own": true, "关闭风险 own": true, "项目日志 own": true},
		"engineer":     {"status of own project": true, "更新进度 own": true, "完成 own": true, "里程碑 own": true, "新增风险 own": true, "关闭风险 own": true, "项目日志 own": true},
		"client_lead":  {"status of own project": true},
		"client_staff": {"status of own project": true},
	}
	for _, p := range people {
		for _, a := range actions {
			want := allowed[p.role][a.name]
			t.Run(fmt.Sprintf("%s/%s", p.role, a.name), func(t *testing.T) {
				e := newEnv(t, Deps{})
				if a.setup != "" {
					e.h.Say(p.user, a.setup)
				}
				text := e.h.SayText(p.user, a.say)
				got := strings.Contains(text, a.okSign)
				if got != want {
					t.Fatalf("%s %q: allowed=%v, want %v:\n%s", p.user, a.say, got, want, text)
				}
				if !want {
					bottest.MustContain(t, text, "抱歉")
					if !strings.Contains(text, "请联系") && !strings.Contains(text, "请回复「进度」") {
						t.Fatalf("refusal does not say what to do instead:\n%s", text)
					}
				}
			})
		}
	}
}
