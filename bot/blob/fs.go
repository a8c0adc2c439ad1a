// Package blob keeps media (photos users send) on the local file system under
// content-addressed references, and makes compressed thumbnails of them.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"deliverybot/bot"
)

// RefPrefix starts every reference: "blob:sha256:<64 hex digits>".
const RefPrefix = "blob:sha256:"

var (
	// ErrNotFound means no blob is stored under the reference.
	ErrNotFound = errors.New("blob: not found")
	// ErrBadRef means the reference is not one this store hands out.
	ErrBadRef = errors.New("blob: malformed reference")
)

// FS stores each blob as a file named by the SHA-256 of its content, with its
// content type in a ".type" file beside it:
//
//	<dir>/sha256/<first two hex digits>/<hex>       the bytes
//	<dir>/sha256/<first two hex digits>/<hex>.type  e.g. "image/jpeg"
//
// Writes go to a temporary file that is synced and renamed into place, so a reader
// or a crash never sees half a blob. Equal content gets the same reference.
type FS struct {
	dir string
}

var _ bot.BlobStore = (*FS)(nil)

// NewFS uses (and creates) dir, e.g. "<data dir>/blobs".
func NewFS(dir string) (*FS, error) {
	if dir == "" {
		return nil, errors.New("blob: empty directory")
	}
	if err := os.MkdirAll(filepath.Join(dir, "sha256"), 0o750); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &FS{dir: dir}, nil
}

// Put stores data and returns its reference. An empty contentType is sniffed
// from the data.
func (s *FS) Put(ctx context.Context, data []byte, contentType string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	contentType, err := normaliseType(contentType, data)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	path := s.path(digest)
	if _, err := os.Stat(path); err == nil {
		return RefPrefix + digest, nil // same content already stored
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return "", fmt.Errorf("blob: %w", err)
	}
	// Type first: once the data file exists its type is there too.
	if err := writeAtomic(path+".type", []byte(contentType)); err != nil {
		return "", err
	}
	if err := writeAtomic(path, data); err != nil {
		return "", err
	}
	return RefPrefix + digest, nil
}

// Get returns the blob and its content type. It checks the content still matches
// its digest, so a corrupted file is an error rather than a wrong picture.
func (s *FS) Get(ctx context.Context, ref string) ([]byte, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	digest, err := ParseRef(ref)
	if err != nil {
		return nil, "", err
	}
	path := s.path(digest)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("%w: %s", ErrNotFound, ref)
	}
	if err != nil {
		return nil, "", fmt.Errorf("blob: %w", err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != digest {
		return nil, "", fmt.Errorf("blob: %s is corrupted on disk", ref)
	}
	ct, err := os.ReadFile(path + ".type")
	if err != nil || len(ct) == 0 {
		return data, http.DetectContentType(data), nil
	}
	return data, string(ct), nil
}

// ParseRef returns the hex digest of a reference, rejecting anything else (so a
// reference can never name a path outside the store).
func ParseRef(ref string) (string, error) {
	digest, ok := strings.CutPrefix(ref, RefPrefix)
	if !ok || len(digest) != 2*sha256.Size {
		return "", fmt.Errorf("%w: %q", ErrBadRef, ref)
	}
	for _, c := range digest {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return "", fmt.Errorf("%w: %q", ErrBadRef, ref)
		}
	}
	return digest, nil
}

func (s *FS) path(digest string) string {
	return filepath.Join(s.dir, "sha256", digest[:2], digest)
}

// normaliseType keeps a valid media type in canonical form and sniffs a missing one.
func normaliseType(contentType string, data []byte) (string, error) {
	contentType = strings.TrimSpace(contentType)
	if contentType == "" {
		return http.DetectContentType(data), nil
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", fmt.Errorf("blob: content type %q: %w", contentType, err)
	}
	return mime.FormatMediaType(mt, params), nil
}

// writeAtomic writes data to a temporary file in the target's directory, syncs
// it and renames it over path.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("blob: write: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("blob: sync: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("blob: close: %w", err)
	}
	if err = os.Chmod(f.Name(), 0o640); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("blob: rename: %w", err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes the rename durable; not every platform supports it, and a
// failure only weakens durability, so it is ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
