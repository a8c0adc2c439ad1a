package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"deliverybot/knowledge/embedopenai/embedtest"
)

const (
	embedKey   = "sk-e2e-SECRET-abcdefghijklmnop1234"
	embedModel = "test-embed-model"
)

func setEmbedEnv(t *testing.T, srv *embedtest.Server) {
	t.Setenv("DELIVERYBOT_EMBED_BASE_URL", srv.BaseURL())
	t.Setenv("DELIVERYBOT_EMBED_API_KEY", embedKey)
	t.Setenv("DELIVERYBOT_EMBED_MODEL", embedModel)
}

// With the env pointing at an embeddings API, chat answers through the fused
// ranking: the question is embedded and the entry only the embedding ranks
// first comes first.
func TestChatAnswersThroughEmbeddings(t *testing.T) {
	isolateRedis(t)
	kb := embedtest.DecisiveKBDir(t)
	lexical := chat(t, t.TempDir(), embedtest.DecisiveQuery+"\n/quit\n", "--kb", kb)
	if !strings.Contains(lexical, "1. 开会的时候画面老是卡顿怎么办") {
		t.Fatalf("precondition: lexical chat should put meeting-lag first:\n%s", lexical)
	}

	srv := embedtest.New(t, embedKey, embedModel)
	setEmbedEnv(t, srv)
	dir := t.TempDir()
	out := chat(t, dir, embedtest.DecisiveQuery+"\n/quit\n", "--kb", kb, "--log-level", "info")
	// meeting-drop comes first; the confidence stays the lexical one, so the
	// policy still offers both rather than answering outright.
	if !strings.Contains(out, "1. 会议中途断开连接") {
		t.Fatalf("fused chat did not put meeting-drop first:\n%s", out)
	}
	texts := srv.Texts()
	if len(texts) != 8 || texts[len(texts)-1] != embedtest.DecisiveQuery {
		t.Fatalf("want the 7 phrasings then the question embedded, got %q", texts)
	}

	// A restart on the same store embeds only the question: the phrasings are
	// cached. The log names the configuration with the key masked.
	srv.Reset()
	var stdout, stderr bytes.Buffer
	args := []string{"chat", "--data-dir", dir, "--kb", kb, "--projects", demoProjects, "--log-level", "info"}
	if err := run(context.Background(), args, strings.NewReader(embedtest.DecisiveQuery+"\n/quit\n"), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if texts := srv.Texts(); len(texts) != 1 || texts[0] != embedtest.DecisiveQuery {
		t.Fatalf("restart embedded %q, want only the question", texts)
	}
	logs := stderr.String()
	if !strings.Contains(logs, "kb embeddings enabled") || !strings.Contains(logs, "api_key=****1234") || strings.Contains(logs, embedKey) {
		t.Fatalf("startup log should name the embeddings config with the key masked:\n%s", logs)
	}
}

func TestEmbedConfigIsValidatedAndMasked(t *testing.T) {
	isolateRedis(t)
	for name, env := range map[string]map[string]string{
		"key missing": {"DELIVERYBOT_EMBED_BASE_URL": "https://api.example.com/v1"},
		"bad url":     {"DELIVERYBOT_EMBED_BASE_URL": "api.example.com", "DELIVERYBOT_EMBED_API_KEY": embedKey},
		"no base url": {"DELIVERYBOT_EMBED_API_KEY": embedKey},
		"bad batch":   {"DELIVERYBOT_EMBED_BASE_URL": "https://api.example.com/v1", "DELIVERYBOT_EMBED_API_KEY": embedKey, "DELIVERYBOT_EMBED_BATCH": "0"},
		"bad fusion":  {"DELIVERYBOT_EMBED_BASE_URL": "https://api.example.com/v1", "DELIVERYBOT_EMBED_API_KEY": embedKey, "DELIVERYBOT_EMBED_FUSION": "sometimes"},
	} {
		t.Run(name, func(t *testing.T) {
			for k, v := range env {
				t.Setenv(k, v)
			}
			var out, errOut bytes.Buffer
			err := run(context.Background(), []string{"chat", "--data-dir", t.TempDir(), "--kb", demoKB, "--projects", demoProjects},
				strings.NewReader("/quit\n"), &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), "DELIVERYBOT_EMBED_") {
				t.Fatalf("want a config error naming the variable, got %v", err)
			}
			if _, ok := err.(usageError); !ok {
				t.Fatalf("config error should exit 2, got %T", err)
			}
			if strings.Contains(err.Error()+errOut.String(), embedKey) {
				t.Fatal("API key in the error output")
			}
		})
	}
	c := commonConfig{EmbedBaseURL: "https://api.example.com/v1", EmbedAPIKey: embedKey, EmbedModel: embedModel}
	if d := c.embedDescribe(); strings.Contains(d, embedKey) || !strings.Contains(d, "****1234") || !strings.Contains(d, embedModel) {
		t.Fatalf("printed config does not mask the key: %s", d)
	}
	if d := (&commonConfig{}).embedDescribe(); !strings.Contains(d, "off") {
		t.Fatalf("embeddings off: %s", d)
	}
}

