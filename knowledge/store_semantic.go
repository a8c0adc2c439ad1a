package knowledge

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// semanticWarnEvery limits how often a failing query embedding is logged.
const semanticWarnEvery = time.Minute

// EnableSemantic turns on the embedding layer (semantic.go): it embeds the
// current index's phrasings now and every reloaded index's before it is
// swapped in. When embedding fails the store keeps serving lexical results
// for that index, logs why, and (under Watch) retries every opts.RetryEvery.
// The returned error is informational: the store is usable either way.
func (s *Store) EnableSemantic(ctx context.Context, opts SemanticOptions) error {
	if opts.Embedder == nil {
		return errors.New("没有配置向量服务（Embedder）")
	}
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	s.sem.Store(&opts)
	cur := s.cur.Load()
	sem := s.buildSemantic(ctx, cur.ix, opts)
	if sem == nil {
		return errors.New("知识库向量化失败，暂时只用字词检索（详见日志）")
	}
	s.cur.Store(&served{ix: cur.ix, sem: sem})
	return nil
}

// buildSemantic embeds ix, logging the outcome; nil when it failed.
func (s *Store) buildSemantic(ctx context.Context, ix *Index, opts SemanticOptions) *Semantic {
	start := time.Now()
	sem, err := BuildSemantic(ctx, ix, opts)
	if err != nil {
		s.log.Error("kb embeddings failed, serving lexical retrieval only for this index", "path", s.path,
			"entries", ix.Len(), "err", err)
		return nil
	}
	c := sem.Check()
	level := slog.LevelInfo
	if !c.Fused {
		level = slog.LevelWarn // configured, paid for, and not used: the admin should know
	}
	s.log.Log(ctx, level, "kb embeddings ready", "path", s.path, "phrasings", sem.Len(), "dim", sem.dim,
		"took", time.Since(start).Round(time.Millisecond), "fused", c.Fused, "check_asked", c.Asked,
		"check_lexical_hit1", c.LexicalHit1, "check_fused_hit1", c.FusedHit1, "check", c.String())
	return sem
}

// retrySemantic re-embeds the current index while it is served without
// vectors (embedding failed at start or reload), every interval until ctx ends.
func (s *Store) retrySemantic(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cur := s.cur.Load()
		so := s.sem.Load()
		if so == nil || cur.sem != nil {
			continue
		}
		s.reloadMu.Lock()
		if s.cur.Load() == cur { // no reload meanwhile
			if sem := s.buildSemantic(ctx, cur.ix, *so); sem != nil {
				s.cur.Store(&served{ix: cur.ix, sem: sem})
			}
		}
		s.reloadMu.Unlock()
	}
}

// SearchContext queries the current index with the embedding ranking fused
// in when the store has one (EnableSemantic), else exactly like Search. A
// query embedding that fails or times out (SemanticOptions.QueryTimeout)
// falls back to the lexical result; the failure is logged at most once a
// minute.
func (s *Store) SearchContext(ctx context.Context, query string, k int) Result {
	cur := s.cur.Load()
	if cur.sem == nil {
		return cur.ix.Search(query, k)
	}
	res, err := cur.sem.Search(ctx, query, k)
	if err != nil {
		s.warnFallback(err)
	}
	return res
}

func (s *Store) warnFallback(err error) {
	now := time.Now().UnixNano()
	last := s.warnedAt.Load()
	if now-last < int64(semanticWarnEvery) || !s.warnedAt.CompareAndSwap(last, now) {
		s.suppressed.Add(1)
		return
	}
	s.log.Warn("kb query embedding failed, answered from lexical retrieval", "err", err,
		"suppressed_since_last", s.suppressed.Swap(0))
}
