package files

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/models"
)

var pdf = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

func TestPut(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(pdf)
	want := hex.EncodeToString(sum[:])
	for _, tc := range []struct {
		name    string
		data    []byte
		policy  Policy
		wantErr string
	}{
		{"pdf certificate", pdf, Documents, ""},
		{"same file again", pdf, Documents, ""},
		{"empty", nil, Documents, "empty"},
		{"too big", bytes.Repeat([]byte("a"), 101), Policy{MaxBytes: 100, Types: Documents.Types}, "larger than"},
		{"pdf is not a photo", pdf, Photos, "not accepted"},
		{"executable", []byte("MZ\x90\x00\x03\x00\x00\x00"), Documents, "not accepted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Put("certificate", bytes.NewReader(tc.data), tc.policy)
			if tc.wantErr != "" {
				var me *models.Error
				if !errors.As(err, &me) || me.Field != "certificate" || !strings.Contains(me.Message, tc.wantErr) {
					t.Fatalf("err = %v, want a certificate error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.SHA256 != want || got.Size != int64(len(pdf)) || got.Type != "application/pdf" {
				t.Fatalf("stored %+v", got)
			}
			f, err := s.Open(got.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			back, _ := io.ReadAll(f)
			if !bytes.Equal(back, pdf) {
				t.Fatal("stored content differs")
			}
		})
	}
	tmp, _ := os.ReadDir(filepath.Join(s.dir, "tmp"))
	if len(tmp) != 0 {
		t.Errorf("%d temporary files left behind", len(tmp))
	}
}

func TestOpenRejectsBadNames(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"../../etc/passwd", "ABC", strings.Repeat("0", 64)} {
		_, err := s.Open(name)
		if !errors.Is(err, models.ErrInvalid) && !errors.Is(err, models.ErrNotFound) {
			t.Errorf("Open(%q) = %v", name, err)
		}
	}
	if s.Has("../x") {
		t.Error("Has accepted a path")
	}
}

func TestHash(t *testing.T) {
	sum := sha256.Sum256(pdf)
	got, n, err := Hash(bytes.NewReader(pdf), 1<<20)
	if err != nil || got != hex.EncodeToString(sum[:]) || n != int64(len(pdf)) {
		t.Fatalf("Hash = %s %d %v", got, n, err)
	}
	if _, _, err := Hash(bytes.NewReader(pdf), 10); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("oversized Hash err = %v", err)
	}
}
