package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger/embedded"
	"github.com/plumbline/plumbline/models"
)

// usedBatch finds a batch of product made by producer (not split off
// another) whose forward trace reaches at least two usages and no recalled
// batch, and that no case names yet.
func usedBatch(t testing.TB, f *fixture, producer, product string, also ...func(store.Trace) bool) (string, store.Trace) {
	t.Helper()
	ctx := context.Background()
	p, err := f.store.Batches(ctx, store.BatchFilter{Producer: producer, ProductID: product, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range p.Items {
		if b.Lineage == models.LineageSplit || b.Status == models.StatusRecalled {
			continue
		}
		tr, err := f.store.Forward(ctx, b.Code, 0)
		if err != nil {
			t.Fatal(err)
		}
		cs, _ := f.store.Cases(ctx, store.CaseFilter{Batch: b.Code})
		recalled := false
		for _, n := range tr.Nodes {
			recalled = recalled || n.Status == models.StatusRecalled
		}
		for _, ok := range also {
			recalled = recalled || !ok(tr)
		}
		if len(tr.Usages) >= 2 && len(cs.Items) == 0 && !recalled {
			return b.Code, tr
		}
	}
	t.Fatalf("no used %s batch of %s without a case in the demo", product, producer)
	return "", store.Trace{}
}

func user(org string, role models.Role) string { return demo.UserID(org, role) }

func target(days int) string { return time.Now().UTC().AddDate(0, 0, days).Format(models.DateLayout) }

func TestCaseAPIWorkflow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) { caseAPIWorkflow(t, newFixtureOn(t, dialect, true)) })
}

