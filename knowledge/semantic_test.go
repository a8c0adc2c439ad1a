package knowledge

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"deliverybot/knowledge/embedopenai/embedtest"
)

// fakeEmbedder embeds with the fake model of embedtest (bigram bag + concept
// dimensions), counting texts, or fails / hangs on demand.
type fakeEmbedder struct {
	mu    sync.Mutex
	texts []string
	err   error
	hang  bool
}

func (f *fakeEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	f.mu.Lock()
	err, hang := f.err, f.hang
	f.texts = append(f.texts, texts...)
	f.mu.Unlock()
	if hang {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = embedtest.Vector(t)
	}
	return out, nil
}

func (f *fakeEmbedder) set(err error, hang bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err, f.hang = err, hang
}

// decisiveEntries: lexically "开会的时候老是掉线怎么办" is about lag (it shares
// 开会的时候老是…怎么办), but it means a dropped meeting; the fake model knows
// 掉线 ≈ 断开 and 开会 ≈ 会议.
func decisiveEntries() []Entry {
	return []Entry{
		{ID: "meeting-lag", Question: "开会的时候画面老是卡顿怎么办", Answer: "降低画质，关闭其他占用网络的程序。"},
		{ID: "meeting-drop", Question: "会议中途断开连接", Similar: []string{"视频会开着开着就断了"}, Answer: "检查网络后重新入会，会议号不变。"},
		{ID: "net-down", Question: "网络断开怎么办", Answer: "检查网线和无线连接。"},
		{ID: "wifi-drop", Question: "无线网断线重连", Answer: "忘记网络后重新连接。"},
		{ID: "printer-jam", Question: "打印机卡纸怎么办", Answer: "打开侧盖取出纸张。"},
		{ID: "mailbox-full", Question: "邮箱容量满了", Answer: "清理大附件。"},
	}
}

const decisiveQuery = "开会的时候老是掉线怎么办"

