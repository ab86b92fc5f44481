package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/epcis"
	"github.com/plumbline/plumbline/internal/store"
)

// epcisDoc fetches an export, checks its status, media type and schema,
// and decodes it.
func epcisDoc(t testing.TB, f *fixture, token, path string) epcis.Document {
	t.Helper()
	code, h, body := f.fetch(t, token, path)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, code, body)
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/ld+json") {
		t.Errorf("GET %s: content type %q", path, ct)
	}
	errs, err := epcis.ValidateBytes(body)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("GET %s: schema: %s", path, e)
	}
	var doc epcis.Document
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != "2.0" || doc.Type != "EPCISDocument" || doc.Context[0] != epcis.Context {
		t.Errorf("document header %+v", doc)
	}
	return doc
}

// allEvents pages through an export with nextPageToken.
func allEvents(t testing.TB, f *fixture, token, path string) []epcis.Event {
	t.Helper()
	var out []epcis.Event
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	next := ""
	for pages := 0; ; pages++ {
		p := path
		if next != "" {
			p += sep + "nextPageToken=" + next
		}
		doc := epcisDoc(t, f, token, p)
		out = append(out, doc.Body.EventList...)
		if doc.NextPageToken == "" {
			return out
		}
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
		next = doc.NextPageToken
	}
}

