package embedopenai_test

import (
	"bytes"
	"context"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"deliverybot/bot/redisstore/redistest"
	"deliverybot/knowledge"
	"deliverybot/knowledge/embedopenai"
	"deliverybot/knowledge/embedopenai/embedtest"
)

const (
	testKey   = "sk-test-SECRET-0123456789abcdefXYZW"
	testModel = "text-embedding-3-small"
)

func newClient(t *testing.T, baseURL string, batch int) *embedopenai.Client {
	t.Helper()
	c, err := embedopenai.New(embedopenai.Config{BaseURL: baseURL, APIKey: testKey, Model: testModel, BatchSize: batch})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientSendsModelAndBearerAndBatches(t *testing.T) {
	srv := embedtest.New(t, testKey, testModel) // fails the test on a wrong path, model or key
	texts := []string{"VPN登不上怎么办", "企业微信怎么改名", "打印机卡纸", "会议中途断开连接", "密码忘了"}
	for _, base := range []string{srv.BaseURL(), srv.URL, srv.BaseURL() + "/"} {
		srv.Reset()
		vs, err := newClient(t, base, 2).Embed(context.Background(), texts)
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		if srv.Requests() != 3 {
			t.Fatalf("%s: %d requests for 5 texts in batches of 2, want 3", base, srv.Requests())
		}
		for i, tx := range texts {
			if !reflect.DeepEqual(vs[i], embedtest.Vector(tx)) {
				t.Fatalf("vector %d is not the one for %q (the server answers out of order: use index)", i, tx)
			}
		}
	}
	wrong, err := embedopenai.New(embedopenai.Config{BaseURL: srv.BaseURL(), APIKey: "sk-other-key-000000000000", Model: testModel})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrong.Embed(context.Background(), texts[:1]); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong key: want a 401 error, got %v", err)
	}
	if p := srv.TakeProblems(); len(p) != 1 || p[0] != "wrong Authorization header" {
		t.Fatalf("the server should have seen exactly the wrong key, saw %v", p)
	}
}

func TestConfigValidateAndMask(t *testing.T) {
	for _, c := range []embedopenai.Config{
		{BaseURL: "not a url", APIKey: testKey, Model: testModel},
		{BaseURL: "ftp://host/v1", APIKey: testKey, Model: testModel},
		{BaseURL: "https://api.example.com/v1", Model: testModel},
	} {
		err := c.Validate()
		if err == nil {
			t.Fatalf("%+v accepted", c.String())
		}
		if strings.Contains(err.Error(), testKey) {
			t.Fatal("key in validation error")
		}
	}
	c := embedopenai.Config{BaseURL: "https://user:pw@api.example.com/v1", APIKey: testKey, Model: testModel}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	s := c.String()
	if strings.Contains(s, testKey) || strings.Contains(s, "pw@") || !strings.Contains(s, "****XYZW") {
		t.Fatalf("String() does not mask: %s", s)
	}
}

