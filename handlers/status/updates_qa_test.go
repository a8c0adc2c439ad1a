package status

import (
	"context"
	"testing"
	"time"

	"deliverybot/bot/bottest"
)

func auditLen(t *testing.T, e *env, project string) int {
	t.Helper()
	a, err := e.reg.Audit(context.Background(), project)
	if err != nil {
		t.Fatal(err)
	}
	return len(a)
}

// 完成 only closes the current phase: skipping ahead would leave the project
// saying 方案设计 is done while 需求调研 is still at 70%.
func TestCompleteRefusesOtherThanCurrentPhase(t *testing.T) {
	e := newEnv(t, Deps{})
	e.h.Say("demo", "进度 华东")
	text := e.h.SayText("demo", "完成 方案设计")
	bottest.MustContain(t, text, "当前阶段是「需求调研」（70%）", "不能直接完成「方案设计」", "完成 需求调研")
	bottest.MustNotContain(t, text, "已更新", "进入")
	if n := auditLen(t, e, "hdyy"); n != 0 {
		t.Fatalf("refused completion was logged (%d entries)", n)
	}
	bottest.MustContain(t, e.h.SayText("demo", "进度"), "需求调研（第 1/5 阶段）70%")

	bottest.MustContain(t, e.h.SayText("demo", "完成 需求调研"), "完成阶段 需求调研，进入 方案设计", "当前：方案设计 0%")
	text = e.h.SayText("demo", "完成 需求调研")
	bottest.MustContain(t, text, "阶段「需求调研」已于 2026-11-26 完成")
	bottest.MustNotContain(t, text, "“", "”")

	// A phase closed long ago keeps its own message, not "current phase is …".
	e.h.Say("demo", "进度 锦绣")
	text = e.h.SayText("demo", "完成 方案设计")
	bottest.MustContain(t, text, "阶段「方案设计」已于 2026-10-16 完成")
	bottest.MustNotContain(t, text, "当前阶段是")
}

// 延期 goes later, 提前 earlier, 改到 either way; never before today (the bot's clock).
func TestMilestoneMoveChecksDirectionAndPast(t *testing.T) {
	e := newEnv(t, Deps{}) // 2026-11-26, Thursday; 锦绣 上线 forecast 2026-12-18
	e.h.Say("demo", "进度 锦绣")
	refused := map[string][]string{
		"里程碑 上线 延期到 下周五 原因 接口未开放": {"当前预计 2026-12-18", "2026-12-04 比它还早，不是延期", "「里程碑 上线 提前到 2026-12-04」"},
		"里程碑 上线 延期到 2025-01-01":   {"2025-01-01 早于今天（2026-11-26）"},
		"里程碑 上线 改到 2026-11-25":    {"2026-11-25 早于今天（2026-11-26）"},
		"里程碑 上线 提前到 2027-01-08":   {"2027-01-08 比它还晚，不是提前", "「里程碑 上线 延期到 2027-01-08」"},
		"里程碑 上线 延期到 2026-12-18":   {"预计日期已经是 2026-12-18，没有变化"},
	}
	for in, want := range refused {
		text := e.h.SayText("demo", in)
		bottest.MustContain(t, text, want...)
		bottest.MustNotContain(t, text, "已更新", "已逾期")
	}
	if n := auditLen(t, e, "jxjt"); n != 0 {
		t.Fatalf("refused moves were logged (%d entries)", n)
	}

	bottest.MustContain(t, e.h.SayText("demo", "里程碑 上线 提前到 下周五"), "已更新", "2026-12-18 → 2026-12-04")
	bottest.MustContain(t, e.h.SayText("demo", "里程碑 上线 延期到 2026-12-25 原因 接口未开放"), "2026-12-04 → 2026-12-25", "接口未开放")
	bottest.MustContain(t, e.h.SayText("demo", "里程碑 上线 改到 2026-12-21"), "2026-12-25 → 2026-12-21")
	bottest.MustContain(t, e.h.SayText("demo", "里程碑 UAT验收 改到 2026-11-26"), "2026-12-04 → 2026-11-26")

	// "Today" follows the bot's clock, not the machine's.
	e.h.Clock.Advance(3 * 24 * time.Hour)
	bottest.MustContain(t, e.h.SayText("demo", "里程碑 UAT验收 延期到 2026-11-28"), "2026-11-28 早于今天（2026-11-29）")
}

