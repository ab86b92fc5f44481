package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

func TestSiteInspectionFailReleasePass(t *testing.T) {
	f := newFixture(t, true)
	code := siteReceived(t, f, "INSP", "30")
	c := f.login(t, siteInspector)

	// The form lists the product's spec limits with their units.
	st, body := c.get(t, "/inspections/new?batch="+code)
	if st != http.StatusOK {
		t.Fatalf("inspection page: %d", st)
	}
	for _, want := range []string{`name="results.compressive_strength_28d"`, `data-min="42.5"`, "≥ 42.5 MPa", `capture="environment"`, `id="inspection-submit"`, "28-day compressive strength"} {
		if !strings.Contains(body, want) {
			t.Errorf("inspection form lacks %s", want)
		}
	}

	// A failing inspection with two photos: the batch goes on hold, the
	// photos are stored, recorded on the inspection and attached.
	photo1, photo2 := png("crack near the seam"), png("torn bag")
	fields := url.Values{"idempotency_key": {"insp-1"}, "batch": {code}, "type": {"incoming"}, "verdict": {"fail"},
		"results.compressive_strength_28d": {"39.5"}, "results.so3_content": {"3.1"}, "notes": {"retest in 7 days"}}
	st, body, loc := c.postMultipart(t, "/inspections", fields, filePart{"photos", "IMG_0001.png", photo1}, filePart{"photos", "IMG_0002.png", photo2})
	if st != http.StatusSeeOther || loc != "/b/"+code {
		t.Fatalf("failing inspection: %d %s\n%s", st, loc, body)
	}
	b := siteBatchNow(t, f, code)
	if b.Status != models.StatusOnHold || b.Inspection != models.InspFailed || !strings.Contains(b.HoldReason, "compressive_strength_28d") {
		t.Fatalf("after fail: %s %s %q", b.Status, b.Inspection, b.HoldReason)
	}
	ins, err := f.store.Inspections(context.Background(), code)
	if err != nil || len(ins) != 1 {
		t.Fatalf("inspections %d, %v", len(ins), err)
	}
	if in := ins[0]; len(in.Documents) != 2 || in.Documents[0] != sha(photo1) || len(in.OutOfSpec) != 1 || in.Notes != "retest in 7 days" {
		t.Errorf("inspection %+v", in)
	}
	docs, _ := f.store.Documents(context.Background(), code)
	n := 0
	for _, d := range docs {
		if d.Kind == models.DocPhoto && d.Visibility == models.Private && (d.SHA256 == sha(photo1) && d.Name == "IMG_0001.png" || d.SHA256 == sha(photo2)) {
			n++
		}
	}
	if n != 2 || !f.files.Has(sha(photo1)) {
		t.Errorf("%d photos attached as private documents, stored: %v", n, f.files.Has(sha(photo1)))
	}

	// A pass with a value out of limits is refused by the contract, on the verdict.
	head := f.head(t)
	fields = url.Values{"batch": {code}, "type": {"sampling"}, "verdict": {"pass"}, "results.compressive_strength_28d": {"40"}}
	st, body, _ = c.postMultipart(t, "/inspections", fields)
	if st != 422 || !hasFieldError(body, "verdict") || !strings.Contains(body, "out of spec") || !strings.Contains(body, `class="measure out"`) {
		t.Errorf("pass with a value out of limits: %d, error on verdict %v", st, hasFieldError(body, "verdict"))
	}
	if f.head(t) != head {
		t.Error("the refused inspection wrote something")
	}

	// The hold is listed with its age, released with a reason, and a new
	// passing inspection makes the batch usable.
	st, body = c.get(t, "/holds")
	if st != http.StatusOK || !strings.Contains(body, `id="hold-`+code+`"`) || !strings.Contains(body, `id="release-`+code+`"`) || !strings.Contains(body, `class="age"`) {
		t.Fatalf("holds page: %d", st)
	}
	var holds struct {
		Items []struct {
			Batch models.Batch `json:"batch"`
			Since string       `json:"since"`
		} `json:"items"`
	}
	if st := f.call(t, f.token(t, siteOperator), http.MethodGet, "/api/v1/holds", nil, &holds); st != http.StatusOK || len(holds.Items) == 0 || holds.Items[0].Batch.Code != code || holds.Items[0].Since == "" {
		t.Errorf("the contractor's holds: %d %+v", st, holds.Items)
	}
	if _, body = c.get(t, "/holds/"+code+"/release"); !strings.Contains(body, `id="release-submit"`) {
		t.Error("no release button for the inspector")
	}
	st, _, loc = c.postLoc(t, "/holds/"+code+"/release", url.Values{"reason": {"retest report R-2026-117 passed"}})
	if st != http.StatusSeeOther || loc != "/holds" {
		t.Fatalf("release: %d %s", st, loc)
	}
	if b := siteBatchNow(t, f, code); b.Status != models.StatusAvailable || b.Inspection != models.InspReleased {
		t.Errorf("after release: %s %s", b.Status, b.Inspection)
	}
	var in inspectionResponse
	req := inspectionRequest{Batch: code, Type: "strength_28d", Verdict: models.VerdictPass,
		Results: []contract.InspectionResult{{Property: "compressive_strength_28d", Value: models.MustDecimal("47.1")}}}
	if st := f.call(t, f.token(t, siteInspector), http.MethodPost, "/api/v1/inspections", req, &in); st != http.StatusCreated || in.Verdict != models.VerdictPass || len(in.Results) != 1 || !in.Results[0].Pass {
		t.Fatalf("passing inspection: %d %+v", st, in)
	}
	if b := siteBatchNow(t, f, code); b.Inspection != models.InspPassed {
		t.Errorf("after pass: %s", b.Inspection)
	}
	var list listJSON[models.Inspection]
	if st := f.call(t, f.token(t, siteOperator), http.MethodGet, "/api/v1/batches/"+code+"/inspections", nil, &list); st != http.StatusOK || len(list.Items) != 2 {
		t.Errorf("the contractor reads %d inspections: %d", len(list.Items), st)
	}
	if st := f.call(t, f.token(t, "qiantang-glass.operator"), http.MethodGet, "/api/v1/batches/"+code+"/inspections", nil, nil); st != http.StatusForbidden {
		t.Errorf("an uninvolved organization reads the inspections: %d", st)
	}
	// Usage is now allowed.
	use := contract.RecordUsageArgs{Batch: code, Quantity: models.MustDecimal("3"), Location: models.Location{Project: "P", Building: "T1", Element: "raft"}}
	if st := f.call(t, f.token(t, siteOperator), http.MethodPost, "/api/v1/usages", use, nil); st != http.StatusCreated {
		t.Errorf("usage after pass: %d", st)
	}
}

