// Package files keeps uploaded files — certificates, test reports, photos —
// content-addressed under PLUMBLINE_DATA/files. A file's name is its
// SHA-256, the same hash that goes on the ledger, so a stored file can
// always be checked against its ledger record and the same file is stored
// once. Writes are atomic and durable: a temporary file is written,
// fsynced, renamed into place, and its folder fsynced.
package files

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/plumbline/plumbline/models"
)

// Kinds of file and the content types each accepts.
var (
	// Documents are certificates and test reports.
	Documents = Policy{MaxBytes: 20 << 20, Types: []string{"application/pdf", "image/jpeg", "image/png", "image/webp", "text/plain; charset=utf-8", "text/csv"}}
	// Photos are pictures taken on site.
	Photos = Policy{MaxBytes: 15 << 20, Types: []string{"image/jpeg", "image/png", "image/webp"}}
)

// Policy limits what a kind of upload may be.
type Policy struct {
	MaxBytes int64
	Types    []string // sniffed content types accepted
}

// Store is a folder of content-addressed files.
type Store struct{ dir string }

// Open returns the store in dir, creating it if needed.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o750); err != nil {
		return nil, fmt.Errorf("file store: %w", err)
	}
	return &Store{dir: dir}, nil
}

// Stored describes a stored file.
type Stored struct {
	SHA256 string // hex
	Size   int64
	Type   string // sniffed content type
}

var shaPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Put stores r's content if the policy allows it and returns its hash,
// size and sniffed type. field names the form field in errors.
func (s *Store) Put(field string, r io.Reader, p Policy) (Stored, error) {
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "upload-*")
	if err != nil {
		return Stored{}, fmt.Errorf("file store: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	defer tmp.Close()

	h := sha256.New()
	var head bytes.Buffer
	n, err := io.Copy(io.MultiWriter(tmp, h, &limitedBuffer{buf: &head, max: 512}), io.LimitReader(r, p.MaxBytes+1))
	if err != nil {
		return Stored{}, models.Invalid(field, "upload was interrupted: %v", err)
	}
	if n == 0 {
		return Stored{}, models.Invalid(field, "the file is empty")
	}
	if n > p.MaxBytes {
		return Stored{}, models.Invalid(field, "the file is larger than %d MB", p.MaxBytes>>20)
	}
	typ := sniff(head.Bytes())
	if !slices.Contains(p.Types, typ) {
		return Stored{}, models.Invalid(field, "files of type %s are not accepted; use %s", typ, allowed(p.Types))
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := tmp.Sync(); err != nil {
		return Stored{}, fmt.Errorf("file store: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return Stored{}, fmt.Errorf("file store: %w", err)
	}
	final := s.path(sum)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return Stored{}, fmt.Errorf("file store: %w", err)
	}
	if _, err := os.Stat(final); err != nil {
		if err := os.Rename(tmp.Name(), final); err != nil {
			return Stored{}, fmt.Errorf("file store: %w", err)
		}
		if err := syncDir(filepath.Dir(final)); err != nil {
			return Stored{}, err
		}
	}
	return Stored{SHA256: sum, Size: n, Type: typ}, nil
}

// Open opens the stored file with the given hex SHA-256.
func (s *Store) Open(sha string) (*os.File, error) {
	if !shaPattern.MatchString(sha) {
		return nil, models.Invalid("sha256", "%q is not a lowercase hex SHA-256", sha)
	}
	f, err := os.Open(s.path(sha))
	if errors.Is(err, os.ErrNotExist) {
		return nil, models.NotFound("sha256", "file %s is not stored on this server", sha)
	}
	return f, err
}

// Has reports whether the file with the given hash is stored.
func (s *Store) Has(sha string) bool {
	if !shaPattern.MatchString(sha) {
		return false
	}
	_, err := os.Stat(s.path(sha))
	return err == nil
}

// Hash returns the hex SHA-256 of r's content, for checking a file against
// the ledger without storing it.
func Hash(r io.Reader, max int64) (string, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(r, max+1))
	if err != nil {
		return "", n, err
	}
	if n > max {
		return "", n, models.Invalid("file", "the file is larger than %d MB", max>>20)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func (s *Store) path(sha string) string {
	return filepath.Join(s.dir, sha[:2], sha[2:])
}

// sniff returns the content type, telling CSV from plain text by extension-free heuristics.
func sniff(head []byte) string {
	typ := http.DetectContentType(head)
	if typ == "text/plain; charset=utf-8" && bytes.Count(head, []byte(",")) >= 2 && bytes.Contains(head, []byte("\n")) {
		return "text/csv"
	}
	return typ
}

func allowed(types []string) string {
	var names []string
	for _, t := range types {
		t, _, _ = strings.Cut(t, ";")
		names = append(names, strings.TrimPrefix(strings.TrimPrefix(t, "application/"), "image/"))
	}
	return strings.Join(names, ", ")
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("file store: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("file store: sync %s: %w", dir, err)
	}
	return nil
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