func TestProgressNegativeRefusedDecreaseSaid(t *testing.T) {
	e := newEnv(t, Deps{})
	e.h.Say("demo", "进度 华东")
	for _, in := range []string{"更新进度 需求调研 -10%", "更新进度 需求调研 －10％", "更新进度 -10"} {
		text := e.h.SayText("demo", in)
		bottest.MustContain(t, text, "完成度不能是负数（您写的是 -10%）")
		bottest.MustNotContain(t, text, "已更新")
	}
	if n := auditLen(t, e, "hdyy"); n != 0 {
		t.Fatalf("negative progress was logged (%d entries)", n)
	}
	bottest.MustContain(t, e.h.SayText("demo", "更新进度 需求调研 50%"), "已更新", "需求调研 进度回退：70% → 50%", "当前：需求调研 50%")
	text := e.h.SayText("demo", "更新进度 60%")
	bottest.MustContain(t, text, "需求调研 进度 50% → 60%")
	bottest.MustNotContain(t, text, "回退")
}

func TestAddRiskLevelWords(t *testing.T) {
	e := newEnv(t, Deps{})
	e.h.Say("demo", "进度 华东") // risk #1 exists; new ones count up from #2
	tests := []struct{ in, want string }{
		{"新增风险 超高 机房漏水", "新增风险 #2（高）：机房漏水"},
		{"新增风险 很高 机房漏水", "新增风险 #3（高）：机房漏水"},
		{"新增风险 严重：机房漏水", "新增风险 #4（高）：机房漏水"},
		{"新增风险 紧急 机房漏水", "新增风险 #5（高）：机房漏水"},
		{"新增风险 一般 打印机老旧", "新增风险 #6（中）：打印机老旧"},
		{"新增风险 普通 打印机老旧", "新增风险 #7（中）：打印机老旧"},
		{"新增风险 轻微 显示器偏色", "新增风险 #8（低）：显示器偏色"},
		{"新增风险 高风险机房漏水", "新增风险 #9（高）：机房漏水"},
		{"新增风险 机房漏水", "新增风险 #10（中）：机房漏水"},         // no level word: default
		{"新增风险 高并发 压测失败", "新增风险 #11（中）：高并发 压测失败"}, // a word, not a level
	}
	for _, tc := range tests {
		bottest.MustContain(t, e.h.SayText("demo", tc.in), tc.want)
	}
	text := e.h.SayText("demo", "新增风险 中高 机房漏水")
	bottest.MustContain(t, text, "没看懂风险等级「中高」", "高、中 还是 低", "「新增风险 高 机房漏水」")
	bottest.MustNotContain(t, text, "已更新")
	if n := auditLen(t, e, "hdyy"); n != len(tests) {
		t.Fatalf("audit has %d entries, want %d", n, len(tests))
	}
}

func TestCloseClosedRiskSaysAlreadyClosed(t *testing.T) {
	e := newEnv(t, Deps{})
	e.h.Say("demo", "进度 锦绣")
	bottest.MustContain(t, e.h.SayText("demo", "关闭风险 2"), "✅ 已更新", "关闭风险 #2")
	text := e.h.SayText("demo", "关闭风险 2")
	bottest.MustContain(t, text, "风险 #2 之前已经关闭，无需再关。", "未关闭的风险：", "#1")
	bottest.MustNotContain(t, text, "✅", "的风险 #2 已关闭")
	if n := auditLen(t, e, "jxjt"); n != 1 {
		t.Fatalf("audit has %d entries, want 1", n)
	}
}
