package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"deliverybot/bot/redisstore/redistest"
)

// The demo data lives at the repository root; tests run in this package's directory.
const (
	demoKB       = "../../deploy/demo/kb"
	demoProjects = "../../deploy/demo/projects.yaml"
)

// isolateRedis gives the test its own key prefix when it runs against a real Redis
// (REDIS_URL), so chat runs of different tests and CI runs never share state.
func isolateRedis(t *testing.T) {
	t.Helper()
	if url := os.Getenv("REDIS_URL"); url != "" {
		t.Setenv("DELIVERYBOT_REDIS_PREFIX", redistest.Real(t, url).Prefix)
	}
}

// chat runs the chat subcommand with a script on stdin and returns stdout.
func chat(t *testing.T, dataDir, script string, extra ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	args := append([]string{"chat", "--data-dir", dataDir, "--kb", demoKB, "--projects", demoProjects}, extra...)
	if err := run(context.Background(), args, strings.NewReader(script), &out, &errOut); err != nil {
		t.Fatalf("chat failed: %v\nstderr:\n%s", err, errOut.String())
	}
	return out.String()
}

func TestChatHelpAndCancel(t *testing.T) {
	isolateRedis(t)
	out := chat(t, t.TempDir(), "帮助\n取消\n/quit\n", "--user", "u1")
	for _, want := range []string{"我能帮您做这些", "当前没有进行中的操作"} {
		if !strings.Contains(out, want) {
			t.Fatalf("missing %q in:\n%s", want, out)
		}
	}
}

func TestChatRejectsBadConfig(t *testing.T) {
	isolateRedis(t)
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"chat", "--data-dir", t.TempDir(), "--form-ttl", "soon"}, strings.NewReader(""), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "form-ttl") {
		t.Fatalf("want a clear config error, got %v", err)
	}
	if _, ok := err.(usageError); !ok {
		t.Fatalf("config error should exit 2 (usageError), got %T", err)
	}
}

func TestChatSwitchesUsers(t *testing.T) {
	isolateRedis(t)
	out := chat(t, t.TempDir(), "/user 00123\n帮助\n/quit\n")
	if !strings.Contains(out, "已切换为用户 00123") {
		t.Fatalf("no switch confirmation:\n%s", out)
	}
}

// An unfinished form continues where it was after chat restarts on the same data dir.
func TestChatResumesFormAfterRestart(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	first := chat(t, dir, "报修\n1\n/quit\n", "--user", "wulei")
	if !strings.Contains(first, "报修（2/7）") {
		t.Fatalf("form did not advance:\n%s", first)
	}
	second := chat(t, dir, "审批流程打不开一直转圈\n/quit\n", "--user", "wulei")
	if !strings.Contains(second, "报修（3/") {
		t.Fatalf("form did not resume after restart:\n%s", second)
	}
}

func TestChatAnswersFromKBAndDeclinesOffTopic(t *testing.T) {
	isolateRedis(t)
	out := chat(t, t.TempDir(), "vpn登不上怎么办\n今天天气怎么样\n/quit\n")
	for _, want := range []string{"VPN登不上怎么办", "暂时没有找到答案"} {
		if !strings.Contains(out, want) {
			t.Fatalf("missing %q:\n%s", want, out)
		}
	}
}

func TestAdminCommandsSeeChatData(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	filed := chat(t, dir, "报修\n1\n打印机驱动装不上总是报错\n跳过\n仅我\n一般\n跳过\n跳过\n确认\n/quit\n", "--user", "wulei")
	if !strings.Contains(filed, "BX-") {
		t.Fatalf("ticket not created:\n%s", filed)
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"ticket", "list", "--json", "--data-dir", dir, "--projects", demoProjects, "--kb", demoKB},
		strings.NewReader(""), &out, &errOut)
	if err != nil {
		t.Fatalf("ticket list: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "打印机驱动装不上总是报错") || !strings.Contains(out.String(), `"reporter": "wulei"`) {
		t.Fatalf("ticket list does not show the filed ticket:\n%s", out.String())
	}
}

// Asking for a person (人工, 联系项目工程师) in the middle of a 报修 names the
// engineers and the form goes on; the words are not saved as an answer.
func TestChatContactEngineerMidForm(t *testing.T) {
	isolateRedis(t)
	out := chat(t, t.TempDir(), "报修\n企业微信\n手机打卡一直失败\n不能\n人工\n跳过\n/quit\n", "--user", "fengxue")
	for _, want := range []string{"李强", "我们继续刚才的「报修」", "这个问题影响多少人"} {
		if !strings.Contains(out, want) {
			t.Fatalf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "位置或部门：人工") {
		t.Fatalf("人工 was saved as the location:\n%s", out)
	}
}
