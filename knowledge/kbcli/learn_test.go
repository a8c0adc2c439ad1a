package kbcli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"deliverybot/bot/redisstore/redistest"
	"deliverybot/knowledge"
	"deliverybot/knowledge/kbcli"
	"deliverybot/knowledge/kbstore"
)

// copyDemoKB copies the demo KB so a test may rewrite it.
func copyDemoKB(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "kb")
	if err := os.CopyFS(dir, os.DirFS(demoKB)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The loop kb gaps shows and kb learn closes: a question a user picked an
// entry for becomes its 相似问法, and the next user asking it is answered.
func TestLearnWritesPickedQuestionsIntoTheKB(t *testing.T) {
	ctx := context.Background()
	b := redistest.New(t)
	st := kbstore.New(b.Client, b.Prefix)
	picks := []struct{ q, id string }{
		{"vpn点了连接一直转圈", "vpn-cannot-login"}, {"vpn点了连接一直转圈", "vpn-cannot-login"},
		{"报销单填错了想拿回来重填", "approval-withdraw"},
		{"忘记密码了怎么办", "password-reset"}, // already one of its 相似问法
	}
	for _, p := range picks {
		if err := st.LogPick(ctx, p.q, p.id, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	c := kbcli.CLI{Prefix: b.Prefix, Redis: func(context.Context) (redis.UniversalClient, func(), error) {
		return b.Client, func() {}, nil
	}}
	dir := copyDemoKB(t)
	before, _ := os.ReadFile(filepath.Join(dir, "vpn_account.md"))

	out, err := run(t, c, "learn", "--kb", dir, "--min", "2", "--dry-run")
	if err != nil || !strings.Contains(out, "将加入 vpn-cannot-login ← vpn点了连接一直转圈") || strings.Contains(out, "approval-withdraw") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if now, _ := os.ReadFile(filepath.Join(dir, "vpn_account.md")); string(now) != string(before) {
		t.Fatal("dry run wrote the KB")
	}

	out, err = run(t, c, "learn", "--kb", dir)
	if err != nil {
		t.Fatal(err, out)
	}
	for _, want := range []string{"加入 vpn-cannot-login ← vpn点了连接一直转圈", "加入 approval-withdraw ← 报销单填错了想拿回来重填", "已有 password-reset ← 忘记密码了怎么办", "已把 2 个问法写入"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	if left, _ := st.TopPicks(ctx, 10); len(left) != 0 {
		t.Fatalf("learned picks still listed: %+v", left)
	}
	ix, _, err := knowledge.LoadIndex(dir, knowledge.DefaultOptions(), true)
	if err != nil {
		t.Fatal(err)
	}
	for q, id := range map[string]string{"vpn点了连接一直转圈": "vpn-cannot-login", "报销单填错了想拿回来重填": "approval-withdraw"} {
		res := ix.Search(q, 3)
		if top, ok := res.Top(); !ok || top.Entry.ID != id || res.Decision != knowledge.Answer {
			t.Fatalf("%q after learning: %v %+v", q, res.Decision, res.Ranked)
		}
	}
	out, err = run(t, c, "learn", "--kb", dir)
	if err != nil || !strings.Contains(out, "没有可加入的问法") {
		t.Fatalf("second run: %v\n%s", err, out)
	}
}

// A user asked "vpn", got suggestions and picked one: learning "vpn" would make
// the bare topic word answer that entry outright. A question logged cut off
// ("…") is skipped too. Both stay listed with the reason.
func TestLearnSkipsTopicWordsAndCutQuestions(t *testing.T) {
	ctx := context.Background()
	b := redistest.New(t)
	st := kbstore.New(b.Client, b.Prefix)
	cut := string([]rune(strings.Repeat("vpn一直连不上提示错误", 10))[:99]) + "…" // as handlers/faq logs it
	for _, q := range []string{"vpn", cut} {
		if err := st.LogPick(ctx, q, "vpn-cannot-login", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	c := kbcli.CLI{Prefix: b.Prefix, Redis: func(context.Context) (redis.UniversalClient, func(), error) {
		return b.Client, func() {}, nil
	}}
	dir := copyDemoKB(t)
	before, _ := os.ReadFile(filepath.Join(dir, "vpn_account.md"))
	out, err := run(t, c, "learn", "--kb", dir)
	if err != nil {
		t.Fatal(err, out)
	}
	for _, want := range []string{"跳过（太短", "vpn-cannot-login ← vpn\n", "跳过（以「…」结尾"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "已把") {
		t.Fatalf("something was written:\n%s", out)
	}
	if now, _ := os.ReadFile(filepath.Join(dir, "vpn_account.md")); string(now) != string(before) {
		t.Fatal("the KB was rewritten")
	}
	out, err = run(t, c, "learn", "--kb", dir, "--json")
	if err != nil || !strings.Contains(out, `"status":"short"`) || !strings.Contains(out, `"status":"truncated"`) {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if left, _ := st.TopPicks(ctx, 10); len(left) != 2 {
		t.Fatalf("skipped picks were forgotten: %+v", left)
	}
}
