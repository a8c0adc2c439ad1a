package knowledge

import (
	"context"
	"deliverybot/bot/reload"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Store serves the current index and swaps in a new one on Reload. Readers
// load one pointer per query, so no request ever sees a half-built index; a
// failed reload keeps the old index.
type Store struct {
	path string
	opts Options
	log  *slog.Logger

	cur      atomic.Pointer[served]
	reloadMu sync.Mutex // one rebuild at a time
	stamp    atomic.Uint64
	loadedAt atomic.Int64

	// sem is set by EnableSemantic (under reloadMu); nil: lexical only.
	sem atomic.Pointer[SemanticOptions]
	// Fallback warnings are rate limited (semanticWarnEvery).
	warnedAt   atomic.Int64
	suppressed atomic.Int64
}

// served is what one query sees: an index and, when embeddings are on and
// worked for this index, its vectors. Both are swapped with one pointer store,
// so a query never pairs a new index with old vectors.
type served struct {
	ix  *Index
	sem *Semantic // nil: lexical only
}

// Open loads the KB at path (directory or single file) and returns a store
// serving it. Rejected rows are logged and skipped here (the bot should start
// with the good entries); reloads are strict.
func Open(path string, opts Options, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{path: path, opts: opts, log: log}
	stamp, _ := sourceStamp(path)
	ix, kb, err := LoadIndex(path, opts, false)
	if err != nil {
		return nil, err
	}
	for _, p := range kb.Problems {
		log.Warn("kb row rejected", "file", p.File, "line", p.Line, "reason", p.Reason)
	}
	s.swap(ix, nil, stamp)
	log.Info("kb loaded", "path", path, "entries", ix.Len(), "files", len(kb.Files),
		"suggest_threshold", round3(ix.Options().Policy.SuggestThreshold), "calibration_shift", round3(ix.Calibration().Shift))
	return s, nil
}

// NewStatic serves a fixed index (tests, embedded KBs); Reload fails on it.
func NewStatic(ix *Index) *Store {
	s := &Store{log: slog.New(slog.DiscardHandler)}
	s.swap(ix, nil, 0)
	return s
}

func (s *Store) swap(ix *Index, sem *Semantic, stamp uint64) {
	s.cur.Store(&served{ix: ix, sem: sem})
	s.stamp.Store(stamp)
	s.loadedAt.Store(time.Now().UnixNano())
}

// Index returns the current index.
func (s *Store) Index() *Index { return s.cur.Load().ix }

// Semantic returns the current embedding layer, nil when the store serves
// lexical retrieval only (embeddings off, or embedding this index failed).
func (s *Store) Semantic() *Semantic { return s.cur.Load().sem }

// Path is the KB path the store reloads from.
func (s *Store) Path() string { return s.path }

// Entry looks an entry up by ID in the current index.
func (s *Store) Entry(id string) (*Entry, bool) { return s.cur.Load().ix.Entry(id) }

// Search queries the current index (lexical retrieval only).
func (s *Store) Search(query string, k int) Result { return s.cur.Load().ix.Search(query, k) }

// Reload rebuilds the index from disk and swaps it in. On any error — a bad
// row, a clashing ID, an unreadable file — the old index stays and the error
// says why (it is also logged).
func (s *Store) Reload(ctx context.Context) error {
	if s.path == "" {
		return errors.New("这个知识库不是从文件加载的，无法重新加载")
	}
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	stamp, _ := sourceStamp(s.path)
	ix, _, err := LoadIndex(s.path, s.opts, true)
	if err != nil {
		s.stamp.Store(stamp) // do not retry the same broken files every poll
		s.log.Error("kb reload failed, keeping the previous index", "path", s.path, "err", err)
		return fmt.Errorf("重新加载知识库失败，继续使用旧版本：%w", err)
	}
	// The new index's vectors are built before the swap; if that fails the
	// new index is served lexical-only (never with the old index's vectors).
	var sem *Semantic
	if so := s.sem.Load(); so != nil {
		sem = s.buildSemantic(ctx, ix, *so)
	}
	old := s.cur.Load()
	s.swap(ix, sem, stamp)
	s.log.Info("kb reloaded", "path", s.path, "entries", ix.Len(), "previous", old.ix.Len(), "embeddings", sem != nil,
		"suggest_threshold", round3(ix.Options().Policy.SuggestThreshold), "calibration_shift", round3(ix.Calibration().Shift))
	return nil
}

// Watch reloads when the KB files change (polling names, sizes and mtimes every
// interval) or when the process gets SIGHUP, until ctx ends. Run it in a goroutine.
func (s *Store) Watch(ctx context.Context, interval time.Duration) {
	if so := s.sem.Load(); so != nil {
		go s.retrySemantic(ctx, so.withDefaults().RetryEvery)
	}
	reload.Watch(ctx, interval, func() bool {
		stamp, err := sourceStamp(s.path)
		return err == nil && stamp != s.stamp.Load()
	}, func(why string) {
		s.log.Info("kb reloading", "path", s.path, "why", why)
		_ = s.Reload(ctx) // a failed reload logs why and keeps the old index
	})
}

// sourceStamp fingerprints the KB's source files (names, sizes, mtimes).
func sourceStamp(path string) (uint64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	h := fnv.New64a()
	add := func(fi os.FileInfo) {
		fmt.Fprintf(h, "%s|%d|%d;", fi.Name(), fi.Size(), fi.ModTime().UnixNano())
	}
	if !st.IsDir() {
		add(st)
		for _, side := range []string{SynonymsFile, ConfigFile} {
			if fi, err := os.Stat(filepath.Join(filepath.Dir(path), side)); err == nil {
				add(fi)
			}
		}
		return h.Sum64(), nil
	}
	des, err := os.ReadDir(path)
	if err != nil {
		return 0, err
	}
	sort.Slice(des, func(i, j int) bool { return des[i].Name() < des[j].Name() })
	for _, de := range des {
		if de.IsDir() || !(IsSource(de.Name()) || de.Name() == SynonymsFile || de.Name() == ConfigFile) {
			continue
		}
		if fi, err := de.Info(); err == nil {
			add(fi)
		}
	}
	return h.Sum64(), nil
}