func caseAPIWorkflow(t *testing.T, f *fixture) {
	code, tr := usedBatch(t, f, demo.OrgReadyMix, demo.ProdConcreteC30)
	insp := f.token(t, user(demo.OrgInspection, models.RoleInspector))
	site := f.token(t, user(demo.OrgContractor, models.RoleOperator))
	plant := f.token(t, user(demo.OrgReadyMix, models.RoleOperator))
	glass := f.token(t, user(demo.OrgGlass, models.RoleAdmin))
	gov := f.token(t, user(demo.OrgBureau, models.RoleAdmin))

	// Bad requests name the field and commit nothing.
	head := func() uint64 { h, _ := f.ledger.Head(context.Background()); return h }
	before := head()
	good := openCaseRequest{Kind: models.CaseNonConformance, Batch: code, Severity: "high", Reason: "cores below C30", TargetDate: target(14)}
	for _, c := range []struct {
		name   string
		token  string
		edit   func(r *openCaseRequest)
		status int
		field  string
	}{
		{"unknown kind", insp, func(r *openCaseRequest) { r.Kind = "alert" }, 422, "kind"},
		{"no reason", insp, func(r *openCaseRequest) { r.Reason = "" }, 422, "reason"},
		{"target date in the past", insp, func(r *openCaseRequest) { r.TargetDate = target(-3) }, 422, "target_date"},
		{"target date not a date", insp, func(r *openCaseRequest) { r.TargetDate = "soon" }, 422, "target_date"},
		{"unknown batch", insp, func(r *openCaseRequest) { r.Batch = "NOPE-1" }, 404, "batch"},
		{"uninvolved supplier", glass, nil, 403, ""},
		{"contractor may not recall", site, func(r *openCaseRequest) { r.Kind = models.CaseRecall }, 403, ""},
		{"no token", "", nil, 401, ""},
	} {
		r := good
		if c.edit != nil {
			c.edit(&r)
		}
		var e apiErr
		if got := f.call(t, c.token, "POST", "/api/v1/cases", r, &e); got != c.status || e.Error.Field != c.field {
			t.Errorf("%s: %d %s, want %d on field %q", c.name, got, e, c.status, c.field)
		}
	}
	if head() != before {
		t.Fatalf("rejected requests moved the ledger from %d to %d", before, head())
	}

	var v caseView
	if got := f.call(t, insp, "POST", "/api/v1/cases", good, &v); got != http.StatusCreated {
		t.Fatalf("open: %d", got)
	}
	id := v.Case.ID
	if len(v.Impact) != len(tr.Usages) || v.Progress.Usages != len(tr.Usages) || v.Case.Status != models.CaseOpen || len(v.Steps) != 1 || v.Steps[0].Seq == 0 {
		t.Fatalf("opened case: %d impact lines for %d usages, %+v", len(v.Impact), len(tr.Usages), v)
	}
	for _, l := range v.Impact {
		if l.Hidden || l.Location.Element == "" {
			t.Errorf("the inspection agency cannot see where %s went", l.Usage)
		}
	}
	affected := map[string]bool{}
	for _, o := range v.Case.Orgs {
		affected[o.Org] = true
	}
	if !affected[demo.OrgContractor] {
		t.Fatalf("the contractor is not affected: %+v", v.Case.Orgs)
	}

	// Listing and visibility.
	for _, c := range []struct {
		token string
		query string
		want  bool
	}{
		{site, "?affecting=me&status=open", true},
		{insp, "?status=open", true},
		{insp, "?status=closed", false},
		{gov, "?batch=" + code, true},
		{glass, "", false},
	} {
		var l caseList
		if got := f.call(t, c.token, "GET", "/api/v1/cases"+c.query, nil, &l); got != 200 {
			t.Fatalf("list %s: %d", c.query, got)
		}
		found := false
		for _, s := range l.Items {
			found = found || s.ID == id
		}
		if found != c.want {
			t.Errorf("list %s: case listed %v, want %v", c.query, found, c.want)
		}
	}
	var e apiErr
	if got := f.call(t, glass, "GET", "/api/v1/cases/"+id, nil, &e); got != 404 {
		t.Errorf("an uninvolved organization reads the case: %d", got)
	}
	if got := f.call(t, insp, "GET", "/api/v1/cases?status=pending", nil, &e); got != 422 || e.Error.Field != "status" {
		t.Errorf("bad status filter: %d %s", got, e)
	}

	// Steps.
	items := func(ds ...models.Disposition) dispositionRequest {
		var r dispositionRequest
		for i, d := range ds {
			r.Items = append(r.Items, caseDisposition{Usage: v.Impact[i].Usage, Disposition: d, Justification: map[bool]string{true: "cores 33.1 MPa; designer accepts"}[d == models.DispositionAcceptAsIs]})
		}
		return r
	}
	steps := []struct {
		name   string
		token  string
		path   string
		body   any
		status int
		field  string
	}{
		{"dispositions before acknowledging", site, "/dispositions", items(models.DispositionReplace), 409, "case"},
		{"unaffected organization acknowledges", glass, "/ack", ackRequest{}, 403, ""},
		{"contractor acknowledges", site, "/ack", ackRequest{Note: "pours marked"}, 200, ""},
		{"contractor acknowledges twice", site, "/ack", ackRequest{}, 409, "case"},
		{"accept as is without a justification", site, "/dispositions", dispositionRequest{Items: []caseDisposition{{Usage: v.Impact[0].Usage, Disposition: models.DispositionAcceptAsIs}}}, 422, "items[0].justification"},
		{"unknown disposition", site, "/dispositions", dispositionRequest{Items: []caseDisposition{{Usage: v.Impact[0].Usage, Disposition: "scrap"}}}, 422, "items[0].disposition"},
		{"no items", site, "/dispositions", dispositionRequest{}, 422, "items"},
		{"another organization's usage", plant, "/dispositions", items(models.DispositionRework), 403, ""},
		{"unknown case", site, "/../nope/ack", ackRequest{}, 404, "case"},
	}
	for _, s := range steps {
		path := "/api/v1/cases/" + id + s.path
		if strings.HasPrefix(s.path, "/../") {
			path = "/api/v1/cases/" + strings.TrimPrefix(s.path, "/../")
		}
		var e apiErr
		if got := f.call(t, s.token, "POST", path, s.body, &e); got != s.status || e.Error.Field != s.field {
			t.Errorf("%s: %d %s, want %d on %q", s.name, got, e, s.status, s.field)
		}
	}
	ds := make([]models.Disposition, len(v.Impact))
	for i := range ds {
		ds[i] = models.DispositionRework
	}
	ds[0] = models.DispositionAcceptAsIs
	if got := f.call(t, site, "POST", "/api/v1/cases/"+id+"/dispositions", items(ds...), &v); got != 200 {
		t.Fatalf("dispositions: %d", got)
	}
	for _, o := range v.Case.Orgs {
		if !o.Acked() {
			tok := f.token(t, user(o.Org, models.RoleOperator))
			if got := f.call(t, tok, "POST", "/api/v1/cases/"+id+"/ack", ackRequest{}, &v); got != 200 {
				t.Fatalf("ack by %s: %d", o.Org, got)
			}
		}
	}
	if v.Case.Status != models.CaseClosed || v.Progress.Dispositioned != len(ds) || v.Steps[len(v.Steps)-1].Kind != "closed" {
		t.Fatalf("after every step the case is %s, %+v", v.Case.Status, v.Progress)
	}
	if got := f.call(t, gov, "POST", "/api/v1/cases/"+id+"/dispositions", items(models.DispositionReplace), &e); got != 409 || !strings.Contains(e.Error.Message, "closed") {
		t.Errorf("a step on a closed case: %d %s", got, e)
	}

	// The ledger with the case verifies (signatures, replay of every case
	// step under the contract) and the read model matches its state.
	ctx := context.Background()
	rep, err := f.ledger.Verify(ctx, embedded.VerifyOptions{})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if err := f.proj.WaitFor(ctx, rep.Checkpoint.Size); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Check(ctx, rep.Checkpoint.Size, rep.State.All()); err != nil {
		t.Fatalf("read model check: %v", err)
	}
}

