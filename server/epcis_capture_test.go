package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/epcis"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger/embedded"
	"github.com/plumbline/plumbline/models"
)

// postCapture sends a capture document and returns the status, the
// decoded job (or error body) and the Location header.
func postCapture(t testing.TB, f *fixture, token, behaviour string, doc any) (int, captureJob, schemaErrorBody, string) {
	t.Helper()
	raw, ok := doc.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(doc); err != nil {
			t.Fatal(err)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, f.URL+"/api/v1/epcis/capture", bytes.NewReader(raw))
	req.Header.Set("Content-Type", epcis.MediaType)
	req.Header.Set("Authorization", "Bearer "+token)
	if behaviour != "" {
		req.Header.Set("GS1-Capture-Error-Behaviour", behaviour)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var j captureJob
	var e schemaErrorBody
	if resp.StatusCode == http.StatusAccepted {
		if err := json.Unmarshal(body, &j); err != nil {
			t.Fatalf("capture answer %s: %v", body, err)
		}
	} else {
		_ = json.Unmarshal(body, &e)
	}
	if resp.StatusCode >= 500 {
		t.Fatalf("capture: %d %s", resp.StatusCode, body)
	}
	return resp.StatusCode, j, e, resp.Header.Get("Location")
}

// waitCapture polls a capture job until it is done.
func waitCapture(t testing.TB, f *fixture, token, id string) captureJob {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var j captureJob
		if code := f.call(t, token, http.MethodGet, "/api/v1/epcis/capture/"+id+"?events=none", nil, &j); code != http.StatusOK {
			t.Fatalf("capture job %s: %d", id, code)
		}
		if j.State == captureDone {
			f.call(t, token, http.MethodGet, "/api/v1/epcis/capture/"+id, nil, &j)
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("capture %s not done: %+v", id, j)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// captureDoc wraps events in a document.
func captureDoc(events ...epcis.Event) epcis.Document {
	return epcis.NewDocument(time.Now(), "", events)
}

// captureFacts are what the capture tests build events from.
type captureFacts struct {
	names   epcis.Names
	product models.Product // a product of fuchun-cement
	held    string         // a batch the contractor holds and may use
}

func findCaptureFacts(t testing.TB, f *fixture) captureFacts {
	t.Helper()
	ctx := context.Background()
	ps, err := f.store.Products(ctx, "fuchun-cement")
	if err != nil || len(ps) == 0 {
		t.Fatalf("products: %v", err)
	}
	stock, err := f.store.Stock(ctx, store.StockFilter{Custodian: "zhongjian-no8", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	cf := captureFacts{names: epcis.Names{Base: f.URL}, product: ps[0]}
	for _, b := range stock.Items {
		if b.Status == models.StatusAvailable && b.Inspection.Usable() && b.Remaining > models.DecimalFromInt(2) {
			cf.held = b.Code
			break
		}
	}
	if cf.held == "" {
		t.Fatal("the contractor holds no usable batch")
	}
	return cf
}

func (cf captureFacts) commission(code string) epcis.Event {
	q := models.MustDecimal("12.5")
	return epcis.Event{Type: epcis.ObjectEvent, Action: "ADD", BizStep: "commissioning", Disposition: "active",
		EventTime: "2026-06-01T08:00:00Z", EventTimeZoneOffset: "+08:00", EventID: "urn:uuid:test-" + code,
		QuantityList: []epcis.Quantity{{EPCClass: cf.names.Base + "/b/" + code, Quantity: &q, UOM: "TNE"}},
		ILMD:         map[string]any{"plb:product": cf.names.Product(cf.product), "plb:producedOn": "2026-06-01"},
	}
}

func (cf captureFacts) usage(code, qty, id string) epcis.Event {
	q := models.MustDecimal(qty)
	return epcis.Event{Type: epcis.ObjectEvent, Action: "OBSERVE", BizStep: "installing",
		EventTime: "2026-06-02T08:00:00Z", EventTimeZoneOffset: "+08:00", EventID: "urn:uuid:test-use-" + id,
		QuantityList: []epcis.Quantity{{EPCClass: cf.names.Base + "/b/" + code, Quantity: &q, UOM: "TNE"}},
		BizLocation:  &epcis.ID{ID: cf.names.Location(models.Location{Project: "Test", Building: "B1", Floor: "2", Element: "slab " + id})},
	}
}

// TestEPCISCapture covers, on SQLite and PostgreSQL, valid and invalid documents: a schema error at
// its pointer, an unknown batch, a custody violation, an event recorded by
// another organization, rollback against proceed, an idempotent re-post,
// the body limit and who may capture.
func TestEPCISCapture(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) { testCapture(t, newFixtureOn(t, dialect, true)) })
}

func testCapture(t *testing.T, f *fixture) {
	cf := findCaptureFacts(t, f)
	cement := f.token(t, "fuchun-cement.operator")
	site := f.token(t, "zhongjian-no8.operator")
	ctx := context.Background()

	t.Run("valid document commits and is idempotent", func(t *testing.T) {
		before := f.head(t)
		doc := captureDoc(cf.commission("CAP-1"), cf.commission("CAP-2"))
		code, j, _, loc := postCapture(t, f, cement, "", doc)
		if code != http.StatusAccepted || loc != "/api/v1/epcis/capture/"+j.ID || j.State != captureDone {
			t.Fatalf("capture: %d %q %+v", code, loc, j)
		}
		if j.Committed != 2 || j.Events[0].Status != evCommitted || j.Events[0].Seq != before+1 || j.Events[1].Seq != before+2 || j.Events[0].TxID == "" {
			t.Fatalf("results %+v", j.Events)
		}
		if j.Events[0].Transaction != "CommissionBatch" || !j.Success() {
			t.Errorf("job %+v", j)
		}
		b, err := f.store.Batch(ctx, "CAP-1")
		if err != nil || b.Producer != "fuchun-cement" || b.Quantity != models.MustDecimal("12.5") || b.ProducedOn != "2026-06-01" {
			t.Errorf("captured batch in the read model: %+v, %v", b, err)
		}
		ev, _ := f.store.Event(ctx, j.Events[0].Seq)
		if want := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC); !ev.Time.Equal(want) {
			t.Errorf("the transaction time is %s, not the eventTime %s", ev.Time, want)
		}
		// Again: nothing new, every event replayed with its first receipt.
		code, j2, _, _ := postCapture(t, f, cement, "", doc)
		if code != http.StatusAccepted || j2.Replayed != 2 || j2.Committed != 0 || j2.Events[1].Seq != j.Events[1].Seq || f.head(t) != before+2 {
			t.Errorf("re-post: %d %+v, head %d", code, j2, f.head(t))
		}
		// Another user of the organization re-posting it: still replayed.
		code, j3, _, _ := postCapture(t, f, f.token(t, "fuchun-cement.admin"), "", doc)
		if code != http.StatusAccepted || j3.Replayed != 2 || f.head(t) != before+2 {
			t.Errorf("re-post by another user: %+v", j3)
		}
	})

	t.Run("schema error at its pointer", func(t *testing.T) {
		before := f.head(t)
		ev := cf.commission("CAP-SCHEMA")
		ev.QuantityList[0].UOM = "tonnes"
		code, _, e, _ := postCapture(t, f, cement, "", captureDoc(ev))
		if code != http.StatusUnprocessableEntity || e.Error.Field != "/epcisBody/eventList/0/quantityList/0/uom" || len(e.SchemaErrors) == 0 {
			t.Errorf("bad uom: %d %+v", code, e)
		}
		code, _, e, _ = postCapture(t, f, cement, "", []byte(`{"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-01-01T00:00:00Z","epcisBody":{"eventList":[]}}`))
		if code != http.StatusUnprocessableEntity || e.Error.Field != "" {
			t.Errorf("no @context: %d %+v", code, e)
		}
		code, _, e, _ = postCapture(t, f, cement, "", []byte(`{"type":`))
		if code != http.StatusUnprocessableEntity {
			t.Errorf("broken JSON: %d %+v", code, e)
		}
		if f.head(t) != before {
			t.Error("a rejected document changed the ledger")
		}
	})

	for _, c := range []struct {
		name    string
		token   string
		events  []epcis.Event
		status  []string // per event, with rollback
		code    string   // the rejected event's code
		pointer string
	}{
		{"unknown batch", site, []epcis.Event{cf.usage(cf.held, "1", "a"), cf.usage("NO-SUCH-BATCH", "1", "b")},
			[]string{evNotApplied, evRejected}, "not_found", "/epcisBody/eventList/1"},
		{"custody violation", cement, []epcis.Event{cf.commission("CAP-OK-1"), func() epcis.Event {
			ev := cf.usage(cf.held, "1", "c")
			ev.BizStep, ev.Disposition, ev.BizLocation = "shipping", "in_transit", nil
			ev.DestinationList = []epcis.Destination{{Type: "owning_party", Destination: cf.names.Party("zhongjian-no8")}, {Type: "location", Destination: cf.names.Site("zhongjian-no8", "tower-a")}}
			ev.Carrier = cf.names.Party("zhehang-logistics")
			return ev
		}()}, []string{evNotApplied, evRejected}, "forbidden", "/epcisBody/eventList/1"},
		{"recorded by another organization", site, []epcis.Event{func() epcis.Event {
			ev := cf.usage(cf.held, "1", "d")
			ev.RecordedBy = cf.names.Party("fuchun-cement")
			return ev
		}()}, []string{evRejected}, "forbidden", "/epcisBody/eventList/0/plb:recordedBy"},
		{"a usage without location", site, []epcis.Event{func() epcis.Event {
			ev := cf.usage(cf.held, "1", "e")
			ev.BizLocation = nil
			return ev
		}()}, []string{evRejected}, "invalid", "/epcisBody/eventList/0/bizLocation"},
		{"an event in the future", site, []epcis.Event{func() epcis.Event {
			ev := cf.usage(cf.held, "1", "f")
			ev.EventTime = time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
			return ev
		}()}, []string{evRejected}, "invalid", "/epcisBody/eventList/0/eventTime"},
		{"the same eventID twice", site, []epcis.Event{cf.usage(cf.held, "1", "g"), cf.usage(cf.held, "1", "g")},
			[]string{evNotApplied, evRejected}, "invalid", "/epcisBody/eventList/1/eventID"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := f.head(t)
			code, j, e, _ := postCapture(t, f, c.token, "", captureDoc(c.events...))
			if code != http.StatusAccepted {
				t.Fatalf("%d %+v", code, e)
			}
			if j.State != captureDone || j.Success() || f.head(t) != before {
				t.Errorf("rollback document: %+v, head %d → %d", j, before, f.head(t))
			}
			for i, want := range c.status {
				o := j.Events[i]
				if o.Status != want {
					t.Errorf("event %d: %s, want %s (%+v)", i, o.Status, want, o)
				}
				if want == evRejected && (o.Code != c.code || o.Pointer != c.pointer || o.Message == "") {
					t.Errorf("event %d: %s at %s: %q; want %s at %s", i, o.Code, o.Pointer, o.Message, c.code, c.pointer)
				}
				if want == evNotApplied && !strings.Contains(o.Message, "all-or-nothing") {
					t.Errorf("event %d: %q", i, o.Message)
				}
			}
		})
	}

	t.Run("proceed applies the valid events", func(t *testing.T) {
		before := f.head(t)
		doc := captureDoc(cf.usage(cf.held, "1", "p1"), cf.usage("NO-SUCH-BATCH", "1", "p2"), cf.usage(cf.held, "1", "p3"))
		code, j, _, _ := postCapture(t, f, site, "proceed", doc)
		if code != http.StatusAccepted || j.Behaviour != behaviourProceed || j.Committed != 2 || j.Rejected != 1 {
			t.Fatalf("proceed: %d %+v", code, j)
		}
		if j.Events[0].Status != evCommitted || j.Events[1].Status != evRejected || j.Events[2].Status != evCommitted || f.head(t) != before+2 {
			t.Errorf("proceed results %+v", j.Events)
		}
		us, _ := f.store.Usages(ctx, cf.held)
		found := 0
		for _, u := range us {
			if u.Location.Element == "slab p1" || u.Location.Element == "slab p3" {
				found++
			}
		}
		if found != 2 {
			t.Errorf("%d captured usages in the read model", found)
		}
	})

	t.Run("who may capture, and bad headers", func(t *testing.T) {
		doc := captureDoc(cf.commission("CAP-VIEW"))
		if code, _, e, _ := postCapture(t, f, f.token(t, "fuchun-cement.viewer"), "", doc); code != http.StatusForbidden {
			t.Errorf("viewer: %d %+v", code, e)
		}
		if code, _, e, _ := postCapture(t, f, cement, "sometimes", doc); code != http.StatusUnprocessableEntity || e.Error.Field != "GS1-Capture-Error-Behaviour" {
			t.Errorf("bad behaviour: %d %+v", code, e)
		}
		if code := f.call(t, "", http.MethodPost, "/api/v1/epcis/capture", doc, nil); code != http.StatusUnauthorized {
			t.Errorf("anonymous: %d", code)
		}
		// Another organization cannot read the job.
		_, j, _, _ := postCapture(t, f, cement, "", captureDoc(cf.commission("CAP-3")))
		if code := f.call(t, site, http.MethodGet, "/api/v1/epcis/capture/"+j.ID, nil, nil); code != http.StatusNotFound {
			t.Errorf("another organization's job: %d", code)
		}
	})

	t.Run("size limit", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, f.URL+"/api/v1/epcis/capture", io.LimitReader(zeros{}, maxCaptureBody+1))
		req.ContentLength = maxCaptureBody + 1
		req.Header.Set("Authorization", "Bearer "+cement)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "MB") {
			t.Errorf("oversized: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("progress of a large document", func(t *testing.T) {
		var evs []epcis.Event
		for i := range captureWait + 100 {
			evs = append(evs, cf.commission(fmt.Sprintf("CAP-BIG-%04d", i)))
		}
		before := f.head(t)
		code, j, _, _ := postCapture(t, f, cement, "", captureDoc(evs...))
		if code != http.StatusAccepted || j.Total != len(evs) {
			t.Fatalf("large: %d %+v", code, j)
		}
		done := waitCapture(t, f, cement, j.ID)
		if done.Committed != len(evs) || done.Checked != len(evs) || f.head(t) != before+uint64(len(evs)) || done.Finished == nil {
			t.Errorf("large capture: %+v", done.Committed)
		}
	})
}

