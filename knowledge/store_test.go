package knowledge

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// kbVersion writes a one-file KB whose every answer names its version, so a
// reader can tell whether it ever saw a mix of two versions.
func kbVersion(t *testing.T, dir string, version, entries int) {
	t.Helper()
	var b strings.Builder
	for i := 0; i < entries; i++ {
		fmt.Fprintf(&b, "## 第%d个问题怎么处理\nid: e%d\n版本%d的答案\n\n", i, i, version)
	}
	if err := writeFileAtomic(filepath.Join(dir, "kb.md"), []byte(b.String())); err != nil {
		t.Fatal(err)
	}
}

func TestReloadUnderConcurrentQueriesNeverMixesVersions(t *testing.T) {
	dir := t.TempDir()
	kbVersion(t, dir, 0, 50)
	s, err := Open(dir, DefaultOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var queries, bad atomic.Int64
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				ix := s.Index()
				want := ""
				for i, e := range ix.Entries() {
					v := strings.TrimPrefix(strings.SplitN(e.Answer, "的", 2)[0], "版本")
					if i == 0 {
						want = v
					} else if v != want {
						bad.Add(1)
					}
				}
				res := ix.Search("第3个问题怎么处理", 3)
				if top, ok := res.Top(); !ok || top.Entry.ID != "e3" {
					bad.Add(1)
				}
				queries.Add(1)
			}
		}()
	}
	for v := 1; v <= 20; v++ {
		kbVersion(t, dir, v, 50+v)
		if err := s.Reload(ctx); err != nil {
			t.Fatalf("reload %d: %v", v, err)
		}
	}
	cancel()
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d of %d queries saw a mixed or broken index", bad.Load(), queries.Load())
	}
	if got := s.Index().Len(); got != 70 {
		t.Fatalf("final index has %d entries, want 70", got)
	}
}

func TestFailedReloadKeepsOldIndex(t *testing.T) {
	dir := t.TempDir()
	kbVersion(t, dir, 1, 5)
	s, err := Open(dir, DefaultOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	old := s.Index()
	// A half-edited file: an entry lost its answer.
	if err := os.WriteFile(filepath.Join(dir, "kb.md"), []byte("## 新问题\nid: n1\n\n## 另一个\n答案"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = s.Reload(context.Background())
	if err == nil || !strings.Contains(err.Error(), "答案为空") {
		t.Fatalf("reload err = %v, want the row problem", err)
	}
	if s.Index() != old {
		t.Fatal("a failed reload replaced the index")
	}
	// Clashing IDs across files also keep the old index.
	kbVersion(t, dir, 2, 5)
	if err := os.WriteFile(filepath.Join(dir, "more.csv"), []byte("id,question,answer\ne1,重复ID,答案\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(context.Background()); err == nil {
		t.Fatal("clashing IDs accepted")
	}
	if s.Index() != old {
		t.Fatal("a failed reload replaced the index")
	}
}

func TestWatchReloadsOnFileChange(t *testing.T) {
	dir := t.TempDir()
	kbVersion(t, dir, 1, 3)
	s, err := Open(dir, DefaultOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Watch(ctx, 5*time.Millisecond)
	kbVersion(t, dir, 2, 4)
	deadline := time.Now().Add(5 * time.Second)
	for s.Index().Len() != 4 {
		if time.Now().After(deadline) {
			t.Fatal("watch did not pick up the change")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStaticStoreCannotReload(t *testing.T) {
	s := NewStatic(unitIndex(t))
	if s.Search("vpn登不上", 3).Decision != Answer {
		t.Fatal("static store does not search")
	}
	if err := s.Reload(context.Background()); err == nil {
		t.Fatal("static store reloaded")
	}
}