func TestSiteInspectionPhotosAPI(t *testing.T) {
	f := newFixture(t, true)
	code := siteReceived(t, f, "IAPI", "10")
	tok := f.token(t, siteInspector)
	var up listJSON[storedPhoto]
	img := png("slab photo")
	if st := f.callMultipart(t, tok, "/api/v1/batches/"+code+"/photos", nil, []filePart{{"photos", "slab.png", img}}, &up); st != http.StatusCreated || len(up.Items) != 1 || up.Items[0].SHA256 != sha(img) {
		t.Fatalf("upload: %d %+v", st, up)
	}
	var e apiErr
	if st := f.callMultipart(t, tok, "/api/v1/batches/"+code+"/photos", nil, []filePart{{"photos", "report.pdf", pdf("not a photo")}}, &e); st != 422 || e.Error.Field != "photos" || !strings.Contains(e.Error.Message, "report.pdf") {
		t.Errorf("a PDF as photo: %d %s", st, e)
	}
	if st := f.callMultipart(t, f.token(t, siteOperator), "/api/v1/batches/"+code+"/photos", nil, []filePart{{"photos", "x.png", img}}, &e); st != http.StatusForbidden {
		t.Errorf("a contractor uploads inspection photos: %d", st)
	}
	if st := f.callMultipart(t, f.token(t, "zj-quality-inspection.viewer"), "/api/v1/batches/"+code+"/photos", nil, []filePart{{"photos", "x.png", img}}, &e); st != http.StatusForbidden {
		t.Errorf("a viewer uploads photos: %d", st)
	}
	var in inspectionResponse
	req := inspectionRequest{Batch: code, Type: "visual", Verdict: models.VerdictConditional, Condition: "use only in non-structural elements", Photos: []string{up.Items[0].SHA256}}
	if st := f.call(t, tok, http.MethodPost, "/api/v1/inspections", req, &in); st != http.StatusCreated || len(in.Documents) != 1 || len(in.PhotosNotAttached) != 0 {
		t.Fatalf("inspection with photo: %d %+v", st, in)
	}
	if b := siteBatchNow(t, f, code); b.Inspection != models.InspConditional || b.Condition != req.Condition || len(b.Documents) == 0 {
		t.Errorf("batch after conditional pass: %s %q docs %d", b.Inspection, b.Condition, len(b.Documents))
	}
}

