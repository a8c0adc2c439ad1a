package knowledge

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"
)

// Embedder turns texts into vectors, one per text in the same order. It is
// the consumer-side view of an embeddings API; knowledge/embedopenai is the
// OpenAI-compatible implementation (with a Redis vector cache).
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// SemanticOptions configure the embedding layer (semantic.go).
type SemanticOptions struct {
	// Embedder embeds the KB's phrasings when an index is built or reloaded
	// (typically through a cache, so a restart re-embeds nothing). Required.
	Embedder Embedder
	// QueryEmbedder embeds user questions; nil means Embedder.
	QueryEmbedder Embedder
	// QueryTimeout bounds one query embedding; past it the lexical result is
	// served (default 1.5 s).
	QueryTimeout time.Duration
	// BuildTimeout bounds embedding a whole KB (default 5 min).
	BuildTimeout time.Duration
	// BatchSize is how many phrasings go into one Embed call while building
	// (default 64); the embedder may split further.
	BatchSize int
	// RetryEvery: when embedding the KB failed, Store.Watch tries again this
	// often while serving lexical-only (default 5 min).
	RetryEvery time.Duration
	// AlwaysFuse serves fused results even when the fusion check
	// (semantic_check.go) finds them worse than the lexical ranking.
	AlwaysFuse bool
}

func (o SemanticOptions) withDefaults() SemanticOptions {
	if o.QueryEmbedder == nil {
		o.QueryEmbedder = o.Embedder
	}
	if o.QueryTimeout <= 0 {
		o.QueryTimeout = 1500 * time.Millisecond
	}
	if o.BuildTimeout <= 0 {
		o.BuildTimeout = 5 * time.Minute
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 64
	}
	if o.RetryEvery <= 0 {
		o.RetryEvery = 5 * time.Minute
	}
	return o
}

// Semantic is the embedding layer of one Index: a normalised vector per
// phrasing (question and 相似问法). At query time it ranks entries by their
// best cosine with the query and fuses that ranking with the lexical one by
// reciprocal rank fusion (k = 60).
//
// The confidence the policy sees stays the lexical one (Candidate.Score): it
// is normalised to the query's self-match and means the same on any KB, while
// cosine scales differ from one embedding model to the next. Fusion only
// decides the order — which entry is on top and which are offered — so
// thresholds tuned with kb eval keep their meaning with or without embeddings.
type Semantic struct {
	ix   *Index
	opts SemanticOptions
	dim  int
	vecs []float32 // one normalised row of dim per phrasing
	ent  []int32   // row → entry
	text []string  // row → phrasing
	// check decides whether fused results are served (semantic_check.go).
	check FusionCheck

	pool sync.Pool // *semScratch
}

type semScratch struct {
	best    []float32 // per entry: best cosine, -2 when unseen
	bestRow []int32
	lex     scratch // entry-sized accumulators for lexCandidateFor
}

// Index is the index the vectors belong to.
func (sm *Semantic) Index() *Index { return sm.ix }

// Len is the number of embedded phrasings.
func (sm *Semantic) Len() int { return len(sm.ent) }

// Check is the fusion check measured when the layer was built.
func (sm *Semantic) Check() FusionCheck { return sm.check }

// BuildSemantic embeds every phrasing of ix (in batches of opts.BatchSize,
// identical texts once) and returns the layer. Any error, a wrong number of
// vectors, vectors of different lengths or a zero vector fail the build.
func BuildSemantic(ctx context.Context, ix *Index, opts SemanticOptions) (*Semantic, error) {
	if opts.Embedder == nil {
		return nil, errors.New("没有配置向量服务（Embedder）")
	}
	opts = opts.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, opts.BuildTimeout)
	defer cancel()
	sm := &Semantic{ix: ix, opts: opts}
	var uniq []string
	rowOf := map[string]int{} // text → unique index
	var rowText []int         // row → unique index
	for ei := range ix.entries {
		for _, ph := range ix.entries[ei].Phrasings() {
			t := strings.TrimSpace(ph)
			if t == "" {
				continue
			}
			u, ok := rowOf[t]
			if !ok {
				u = len(uniq)
				rowOf[t] = u
				uniq = append(uniq, t)
			}
			rowText = append(rowText, u)
			sm.ent = append(sm.ent, int32(ei))
			sm.text = append(sm.text, ph)
		}
	}
	vecs := make([][]float32, 0, len(uniq))
	for start := 0; start < len(uniq); start += opts.BatchSize {
		batch := uniq[start:min(len(uniq), start+opts.BatchSize)]
		got, err := opts.Embedder.Embed(ctx, batch)
		if err != nil {
			return nil, fmt.Errorf("向量化知识库问法失败（第 %d–%d 条，共 %d 条）：%w", start+1, start+len(batch), len(uniq), err)
		}
		if len(got) != len(batch) {
			return nil, fmt.Errorf("向量服务返回了 %d 个向量，应为 %d 个", len(got), len(batch))
		}
		vecs = append(vecs, got...)
	}
	for i, v := range vecs {
		if i == 0 {
			sm.dim = len(v)
		}
		if len(v) == 0 || len(v) != sm.dim {
			return nil, fmt.Errorf("向量长度不一致（%d 与 %d）", len(v), sm.dim)
		}
		if !normalize(v) {
			return nil, fmt.Errorf("问法 %q 的向量为零向量", uniq[i])
		}
	}
	sm.vecs = make([]float32, 0, len(rowText)*sm.dim)
	for _, u := range rowText {
		sm.vecs = append(sm.vecs, vecs[u]...)
	}
	check, err := sm.checkFusion()
	if err != nil {
		return nil, fmt.Errorf("融合自测失败：%w", err)
	}
	sm.check = check
	return sm, nil
}

