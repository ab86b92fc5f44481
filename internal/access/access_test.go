package access

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// fakeSource is a Source without a database: fixed parties per batch,
// batches per event and cases, counting the parties lookups.
type fakeSource struct {
	parties map[string]Parties
	events  map[uint64][]string // an event not listed is an error
	cases   map[string]models.Case
	calls   map[string]int
}

func (f *fakeSource) Parties(_ context.Context, code string) (Parties, error) {
	f.calls[code]++
	p, ok := f.parties[code]
	if !ok {
		return nil, models.NotFound("", "batch %q does not exist", code)
	}
	return p, nil
}

func (f *fakeSource) EventBatches(_ context.Context, seq uint64) ([]string, error) {
	codes, ok := f.events[seq]
	if !ok {
		return nil, errors.New("the read model is down")
	}
	return codes, nil
}

func (f *fakeSource) Case(_ context.Context, id string) (models.Case, error) {
	c, ok := f.cases[id]
	if !ok {
		return c, models.NotFound("", "case %q does not exist", id)
	}
	return c, nil
}

// The world of the matrix: batch B1 (made, owned and held by three
// organizations, shipped by sender to receiver through carrier, with an
// entry by submitter), batch B2 (other's, with opener taking part), and
// case C1 on B1, opened by opener and affecting affected.
var (
	b1 = models.Batch{Code: "B1", Producer: "producer", Owner: "owner", Custodian: "custodian"}
	s1 = models.Shipment{Code: "S1", From: "sender", To: "receiver", Carrier: "carrier"}
	c1 = models.Case{ID: "C1", BatchCode: "B1", Org: "opener", Orgs: []models.CaseOrg{{Org: "affected"}},
		Usages: []models.CaseUsage{{Usage: "u1", BatchCode: "B1", Justification: "j1"}, {Usage: "u2", BatchCode: "B2", Justification: "j2"}}}
)

func newFake() *fakeSource {
	return &fakeSource{
		parties: map[string]Parties{
			"B1": {"producer": true, "owner": true, "custodian": true, "sender": true, "receiver": true, "carrier": true, "submitter": true},
			"B2": {"other": true, "opener": true},
		},
		events: map[uint64][]string{1: {"B1"}, 2: {"B1"}, 3: {"B1"}, 4: {"B1"}, 5: {"B2"}, 6: {"B1"}, 7: {"B1"}, 8: {"B1"}},
		cases:  map[string]models.Case{"C1": c1},
		calls:  map[string]int{},
	}
}

func ev(seq uint64, typ, org, txID, args string) store.Event {
	return store.Event{Seq: seq, Type: typ, Org: org, TxID: txID, Args: json.RawMessage(args)}
}

// The entries of the matrix, in its column order.
var entries = []store.Event{
	ev(1, "CommissionBatch", "producer", "t1", `{"code":"B1","documents":["aa"]}`),
	ev(2, "AttachDocument", "producer", "t2", `{"batch":"B1","document":{"visibility":"public"}}`),
	ev(3, "AttachDocument", "producer", "t3", `{"batch":"B1","document":{"visibility":"private"}}`),
	ev(4, "RecordInspection", "agency", "t4", `{"batch":"B1","notes":"honeycombing"}`),
	ev(5, "RecordUsage", "submitter", "t5", `{"batch":"B2"}`),
	ev(6, "OpenCase", "opener", "C1", `{"batch":"B1"}`),
	ev(7, "RecordDisposition", "authority", "t7", `{"case":"C1"}`),
	ev(8, "AcknowledgeCase", "stranger", "t8", `not json`),
	ev(99, "ReleaseHold", "receiver", "t9", `{"batch":"B1"}`), // its batches cannot be read
}