func openStore(t *testing.T, dir string, log *slog.Logger) *knowledge.Store {
	t.Helper()
	s, err := knowledge.Open(dir, knowledge.DefaultOptions(), log)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func topID(r knowledge.Result) string {
	if c, ok := r.Top(); ok {
		return c.Entry.ID
	}
	return ""
}

func TestFusionThroughTheAPIFixesTheRanking(t *testing.T) {
	srv := embedtest.New(t, testKey, testModel)
	s := openStore(t, embedtest.DecisiveKBDir(t), nil)
	client := newClient(t, srv.BaseURL(), 0)
	if err := s.EnableSemantic(context.Background(), knowledge.SemanticOptions{Embedder: client}); err != nil {
		t.Fatal(err)
	}
	if got := topID(s.Search(embedtest.DecisiveQuery, 5)); got != "meeting-lag" {
		t.Fatalf("precondition: lexical top %s, want the wrong meeting-lag", got)
	}
	srv.Reset()
	if got := topID(s.SearchContext(context.Background(), embedtest.DecisiveQuery, 5)); got != "meeting-drop" {
		t.Fatalf("fused top %s, want meeting-drop", got)
	}
	if tx := srv.Texts(); len(tx) != 1 || tx[0] != embedtest.DecisiveQuery {
		t.Fatalf("query embedding requests: %q", tx)
	}
}

// A second store built with the same cache (a restart) embeds no phrasing.
func TestCacheMeansARestartReembedsNothing(t *testing.T) {
	for _, b := range redistest.Both(t) {
		t.Run(b.Name, func(t *testing.T) {
			srv := embedtest.New(t, testKey, testModel)
			dir := embedtest.DecisiveKBDir(t)
			client := newClient(t, srv.BaseURL(), 2)
			first := embedopenai.NewCache(client, b.Client, b.Prefix, client.Model(), 0)
			s1 := openStore(t, dir, nil)
			if err := s1.EnableSemantic(context.Background(), knowledge.SemanticOptions{Embedder: first, QueryEmbedder: client}); err != nil {
				t.Fatal(err)
			}
			if n := len(srv.Texts()); n != 7 {
				t.Fatalf("first build embedded %d texts, want the 7 phrasings", n)
			}
			key := first.Key("会议中途断开连接")
			if !strings.HasPrefix(key, b.Prefix+"kb:emb:") {
				t.Fatalf("key %q outside the prefix", key)
			}
			if ttl := b.Client.TTL(context.Background(), key).Val(); ttl <= 0 {
				t.Fatalf("cached vector has no TTL (%v)", ttl)
			}

			srv.Reset()
			second := embedopenai.NewCache(newClient(t, srv.BaseURL(), 2), b.Client, b.Prefix, testModel, 0)
			s2 := openStore(t, dir, nil)
			if err := s2.EnableSemantic(context.Background(), knowledge.SemanticOptions{Embedder: second, QueryEmbedder: client}); err != nil {
				t.Fatal(err)
			}
			if srv.Requests() != 0 {
				t.Fatalf("restart made %d embedding requests, want 0", srv.Requests())
			}
			if hits, misses := second.Stats(); hits != 7 || misses != 0 {
				t.Fatalf("cache hits %d misses %d, want 7 and 0", hits, misses)
			}
			if got := topID(s2.SearchContext(context.Background(), embedtest.DecisiveQuery, 5)); got != "meeting-drop" {
				t.Fatalf("restarted store: fused top %s", got)
			}
			// Another model must not reuse these vectors.
			other := embedopenai.NewCache(client, b.Client, b.Prefix, "other-model", 0)
			if other.Key("会议中途断开连接") == key {
				t.Fatal("cache key ignores the model")
			}
		})
	}
}

func TestQueryFallsBackToLexicalOn500AndHang(t *testing.T) {
	srv := embedtest.New(t, testKey, testModel)
	var logs bytes.Buffer
	s := openStore(t, embedtest.DecisiveKBDir(t), slog.New(slog.NewTextHandler(&logs, nil)))
	client := newClient(t, srv.BaseURL(), 0)
	const timeout = 300 * time.Millisecond
	if err := s.EnableSemantic(context.Background(), knowledge.SemanticOptions{Embedder: client, QueryTimeout: timeout}); err != nil {
		t.Fatal(err)
	}
	want := s.Search(embedtest.DecisiveQuery, 5)
	for _, mode := range []struct {
		name string
		fail int
		hang time.Duration
	}{{"500", 500, 0}, {"hang", 0, 10 * time.Second}} {
		srv.Set(mode.fail, mode.hang)
		start := time.Now()
		got := s.SearchContext(context.Background(), embedtest.DecisiveQuery, 5)
		took := time.Since(start)
		if took > timeout+700*time.Millisecond {
			t.Fatalf("%s: answered after %v, timeout %v", mode.name, took, timeout)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: not the lexical result: top %s", mode.name, topID(got))
		}
	}
	if !strings.Contains(logs.String(), "kb query embedding failed") {
		t.Fatalf("fallback not logged:\n%s", logs.String())
	}
}

// The key never shows, even when the server echoes it back in its errors.
func TestAPIKeyNeverInErrorsOrLogs(t *testing.T) {
	srv := embedtest.New(t, testKey, testModel)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := openStore(t, embedtest.DecisiveKBDir(t), log)
	client := newClient(t, srv.BaseURL(), 0)

	srv.Set(500, 0) // the body echoes the bearer key
	_, rawErr := client.Embed(context.Background(), []string{"测试"})
	if rawErr == nil || !strings.Contains(rawErr.Error(), "500") {
		t.Fatalf("want a 500 error, got %v", rawErr)
	}
	buildErr := s.EnableSemantic(context.Background(), knowledge.SemanticOptions{Embedder: client, QueryTimeout: 200 * time.Millisecond})
	if buildErr == nil || s.Semantic() != nil {
		t.Fatal("build against a failing API should leave the store lexical-only")
	}
	srv.Set(0, 0)
	if err := s.EnableSemantic(context.Background(), knowledge.SemanticOptions{Embedder: client, QueryTimeout: 200 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	srv.Set(500, 0)
	s.SearchContext(context.Background(), embedtest.DecisiveQuery, 5)
	srv.Set(0, 5*time.Second)
	_, hangErr := client.Embed(ctxTimeout(t, 100*time.Millisecond), []string{"测试"})
	if hangErr == nil {
		t.Fatal("hang: want a timeout error")
	}
	all := strings.Join([]string{rawErr.Error(), buildErr.Error(), hangErr.Error(), logs.String(), client.Config().String()}, "\n")
	if strings.Contains(all, testKey) || strings.Contains(all, "SECRET") {
		t.Fatalf("API key leaked:\n%s", all)
	}
	if !strings.Contains(logs.String(), "kb embeddings failed") || !strings.Contains(logs.String(), "kb query embedding failed") {
		t.Fatalf("failures not logged:\n%s", logs.String())
	}
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// A damaged cached value is a miss (re-embedded), never a wrong vector; an
// unreachable Redis costs API calls, not answers.
func TestCacheDamagedValueOrRedisDownIsAMiss(t *testing.T) {
	b := redistest.New(t)
	srv := embedtest.New(t, testKey, testModel)
	client := newClient(t, srv.BaseURL(), 0)
	cache := embedopenai.NewCache(client, b.Client, b.Prefix, testModel, 0)
	text := "会议中途断开连接"
	if err := b.Client.Set(context.Background(), cache.Key(text), "not base64!", 0).Err(); err != nil {
		t.Fatal(err)
	}
	vs, err := cache.Embed(context.Background(), []string{text})
	if err != nil || !reflect.DeepEqual(vs[0], embedtest.Vector(text)) || srv.Requests() != 1 {
		t.Fatalf("damaged value: err %v, requests %d", err, srv.Requests())
	}
	if vs, err := cache.Embed(context.Background(), []string{text}); err != nil || !reflect.DeepEqual(vs[0], embedtest.Vector(text)) || srv.Requests() != 1 {
		t.Fatalf("repaired value not served from the cache: err %v, requests %d", err, srv.Requests())
	}

	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { _ = down.Close() })
	vs, err = embedopenai.NewCache(client, down, b.Prefix, testModel, 0).Embed(context.Background(), []string{text})
	if err != nil || !reflect.DeepEqual(vs[0], embedtest.Vector(text)) {
		t.Fatalf("Redis down: %v", err)
	}
}
