package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"testing"
)

// TestAttachRefusedBeforeStoring checks that a viewer, or an organization
// not involved with the batch, is refused before its upload is stored: no
// orphan file lands in the file store.
func TestAttachRefusedBeforeStoring(t *testing.T) {
	f := newFixture(t, true)
	code := "FC-260309-02"
	before := storedFiles(t, f.dir+"/files") // the demo's documents
	var orphans []string
	for _, user := range []string{"fuchun-cement.viewer", "qiantang-glass.operator"} {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		w, _ := mw.CreateFormFile("file", "orphan.pdf")
		data := []byte("%PDF-1.4\n% a file nobody may attach " + user + "\n%%EOF\n")
		sum := sha256.Sum256(data)
		orphans = append(orphans, hex.EncodeToString(sum[:]))
		_, _ = w.Write(data)
		_ = mw.Close()
		var e apiErr
		status := f.callRaw(t, f.token(t, user), http.MethodPost, "/api/v1/batches/"+code+"/documents", mw.FormDataContentType(), &body, &e)
		if status != http.StatusForbidden {
			t.Fatalf("%s attaching: %d %v, want 403", user, status, e)
		}
	}
	for _, sha := range orphans {
		if f.files.Has(sha) {
			t.Errorf("a refused upload was stored: %s", sha)
		}
	}
	if after := storedFiles(t, f.dir+"/files"); after != before {
		t.Errorf("%d files stored before the refused uploads, %d after", before, after)
	}
}

// storedFiles counts the files in the file store, temporary ones included.
func storedFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