// viewers of the matrix.
var viewers = []struct {
	name string
	v    Viewer
}{
	{"public", Viewer{}},
	{"producer", Viewer{"producer", models.KindManufacturer, models.RoleOperator}},
	{"owner", Viewer{"owner", models.KindContractor, models.RoleOperator}},
	{"custodian", Viewer{"custodian", models.KindContractor, models.RoleAdmin}},
	{"sender", Viewer{"sender", models.KindManufacturer, models.RoleOperator}},
	{"receiver", Viewer{"receiver", models.KindContractor, models.RoleOperator}},
	{"carrier", Viewer{"carrier", models.KindCarrier, models.RoleOperator}},
	{"submitter", Viewer{"submitter", models.KindContractor, models.RoleOperator}},
	{"stranger", Viewer{"stranger", models.KindManufacturer, models.RoleAdmin}},
	{"authority", Viewer{"authority", models.KindAuthority, models.RoleAdmin}},
	{"agency", Viewer{"agency", models.KindInspection, models.RoleInspector}},
	{"case opener", Viewer{"opener", models.KindManufacturer, models.RoleOperator}},
	{"case affected", Viewer{"affected", models.KindContractor, models.RoleOperator}},
	{"producer's viewer", Viewer{"producer", models.KindManufacturer, models.RoleViewer}},
}

// want is every viewer's answers, column by column (1 yes, 0 no, E an
// error, F forbidden, N not found):
//
//	involved   Involved(B1), Involved(B2), InvolvedIn(B404), InvolvedAny(B2, B1)
//	entries    ReadEntry of each of entries (commission, public document,
//	           private document, inspection, usage of B2, case opening,
//	           disposition, unreadable case step, entry of unknown batches)
//	case       Case(C1)
//	shipment   Shipment(S1)
//	usages     Usages: u1 (B1), u2 (B2), u3 (B404) kept
//	impact     CaseImpact(C1): line of B1 hidden, line of B2 hidden,
//	           justification of B1's usage kept, of B2's kept
//	attach     MayAttach(B1), MayAttach(B404)
var want = map[string]string{
	"public":            "0000 110000000 0 0 000 1100 FN",
	"producer":          "10E1 111101100 1 0 100 0110 1N",
	"owner":             "10E1 111101100 1 0 100 0110 1N",
	"custodian":         "10E1 111101100 1 0 100 0110 1N",
	"sender":            "10E1 111101100 1 1 100 0110 1N",
	"receiver":          "10E1 111101101 1 1 100 0110 1N",
	"carrier":           "10E1 111101100 1 1 100 0110 1N",
	"submitter":         "10E1 111111100 1 0 100 0110 1N",
	"stranger":          "00E0 110000010 0 0 000 1100 FN",
	"authority":         "1111 111111111 1 1 111 0011 1N",
	"agency":            "1111 111111111 1 1 111 0011 1N",
	"case opener":       "01E1 110011100 1 0 010 1001 FN",
	"case affected":     "00E0 110001100 1 0 000 1100 FN",
	"producer's viewer": "10E1 111101100 1 0 100 0110 FF",
}

