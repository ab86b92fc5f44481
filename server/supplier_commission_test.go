package server

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/files"
	"github.com/plumbline/plumbline/models"
)

func commissionForm(code string) url.Values {
	return url.Values{"code": {code}, "product_id": {"po-42.5"}, "quantity": {"12.5"}, "produced_on": {"2026-03-01"},
		"origin": {"Kiln 2"}, "lot_number": {"L-1"}, "kind_0": {"certificate"}, "visibility_0": {"public"},
		"kind_1": {"test_report"}, "visibility_1": {"private"}, "idempotency_key": {"k-" + code}}
}

// TestCommissionWithCertificates commissions a batch with two files
// through the page: the batch and both document records reach the read
// model, and the files are stored under their SHA-256.
func TestCommissionWithCertificates(t *testing.T) {
	f := newFixture(t, true)
	c := f.login(t, "fuchun-cement.operator")
	cert, report := pdf("certificate"), png("report")
	code, body, loc := c.postMultipart(t, "/batches/new", commissionForm("FC-T-1"),
		filePart{"document_0", "cert.pdf", cert}, filePart{"document_1", `C:\scans\report.png`, report})
	if code != http.StatusSeeOther || loc != "/b/FC-T-1" {
		t.Fatalf("commission: %d → %q\n%s", code, loc, body)
	}
	ctx := context.Background()
	b, err := f.store.Batch(ctx, "FC-T-1")
	if err != nil || b.Quantity != models.MustDecimal("12.5") || b.Producer != "fuchun-cement" || b.LotNumber != "L-1" {
		t.Fatalf("batch: %+v %v", b, err)
	}
	docs, err := f.store.Documents(ctx, "FC-T-1")
	if err != nil || len(docs) != 2 {
		t.Fatalf("documents: %+v %v", docs, err)
	}
	want := []struct {
		sha, name, typ string
		vis            models.Visibility
		kind           models.DocumentKind
		data           []byte
	}{{sha(cert), "cert.pdf", "application/pdf", models.Public, models.DocCertificate, cert}, {sha(report), "report.png", "image/png", models.Private, models.DocTestReport, report}}
	for i, w := range want {
		d := docs[i]
		if d.SHA256 != w.sha || d.Name != w.name || d.MediaType != w.typ || d.Visibility != w.vis || d.Kind != w.kind || d.Size != int64(len(w.data)) {
			t.Errorf("document %d: %+v, want %+v", i, d, w)
		}
		fh, err := f.files.Open(w.sha)
		if err != nil {
			t.Fatalf("stored file %s: %v", w.sha, err)
		}
		got, _ := io.ReadAll(fh)
		fh.Close()
		if !bytes.Equal(got, w.data) {
			t.Errorf("stored file %s differs", w.sha)
		}
	}
	// Sending the same form again (same idempotency key) commits nothing new.
	head := f.head(t)
	code, _, loc = c.postMultipart(t, "/batches/new", commissionForm("FC-T-1"),
		filePart{"document_0", "cert.pdf", cert}, filePart{"document_1", "report.png", report})
	if code != http.StatusSeeOther || loc != "/b/FC-T-1" || f.head(t) != head {
		t.Errorf("retry: %d %q, head %d → %d", code, loc, head, f.head(t))
	}
}

