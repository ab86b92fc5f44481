package server

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"os"
	"testing"
)

// TestAttachRefusedBeforeStoring checks that a viewer, or an organization
// not involved with the batch, is refused before its upload is stored: no
// orphan file lands in the file store.
func TestAttachRefusedBeforeStoring(t *testing.T) {
	f := newFixture(t, true)
	code := "FC-260309-02"
	for _, user := range []string{"fuchun-cement.viewer", "qiantang-glass.operator"} {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		w, _ := mw.CreateFormFile("file", "orphan.pdf")
		_, _ = w.Write([]byte("%PDF-1.4\n% a file nobody may attach " + user + "\n%%EOF\n"))
		_ = mw.Close()
		var e apiErr
		status := f.callRaw(t, f.token(t, user), http.MethodPost, "/api/v1/batches/"+code+"/documents", mw.FormDataContentType(), &body, &e)
		if status != http.StatusForbidden {
			t.Fatalf("%s attaching: %d %v, want 403", user, status, e)
		}
	}
	entries, _ := os.ReadDir(f.dir + "/files")
	for _, e := range entries {
		if e.Name() != "tmp" {
			t.Errorf("a refused upload was stored: files/%s", e.Name())
		}
	}
}
