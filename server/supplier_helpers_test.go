package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// Test helpers of the supplier pages: multipart posts, the ledger head,
// waiting for imports, and demo data to build on.

// filePart is one file of a multipart body.
type filePart struct {
	field, name string
	data        []byte
}

// pdf returns the bytes of a small PDF-looking file (sniffed as PDF).
func pdf(text string) []byte { return []byte("%PDF-1.4\n% " + text + "\n%%EOF\n") }

// png returns bytes sniffed as a PNG image.
func png(text string) []byte {
	return append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), []byte(text)...)
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func multipartBody(t testing.TB, fields url.Values, files []filePart) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			if err := w.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, f := range files {
		fw, err := w.CreateFormFile(f.field, f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, w.FormDataContentType()
}

// postMultipart submits a multipart form with the client's CSRF token and
// returns the status, body and Location.
func (c *client) postMultipart(t testing.TB, path string, fields url.Values, files ...filePart) (int, string, string) {
	t.Helper()
	if fields.Get("csrf") == "" {
		fields.Set("csrf", c.csrf)
	}
	body, ct := multipartBody(t, fields, files)
	req, _ := http.NewRequest(http.MethodPost, c.f.URL+path, body)
	req.Header.Set("Content-Type", ct)
	code, text, h := c.do(t, req)
	return code, text, h.Get("Location")
}

// postLoc submits a form and returns the status, body and Location.
func (c *client) postLoc(t testing.TB, path string, form url.Values) (int, string, string) {
	t.Helper()
	if form.Get("csrf") == "" {
		form.Set("csrf", c.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, c.f.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	code, text, h := c.do(t, req)
	return code, text, h.Get("Location")
}

// callMultipart posts a multipart form to the API.
func (f *fixture) callMultipart(t testing.TB, token, path string, fields url.Values, files []filePart, out any) int {
	t.Helper()
	body, ct := multipartBody(t, fields, files)
	return f.callRaw(t, token, http.MethodPost, path, ct, body, out)
}

// head is the ledger's last sequence number.
func (f *fixture) head(t testing.TB) uint64 {
	t.Helper()
	h, err := f.ledger.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// orgBatch returns a batch the organization holds, available, with
// remaining quantity.
func (f *fixture) orgBatch(t testing.TB, org string) models.Batch {
	t.Helper()
	p, err := f.store.Batches(context.Background(), store.BatchFilter{Custodian: org, Status: models.StatusAvailable})
	if err != nil || len(p.Items) == 0 {
		t.Fatalf("no available batch held by %s: %v", org, err)
	}
	return p.Items[0]
}

// waitImport polls an import until it is done.
func (f *fixture) waitImport(t testing.TB, token, id string) importJob {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var j importJob
		if code := f.call(t, token, http.MethodGet, "/api/v1/imports/"+id, nil, &j); code != http.StatusOK {
			t.Fatalf("import %s: status %d", id, code)
		}
		if j.State == jobDone {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %s still running: %+v", id, j)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hasFieldError reports whether a page shows an error next to field.
func hasFieldError(body, field string) bool {
	return strings.Contains(body, `id="err-`+field+`"`)
}