// TestEPCISExport: an authority pages through every event of the demo
// ledger; every page validates against the official schema, every event
// comes once, in ledger order, and the filters select what they say.
func TestEPCISExport(t *testing.T) {
	f := newFixture(t, true)
	tok := f.token(t, "hz-construction-bureau.admin")
	all := allEvents(t, f, tok, "/api/v1/epcis/events?perPage=400")
	ctx := context.Background()
	head, _ := f.ledger.Head(ctx)
	evs, err := f.store.FilterEvents(ctx, store.EventFilter{Types: epcis.EventTypes(), Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for after := uint64(0); after < head; {
		evs, _ = f.store.FilterEvents(ctx, store.EventFilter{Types: epcis.EventTypes(), After: after, Limit: 1000})
		want += len(evs)
		if len(evs) < 1000 {
			break
		}
		after = evs[len(evs)-1].Seq
	}
	if len(all) != want || want < 1000 {
		t.Fatalf("exported %d events, the ledger has %d", len(all), want)
	}
	seen := map[string]bool{}
	kinds := map[string]bool{}
	for _, ev := range all {
		if seen[ev.EventID] {
			t.Errorf("event %s exported twice", ev.EventID)
		}
		seen[ev.EventID] = true
		kinds[ev.Type+"/"+ev.BizStep+"/"+ev.Disposition] = true
	}
	for _, k := range []string{"ObjectEvent/commissioning/active", "ObjectEvent/shipping/in_transit", "ObjectEvent/receiving/available",
		"ObjectEvent/inspecting/non_conformant", "ObjectEvent/inspecting/conformant", "ObjectEvent/holding/available", "ObjectEvent/installing/",
		"ObjectEvent//recalled", "TransformationEvent//active", "TransactionEvent//"} {
		if !kinds[k] {
			t.Errorf("no %s event in the export (kinds: %v)", k, kinds)
		}
	}

	t.Run("paging with small pages gives the same events", func(t *testing.T) {
		small := allEvents(t, f, tok, "/api/v1/epcis/events?perPage=97&LT_eventTime="+url.QueryEscape(all[300].EventTime))
		for i, ev := range small {
			if ev.EventID != all[i].EventID {
				t.Fatalf("event %d differs: %s vs %s", i, ev.EventID, all[i].EventID)
			}
		}
		if len(small) < 250 {
			t.Errorf("only %d events before %s", len(small), all[300].EventTime)
		}
	})
	t.Run("Link header", func(t *testing.T) {
		code, h, _ := f.fetch(t, tok, "/api/v1/epcis/events?perPage=5")
		if code != http.StatusOK || !strings.Contains(h.Get("Link"), `nextPageToken=`) || !strings.Contains(h.Get("Link"), `rel="next"`) {
			t.Errorf("Link %q", h.Get("Link"))
		}
	})
	for _, c := range []struct {
		query string
		check func(ev epcis.Event) bool
	}{
		{"EQ_bizStep=shipping", func(ev epcis.Event) bool { return ev.BizStep == "shipping" }},
		{"EQ_bizStep=inspecting,sampling", func(ev epcis.Event) bool { return ev.BizStep == "inspecting" || ev.BizStep == "sampling" }},
		{"eventType=TransformationEvent", func(ev epcis.Event) bool { return ev.Type == epcis.TransformationEvent }},
		{"GE_eventTime=" + url.QueryEscape(all[500].EventTime) + "&LT_eventTime=" + url.QueryEscape(all[600].EventTime), func(ev epcis.Event) bool {
			return ev.EventTime >= all[500].EventTime && ev.EventTime < all[600].EventTime
		}},
	} {
		t.Run(c.query, func(t *testing.T) {
			got := allEvents(t, f, tok, "/api/v1/epcis/events?perPage=1000&"+c.query)
			n := 0
			for _, ev := range all {
				if c.check(ev) {
					n++
				}
			}
			for _, ev := range got {
				if !c.check(ev) {
					t.Errorf("%s selected %s %s", c.query, ev.Type, ev.BizStep)
				}
			}
			if len(got) != n || n == 0 {
				t.Errorf("%s: %d events, want %d", c.query, len(got), n)
			}
		})
	}
	t.Run("by batch and by location", func(t *testing.T) {
		d := findDemo(t, f)
		got := allEvents(t, f, tok, "/api/v1/epcis/events?MATCH_anyEPC="+d.concrete)
		var usage *epcis.Event
		for i, ev := range got {
			if ev.BizStep == "installing" {
				usage = &got[i]
			}
		}
		if len(got) < 2 || usage == nil {
			t.Fatalf("events of %s: %d, usage %v", d.concrete, len(got), usage)
		}
		tl, _ := f.store.Timeline(ctx, d.concrete, 0, 1000)
		if len(got) != len(tl) {
			t.Errorf("%d events for %s, its timeline has %d", len(got), d.concrete, len(tl))
		}
		// The same batch by its identifier.
		byURI := allEvents(t, f, tok, "/api/v1/epcis/events?MATCH_anyEPC="+url.QueryEscape(usage.QuantityList[0].EPCClass))
		if len(byURI) != len(got) {
			t.Errorf("by identifier %s: %d events, by code %d", usage.QuantityList[0].EPCClass, len(byURI), len(got))
		}
		at := allEvents(t, f, tok, "/api/v1/epcis/events?EQ_bizLocation="+url.QueryEscape(usage.BizLocation.ID))
		if len(at) == 0 {
			t.Fatal("no event at the usage's location")
		}
		for _, ev := range at {
			if ev.BizLocation.ID != usage.BizLocation.ID {
				t.Errorf("location filter gave %s", ev.BizLocation.ID)
			}
		}
	})
	t.Run("batch trace document", func(t *testing.T) {
		d := findDemo(t, f)
		doc := epcisDoc(t, f, tok, "/api/v1/batches/"+d.recall.BatchCode+"/epcis")
		codes := map[string]bool{}
		steps := map[string]bool{}
		for _, ev := range doc.Body.EventList {
			steps[ev.BizStep+ev.Disposition] = true
			for _, q := range append(append(ev.QuantityList, ev.InputQuantityList...), ev.OutputQuantityList...) {
				codes[q.EPCClass] = true
			}
		}
		if !steps["installing"] || !steps["recalled"] || !steps["commissioningactive"] {
			t.Errorf("the recalled lot's trace lacks usages, the recall or its commissioning: %v", steps)
		}
		fw, _ := f.store.Forward(ctx, d.recall.BatchCode, 0)
		if len(codes) < len(fw.Nodes) {
			t.Errorf("the trace document names %d batches, the forward trace has %d", len(codes), len(fw.Nodes))
		}
	})
}

// TestEPCISExportBadInput: bad filters are 422s naming the parameter; an
// unknown batch is a 404; nobody anonymous gets anything.
func TestEPCISExportBadInput(t *testing.T) {
	f := newFixture(t, true)
	tok := f.token(t, "fuchun-cement.operator")
	for _, c := range []struct {
		path  string
		code  int
		field string
	}{
		{"/api/v1/epcis/events?GE_eventTime=yesterday", 422, "GE_eventTime"},
		{"/api/v1/epcis/events?EQ_bizStep=pouring", 422, "EQ_bizStep"},
		{"/api/v1/epcis/events?perPage=0", 422, "perPage"},
		{"/api/v1/epcis/events?perPage=5000", 422, "perPage"},
		{"/api/v1/epcis/events?nextPageToken=abc", 422, "nextPageToken"},
		{"/api/v1/epcis/events?MATCH_anyEPC=" + url.QueryEscape("https://x.example/epcis/parties/fuchun-cement"), 422, "MATCH_anyEPC"},
		{"/api/v1/epcis/events?MATCH_anyEPC=" + url.QueryEscape("https://x.example/01/06901234567892/10/NOPE"), 404, "MATCH_anyEPC"},
		{"/api/v1/epcis/events?MATCH_anyEPC=bad%20code", 422, "MATCH_anyEPC"},
		{"/api/v1/epcis/events?EQ_action=ADD", 422, "EQ_action"},
		{"/api/v1/epcis/events?eventType=AggregationEvent", 422, "eventType"},
		{"/api/v1/batches/NO-SUCH-BATCH/epcis", 404, ""},
	} {
		var e apiErr
		if code := f.call(t, tok, http.MethodGet, c.path, nil, &e); code != c.code || e.Error.Field != c.field {
			t.Errorf("%s: %d %s, want %d on %q", c.path, code, e, c.code, c.field)
		}
	}
	if code := f.call(t, "", http.MethodGet, "/api/v1/epcis/events", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("anonymous export: %d", code)
	}
	// An unknown identifier on a batch's own code is fine: nothing matches.
	doc := epcisDoc(t, f, tok, "/api/v1/epcis/events?MATCH_anyEPC=NO-SUCH-BATCH")
	if len(doc.Body.EventList) != 0 {
		t.Errorf("%d events for an unknown batch", len(doc.Body.EventList))
	}
}

// TestEPCISExportPrivacy: an organization not involved with a batch sees
// its events without inspection notes and measurements, usage locations
// and commercial references, and no purchase orders of others; an involved
// one (and an inspection agency) sees them whole.
func TestEPCISExportPrivacy(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	path := "/api/v1/batches/" + d.recall.BatchCode + "/epcis"
	private := func(evs []epcis.Event) (n int) {
		for _, ev := range evs {
			if len(ev.SensorElementList) > 0 || ev.Notes != "" || ev.BizLocation != nil || ev.Location != nil || ev.Vehicle != "" {
				n++
			}
		}
		return n
	}
	for _, c := range []struct {
		user    string
		private bool
	}{
		{"zj-quality-inspection.viewer", true},
		{"hz-construction-bureau.viewer", true},
		{"zhongjian-no8.viewer", true},
		{"qiantang-glass.viewer", false},
		{"jiangnan-steel.viewer", false},
		{"tonglu-quarry.viewer", false},
	} {
		t.Run(c.user, func(t *testing.T) {
			tok := f.token(t, c.user)
			doc := epcisDoc(t, f, tok, path)
			n := private(doc.Body.EventList)
			if c.private && n == 0 {
				t.Errorf("%s is involved but sees nothing private", c.user)
			}
			if !c.private {
				if n > 0 {
					t.Errorf("%s is not involved but sees private data in %d events", c.user, n)
				}
				if doc.Redacted == nil || doc.Redacted.Events == 0 {
					t.Error("the document does not say that it left data out")
				}
				raw, _ := json.Marshal(doc)
				if strings.Contains(string(raw), d.inspection.Notes) {
					t.Error("the failed inspection's notes leak")
				}
			}
		})
	}
	t.Run("quality cases only to those who may see them", func(t *testing.T) {
		all := allEvents(t, f, f.token(t, "hz-construction-bureau.viewer"), "/api/v1/epcis/events?perPage=1000")
		cases := 0
		for _, ev := range all {
			if ev.Case != "" {
				cases++
			}
		}
		if cases == 0 {
			t.Fatal("an authority sees no case events")
		}
		for _, ev := range allEvents(t, f, f.token(t, "qiantang-glass.viewer"), "/api/v1/epcis/events?perPage=1000") {
			if ev.Case != "" {
				t.Errorf("an organization that may not see the case gets its event: %+v", ev)
			}
		}
	})
	t.Run("purchase orders only to their parties", func(t *testing.T) {
		for user, want := range map[string]bool{"qiantang-glass.viewer": true, "zhehang-logistics.viewer": false} {
			evs := allEvents(t, f, f.token(t, user), "/api/v1/epcis/events?eventType=TransactionEvent&perPage=1000")
			party := "/epcis/parties/" + strings.Split(user, ".")[0]
			for _, ev := range evs {
				if !strings.HasSuffix(ev.SourceList[0].Source, party) && !strings.HasSuffix(ev.RecordedBy, party) {
					t.Errorf("%s sees a purchase order between others: %+v", user, ev)
				}
			}
			if (len(evs) > 0) != want {
				t.Errorf("%s sees %d purchase orders", user, len(evs))
			}
		}
	})
}