// zeros reads as an endless run of spaces.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// TestEPCISRoundTrip exports the demo ledger from one instance, captures
// it into a fresh instance that has only the same organizations and
// products, each run of events as a user of the organization that recorded
// it, and exports again: every event is the same, eventID included.
func TestEPCISRoundTrip(t *testing.T) {
	a := newFixture(t, true)
	all := allEvents(t, a, a.token(t, "hz-construction-bureau.admin"), "/api/v1/epcis/events?perPage=1000")
	// Quality case events are exported but not captured (they name this
	// instance's usage and case IDs); the rest must come back identical.
	var out []epcis.Event
	for _, ev := range all {
		if ev.Case == "" {
			out = append(out, ev)
		}
	}
	if len(out) == len(all) {
		t.Error("the demo export has no case events")
	}

	b := newFixture(t, false)
	plan, _ := demo.Plan(demo.Options{Seed: 7})
	for _, tx := range plan {
		if tx.Type == "RegisterOrganization" || tx.Type == "RegisterProduct" {
			submitAs(t, b, tx.User, tx.Type, tx.Args)
		}
	}
	tokens := map[string]string{}
	captured := 0
	for start := 0; start < len(out); {
		org := strings.TrimPrefix(out[start].RecordedBy, a.URL+"/epcis/parties/")
		end := start + 1
		for end < len(out) && out[end].RecordedBy == out[start].RecordedBy && end-start < captureWait {
			end++
		}
		tok, ok := tokens[org]
		if !ok {
			tok = b.token(t, org+".admin")
			tokens[org] = tok
		}
		code, j, e, _ := postCapture(t, b, tok, "", captureDoc(out[start:end]...))
		if code != http.StatusAccepted || !j.Success() {
			for _, o := range j.Events {
				if o.Status == evRejected {
					raw, _ := json.Marshal(out[start+o.Index])
					t.Fatalf("event %d rejected: %+v\n%s", start+o.Index, o, raw)
				}
			}
			t.Fatalf("capture of events %d-%d: %d %+v %+v", start, end, code, e, j)
		}
		captured += end - start
		start = end
	}
	back := allEvents(t, b, b.token(t, "hz-construction-bureau.admin"), "/api/v1/epcis/events?perPage=1000")
	// A case event itself is refused with the reason.
	for _, ev := range all {
		if ev.Case != "" {
			org := strings.TrimPrefix(ev.RecordedBy, a.URL+"/epcis/parties/")
			_, j, _, _ := postCapture(t, b, b.token(t, org+".admin"), "", captureDoc(ev))
			if j.Events[0].Status != evRejected || j.Events[0].Pointer != "/epcisBody/eventList/0/plb:case" {
				t.Errorf("a case event: %+v", j.Events[0])
			}
			break
		}
	}
	if len(back) != len(out) {
		t.Fatalf("%d events exported, %d came back", len(out), len(back))
	}
	for i := range out {
		x, _ := json.Marshal(out[i])
		y, _ := json.Marshal(back[i])
		if strings.ReplaceAll(string(y), b.URL, a.URL) != string(x) {
			t.Fatalf("event %d differs after the round trip:\n got %s\nwant %s", i, y, x)
		}
	}
	// The captured ledger (groups of past-dated transactions) verifies,
	// replay included, and its read model matches its state.
	ctx := context.Background()
	rep, err := b.ledger.Verify(ctx, embedded.VerifyOptions{})
	if err != nil {
		t.Fatalf("verify the captured ledger: %v", err)
	}
	if err := b.proj.WaitFor(ctx, rep.Checkpoint.Size); err != nil {
		t.Fatal(err)
	}
	if err := b.store.Check(ctx, rep.Checkpoint.Size, rep.State.All()); err != nil {
		t.Fatalf("read model of the captured ledger: %v", err)
	}
	t.Logf("%d events round-trip through capture", captured)
}