func TestSemanticFusionFixesRankingWhereEmbeddingIsDecisive(t *testing.T) {
	ix, err := BuildIndex(decisiveEntries(), DefaultSynonyms(), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	lex := ix.Search(decisiveQuery, 5)
	if top, _ := lex.Top(); top.Entry == nil || top.Entry.ID != "meeting-lag" {
		t.Fatalf("precondition: lexical top should be the wrong entry meeting-lag, got %+v", lex.Ranked)
	}
	sem, err := BuildSemantic(context.Background(), ix, SemanticOptions{Embedder: &fakeEmbedder{}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := sem.Search(context.Background(), decisiveQuery, 5)
	if err != nil {
		t.Fatal(err)
	}
	top, _ := res.Top()
	if top.Entry.ID != "meeting-drop" {
		t.Fatalf("fused top = %s, want meeting-drop; ranked %v", top.Entry.ID, ids(res.Ranked))
	}
	// The confidence stays the lexical one.
	for _, c := range lex.Ranked {
		if c.Entry.ID == "meeting-drop" && c.Score != top.Score {
			t.Fatalf("fused confidence %v, lexical %v: fusion must not change Score", top.Score, c.Score)
		}
	}
}

func ids(cs []Candidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Entry.ID)
	}
	return out
}

// An entry the embedding ranks high but the lexical shortlist missed joins
// with its lexical confidence, computed as rank computes it.
func TestSemanticJoinerGetsLexicalConfidence(t *testing.T) {
	entries := decisiveEntries()
	opts := DefaultOptions()
	ix, err := BuildIndex(entries, DefaultSynonyms(), opts)
	if err != nil {
		t.Fatal(err)
	}
	var s scratch
	for e := range entries {
		c := ix.lexCandidateFor(decisiveQuery, int32(e), &s)
		for _, r := range ix.rank(decisiveQuery, 10) {
			if r.pos == e && math.Abs(r.Score-c.Score) > 1e-6 {
				t.Fatalf("%s: lexCandidateFor %v, rank %v", entries[e].ID, c.Score, r.Score)
			}
		}
	}
	// mailbox-full shares no word with the query: confidence 0, no phrasing matched.
	c := ix.lexCandidateFor(decisiveQuery, 5, &s)
	if c.Score != 0 || c.Matched != "" {
		t.Fatalf("unrelated entry: %+v", c)
	}
	sem, err := BuildSemantic(context.Background(), ix, SemanticOptions{Embedder: &fakeEmbedder{}})
	if err != nil {
		t.Fatal(err)
	}
	res, _ := sem.Search(context.Background(), decisiveQuery, 10)
	for _, c := range res.Ranked {
		if c.Entry.ID == "mailbox-full" {
			if c.Matched != "邮箱容量满了" || c.Score != 0 {
				t.Fatalf("joiner %+v", c)
			}
			return
		}
	}
	t.Fatalf("mailbox-full (semantic only) did not join: %v", ids(res.Ranked))
}

// lexCandidateFor duplicates the query side of rank; this fails when the two drift.
func TestLexCandidateForMatchesRank(t *testing.T) {
	kb, err := Load("../deploy/demo/kb")
	if err != nil {
		t.Fatal(err)
	}
	qs, err := ReadQueries("testdata/dev_long_queries.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, fw := range []float64{0, DefaultOptions().FusionWeight} {
		opts := kb.Options(DefaultOptions())
		opts.FusionWeight = fw
		ix, err := BuildIndex(kb.Entries, kb.Synonyms, opts)
		if err != nil {
			t.Fatal(err)
		}
		var s scratch
		compared := 0
		for _, q := range qs {
			for _, c := range ix.rank(q.Text, 10) {
				got := ix.lexCandidateFor(q.Text, int32(c.pos), &s)
				if math.Abs(got.Score-c.Score) > 1e-6 {
					t.Fatalf("fw=%v %q entry %s: lexCandidateFor score %v, rank %v", fw, q.Text, c.Entry.ID, got.Score, c.Score)
				}
				if fw == 0 && math.Abs(got.rank-c.rank) > 1e-6 {
					t.Fatalf("%q entry %s: rank mix %v vs %v", q.Text, c.Entry.ID, got.rank, c.rank)
				}
				compared++
			}
		}
		if compared < 500 {
			t.Fatalf("only %d candidates compared", compared)
		}
	}
}

// Without a working query embedding the result is exactly the lexical one.
func TestSemanticFallbackIsTheLexicalResult(t *testing.T) {
	kb, err := Load("../deploy/demo/kb")
	if err != nil {
		t.Fatal(err)
	}
	ix, err := BuildIndex(kb.Entries, kb.Synonyms, kb.Options(DefaultOptions()))
	if err != nil {
		t.Fatal(err)
	}
	fe := &fakeEmbedder{}
	// AlwaysFuse: the fake model fails the fusion check on this KB, and the
	// fallback path is only taken when fusion serves.
	sem, err := BuildSemantic(context.Background(), ix, SemanticOptions{Embedder: fe, QueryTimeout: 50 * time.Millisecond, AlwaysFuse: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"error", "hang"} {
		fe.set(errors.New("boom"), mode == "hang")
		for _, q := range []string{"vpn登不上怎么办", "企业微信怎么改名字", "今天天气怎么样", "我们部门新来的同事打卡一直失败"} {
			for _, k := range []int{0, 3, 5, 12} {
				start := time.Now()
				got, err := sem.Search(context.Background(), q, k)
				if took := time.Since(start); took > time.Second {
					t.Fatalf("%s: fallback took %v", mode, took)
				}
				want := ix.Search(q, k)
				if len(want.Ranked) > 0 && err == nil {
					t.Fatalf("%s %q: want an error", mode, q)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s %q k=%d: fallback differs from lexical\n got %v\nwant %v", mode, q, k, ids(got.Ranked), ids(want.Ranked))
				}
			}
		}
	}
}

func TestBuildSemanticBatchesAndRejectsBadVectors(t *testing.T) {
	ix, err := BuildIndex(decisiveEntries(), DefaultSynonyms(), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	batches := embedFunc(func(_ context.Context, texts []string) ([][]float32, error) {
		calls.Add(1)
		if len(texts) > 2 {
			t.Errorf("batch of %d, want ≤ 2", len(texts))
		}
		return (&fakeEmbedder{}).Embed(context.Background(), texts)
	})
	sem, err := BuildSemantic(context.Background(), ix, SemanticOptions{Embedder: batches, BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if sem.Len() != 7 || calls.Load() != 4 {
		t.Fatalf("phrasings %d, calls %d; want 7 and 4", sem.Len(), calls.Load())
	}
	for name, f := range map[string]embedFunc{
		"short": func(_ context.Context, texts []string) ([][]float32, error) {
			return make([][]float32, len(texts)-1), nil
		},
		"zero": func(_ context.Context, texts []string) ([][]float32, error) {
			return repeat(len(texts), []float32{0, 0}), nil
		},
		"ragged": ragged(),
	} {
		if _, err := BuildSemantic(context.Background(), ix, SemanticOptions{Embedder: f}); err == nil {
			t.Fatalf("%s vectors accepted", name)
		}
	}
}

type embedFunc func(ctx context.Context, texts []string) ([][]float32, error)

func (f embedFunc) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	return f(ctx, texts)
}

func repeat(n int, v []float32) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		out[i] = append([]float32(nil), v...)
	}
	return out
}

func ragged() embedFunc {
	return func(_ context.Context, texts []string) ([][]float32, error) {
		out := repeat(len(texts), []float32{1, 0})
		out[len(out)-1] = []float32{1, 0, 0}
		return out, nil
	}
}

func writeSemKB(t *testing.T, dir, body string) {
	t.Helper()
	if err := writeFileAtomic(filepath.Join(dir, "kb.md"), []byte(body)); err != nil {
		t.Fatal(err)
	}
}

// Reload embeds the new index before the swap; when that fails the new index
// is served without vectors (never with the old ones), and the log says why.
func TestStoreReloadRebuildsSemanticBeforeSwap(t *testing.T) {
	dir := t.TempDir()
	writeSemKB(t, dir, "## 会议中途断开连接\nid: drop\n重新入会。\n\n## 打印机卡纸怎么办\nid: jam\n取出纸张。\n")
	var logs bytes.Buffer
	s, err := Open(dir, DefaultOptions(), slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if r1, r2 := s.SearchContext(context.Background(), "打印机卡纸怎么办", 5), s.Search("打印机卡纸怎么办", 5); !reflect.DeepEqual(r1, r2) {
		t.Fatal("without embeddings SearchContext must equal Search")
	}
	fe := &fakeEmbedder{}
	if err := s.EnableSemantic(context.Background(), SemanticOptions{Embedder: fe}); err != nil {
		t.Fatal(err)
	}
	if s.Semantic() == nil || s.Semantic().Index() != s.Index() || s.Semantic().Len() != 2 {
		t.Fatal("semantic layer not built for the current index")
	}
	writeSemKB(t, dir, "## 会议中途断开连接\nid: drop\n重新入会。\n\n## 打印机卡纸怎么办\nid: jam\n取出纸张。\n\n## 密码忘了怎么办\nid: pw\n找管理员重置。\n")
	if err := s.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.Semantic() == nil || s.Semantic().Index() != s.Index() || s.Semantic().Len() != 3 {
		t.Fatal("reload did not rebuild the vectors for the new index")
	}
	res := s.SearchContext(context.Background(), "口令忘了怎么办", 5)
	if top, ok := res.Top(); !ok || top.Entry.ID != "pw" {
		t.Fatalf("new entry not found through the fused path: %v", ids(res.Ranked))
	}

	fe.set(errors.New("embeddings down"), false)
	writeSemKB(t, dir, "## 会议中途断开连接\nid: drop\n重新入会。\n\n## 打印机卡纸怎么办\nid: jam\n取出纸张。\n\n## 密码忘了怎么办\nid: pw\n找管理员重置。\n\n## 邮箱满了怎么办\nid: mail\n清理附件。\n")
	if err := s.Reload(context.Background()); err != nil {
		t.Fatalf("a failed embedding must not fail the reload: %v", err)
	}
	if s.Index().Len() != 4 || s.Semantic() != nil {
		t.Fatalf("want the new index (4 entries) lexical-only, got %d entries, semantic %v", s.Index().Len(), s.Semantic() != nil)
	}
	if !strings.Contains(logs.String(), "kb embeddings failed") || !strings.Contains(logs.String(), "embeddings down") {
		t.Fatalf("the log does not say why:\n%s", logs.String())
	}
	if top, ok := s.SearchContext(context.Background(), "邮箱满了怎么办", 5).Top(); !ok || top.Entry.ID != "mail" {
		t.Fatal("new index not served after the failed embedding")
	}

	// Watch retries while the index is served without vectors.
	fe.set(nil, false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.sem.Load().RetryEvery = 20 * time.Millisecond
	go s.Watch(ctx, time.Hour)
	deadline := time.Now().Add(5 * time.Second)
	for s.Semantic() == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s.Semantic() == nil || s.Semantic().Index() != s.Index() {
		t.Fatal("Watch did not retry embedding the current index")
	}
}

func TestStoreFallbackWarningIsRateLimited(t *testing.T) {
	dir := t.TempDir()
	writeSemKB(t, dir, "## 会议中途断开连接\nid: drop\n重新入会。\n\n## 打印机卡纸怎么办\nid: jam\n取出纸张。\n")
	var logs bytes.Buffer
	s, err := Open(dir, DefaultOptions(), slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	fe := &fakeEmbedder{}
	if err := s.EnableSemantic(context.Background(), SemanticOptions{Embedder: fe}); err != nil {
		t.Fatal(err)
	}
	fe.set(errors.New("quota exceeded"), false)
	for i := 0; i < 5; i++ {
		if top, ok := s.SearchContext(context.Background(), "打印机卡纸怎么办", 5).Top(); !ok || top.Entry.ID != "jam" {
			t.Fatal("fallback did not answer")
		}
	}
	if n := strings.Count(logs.String(), "kb query embedding failed"); n != 1 {
		t.Fatalf("%d fallback warnings for 5 failures within a minute, want 1:\n%s", n, logs.String())
	}
	s.warnedAt.Store(time.Now().Add(-2 * time.Minute).UnixNano())
	s.SearchContext(context.Background(), "打印机卡纸怎么办", 5)
	if !strings.Contains(logs.String(), "suppressed_since_last=4") {
		t.Fatalf("second warning should count the suppressed ones:\n%s", logs.String())
	}
}

// randomEmbedder returns fixed pseudo-random vectors of a realistic size
// (text-embedding-3-small: 1536), to measure the fusion's own cost.
type randomEmbedder struct{ dim int }

func (r randomEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		h := uint32(2166136261)
		for _, c := range []byte(t) {
			h = (h ^ uint32(c)) * 16777619
		}
		v := make([]float32, r.dim)
		for j := range v {
			h ^= h << 13
			h ^= h >> 17
			h ^= h << 5
			v[j] = float32(int32(h)) / (1 << 31)
		}
		out[i] = v
	}
	return out, nil
}

// BenchmarkSemanticSearch2k is Index.Search plus the embedding layer on 2k
// entries (8k phrasings × 1536 dims), the embedding call itself excluded
// (in-process): what fusion adds on top of the API's latency.
func BenchmarkSemanticSearch2k(b *testing.B) {
	entries := syntheticEntries(2000, 1)
	ix, err := BuildIndex(entries, DefaultSynonyms(), DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	sem, err := BuildSemantic(context.Background(), ix, SemanticOptions{Embedder: randomEmbedder{dim: 1536}, BatchSize: 1024})
	if err != nil {
		b.Fatal(err)
	}
	qs := syntheticQueries(1024, entries, 2)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := sem.Search(ctx, qs[i%len(qs)], 5); err != nil {
			b.Fatal(err)
		}
	}
}
