package server

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/models"
)

// TestReviewBatchAPIPrivateTier: GET /api/v1/batches/{code} gives every
// logged-in organization the batch record. For an organization not
// involved with the batch it must not carry the private tier: a failed
// inspection's notes (which the contract copies into hold_reason) and the
// hashes of private documents.
func TestReviewBatchAPIPrivateTier(t *testing.T) {
	f := newFixture(t, true)
	code := "REV-HOLD-0001"
	submitAs(t, f, "fuchun-cement.operator", "CommissionBatch", map[string]any{
		"code": code, "product_id": "po-42.5", "quantity": "50", "produced_on": "2026-11-20"})
	secretSHA := attachFile(t, f, "fuchun-cement.operator", code, "internal-test-report.pdf", []byte("%PDF-1.4 review secret report"), models.Private)
	publicSHA := attachFile(t, f, "fuchun-cement.operator", code, "certificate.pdf", []byte("%PDF-1.4 review public certificate"), models.Public)
	const notes = "REVIEW-SECRET bags torn, moisture ingress on pallet 3"
	submitAs(t, f, "zj-quality-inspection.inspector", "RecordInspection", map[string]any{
		"batch": code, "type": "visual", "verdict": "fail", "notes": notes})
	if b, err := f.store.Batch(t.Context(), code); err != nil || b.Status != models.StatusOnHold {
		t.Fatalf("setup: batch %s is %v (%v), want on hold", code, b.Status, err)
	}

	for _, tc := range []struct {
		user     string
		involved bool
	}{
		{"qiantang-glass.viewer", false},
		{"zhongjian-no8.admin", false},
		{"fuchun-cement.viewer", true},
		{"hz-construction-bureau.viewer", true},
	} {
		var got batchDetail
		if code := f.call(t, f.token(t, tc.user), "GET", "/api/v1/batches/"+code, nil, &got); code != http.StatusOK {
			t.Fatalf("%s: GET batch = %d", tc.user, code)
		}
		if leaked := strings.Contains(got.HoldReason, "REVIEW-SECRET"); leaked != tc.involved {
			t.Errorf("%s: hold_reason %q shows the inspection notes = %v, want %v", tc.user, got.HoldReason, leaked, tc.involved)
		}
		if has := containsString(got.Documents, secretSHA); has != tc.involved {
			t.Errorf("%s: documents list the private document's hash = %v, want %v", tc.user, has, tc.involved)
		}
		if !containsString(got.Documents, publicSHA) {
			t.Errorf("%s: documents miss the public certificate's hash", tc.user)
		}
		if got.Status != models.StatusOnHold {
			t.Errorf("%s: status %s, want on_hold", tc.user, got.Status)
		}
	}
}

// TestReviewTraceUsagesPrivate: where a batch was built in (project,
// building, floor, element) is the private tier of that batch. The trace
// report (page, CSV, API) and a recall's impact list must not show it to
// an organization involved with none of the batches used, while
// authorities and the recalling organization still see every place.
func TestReviewTraceUsagesPrivate(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	fw, err := f.store.Forward(t.Context(), d.lot, 0)
	if err != nil || len(fw.Usages) == 0 {
		t.Fatalf("forward trace of %s: %v", d.lot, err)
	}
	element := fw.Usages[0].Location.Element

	outsider := "qiantang-glass.viewer" // makes glass; nothing to do with cement or concrete
	ot := f.token(t, outsider)
	var tr traceResponse
	if code := f.call(t, ot, "GET", "/api/v1/batches/"+d.lot+"/trace?direction=forward", nil, &tr); code != http.StatusOK || tr.Forward == nil {
		t.Fatalf("outsider forward trace: %d", code)
	}
	if len(tr.Forward.Usages) != 0 {
		t.Errorf("%s sees %d usage locations of %s's forward trace, e.g. %+v", outsider, len(tr.Forward.Usages), d.lot, tr.Forward.Usages[0].Location)
	}
	if len(tr.Forward.Nodes) < 2 {
		t.Errorf("outsider forward trace lost its batches: %d nodes", len(tr.Forward.Nodes))
	}
	c := f.login(t, outsider)
	if code, body := c.get(t, "/trace?batch="+url.QueryEscape(d.lot)+"&direction=forward"); code != http.StatusOK || strings.Contains(body, element) {
		t.Errorf("outsider /trace: %d, shows element %q = %v", code, element, strings.Contains(body, element))
	}
	code, body := c.get(t, "/trace.csv?batch="+url.QueryEscape(d.lot)+"&direction=forward")
	rows, _ := csv.NewReader(strings.NewReader(body)).ReadAll()
	if code != http.StatusOK || len(rows) < 2 {
		t.Fatalf("outsider trace.csv: %d, %d rows", code, len(rows))
	}
	for _, r := range rows[1:] {
		if r[14] != "" || r[17] != "" {
			t.Errorf("outsider trace.csv has a usage row: %v", r)
		}
	}
	var rr recallResponse
	if code := f.call(t, ot, "GET", "/api/v1/recalls/"+url.PathEscape(d.recall.ID), nil, &rr); code != http.StatusOK {
		t.Fatalf("outsider recall: %d", code)
	}
	if len(rr.Impact.Usages) != 0 || len(rr.Impact.Batches) == 0 {
		t.Errorf("outsider recall impact: %d usages (want 0), %d batches", len(rr.Impact.Usages), len(rr.Impact.Batches))
	}
	if code, body := c.get(t, "/recalls/"+url.PathEscape(d.recall.ID)); code != http.StatusOK || strings.Contains(body, rr.Recall.BatchCode) == false {
		t.Errorf("outsider recall page: %d", code)
	}

	// Authorities still see every place; the recalling organization, which
	// is involved with every batch it recalled, sees its recall's.
	for _, who := range []string{"hz-construction-bureau.viewer", demo.UserID(d.recall.Org, models.RoleViewer)} {
		tok := f.token(t, who)
		var all traceResponse
		if who == "hz-construction-bureau.viewer" {
			if code := f.call(t, tok, "GET", "/api/v1/batches/"+d.lot+"/trace?direction=forward", nil, &all); code != http.StatusOK || len(all.Forward.Usages) != len(fw.Usages) {
				t.Errorf("%s: forward trace %d with %d usages, want %d", who, code, len(all.Forward.Usages), len(fw.Usages))
			}
		}
		var im recallResponse
		full, _ := f.store.Forward(t.Context(), d.recall.BatchCode, 0)
		if code := f.call(t, tok, "GET", "/api/v1/recalls/"+url.PathEscape(d.recall.ID), nil, &im); code != http.StatusOK || len(im.Impact.Usages) != len(full.Usages) {
			t.Errorf("%s: recall impact %d with %d usages, want %d", who, code, len(im.Impact.Usages), len(full.Usages))
		}
	}
	// The contractor who built the batches in sees its own places.
	con := f.token(t, "zhongjian-no8.viewer")
	var own traceResponse
	if code := f.call(t, con, "GET", "/api/v1/batches/"+d.lot+"/trace?direction=forward", nil, &own); code != http.StatusOK || len(own.Forward.Usages) == 0 {
		t.Errorf("contractor's own usages: %d, %d", code, len(own.Forward.Usages))
	}
}
