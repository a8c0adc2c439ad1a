package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func newStore(t *testing.T) *FS {
	t.Helper()
	s, err := NewFS(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPutGetRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	png := []byte("\x89PNG\r\n\x1a\n" + strings.Repeat("x", 100))
	tests := []struct {
		name, contentType string
		data              []byte
		wantType          string
	}{
		{"given type kept", "image/jpeg", []byte("jpeg bytes"), "image/jpeg"},
		{"type normalised", "Image/PNG", []byte("other bytes"), "image/png"},
		{"type sniffed when missing", "", png, "image/png"},
		{"empty blob", "text/plain; charset=utf-8", nil, "text/plain; charset=utf-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ref, err := s.Put(ctx, tc.data, tc.contentType)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(tc.data)
			if want := RefPrefix + hex.EncodeToString(sum[:]); ref != want {
				t.Fatalf("ref = %s, want %s", ref, want)
			}
			data, ct, err := s.Get(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, tc.data) || ct != tc.wantType {
				t.Fatalf("Get = %q, %q; want %q, %q", data, ct, tc.data, tc.wantType)
			}
		})
	}
}

func TestPutIsContentAddressedAndLeavesNoTempFiles(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	data := bytes.Repeat([]byte("照片"), 1000)
	refs := make([]string, 8)
	var wg sync.WaitGroup
	for i := range refs {
		wg.Go(func() {
			ref, err := s.Put(ctx, data, "image/jpeg")
			if err != nil {
				t.Error(err)
			}
			refs[i] = ref
		})
	}
	wg.Wait()
	for _, r := range refs {
		if r != refs[0] {
			t.Fatalf("same content, different refs: %v", refs)
		}
	}
	other, _ := s.Put(ctx, append(data, '!'), "image/jpeg")
	if other == refs[0] {
		t.Fatal("different content, same ref")
	}
	err := filepath.WalkDir(s.dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Get(ctx, refs[0])
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("after concurrent puts: %v", err)
	}
}

func TestGetRejectsBadAndMissingRefs(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	missing := RefPrefix + strings.Repeat("ab", 32)
	tests := []struct {
		ref  string
		want error
	}{
		{"", ErrBadRef},
		{RefPrefix, ErrBadRef},
		{RefPrefix + "../../../../etc/passwd", ErrBadRef},
		{RefPrefix + strings.Repeat("AB", 32), ErrBadRef},
		{"blob:md5:" + strings.Repeat("ab", 16), ErrBadRef},
		{RefPrefix + strings.Repeat("ab", 31) + "/x", ErrBadRef},
		{missing, ErrNotFound},
	}
	for _, tc := range tests {
		if _, _, err := s.Get(ctx, tc.ref); !errors.Is(err, tc.want) {
			t.Errorf("Get(%q) = %v, want %v", tc.ref, err, tc.want)
		}
	}
	if _, err := s.Put(ctx, []byte("x"), "not a/type/at all;;"); err == nil {
		t.Error("malformed content type accepted")
	}
}

func TestGetDetectsCorruption(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	ref, err := s.Put(ctx, []byte("original picture"), "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	digest, _ := ParseRef(ref)
	if err := os.WriteFile(s.path(digest), []byte("tampered"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, ref); err == nil || !strings.Contains(err.Error(), "corrupted") {
		t.Fatalf("Get of corrupted blob: %v", err)
	}
}