func yes(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func yesErr(b bool, err error) string {
	if err != nil {
		return "E"
	}
	return yes(b)
}

func attach(err error) string {
	switch {
	case err == nil:
		return "1"
	case errors.Is(err, models.ErrForbidden):
		return "F"
	case errors.Is(err, models.ErrNotFound):
		var me *models.Error
		if !errors.As(err, &me) || me.Field != "batch" {
			return "?" // the page shows it next to the batch field
		}
		return "N"
	}
	return "?"
}

// answers runs every decision for viewer v.
func answers(ctx context.Context, v Viewer) string {
	c := New(newFake(), v)
	var b strings.Builder
	b2 := models.Batch{Code: "B2", Producer: "other", Owner: "other", Custodian: "other"}
	b.WriteString(yesErr(c.Involved(ctx, &b1)))
	b.WriteString(yesErr(c.Involved(ctx, &b2)))
	b.WriteString(yesErr(c.InvolvedIn(ctx, "B404")))
	b.WriteString(yesErr(c.InvolvedAny(ctx, []string{"B2", "B1"})))
	b.WriteString(" ")
	for _, e := range entries {
		b.WriteString(yes(c.ReadEntry(ctx, e)))
	}
	b.WriteString(" ")
	b.WriteString(yesErr(c.Case(ctx, &c1)))
	b.WriteString(" ")
	b.WriteString(yes(c.Shipment(&s1)))
	b.WriteString(" ")
	kept := map[string]bool{}
	for _, u := range c.Usages(ctx, []models.Usage{{ID: "u1", BatchCode: "B1"}, {ID: "u2", BatchCode: "B2"}, {ID: "u3", BatchCode: "B404"}}) {
		kept[u.ID] = true
	}
	b.WriteString(yes(kept["u1"]) + yes(kept["u2"]) + yes(kept["u3"]))
	b.WriteString(" ")
	lines := []store.ImpactLine{
		{CaseUsage: c1.Usages[0], Location: models.Location{Project: "P", Building: "T1", Element: "C3"}, Quantity: 5, Unit: "m3", UsedAt: "2026-03-01"},
		{CaseUsage: c1.Usages[1], Location: models.Location{Project: "P", Building: "T2", Element: "S1"}, Quantity: 7, Unit: "m3", UsedAt: "2026-03-02"},
	}
	_, hidden, usages := c.CaseImpact(ctx, c1, lines)
	b.WriteString(yes(hidden[0]) + yes(hidden[1]) + yes(usages[0].Justification != "") + yes(usages[1].Justification != ""))
	b.WriteString(" ")
	b.WriteString(attach(c.MayAttach(ctx, "B1")) + attach(c.MayAttach(ctx, "B404")))
	return b.String()
}

// TestMatrix: every kind of viewer against every decision. Any change to
// any rule changes a cell.
func TestMatrix(t *testing.T) {
	for _, vw := range viewers {
		got := answers(t.Context(), vw.v)
		if got != want[vw.name] {
			t.Errorf("%-18s got  %s\n%-18s want %s", vw.name, got, "", want[vw.name])
		}
	}
	if len(want) != len(viewers) {
		t.Errorf("want lists %d viewers, the matrix %d", len(want), len(viewers))
	}
}

// TestPartiesOnce: a checker looks each batch's parties up once, however
// many questions it answers; another checker (another request) asks again.
func TestPartiesOnce(t *testing.T) {
	f := newFake()
	c := New(f, Viewer{"stranger", models.KindManufacturer, models.RoleOperator})
	for range 3 {
		c.InvolvedIn(t.Context(), "B1")
		c.Involved(t.Context(), &b1)
		c.Usages(t.Context(), []models.Usage{{BatchCode: "B1"}})
		c.MayAttach(t.Context(), "B1")
		c.Case(t.Context(), &c1)
	}
	if f.calls["B1"] != 1 {
		t.Errorf("B1's parties were looked up %d times, want once", f.calls["B1"])
	}
	New(f, Viewer{"stranger", models.KindManufacturer, models.RoleOperator}).InvolvedIn(t.Context(), "B1")
	if f.calls["B1"] != 2 {
		t.Errorf("a new checker did not look B1 up again (%d lookups)", f.calls["B1"])
	}
	// Those who see everything, and the public, need no lookup at all.
	f = newFake()
	for _, v := range []Viewer{{}, {"authority", models.KindAuthority, models.RoleAdmin}, {"agency", models.KindInspection, models.RoleViewer}} {
		c := New(f, v)
		c.InvolvedIn(t.Context(), "B1")
		c.Involved(t.Context(), &b1)
		c.Usages(t.Context(), []models.Usage{{BatchCode: "B1"}})
		c.Case(t.Context(), &c1)
	}
	if f.calls["B1"] != 0 {
		t.Errorf("the public, authorities and agencies caused %d lookups", f.calls["B1"])
	}
}

// TestErrors: a failed lookup is an error where the caller must answer
// (Involved, Case), and not involved where it only filters.
func TestErrors(t *testing.T) {
	c := New(newFake(), Viewer{"stranger", models.KindManufacturer, models.RoleOperator})
	if _, err := c.Involved(t.Context(), &models.Batch{Code: "B404"}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("Involved with a missing batch: %v", err)
	}
	if _, err := c.Case(t.Context(), &models.Case{BatchCode: "B404"}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("Case on a missing batch: %v", err)
	}
	if ok, err := c.InvolvedAny(t.Context(), []string{"B404", "B1"}); err == nil || ok {
		t.Errorf("InvolvedAny stopped at a missing batch: %v %v", ok, err)
	}
	// The producer is involved by the batch record alone: no lookup.
	p := New(newFake(), Viewer{"producer", models.KindManufacturer, models.RoleOperator})
	if ok, err := p.Involved(t.Context(), &models.Batch{Code: "B404", Producer: "producer"}); !ok || err != nil {
		t.Errorf("producer of a batch not yet projected: %v %v", ok, err)
	}
}

// TestUsagesShape: authorities get the slice as given (nil stays nil), the
// public and others a new, non-nil one.
func TestUsagesShape(t *testing.T) {
	if got := New(newFake(), Viewer{"authority", models.KindAuthority, ""}).Usages(t.Context(), nil); got != nil {
		t.Errorf("authority: %#v", got)
	}
	for _, v := range []Viewer{{}, {"stranger", models.KindManufacturer, ""}} {
		if got := New(newFake(), v).Usages(t.Context(), nil); got == nil || len(got) != 0 {
			t.Errorf("%v: %#v", v, got)
		}
	}
}

// TestCaseImpactHides: exactly the private fields of a hidden line go,
// and the inputs stay whole.
func TestCaseImpactHides(t *testing.T) {
	c := New(newFake(), Viewer{"opener", models.KindManufacturer, models.RoleOperator})
	cs := c1
	line := store.ImpactLine{CaseUsage: models.CaseUsage{Usage: "u1", BatchCode: "B1", Contractor: "owner", Disposition: models.DispositionReplace, Justification: "j1"},
		Location: models.Location{Project: "P", Building: "T1", Floor: "3", Element: "C3"}, Quantity: 5, Unit: "m3", UsedAt: "2026-03-01"}
	in := []store.ImpactLine{line}
	shown, hidden, usages := c.CaseImpact(t.Context(), cs, in)
	want := store.ImpactLine{CaseUsage: models.CaseUsage{Usage: "u1", BatchCode: "B1", Contractor: "owner", Disposition: models.DispositionReplace}}
	if !hidden[0] || fmt.Sprint(shown[0]) != fmt.Sprint(want) {
		t.Errorf("hidden line: %+v, want %+v", shown[0], want)
	}
	if fmt.Sprint(in[0]) != fmt.Sprint(line) || cs.Usages[0].Justification != "j1" || c1.Usages[0].Justification != "j1" {
		t.Error("CaseImpact modified its inputs")
	}
	// The opener is involved with B2, but B2 has no line here: what is
	// not known to be visible is hidden.
	if usages[0].Justification != "" || usages[1].Justification != "" {
		t.Errorf("usages: %+v", usages)
	}
}

// TestSeesAll: authorities and inspection agencies, and no other kind.
func TestSeesAll(t *testing.T) {
	for _, k := range models.OrgKinds {
		want := k == models.KindAuthority || k == models.KindInspection
		o := &models.Organization{ID: "o", Kind: k}
		if SeesAll(o) != want || As(o, models.RoleViewer).SeesAll() != want {
			t.Errorf("%s: sees all = %v, want %v", k, SeesAll(o), want)
		}
	}
	if SeesAll(nil) || As(nil, models.RoleAdmin).SeesAll() || !As(nil, models.RoleAdmin).Public() {
		t.Error("the public sees all, or is not the public")
	}
	if v := As(&models.Organization{ID: "x", Kind: models.KindCarrier}, models.RoleOperator); v != (Viewer{"x", models.KindCarrier, models.RoleOperator}) {
		t.Errorf("As: %+v", v)
	}
}