// normalize scales v to unit length in place; false for a zero or non-finite vector.
func normalize(v []float32) bool {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n == 0 || math.IsNaN(n) || math.IsInf(n, 0) {
		return false
	}
	inv := float32(1 / math.Sqrt(n))
	for i := range v {
		v[i] *= inv
	}
	return true
}

// Search ranks like Index.Search, with the embedding ranking fused in. When
// the query cannot be embedded (error, timeout, bad vector) it returns the
// lexical result — exactly what Index.Search returns — together with the
// error, so the caller can log it; the user's question is always answered.
// When the fusion check turned fusion off, it is Index.Search (no embedding call).
func (sm *Semantic) Search(ctx context.Context, query string, k int) (Result, error) {
	if k <= 0 {
		k = 5
	}
	depth := max(k, fuseDepth)
	lex := sm.ix.rank(query, depth)
	if len(lex) == 0 {
		// No entry shares a word with the query: every entry's lexical
		// confidence is 0, so no ranking can change the decision. Save the call.
		return sm.ix.opts.Policy.Decide(nil), nil
	}
	if !sm.check.Fused {
		return sm.ix.opts.Policy.Decide(lex[:min(k, len(lex))]), nil
	}
	qv, err := sm.embedQuery(ctx, query)
	if err != nil {
		return sm.ix.opts.Policy.Decide(lex[:min(k, len(lex))]), err
	}
	cands := sm.fuse(query, lex, qv, k, depth)
	if sm.ix.acts != nil {
		// fusion reorders and adds candidates: flag them again
		sm.ix.markOpposites(sm.ix.queryActions(sm.ix.Normalize(query)), cands)
	}
	return sm.ix.opts.Policy.Decide(cands), nil
}

func (sm *Semantic) embedQuery(ctx context.Context, query string) ([]float32, error) {
	ctx, cancel := context.WithTimeout(ctx, sm.opts.QueryTimeout)
	defer cancel()
	vs, err := sm.opts.QueryEmbedder.Embed(ctx, []string{strings.TrimSpace(query)})
	if err != nil {
		return nil, err
	}
	if len(vs) != 1 || len(vs[0]) != sm.dim {
		return nil, fmt.Errorf("查询向量无效（%d 个，应为 1 个长度 %d 的向量）", len(vs), sm.dim)
	}
	v := append([]float32(nil), vs[0]...)
	if !normalize(v) {
		return nil, errors.New("查询向量为零向量")
	}
	return v, nil
}

// fuse re-orders the lexical candidates (best first, up to depth) by
// reciprocal rank fusion with the embedding ranking's top depth entries, which
// may join with their lexical confidence. An entry missing from one list
// counts as ranked just below its end, in both lists alike, so ties go to
// the lexical order.
func (sm *Semantic) fuse(query string, lex []Candidate, qv []float32, k, depth int) []Candidate {
	s, _ := sm.pool.Get().(*semScratch)
	if s == nil {
		n := len(sm.ix.entries)
		s = &semScratch{best: make([]float32, n), bestRow: make([]int32, n)}
		for i := range s.best {
			s.best[i] = -2
		}
	}
	defer sm.pool.Put(s)

	// Best cosine per entry.
	var seen []int32
	dim := sm.dim
	for r, e := range sm.ent {
		c := dot(qv, sm.vecs[r*dim:(r+1)*dim])
		if s.best[e] == -2 {
			seen = append(seen, e)
		}
		if c > s.best[e] {
			s.best[e] = c
			s.bestRow[e] = int32(r)
		}
	}
	semTop := make([]int32, 0, depth+1)
	for _, e := range seen {
		i := len(semTop)
		for i > 0 && (s.best[e] > s.best[semTop[i-1]] || s.best[e] == s.best[semTop[i-1]] && e < semTop[i-1]) {
			i--
		}
		if i >= depth {
			continue
		}
		if len(semTop) < depth {
			semTop = append(semTop, 0)
		}
		copy(semTop[i+1:], semTop[i:len(semTop)-1])
		semTop[i] = e
	}

	cands := make([]Candidate, len(lex), len(lex)+len(semTop))
	copy(cands, lex)
	for _, e := range semTop {
		if containsEntry(cands, int(e)) {
			continue
		}
		c := sm.ix.lexCandidateFor(query, e, &s.lex)
		if c.Matched == "" {
			c.Matched = sm.text[s.bestRow[e]]
		}
		cands = append(cands, c)
	}
	for _, e := range seen {
		s.best[e] = -2
	}

	missing := depth + 1
	for i := range cands {
		c := &cands[i]
		lexPos, semPos := missing, missing
		if i < len(lex) {
			lexPos = i + 1
		}
		for j, e := range semTop {
			if int(e) == c.pos {
				semPos = j + 1
				break
			}
		}
		c.rank = 1/float64(rrfK+lexPos) + 1/float64(rrfK+semPos)
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].rank > cands[j].rank })
	return cands[:min(k, len(cands))]
}

// dot is the inner product of two equal-length vectors.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// SearchContext is Search; it lets an *Index serve where a context-taking
// searcher is expected (handlers/faq).
func (ix *Index) SearchContext(_ context.Context, query string, k int) Result {
	return ix.Search(query, k)
}
