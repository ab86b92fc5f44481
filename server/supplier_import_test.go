package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/store"
)

func batchCSV(prefix string, n int) string {
	var b strings.Builder
	b.WriteString("\xef\xbb\xbfcode,product_id,quantity,produced_on,lot_number\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%s-%03d,po-42.5,%d.5,2026-03-0%d,L%d\n", prefix, i, 10+i, 1+i%9, i)
	}
	return b.String()
}

func countBatches(t *testing.T, f *fixture, prefix string) int {
	t.Helper()
	p, err := f.store.OrgBatches(context.Background(), store.OrgBatchFilter{Org: "fuchun-cement", Search: prefix, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return len(p.Items)
}

// TestImportBatches: a valid file commits every row; sending it again
// commits nothing twice.
func TestImportBatches(t *testing.T) {
	f := newFixture(t, true)
	tok := f.token(t, "fuchun-cement.operator")
	csv := batchCSV("IMP", 25)
	var j importJob
	if code := f.callRaw(t, tok, http.MethodPost, "/api/v1/imports?kind=batches", "text/csv", strings.NewReader(csv), &j); code != http.StatusAccepted || j.Total != 25 {
		t.Fatalf("import: %d %+v", code, j)
	}
	j = f.waitImport(t, tok, j.ID)
	if j.Committed != 25 || j.Failed != 0 || j.Done != 25 || len(j.Errors) != 0 {
		t.Fatalf("job: %+v", j)
	}
	if n := countBatches(t, f, "IMP-"); n != 25 {
		t.Fatalf("%d batches in the read model, want 25", n)
	}
	// The same file again, as multipart: the same job, nothing new.
	head := f.head(t)
	var again importJob
	if code := f.callMultipart(t, tok, "/api/v1/imports", url.Values{"kind": {"batches"}}, []filePart{{"file", "b.csv", []byte(csv)}}, &again); code != http.StatusAccepted || again.ID != j.ID {
		t.Errorf("retry: %d %+v", code, again)
	}
	if f.head(t) != head || countBatches(t, f, "IMP-") != 25 {
		t.Error("a retried import committed again")
	}
	// Another organization cannot see the job.
	if code := f.call(t, f.token(t, "jiangnan-steel.operator"), http.MethodGet, "/api/v1/imports/"+j.ID, nil, nil); code != 404 {
		t.Errorf("other org reads the job: %d", code)
	}
}

// TestImportCommitFailures: a row that passes the check can still fail at
// commit (a code already on the ledger); the others commit, the failure is
// reported by row and column, and a second run replays the committed rows.
func TestImportCommitFailures(t *testing.T) {
	f := newFixture(t, true)
	tok := f.token(t, "fuchun-cement.operator")
	existing := f.orgBatch(t, "fuchun-cement").Code
	csv := "code,product_id,quantity,produced_on\nDUP-1,po-42.5,1,2026-03-01\n" + existing + ",po-42.5,2,2026-03-01\nDUP-3,po-42.5,3,2026-03-01\n"
	var j importJob
	if code := f.callRaw(t, tok, http.MethodPost, "/api/v1/imports?kind=batches", "text/csv", strings.NewReader(csv), &j); code != http.StatusAccepted {
		t.Fatalf("import: %d", code)
	}
	j = f.waitImport(t, tok, j.ID)
	if j.Committed != 2 || j.Failed != 1 || len(j.Errors) != 1 || j.Errors[0].Row != 3 || j.Errors[0].Column != "code" || j.Errors[0].Code != "conflict" {
		t.Fatalf("job: %+v", j)
	}
	head := f.head(t)
	if code := f.callRaw(t, tok, http.MethodPost, "/api/v1/imports?kind=batches", "text/csv", strings.NewReader(csv), &j); code != http.StatusAccepted {
		t.Fatalf("retry: %d", code)
	}
	j = f.waitImport(t, tok, j.ID)
	if j.Replayed != 2 || j.Committed != 0 || j.Failed != 1 || f.head(t) != head {
		t.Errorf("retry: %+v, head %d → %d", j, head, f.head(t))
	}
}

// TestImportInvalid: a file with bad rows is refused whole, with every
// row's errors, and commits nothing.
func TestImportInvalid(t *testing.T) {
	f := newFixture(t, true)
	tok := f.token(t, "fuchun-cement.operator")
	head := f.head(t)
	type rowCol struct {
		row int
		col string
	}
	cases := []struct {
		name, kind, csv string
		status          int
		want            []rowCol
	}{
		{"bad rows", "batches", "code,product_id,quantity,produced_on\nOK-1,po-42.5,1,2026-03-01\nOK-2,no-such,1,2026-03-01\nOK-3,po-42.5,lots,2026-03-01\nOK-1,po-42.5,1,2026-03-01\nOK-5,hrb400e-25-bar,1,2026-03-01\nOK-6,po-42.5,1,2026-02-30\n",
			422, []rowCol{{3, "product_id"}, {4, "quantity"}, {5, "code"}, {6, "product_id"}, {7, "produced_on"}}},
		{"missing column", "batches", "code,product_id,quantity\nA,po-42.5,1\n", 422, []rowCol{{1, "produced_on"}}},
		{"unknown column", "batches", "code,product_id,quantity,produced_on,colour\nA,po-42.5,1,2026-03-01,red\n", 422, []rowCol{{1, "colour"}}},
		{"ragged row", "batches", "code,product_id,quantity,produced_on\nA,po-42.5,1\n", 422, []rowCol{{2, ""}}},
		{"shipment rows", "shipments", "code,to,site,carrier,batch,quantity,po_id,po_line\nS1,zhongjian-no8,tower-a,zhehang-logistics,B1,1,,\nS1,qianjiang-urban-dev,,,B2,0,,\nS2,nobody,,zhehang-logistics,B3,1,PO-1,x\n",
			422, []rowCol{{3, "to"}, {3, "quantity"}, {4, "to"}, {4, "po_line"}}},
		{"bad kind", "pallets", "code\nA\n", 422, nil},
		{"empty", "batches", "", 422, nil},
		{"header only", "batches", "code,product_id,quantity,produced_on\n", 422, nil},
		{"too many rows", "batches", batchCSV("BIG", maxImportRows+1), 413, nil},
		{"too large", "batches", "code,product_id,quantity,produced_on,origin\n" + strings.Repeat("A,po-42.5,1,2026-03-01,"+strings.Repeat("x", 1000)+"\n", 5300), 413, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out importErrorBody
			code := f.callRaw(t, tok, http.MethodPost, "/api/v1/imports?kind="+tc.kind, "text/csv", strings.NewReader(tc.csv), &out)
			if code != tc.status {
				t.Fatalf("status %d, want %d: %+v", code, tc.status, out)
			}
			got := map[rowCol]bool{}
			for _, r := range out.Rows {
				got[rowCol{r.Row, r.Column}] = true
				if r.Message == "" {
					t.Errorf("row %d: no message", r.Row)
				}
			}
			for _, w := range tc.want {
				if !got[w] {
					t.Errorf("no error for row %d column %q; got %+v", w.row, w.col, out.Rows)
				}
			}
			if out.Error.Message == "" {
				t.Error("no error message")
			}
		})
	}
	if h := f.head(t); h != head {
		t.Errorf("ledger moved from %d to %d", head, h)
	}
	if code := f.callRaw(t, f.token(t, "fuchun-cement.viewer"), http.MethodPost, "/api/v1/imports?kind=batches", "text/csv", strings.NewReader(batchCSV("V", 1)), nil); code != 403 {
		t.Errorf("viewer import: %d", code)
	}
}

// TestImportPages runs an import through the browser: errors on the page,
// then a good file, its status page and the shipments import.
func TestImportPages(t *testing.T) {
	f := newFixture(t, true)
	c := f.login(t, "fuchun-cement.operator")
	head := f.head(t)
	code, body, _ := c.postMultipart(t, "/import", url.Values{"kind": {"batches"}},
		filePart{"file", "b.csv", []byte("code,product_id,quantity,produced_on\nP-1,po-42.5,x,2026-03-01\n")})
	if code != 422 || !strings.Contains(body, `id="import-errors"`) || !hasFieldError(body, "file") || f.head(t) != head {
		t.Fatalf("bad file: %d", code)
	}
	code, _, loc := c.postMultipart(t, "/import", url.Values{"kind": {"batches"}}, filePart{"file", "b.csv", []byte(batchCSV("PG", 3))})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/import/") {
		t.Fatalf("good file: %d %q", code, loc)
	}
	id := strings.TrimPrefix(loc, "/import/")
	tok := f.token(t, "fuchun-cement.operator")
	f.waitImport(t, tok, id)
	code, body = c.get(t, loc)
	if code != 200 || !strings.Contains(body, `data-job-url="/api/v1/imports/`+id+`"`) || !strings.Contains(body, `id="job-reload"`) {
		t.Errorf("status page: %d", code)
	}

	// Shipments: two rows of one shipment against a new order.
	newOrderAndBatch(t, f, "PO-I-1", "FC-I-1")
	csv := "code,to,site,carrier,batch,quantity,po_id,po_line\n" +
		"SH-I-1,zhongjian-no8,tower-a,zhehang-logistics,FC-I-1,10,PO-I-1,1\n" +
		"SH-I-1,,,,PG-001,2,PO-I-1,1\n"
	code, body, loc = c.postMultipart(t, "/import", url.Values{"kind": {"shipments"}}, filePart{"file", "s.csv", []byte(csv)})
	if code != http.StatusSeeOther {
		t.Fatalf("shipments: %d\n%s", code, body)
	}
	j := f.waitImport(t, tok, strings.TrimPrefix(loc, "/import/"))
	if j.Committed != 2 || j.Failed != 0 {
		t.Fatalf("shipments job: %+v", j)
	}
	sh, err := f.store.Shipment(context.Background(), "SH-I-1")
	if err != nil || len(sh.Lines) != 2 || sh.Lines[0].Batch != "FC-I-1.1" {
		t.Errorf("shipment: %+v %v", sh, err)
	}
	// Too large for the page: the form again, the error next to the file.
	big := []byte(strings.Repeat("x", maxImportBody+1))
	code, body, _ = c.postMultipart(t, "/import", url.Values{"kind": {"batches"}}, filePart{"file", "big.csv", big})
	if code != http.StatusRequestEntityTooLarge || !hasFieldError(body, "file") {
		t.Errorf("too large: %d", code)
	}
	if code, _, _ := f.login(t, "fuchun-cement.viewer").postMultipart(t, "/import", url.Values{"kind": {"batches"}}, filePart{"file", "b.csv", []byte(batchCSV("VW", 1))}); code != 403 {
		t.Errorf("viewer: %d", code)
	}
}