// TestCaseImpactPrivacy: the cement plant may raise a non-conformance on
// its own lot, but where the concrete made from it went is the private
// tier of the concrete batches, which the plant is not involved with.
func TestCaseImpactPrivacy(t *testing.T) {
	f := newFixture(t, true)
	code, tr := usedBatch(t, f, demo.OrgCement, demo.ProdCement)
	cement := f.token(t, user(demo.OrgCement, models.RoleOperator))
	var v caseView
	req := openCaseRequest{Kind: models.CaseNonConformance, Batch: code, Severity: "medium", Reason: "chloride above limit", TargetDate: target(30)}
	if got := f.call(t, cement, "POST", "/api/v1/cases", req, &v); got != http.StatusCreated {
		t.Fatalf("open: %d", got)
	}
	if len(v.Impact) != len(tr.Usages) {
		t.Fatalf("%d impact lines for %d usages", len(v.Impact), len(tr.Usages))
	}
	for _, l := range v.Impact {
		if !l.Hidden || l.Location != (models.Location{}) {
			t.Errorf("the cement plant sees where concrete %s went: %+v", l.BatchCode, l.Location)
		}
	}
	// Acknowledging the case does not make the contractor involved with the
	// cement lot (it only ever got concrete): the lot's private tier stays
	// closed to it. The step's ledger entry is readable by those who may
	// see the case, redacted for others.
	site := f.token(t, user(demo.OrgContractor, models.RoleOperator))
	before := f.call(t, site, "GET", "/api/v1/batches/"+code+"/inspections", nil, nil)
	if before == http.StatusOK {
		t.Fatalf("the contractor reads the cement lot's inspections before acknowledging")
	}
	if got := f.call(t, site, "POST", "/api/v1/cases/"+v.Case.ID+"/ack", ackRequest{Note: "seen"}, &v); got != 200 {
		t.Fatalf("ack: %d", got)
	}
	if after := f.call(t, site, "GET", "/api/v1/batches/"+code+"/inspections", nil, nil); after != before {
		t.Errorf("acknowledging changed the contractor's access to the cement lot's inspections: %d, then %d", before, after)
	}
	ack := v.Steps[len(v.Steps)-1]
	// The acknowledgement's entry (v2) commits to the whole step: everyone
	// gets the entry; only those who may see the case get its opening.
	for _, c := range []struct {
		token  string
		opened bool
	}{{cement, true}, {site, true}, {f.token(t, user(demo.OrgGlass, models.RoleAdmin)), false}, {"", false}} {
		var pr proofResponse
		got := f.call(t, c.token, "GET", "/api/v1/ledger/entries/"+itoa(int(ack.Seq))+"/proof", nil, &pr)
		if got != 200 || pr.Redacted || !pr.Committed || (len(pr.Openings) > 0) != c.opened || bytes.Contains(pr.Entry, []byte(`"seen"`)) {
			t.Errorf("proof of the acknowledgement: %d committed=%v openings=%d, want openings: %v", got, pr.Committed, len(pr.Openings), c.opened)
		}
	}
	for _, who := range []string{user(demo.OrgContractor, models.RoleViewer), user(demo.OrgBureau, models.RoleViewer)} {
		var w caseView
		if got := f.call(t, f.token(t, who), "GET", "/api/v1/cases/"+v.Case.ID, nil, &w); got != 200 {
			t.Fatalf("%s reads the case: %d", who, got)
		}
		for _, l := range w.Impact {
			if l.Hidden || l.Location.Element == "" {
				t.Errorf("%s cannot see usage %s it is involved with", who, l.Usage)
			}
		}
	}
	// A justification is the contractor's own words about its element:
	// the cement plant sees that the place is decided, not what was said.
	const why = "cores from column C7 tested 33.1 MPa; the designer accepts"
	if got := f.call(t, site, "POST", "/api/v1/cases/"+v.Case.ID+"/dispositions", dispositionRequest{Items: []caseDisposition{
		{Usage: v.Impact[0].Usage, Disposition: models.DispositionAcceptAsIs, Justification: why}}}, &v); got != 200 {
		t.Fatalf("disposition: %d", got)
	}
	var seen caseView
	var raw json.RawMessage
	if got := f.callRaw(t, cement, "GET", "/api/v1/cases/"+v.Case.ID, "", nil, &raw); got != 200 {
		t.Fatalf("the cement plant reads the case: %d", got)
	}
	if err := json.Unmarshal(raw, &seen); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "C7") || seen.Progress.Dispositioned != 1 {
		t.Errorf("the cement plant's view of the case shows the justification or misses the decision: %s", raw)
	}
}