func TestSiteInspectionBadInput(t *testing.T) {
	f := newFixture(t, true)
	code := siteReceived(t, f, "IBAD", "10")
	low := []contract.InspectionResult{{Property: "compressive_strength_28d", Value: models.MustDecimal("30")}}
	for _, tc := range []struct {
		name, user string
		req        inspectionRequest
		status     int
		field      string
	}{
		{"pass with a value out of limits", siteInspector, inspectionRequest{Batch: code, Type: "incoming", Verdict: "pass", Results: low}, 422, "verdict"},
		{"fail without reason", siteInspector, inspectionRequest{Batch: code, Type: "incoming", Verdict: "fail"}, 422, "notes"},
		{"conditional without condition", siteInspector, inspectionRequest{Batch: code, Type: "incoming", Verdict: "conditional"}, 422, "condition"},
		{"unknown verdict", siteInspector, inspectionRequest{Batch: code, Type: "incoming", Verdict: "hold"}, 422, "verdict"},
		{"no type", siteInspector, inspectionRequest{Batch: code, Verdict: "pass"}, 422, "type"},
		{"property without a limit", siteInspector, inspectionRequest{Batch: code, Type: "incoming", Verdict: "pass", Results: []contract.InspectionResult{{Property: "colour", Value: 1}}}, 422, "results[0].property"},
		{"photo never uploaded", siteInspector, inspectionRequest{Batch: code, Type: "incoming", Verdict: "pass", Photos: []string{strings.Repeat("ab", 32)}}, 422, "photos[0]"},
		{"unknown batch", siteInspector, inspectionRequest{Batch: "NOPE-2", Type: "incoming", Verdict: "pass"}, 404, "batch"},
		{"a contractor", siteOperator, inspectionRequest{Batch: code, Type: "incoming", Verdict: "pass"}, 403, ""},
		{"an agency viewer", "zj-quality-inspection.viewer", inspectionRequest{Batch: code, Type: "incoming", Verdict: "pass"}, 403, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head := f.head(t)
			var e apiErr
			st := f.call(t, f.token(t, tc.user), http.MethodPost, "/api/v1/inspections", tc.req, &e)
			if st != tc.status || e.Error.Field != tc.field {
				t.Errorf("got %d %s, want %d field %q", st, e, tc.status, tc.field)
			}
			if f.head(t) != head {
				t.Error("something was written")
			}
		})
	}
	// The form: errors next to the fields, typed values kept.
	c := f.login(t, siteInspector)
	for _, tc := range []struct {
		name   string
		fields url.Values
		files  []filePart
		status int
		field  string
	}{
		{"photo of the wrong type", url.Values{"verdict": {"pass"}}, []filePart{{"photos", "notes.pdf", pdf("x")}}, 422, "photos"},
		{"not a number", url.Values{"verdict": {"pass"}, "results.slump": {"high"}, "results.compressive_strength_28d": {"4o"}}, nil, 422, "results.compressive_strength_28d"},
		{"pass out of limits", url.Values{"verdict": {"pass"}, "results.compressive_strength_28d": {"30"}}, nil, 422, "verdict"},
		{"conditional without condition", url.Values{"verdict": {"conditional"}}, nil, 422, "condition"},
		{"no verdict", url.Values{}, nil, 422, "verdict"},
	} {
		head := f.head(t)
		tc.fields.Set("batch", code)
		tc.fields.Set("type", "incoming")
		st, body, _ := c.postMultipart(t, "/inspections", tc.fields, tc.files...)
		if st != tc.status || !hasFieldError(body, tc.field) {
			t.Errorf("%s: %d, error next to %s: %v", tc.name, st, tc.field, hasFieldError(body, tc.field))
		}
		if f.head(t) != head {
			t.Errorf("%s: something was written", tc.name)
		}
	}
	if ins, _ := f.store.Inspections(context.Background(), code); len(ins) != 0 {
		t.Errorf("%d inspections recorded from bad input", len(ins))
	}
	// A contractor and an agency viewer see no submit button; their posts are refused.
	for _, user := range []string{siteOperator, "zj-quality-inspection.viewer"} {
		u := f.login(t, user)
		_, body := u.get(t, "/inspections/new?batch="+code)
		if strings.Contains(body, `id="inspection-submit"`) || !strings.Contains(body, `id="inspection-not-allowed"`) {
			t.Errorf("%s is offered the inspection button", user)
		}
		if st, _, _ := u.postMultipart(t, "/inspections", url.Values{"batch": {code}, "type": {"incoming"}, "verdict": {"pass"}}); st != http.StatusForbidden {
			t.Errorf("%s posts an inspection: %d", user, st)
		}
	}
	// Another contractor's batch is not shown to an uninvolved organization.
	g := f.login(t, "qiantang-glass.operator")
	if st, _ := g.get(t, "/inspections/new?batch="+code); st != http.StatusForbidden {
		t.Errorf("uninvolved organization opens the inspection form: %d", st)
	}
}