// TestEPCISCaptureDependentEvents: events of one document build on each
// other — a batch is commissioned, split and part of it shipped — and the
// translation of each sees what the earlier ones did; a later event that
// only the contract finds wrong (a second usage beyond what remains) fails
// the whole all-or-nothing document.
func TestEPCISCaptureDependentEvents(t *testing.T) {
	f := newFixture(t, true)
	cf := findCaptureFacts(t, f)
	// A product without a hold point, so a new batch may be split at once.
	for _, org := range []string{"tonglu-quarry", "fuchun-cement", "jiangnan-steel", "qiantang-glass", "xihu-readymix"} {
		ps, _ := f.store.Products(context.Background(), org)
		for _, p := range ps {
			if !p.InspectionRequired && cf.product.InspectionRequired {
				cf.product = p
			}
		}
	}
	if cf.product.InspectionRequired {
		t.Fatal("no product without a hold point")
	}
	cement := f.token(t, cf.product.Manufacturer+".operator")
	q := func(s string) *models.Decimal { d := models.MustDecimal(s); return &d }
	split := epcis.Event{Type: epcis.TransformationEvent, EventTime: "2026-06-01T09:00:00Z", EventTimeZoneOffset: "+08:00", EventID: "urn:uuid:dep-split",
		InputQuantityList:  []epcis.Quantity{{EPCClass: cf.names.Base + "/b/DEP-1", Quantity: q("12.5"), UOM: "TNE"}},
		OutputQuantityList: []epcis.Quantity{{EPCClass: cf.names.Base + "/b/DEP-1A", Quantity: q("5"), UOM: "TNE"}, {EPCClass: cf.names.Base + "/b/DEP-1B", Quantity: q("7.5"), UOM: "TNE"}},
	}
	ship := epcis.Event{Type: epcis.ObjectEvent, Action: "OBSERVE", BizStep: "shipping", Disposition: "in_transit", EventTime: "2026-06-01T10:00:00Z", EventTimeZoneOffset: "+08:00", EventID: "urn:uuid:dep-ship",
		QuantityList:    []epcis.Quantity{{EPCClass: cf.names.Base + "/b/DEP-1A", Quantity: q("5"), UOM: "TNE"}},
		DestinationList: []epcis.Destination{{Type: "owning_party", Destination: cf.names.Party("zhongjian-no8")}, {Type: "location", Destination: cf.names.Site("zhongjian-no8", "tower-a")}},
		Carrier:         cf.names.Party("zhehang-logistics"),
	}
	code, j, e, _ := postCapture(t, f, cement, "", captureDoc(cf.commission("DEP-1"), split, ship))
	if code != http.StatusAccepted || !j.Success() {
		t.Fatalf("dependent document: %d %+v %+v", code, e, j.Events)
	}
	want := []string{"CommissionBatch", "TransformBatches", "DispatchShipment"}
	for i, o := range j.Events {
		if o.Transaction != want[i] || o.Status != evCommitted {
			t.Errorf("event %d: %+v", i, o)
		}
	}
	b, err := f.store.Batch(context.Background(), "DEP-1A")
	if err != nil || b.Status != models.StatusInTransit || b.Custodian != "zhehang-logistics" || b.ProductID != cf.product.ID {
		t.Errorf("the shipped part: %+v, %v", b, err)
	}

	site := f.token(t, "zhongjian-no8.operator")
	bt, _ := f.store.Batch(context.Background(), cf.held)
	most := models.Decimal(bt.Remaining - models.DecimalFromInt(1)).String()
	before := f.head(t)
	code, j, _, _ = postCapture(t, f, site, "", captureDoc(cf.usage(cf.held, most, "x1"), cf.usage(cf.held, most, "x2")))
	if code != http.StatusAccepted || j.Events[0].Status != evNotApplied || j.Events[1].Status != evRejected || j.Events[1].Code != "conflict" || f.head(t) != before {
		t.Errorf("over-use: %+v, head %d → %d", j.Events, before, f.head(t))
	}
	if !strings.Contains(j.Events[1].Message, "remaining") || j.Events[1].Field != "quantity" {
		t.Errorf("the rejection does not say what to fix: %+v", j.Events[1])
	}
}