func TestNotificationsPage(t *testing.T) {
	f := newFixture(t, true)
	code, _ := usedBatch(t, f, demo.OrgReadyMix, demo.ProdConcreteC30)
	insp := f.token(t, user(demo.OrgInspection, models.RoleInspector))
	var v caseView
	if got := f.call(t, insp, "POST", "/api/v1/cases", openCaseRequest{Kind: models.CaseNonConformance, Batch: code, Severity: "low",
		Reason: "surface honeycombing", TargetDate: target(3)}, &v); got != http.StatusCreated {
		t.Fatalf("open: %d", got)
	}
	site := f.login(t, user(demo.OrgContractor, models.RoleViewer))
	status, body := site.get(t, "/notifications")
	if status != 200 || !strings.Contains(body, code) || !strings.Contains(body, `id="nav-unread"`) {
		t.Fatalf("notifications page: %d, mentions %s: %v, unread badge: %v", status, code, strings.Contains(body, code), strings.Contains(body, "nav-unread"))
	}
	var p store.Page[store.Notification]
	tok := f.token(t, user(demo.OrgContractor, models.RoleViewer))
	f.call(t, tok, "GET", "/api/v1/notifications", nil, &p)
	if len(p.Items) == 0 || p.Items[0].Case != v.Case.ID || p.Items[0].Read || p.Items[0].Kind != store.NoteCaseOpened {
		t.Fatalf("newest notification %+v", p.Items)
	}
	// Another organization cannot mark it read.
	other := f.token(t, user(demo.OrgGlass, models.RoleViewer))
	var e apiErr
	if got := f.call(t, other, "POST", "/api/v1/notifications/read", readRequest{ID: p.Items[0].ID}, &e); got != 404 {
		t.Errorf("another organization marks it read: %d", got)
	}
	// Opening it from the page marks it read and leads to the case.
	if status, _ = site.post(t, "/notifications/read", url.Values{"id": {strconv.FormatInt(p.Items[0].ID, 10)}}); status != http.StatusSeeOther {
		t.Fatalf("open from the notification: %d", status)
	}
	if status, body = site.get(t, "/cases/"+v.Case.ID); status != 200 || !strings.Contains(body, `id="case-status"`) {
		t.Fatalf("the case page for the contractor's viewer: %d", status)
	}
	f.call(t, tok, "GET", "/api/v1/notifications", nil, &p)
	if !p.Items[0].Read {
		t.Errorf("the opened notification is still unread")
	}
	// Read state is per user: the contractor's operator still has it unread.
	op := f.token(t, user(demo.OrgContractor, models.RoleOperator))
	f.call(t, op, "GET", "/api/v1/notifications", nil, &p)
	if p.Items[0].Read {
		t.Errorf("another user of the organization sees it read")
	}
	var unread map[string]int64
	if got := f.call(t, op, "POST", "/api/v1/notifications/read", readRequest{}, &unread); got != 200 || unread["unread"] != 0 {
		t.Errorf("mark all read: %d %v", got, unread)
	}
}