func TestSiteHoldsReleaseBadInput(t *testing.T) {
	f := newFixture(t, true)
	code := siteReceived(t, f, "HOLD", "10")
	fail := inspectionRequest{Batch: code, Type: "incoming", Verdict: models.VerdictFail, Notes: "bags wet"}
	if st := f.call(t, f.token(t, siteInspector), http.MethodPost, "/api/v1/inspections", fail, nil); st != http.StatusCreated {
		t.Fatalf("fail: %d", st)
	}
	free := siteReceived(t, f, "FREE", "10")
	for _, tc := range []struct {
		name, user, batch, reason string
		status                    int
		field                     string
	}{
		{"no reason", siteInspector, code, " ", 422, "reason"},
		{"not on hold", siteInspector, free, "ok", 409, "batch"},
		{"the contractor", siteOperator, code, "we need it", 403, ""},
		{"an agency viewer", "zj-quality-inspection.viewer", code, "ok", 403, ""},
		{"an uninvolved organization", "qiantang-glass.operator", code, "ok", 403, "code"},
		{"unknown batch", siteInspector, "NOPE-3", "ok", 404, "code"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head := f.head(t)
			var e apiErr
			st := f.call(t, f.token(t, tc.user), http.MethodPost, "/api/v1/holds/"+tc.batch+"/release", releaseRequest{Reason: tc.reason}, &e)
			if st != tc.status || e.Error.Field != tc.field {
				t.Errorf("got %d %s, want %d field %q", st, e, tc.status, tc.field)
			}
			if f.head(t) != head {
				t.Error("something was written")
			}
		})
	}
	c := f.login(t, siteInspector)
	st, body, _ := c.postLoc(t, "/holds/"+code+"/release", url.Values{"reason": {""}})
	if st != 422 || !hasFieldError(body, "reason") {
		t.Errorf("release without reason: %d", st)
	}
	// The contractor sees its hold but no release button.
	o := f.login(t, siteOperator)
	_, body = o.get(t, "/holds")
	if !strings.Contains(body, `id="hold-`+code+`"`) || strings.Contains(body, `id="release-`+code+`"`) {
		t.Error("the contractor's holds page is wrong")
	}
	if st, _, _ := o.postLoc(t, "/holds/"+code+"/release", url.Values{"reason": {"x"}}); st != http.StatusForbidden {
		t.Errorf("contractor releases: %d", st)
	}
	// A glass maker sees no hold of the contractor's cement.
	g := f.login(t, "qiantang-glass.operator")
	if _, body = g.get(t, "/holds"); strings.Contains(body, `id="hold-`+code+`"`) {
		t.Error("an uninvolved organization sees the hold")
	}
	if b := siteBatchNow(t, f, code); b.Status != models.StatusOnHold {
		t.Errorf("batch is %s", b.Status)
	}
}

func TestSiteScanPage(t *testing.T) {
	f := newFixture(t, true)
	c := f.login(t, siteInspector)
	st, body := c.get(t, "/scan")
	if st != http.StatusOK {
		t.Fatalf("scan: %d", st)
	}
	for _, want := range []string{`data-scanner`, `id="scan-video"`, `id="scan-start"`, `action="/b"`, `name="code"`, `/static/js/site.js`, `data-msg-unsupported=`} {
		if !strings.Contains(body, want) {
			t.Errorf("scan page lacks %s", want)
		}
	}
	if _, body = c.get(t, "/scan?lang=zh-CN"); !strings.Contains(body, "扫描标签") {
		t.Error("no Chinese scan page")
	}
	// The assets are served.
	for _, p := range []string{"/static/js/site.js", "/static/css/site.css"} {
		if st, _ := c.get(t, p); st != http.StatusOK {
			t.Errorf("%s: %d", p, st)
		}
	}
}