// kb eval --embed measures the fused ranking with the same env configuration.
func TestKBEvalEmbed(t *testing.T) {
	isolateRedis(t)
	kb := embedtest.DecisiveKBDir(t)
	queries := filepath.Join(t.TempDir(), "q.csv")
	if err := os.WriteFile(queries, []byte("query,expected_id\n"+embedtest.DecisiveQuery+",meeting-drop\n打印机卡纸怎么办,printer-jam\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	eval := func(extra ...string) (map[string]float64, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		args := append([]string{"kb", "eval", "--kb", kb, "--queries", queries, "--json", "--data-dir", t.TempDir()}, extra...)
		if err := run(context.Background(), args, strings.NewReader(""), &out, &errOut); err != nil {
			t.Fatalf("kb eval %v: %v\n%s", extra, err, errOut.String())
		}
		var m map[string]float64
		if err := json.Unmarshal(out.Bytes(), &m); err != nil {
			t.Fatalf("%v: %s", err, out.String())
		}
		return m, errOut.String()
	}
	// --embed without the configuration is a usage error.
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"kb", "eval", "--embed", "--kb", kb, "--queries", queries, "--data-dir", t.TempDir()},
		strings.NewReader(""), &out, &errOut)
	if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), "DELIVERYBOT_EMBED_BASE_URL") {
		t.Fatalf("--embed without config: want a usage error, got %T %v", err, err)
	}

	srv := embedtest.New(t, embedKey, embedModel)
	setEmbedEnv(t, srv)
	lex, _ := eval()
	fused, stderr := eval("--embed")
	if lex["hit_at_1"] != 0.5 || fused["hit_at_1"] != 1 {
		t.Fatalf("hit_at_1 lexical %v fused %v, want 0.5 and 1", lex["hit_at_1"], fused["hit_at_1"])
	}
	if srv.Requests() == 0 || strings.Contains(stderr, embedKey) || !strings.Contains(stderr, "****1234") {
		t.Fatalf("requests %d, stderr:\n%s", srv.Requests(), stderr)
	}
	if !strings.Contains(stderr, "相似问法太少") {
		t.Fatalf("a KB too small for the fusion check should say so:\n%s", stderr)
	}
}

// On the demo KB the fake model ranks the KB's own held-out phrasings worse
// than the lexical index: kb eval --embed says so and reports what serve
// would serve (the lexical numbers); DELIVERYBOT_EMBED_FUSION=always fuses anyway.
func TestKBEvalEmbedFusionCheck(t *testing.T) {
	isolateRedis(t)
	srv := embedtest.New(t, embedKey, embedModel)
	setEmbedEnv(t, srv)
	queries := "../../knowledge/testdata/dev_check_queries.csv"
	eval := func(extra ...string) (string, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		args := append([]string{"kb", "eval", "--kb", demoKB, "--queries", queries, "--json", "--data-dir", t.TempDir()}, extra...)
		if err := run(context.Background(), args, strings.NewReader(""), &out, &errOut); err != nil {
			t.Fatalf("kb eval %v: %v\n%s", extra, err, errOut.String())
		}
		return out.String(), errOut.String()
	}
	lex, _ := eval()
	auto, stderr := eval("--embed")
	if auto != lex || !strings.Contains(stderr, "已停用融合") {
		t.Fatalf("fusion check failed but the eval differs from lexical or does not say so:\nlexical %s\n--embed %s\n%s", lex, auto, stderr)
	}
	t.Setenv("DELIVERYBOT_EMBED_FUSION", "always")
	forced, stderr := eval("--embed")
	if forced == lex || !strings.Contains(stderr, "仍按配置融合") {
		t.Fatalf("forced fusion should change the numbers and say it was forced:\nlexical %s\nforced %s\n%s", lex, forced, stderr)
	}
}

// kb gaps opens only the store: it runs from any directory with --kb, needs
// no projects file, and reads the deployment's key prefix.
func TestKBGapsRunsAnywhereOnTheDeploymentsStore(t *testing.T) {
	isolateRedis(t)
	dir := t.TempDir()
	chat(t, dir, "今天天气怎么样\n/quit\n")
	kb, err := filepath.Abs(demoKB)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"kb", "gaps", "--data-dir", dir, "--kb", kb}, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("kb gaps outside the repo: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "今天天气怎么样（1 次") {
		t.Fatalf("gaps do not list the question:\n%s", out.String())
	}
	// Times are in the bot's zone (Asia/Shanghai by default), --tz overrides.
	var utc bytes.Buffer
	if err := run(context.Background(), []string{"kb", "gaps", "--data-dir", dir, "--kb", kb, "--tz", "UTC"}, strings.NewReader(""), &utc, &errOut); err != nil {
		t.Fatal(err)
	}
	if utc.String() == out.String() {
		t.Fatalf("--tz UTC printed the same times as Asia/Shanghai:\n%s", utc.String())
	}
}
