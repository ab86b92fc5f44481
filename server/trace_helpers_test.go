package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/files"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// demoFacts are batches of the demo fixture the trace tests look at.
type demoFacts struct {
	recall models.Recall // the demo's recall of a cement lot
	// failed is the batch whose 28-day test failed: it has a private test
	// report, inspection notes and measurements.
	failed     string
	inspection models.Inspection // its failing inspection
	// concrete is a batch of concrete that went into the works.
	concrete string
	// lot is an unrecalled cement lot whose forward trace reaches usages.
	lot string
}

func findDemo(t testing.TB, f *fixture) demoFacts {
	t.Helper()
	ctx := context.Background()
	var d demoFacts
	rs, err := f.store.Recalls(ctx, 10)
	if err != nil || len(rs) == 0 {
		t.Fatalf("demo recalls: %v, %v", rs, err)
	}
	d.recall = rs[len(rs)-1]
	for _, code := range d.recall.Affected {
		ins, err := f.store.Inspections(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range ins {
			if in.Verdict == models.VerdictFail && in.Type == "strength_28d" && in.Notes != "" && len(in.Results) > 1 {
				d.failed, d.inspection = code, in
			}
		}
	}
	fw, err := f.store.Forward(ctx, d.recall.BatchCode, 0)
	if err != nil || len(fw.Usages) == 0 {
		t.Fatalf("forward trace of %s: %d usages, %v", d.recall.BatchCode, len(fw.Usages), err)
	}
	d.concrete = fw.Usages[0].BatchCode
	pg, err := f.store.Batches(ctx, store.BatchFilter{ProductID: productOf(t, f, d.recall.BatchCode), Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range pg.Items {
		if b.Status == models.StatusRecalled || len(b.Parents) > 0 {
			continue
		}
		if fw, err := f.store.Forward(ctx, b.Code, 0); err == nil && len(fw.Usages) > 0 {
			d.lot = b.Code
			break
		}
	}
	if d.failed == "" || d.lot == "" {
		t.Fatalf("demo facts incomplete: %+v", d)
	}
	return d
}

func productOf(t testing.TB, f *fixture, code string) string {
	b, err := f.store.Batch(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return b.ProductID
}

// submitAs commits one transaction for a demo user straight through the
// ledger and waits for the read model.
func submitAs(t testing.TB, f *fixture, user, typ string, args any) ledger.Receipt {
	t.Helper()
	org, role, _ := strings.Cut(user, ".")
	raw, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rec, err := f.ledger.Submit(ctx, ledger.Tx{Type: typ, Args: raw, Org: org, User: user, Role: models.Role(role)})
	if err != nil {
		t.Fatalf("%s by %s: %v", typ, user, err)
	}
	if err := f.proj.WaitFor(ctx, rec.Seq); err != nil {
		t.Fatal(err)
	}
	return rec
}

// attachFile stores content in the file store and records it on the
// ledger as a document of batch code.
func attachFile(t testing.TB, f *fixture, user, code, name string, content []byte, vis models.Visibility) string {
	t.Helper()
	sum := sha256.Sum256(content)
	sha := hex.EncodeToString(sum[:])
	if _, err := f.files.Put("file", bytes.NewReader(content), files.Documents); err != nil {
		t.Fatal(err)
	}
	submitAs(t, f, user, "AttachDocument", contract.AttachDocumentArgs{Batch: code, Document: contract.DocumentArgs{
		SHA256: sha, Name: name, MediaType: "application/pdf", Size: int64(len(content)), Kind: models.DocCertificate, Visibility: vis,
	}})
	return sha
}

// upload posts a multipart form with one file field.
func (c *client) upload(t testing.TB, path, field, name string, content []byte) (int, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if field != "" {
		fw, err := w.CreateFormFile(field, name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(content)
	}
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.f.URL+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	code, b, _ := c.do(t, req)
	return code, b
}

// fetch GETs path with an optional Bearer token and returns status,
// headers and body.
func (f *fixture) fetch(t testing.TB, token, path string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func storeFilterProducer(org string, n int) store.BatchFilter {
	return store.BatchFilter{Producer: org, Limit: n}
}
