package knowledge

import (
	"bytes"
	"context"
	"log/slog"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
)

// entryEmbedder stands in for a model that embeds paraphrases close
// together: a KB phrasing's vector is its entry's axis plus pseudo-random
// noise; any other text is noise alone.
type entryEmbedder struct {
	entryOf map[string]int
	dim     int
	calls   *atomic.Int64
}

func newEntryEmbedder(entries []Entry) entryEmbedder {
	m := entryEmbedder{entryOf: map[string]int{}, dim: len(entries) + 8, calls: &atomic.Int64{}}
	for i, e := range entries {
		for _, p := range e.Phrasings() {
			m.entryOf[strings.TrimSpace(p)] = i
		}
	}
	return m
}

func (m entryEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	m.calls.Add(1)
	out, _ := randomEmbedder{dim: m.dim}.Embed(ctx, texts)
	for i, t := range texts {
		for j := range out[i] {
			out[i][j] *= 0.3
		}
		if e, ok := m.entryOf[t]; ok {
			out[i][e]++
		}
	}
	return out, nil
}

// countingEmbedder counts Embed calls of the embedder it wraps.
type countingEmbedder struct {
	Embedder
	calls *atomic.Int64
}

func (c countingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	c.calls.Add(1)
	return c.Embedder.Embed(ctx, texts)
}

func demoIndex(t *testing.T) *Index {
	t.Helper()
	ix, _, err := LoadIndex("../deploy/demo/kb", DefaultOptions(), false)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// A model that ranks the KB's own held-out phrasings worse than the lexical
// index (here: vectors unrelated to meaning) is not fused: Search is exactly
// Index.Search and costs no embedding call.
func TestFusionCheckTurnsOffAModelThatRanksWorse(t *testing.T) {
	ix := demoIndex(t)
	calls := &atomic.Int64{}
	sem, err := BuildSemantic(context.Background(), ix, SemanticOptions{Embedder: countingEmbedder{randomEmbedder{dim: 256}, calls}})
	if err != nil {
		t.Fatal(err)
	}
	c := sem.Check()
	if c.Fused || c.Asked < fusionCheckMinAsked || c.FusedHit1 >= c.LexicalHit1 {
		t.Fatalf("check = %+v, want fusion off with fused hit@1 below lexical", c)
	}
	if !strings.Contains(c.String(), "已停用融合") {
		t.Fatalf("check text %q does not say fusion is off", c.String())
	}
	built := calls.Load()
	for _, q := range []string{"vpn登不上怎么办", "企业微信怎么改名字", "开会没声音", "今天天气怎么样"} {
		got, err := sem.Search(context.Background(), q, 5)
		if err != nil {
			t.Fatal(err)
		}
		if want := ix.Search(q, 5); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: fusion off but result differs from the lexical one\n got %v\nwant %v", q, ids(got.Ranked), ids(want.Ranked))
		}
	}
	if n := calls.Load() - built; n != 0 {
		t.Fatalf("%d embedding calls for queries with fusion off, want 0", n)
	}
}

// A model that puts paraphrases together passes the check and is fused.
func TestFusionCheckKeepsAModelThatRanksBetter(t *testing.T) {
	ix := demoIndex(t)
	m := newEntryEmbedder(ix.Entries())
	sem, err := BuildSemantic(context.Background(), ix, SemanticOptions{Embedder: m})
	if err != nil {
		t.Fatal(err)
	}
	c := sem.Check()
	if !c.Fused || c.FusedHit1 <= c.LexicalHit1 {
		t.Fatalf("check = %+v, want fusion on with fused hit@1 above lexical", c)
	}
	before := m.calls.Load()
	if _, err := sem.Search(context.Background(), "vpn登不上怎么办", 5); err != nil {
		t.Fatal(err)
	}
	if m.calls.Load() != before+1 {
		t.Fatal("fusion on but the query was not embedded")
	}
}

// AlwaysFuse serves fusion whatever the check found, and still reports it.
func TestFusionCheckAlwaysFuseOverrides(t *testing.T) {
	ix := demoIndex(t)
	sem, err := BuildSemantic(context.Background(), ix, SemanticOptions{Embedder: randomEmbedder{dim: 64}, AlwaysFuse: true})
	if err != nil {
		t.Fatal(err)
	}
	if c := sem.Check(); !c.Fused || !c.Forced || c.FusedHit1 >= c.LexicalHit1 || !strings.Contains(c.String(), "仍按配置融合") {
		t.Fatalf("check = %+v (%s), want fused (forced) with the measured loss reported", c, c.String())
	}
}

// Too few 相似问法 to measure: fusion stays on rather than guessing.
func TestFusionCheckNeedsEnoughPhrasings(t *testing.T) {
	ix, err := BuildIndex(decisiveEntries(), DefaultSynonyms(), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	sem, err := BuildSemantic(context.Background(), ix, SemanticOptions{Embedder: randomEmbedder{dim: 64}})
	if err != nil {
		t.Fatal(err)
	}
	if c := sem.Check(); !c.Fused || c.Asked >= fusionCheckMinAsked {
		t.Fatalf("check = %+v, want fusion on (too few phrasings to judge)", c)
	}
}

// BenchmarkFusionCheck10k is the check BuildSemantic runs on 10k entries
// (40k phrasings × 1536 dims, sampled to 1,000 entries and 400 asked).
func BenchmarkFusionCheck10k(b *testing.B) {
	ix, err := BuildIndex(syntheticEntries(10000, 1), DefaultSynonyms(), DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	sem, err := BuildSemantic(context.Background(), ix, SemanticOptions{Embedder: randomEmbedder{dim: 1536}, BatchSize: 4096})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := sem.checkFusion(); err != nil {
			b.Fatal(err)
		}
	}
}

// The store warns when a configured model is not fused, with the numbers.
func TestStoreWarnsWhenFusionIsOff(t *testing.T) {
	var logs bytes.Buffer
	s, err := Open("../deploy/demo/kb", DefaultOptions(), slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnableSemantic(context.Background(), SemanticOptions{Embedder: randomEmbedder{dim: 64}}); err != nil {
		t.Fatal(err)
	}
	got := logs.String()
	for _, want := range []string{"level=WARN", "kb embeddings ready", "fused=false", "check_lexical_hit1=", "已停用融合"} {
		if !strings.Contains(got, want) {
			t.Fatalf("log lacks %q:\n%s", want, got)
		}
	}
	if s.Semantic() == nil || s.Semantic().Check().Fused {
		t.Fatal("the layer should be kept (for the check) but not fused")
	}
}