// TestCommissionBadInput: every bad input is a 4xx with the message next
// to its field, and nothing reaches the ledger.
func TestCommissionBadInput(t *testing.T) {
	f := newFixture(t, true)
	op := f.login(t, "fuchun-cement.operator")
	existing := f.orgBatch(t, "fuchun-cement").Code
	big := append(pdf("big"), make([]byte, files.Documents.MaxBytes)...)
	cases := []struct {
		name   string
		user   string
		change func(url.Values)
		files  []filePart
		status int
		field  string
		msg    string
	}{
		{"no code", "", func(v url.Values) { v.Del("code") }, nil, 422, "code", "required"},
		{"bad code", "", func(v url.Values) { v.Set("code", "a b") }, nil, 422, "code", ""},
		{"no quantity", "", func(v url.Values) { v.Del("quantity") }, nil, 422, "quantity", "required"},
		{"bad quantity", "", func(v url.Values) { v.Set("quantity", "12,5") }, nil, 422, "quantity", ""},
		{"negative quantity", "", func(v url.Values) { v.Set("quantity", "-1") }, nil, 422, "quantity", ""},
		{"bad date", "", func(v url.Values) { v.Set("produced_on", "2026-13-01") }, nil, 422, "produced_on", ""},
		{"unknown product", "", func(v url.Values) { v.Set("product_id", "no-such") }, nil, 404, "product_id", ""},
		{"other org's product", "", func(v url.Values) { v.Set("product_id", "hrb400e-12-coil") }, nil, 403, "product_id", "belongs to jiangnan-steel"},
		{"duplicate code", "", func(v url.Values) { v.Set("code", existing) }, nil, 409, "code", ""},
		{"wrong file type", "", nil, []filePart{{"document_0", "x.zip", []byte("PK\x03\x04zipzipzip")}}, 422, "document_0", "not accepted"},
		{"file too big", "", nil, []filePart{{"document_0", "big.pdf", big}}, 422, "document_0", "larger than"},
		{"empty file", "", nil, []filePart{{"document_1", "e.pdf", []byte{}}}, 422, "", ""},
		{"bad visibility", "", func(v url.Values) { v.Set("visibility_0", "secret") }, []filePart{{"document_0", "c.pdf", pdf("v")}}, 422, "visibility_0", ""},
		{"bad kind", "", func(v url.Values) { v.Set("kind_0", "poem") }, []filePart{{"document_0", "c.pdf", pdf("k")}}, 422, "kind_0", ""},
		{"same file twice", "", nil, []filePart{{"document_0", "a.pdf", pdf("same")}, {"document_1", "b.pdf", pdf("same")}}, 422, "document_1", "same file"},
		{"viewer", "fuchun-cement.viewer", nil, nil, 403, "", ""},
		{"carrier", "zhehang-logistics.operator", nil, nil, 403, "", ""},
	}
	clients := map[string]*client{"": op}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := clients[tc.user]
			if c == nil {
				c = f.login(t, tc.user)
				clients[tc.user] = c
			}
			v := commissionForm("FC-BAD-1")
			v.Del("idempotency_key")
			if tc.change != nil {
				tc.change(v)
			}
			head := f.head(t)
			code, body, _ := c.postMultipart(t, "/batches/new", v, tc.files...)
			if code != tc.status {
				t.Fatalf("status %d, want %d\n%s", code, tc.status, body)
			}
			if tc.field != "" && !hasFieldError(body, tc.field) {
				t.Errorf("no error next to %s", tc.field)
			}
			if tc.msg != "" && !strings.Contains(body, tc.msg) {
				t.Errorf("page lacks %q", tc.msg)
			}
			if tc.field != "" && !strings.Contains(body, `aria-invalid="true"`) {
				t.Errorf("no field marked aria-invalid")
			}
			if h := f.head(t); h != head {
				t.Errorf("ledger moved from %d to %d", head, h)
			}
			if tc.name != "duplicate code" {
				if _, err := f.store.Batch(context.Background(), v.Get("code")); err == nil && v.Get("code") != "" {
					t.Errorf("batch %s was written", v.Get("code"))
				}
			}
		})
	}
}

// TestCommissionAsksToConfirmAnOldDate: a production date in the future is
// refused next to its field; one more than three years back is refused
// with a confirmation box, and goes through once it is ticked (contract
// V4); the API takes confirm_old_date the same way.
func TestCommissionAsksToConfirmAnOldDate(t *testing.T) {
	f := newFixture(t, true)
	c := f.login(t, "fuchun-cement.operator")
	future := time.Now().UTC().AddDate(0, 0, 3).Format(models.DateLayout)
	old := time.Now().UTC().AddDate(-4, 0, 0).Format(models.DateLayout)
	v := commissionForm("FC-DATE-1")
	v.Set("produced_on", future)
	code, body, _ := c.postMultipart(t, "/batches/new", v)
	if code != http.StatusUnprocessableEntity || !hasFieldError(body, "produced_on") || strings.Contains(body, `name="confirm_old_date"`) {
		t.Fatalf("a future date: %d, marked %v", code, hasFieldError(body, "produced_on"))
	}
	v.Set("produced_on", old)
	code, body, _ = c.postMultipart(t, "/batches/new", v)
	if code != http.StatusUnprocessableEntity || !hasFieldError(body, "produced_on") || !strings.Contains(body, `name="confirm_old_date"`) {
		t.Fatalf("an old date: %d, marked %v, asks %v", code, hasFieldError(body, "produced_on"), strings.Contains(body, `name="confirm_old_date"`))
	}
	v.Set("confirm_old_date", "1")
	if code, body, _ = c.postMultipart(t, "/batches/new", v); code != http.StatusSeeOther {
		t.Fatalf("confirmed: %d\n%s", code, body)
	}
	if b, err := f.store.Batch(context.Background(), "FC-DATE-1"); err != nil || b.ProducedOn != old {
		t.Fatalf("stored %+v, %v", b, err)
	}
	tok := f.token(t, "fuchun-cement.operator")
	body2 := map[string]any{"code": "FC-DATE-2", "product_id": "po-42.5", "quantity": "1", "produced_on": old}
	var e struct{ Error apiError }
	if code := f.call(t, tok, http.MethodPost, "/api/v1/batches", body2, &e); code != http.StatusUnprocessableEntity || e.Error.MessageCode != "production_date_years_ago" {
		t.Fatalf("API, an old date: %d %+v", code, e)
	}
	body2["confirm_old_date"] = true
	if code := f.call(t, tok, http.MethodPost, "/api/v1/batches", body2, nil); code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("API, confirmed: %d", code)
	}
}
