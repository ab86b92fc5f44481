package contract

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/models"
)

// caseFamily: cemco commissions CEM-1 (100 t) and keeps 40 t; 60 t go to
// buildco as CEM-1.1, pass inspection and are poured at two places. RB-1
// (rebar, no hold point) is delivered to buildco and poured once.
func caseFamily(f *fx) {
	f.commission("CEM-1", cement, "100")
	f.ship("SH-C", cemco, "CEM-1", "60")
	f.receiveAll("SH-C")
	f.inspect("CEM-1.1", models.VerdictPass)
	f.commission("RB-1", rebar, "50")
	f.ship("SH-R", steelco, "RB-1", "50")
	f.receiveAll("SH-R")
	f.use("CEM-1.1", "10", "column C3")
	f.use("CEM-1.1", "5", "slab S4")
	f.use("RB-1", "50", "column C3")
}

// use records a usage by buildco and returns its ID.
func (f *fx) use(batch, qty, element string) string {
	f.t.Helper()
	l := loc()
	l.Element = element
	f.ok(buildco, operator, "RecordUsage", RecordUsageArgs{Batch: batch, Quantity: dec(qty), Location: l})
	return f.lastTx()
}

func (f *fx) lastTx() string { return fmt.Sprintf("tx%04d", f.n) }

// usagesOf lists the IDs of the usages of batch, in key order.
func (f *fx) usagesOf(batch string) []string {
	f.t.Helper()
	var ids []string
	for _, k := range f.st.keys(models.PrefixUsage) {
		var u models.Usage
		f.load("", k, &u)
		if u.BatchCode == batch {
			ids = append(ids, u.ID)
		}
	}
	return ids
}

func (f *fx) loadCase(id string) models.Case {
	f.t.Helper()
	var c models.Case
	f.load(models.PrefixCase, id, &c)
	return c
}

// lastCase is the newest case in the state.
func (f *fx) lastCase() models.Case {
	f.t.Helper()
	ks := f.st.keys(models.PrefixCase)
	if len(ks) == 0 {
		f.t.Fatal("no case in the state")
	}
	var c models.Case
	f.load("", ks[len(ks)-1], &c)
	return c
}

// openArgs are the arguments of a case on CEM-1 listing every usage of
// CEM-1.1, made on a fixture after caseFamily.
func openArgs(f *fx, kind models.CaseKind) OpenCaseArgs {
	return OpenCaseArgs{Kind: kind, Batch: "CEM-1", Severity: SeverityHigh, Reason: "28-day strength 38.1 MPa",
		TargetDate: "2025-04-01", Usages: f.usagesOf("CEM-1.1")}
}

func TestOpenCase(t *testing.T) {
	open := func(org string, role models.Role, kind models.CaseKind, edit func(f *fx, a *OpenCaseArgs)) func(*fx) (string, models.Role, any) {
		return func(f *fx) (string, models.Role, any) {
			a := openArgs(f, kind)
			if edit != nil {
				edit(f, &a)
			}
			return org, role, a
		}
	}
	nc, rc := models.CaseNonConformance, models.CaseRecall
	failed := func(f *fx) {
		caseFamily(f)
		f.ok(qalab, inspector, "RecordInspection", RecordInspectionArgs{Batch: "CEM-1", Type: "strength_28d", Verdict: models.VerdictFail,
			Results: []InspectionResult{{Property: "compressive_strength_28d", Value: dec("38.1")}}})
	}
	src := func(f *fx, a *OpenCaseArgs) {
		for _, k := range f.st.keys(models.PrefixInspection) {
			var in models.Inspection
			f.load("", k, &in)
			if in.Verdict == models.VerdictFail {
				a.SourceInspection = in.ID
			}
		}
	}
	cases := []struct {
		name  string
		setup func(f *fx)
		call  func(f *fx) (string, models.Role, any)
		kind  error
		field string
		msg   string
		check func(t *testing.T, f *fx)
	}{
		{name: "inspection agency raises a non-conformance", call: open(qalab, inspector, nc, nil),
			check: func(t *testing.T, f *fx) {
				c := f.lastCase()
				if !slices.Equal(c.Batches, []string{"CEM-1", "CEM-1.1"}) || len(c.Usages) != 2 || c.Status != models.CaseOpen ||
					c.Org != qalab || c.Kind != nc || c.ID != f.lastTx() {
					t.Errorf("case %+v", c)
				}
				var orgs []string
				for _, o := range c.Orgs {
					orgs = append(orgs, o.Org)
				}
				// buildco used it and holds 45 t; cemco still holds 40 t of CEM-1.
				if !slices.Equal(orgs, []string{buildco, cemco}) {
					t.Errorf("affected orgs %v", orgs)
				}
				if b := f.batch("CEM-1.1"); b.Status != models.StatusAvailable {
					t.Errorf("a non-conformance changed batch status to %s", b.Status)
				}
			}},
		{name: "recall marks every affected batch recalled", call: open(cemco, operator, rc, nil),
			check: func(t *testing.T, f *fx) {
				for _, code := range []string{"CEM-1", "CEM-1.1"} {
					if b := f.batch(code); b.Status != models.StatusRecalled || !strings.Contains(b.HoldReason, "28-day strength") {
						t.Errorf("batch %s: %s %q", code, b.Status, b.HoldReason)
					}
				}
			}},
		{name: "authority admin recalls", call: open(gov, admin, rc, nil)},
		{name: "inspection agency recalls", call: open(qalab, inspector, rc, nil)},
		{name: "recall of an already recalled batch still tracks its usages",
			setup: func(f *fx) {
				caseFamily(f)
				f.ok(gov, admin, "RecallBatch", RecallBatchArgs{Batch: "CEM-1", Reason: "x", Severity: SeverityLow})
			},
			call: open(gov, admin, rc, nil),
			check: func(t *testing.T, f *fx) {
				if c := f.lastCase(); len(c.Usages) != 2 {
					t.Errorf("case %+v", c)
				}
			}},
		// Who may raise a non-conformance.
		{name: "authority operator raises", call: open(gov, operator, nc, nil)},
		{name: "authority inspector raises", call: open(gov, inspector, nc, nil)},
		{name: "inspection agency admin raises", call: open(qalab, admin, nc, nil)},
		{name: "producer operator raises", call: open(cemco, operator, nc, nil)},
		{name: "contractor inspector raises", call: open(buildco, inspector, nc, nil)},
		{name: "contractor that used it raises on the parent", call: open(buildco, admin, nc, nil)},
		{name: "inspection agency operator raises", call: open(qalab, operator, nc, nil)},
		{name: "uninvolved manufacturer may not", call: open(steelco, admin, nc, nil), kind: models.ErrForbidden, msg: "not involved with batch CEM-1"},
		{name: "uninvolved carrier may not", call: open(haul, admin, nc, nil), kind: models.ErrForbidden, msg: "not involved"},
		{name: "uninvolved contractor may not", call: open(otherco, operator, nc, nil), kind: models.ErrForbidden, msg: "not involved"},
		{name: "viewer may not", call: open(gov, viewer, nc, nil), kind: models.ErrForbidden, msg: "viewer role may not open cases"},
		{name: "contractor viewer may not", call: open(buildco, viewer, nc, nil), kind: models.ErrForbidden, msg: "viewer role"},
		// Who may recall.
		{name: "contractor may not recall", call: open(buildco, admin, rc, nil), kind: models.ErrForbidden, msg: "only the producer of batch CEM-1 (cemco)"},
		{name: "authority operator may not recall", call: open(gov, operator, rc, nil), kind: models.ErrForbidden, msg: "operator role may not open recall cases"},
		{name: "producer inspector may not recall", call: open(cemco, inspector, rc, nil), kind: models.ErrForbidden, msg: "inspector role"},
		// The impact list.
		{name: "usage of an unrelated batch", call: open(qalab, inspector, nc, func(f *fx, a *OpenCaseArgs) { a.Usages = append(a.Usages, f.usagesOf("RB-1")...) }),
			kind: models.ErrInvalid, field: "usages[2]", msg: "used batch RB-1, which is not CEM-1 nor made from it"},
		{name: "unknown usage", call: open(qalab, inspector, nc, func(f *fx, a *OpenCaseArgs) { a.Usages[1] = "tx9999" }),
			kind: models.ErrNotFound, field: "usages[1]"},
		{name: "usage listed twice", call: open(qalab, inspector, nc, func(f *fx, a *OpenCaseArgs) { a.Usages[1] = a.Usages[0] }),
			kind: models.ErrInvalid, field: "usages[1]", msg: "listed twice"},
		{name: "nothing affected", setup: caseFamily, call: func(f *fx) (string, models.Role, any) {
			return gov, admin, OpenCaseArgs{Kind: nc, Batch: "RB-1", Severity: SeverityLow, Reason: "r", TargetDate: "2025-04-01"}
		}, kind: models.ErrConflict, field: "batch", msg: "nothing is affected"},
		{name: "a fully used batch with its usages listed", setup: caseFamily, call: func(f *fx) (string, models.Role, any) {
			return gov, admin, OpenCaseArgs{Kind: nc, Batch: "RB-1", Severity: SeverityLow, Reason: "r", TargetDate: "2025-04-01", Usages: f.usagesOf("RB-1")}
		}, check: func(t *testing.T, f *fx) {
			if c := f.lastCase(); len(c.Orgs) != 1 || c.Orgs[0].Org != buildco {
				t.Errorf("orgs %+v", c.Orgs)
			}
		}},
		// Arguments.
		{name: "target date before the transaction", call: open(qalab, inspector, nc, func(f *fx, a *OpenCaseArgs) { a.TargetDate = "2025-02-28" }),
			kind: models.ErrInvalid, field: "target_date", msg: "before today (2025-03-01)"},
		{name: "target date not a date", call: open(qalab, inspector, nc, func(f *fx, a *OpenCaseArgs) { a.TargetDate = "next week" }),
			kind: models.ErrInvalid, field: "target_date"},
		{name: "unknown kind", call: open(qalab, inspector, "warning", nil), kind: models.ErrInvalid, field: "kind"},
		{name: "unknown severity", call: open(qalab, inspector, nc, func(f *fx, a *OpenCaseArgs) { a.Severity = "urgent" }),
			kind: models.ErrInvalid, field: "severity"},
		{name: "reason required", call: open(qalab, inspector, nc, func(f *fx, a *OpenCaseArgs) { a.Reason = "  " }),
			kind: models.ErrInvalid, field: "reason"},
		{name: "unknown batch", call: open(qalab, inspector, nc, func(f *fx, a *OpenCaseArgs) { a.Batch = "CEM-9" }),
			kind: models.ErrNotFound, field: "batch"},
		// Source inspections.
		{name: "opened from a failing inspection", setup: failed, call: open(qalab, inspector, nc, src),
			check: func(t *testing.T, f *fx) {
				c := f.lastCase()
				raw, err := f.st.Get(models.Key(models.PrefixCaseSource, c.SourceInspection))
				if c.SourceInspection == "" || err != nil || string(raw) != c.ID {
					t.Errorf("case %s source %q index %q %v", c.ID, c.SourceInspection, raw, err)
				}
			}},
		{name: "one case per failing inspection", setup: func(f *fx) {
			failed(f)
			a := openArgs(f, nc)
			src(f, &a)
			f.ok(qalab, inspector, "OpenCase", a)
		}, call: open(gov, admin, nc, src), kind: models.ErrConflict, field: "source_inspection", msg: "already opened from inspection"},
		{name: "source inspection that passed", call: open(qalab, inspector, nc, func(f *fx, a *OpenCaseArgs) {
			a.Batch = "CEM-1.1"
			a.SourceInspection = f.st.keys(models.PrefixInspection)[0][len(models.PrefixInspection):]
		}), kind: models.ErrInvalid, field: "source_inspection", msg: "verdict pass"},
		{name: "source inspection of another batch", setup: failed, call: open(qalab, inspector, nc, func(f *fx, a *OpenCaseArgs) {
			src(f, a)
			a.Batch = "CEM-1.1"
		}), kind: models.ErrInvalid, field: "source_inspection", msg: "is of batch CEM-1, not CEM-1.1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFx(t)
			if c.setup != nil {
				c.setup(f)
			} else {
				caseFamily(f)
			}
			org, role, args := c.call(f)
			runRule(t, f, rule{org: org, role: role, typ: "OpenCase", args: args, kind: c.kind, field: c.field, msg: c.msg, check: c.check})
		})
	}
}

// TestLateResultOnDepletedBatch: a 28-day cube result arrives after the
// whole batch was poured; the contract accepts it (a depleted batch stays
// depleted, its inspection state becomes failed) and a case opens from it.
func TestLateResultOnDepletedBatch(t *testing.T) {
	f := newFx(t)
	caseFamily(f)
	f.use("CEM-1.1", "45", "core wall")
	if b := f.batch("CEM-1.1"); b.Status != models.StatusDepleted {
		t.Fatalf("CEM-1.1 is %s", b.Status)
	}
	f.ok(qalab, inspector, "RecordInspection", RecordInspectionArgs{Batch: "CEM-1.1", Type: "strength_28d", Verdict: models.VerdictFail,
		Results: []InspectionResult{{Property: "compressive_strength_28d", Value: dec("39")}}})
	insp := f.lastTx()
	if b := f.batch("CEM-1.1"); b.Status != models.StatusDepleted || b.Inspection != models.InspFailed {
		t.Fatalf("after the late result CEM-1.1 is %s / %s", b.Status, b.Inspection)
	}
	f.ok(qalab, inspector, "OpenCase", OpenCaseArgs{Kind: models.CaseNonConformance, Batch: "CEM-1.1", Severity: SeverityHigh,
		Reason: "late 28-day result", TargetDate: "2025-03-15", SourceInspection: insp, Usages: f.usagesOf("CEM-1.1")})
	c := f.lastCase()
	if len(c.Usages) != 3 || len(c.Orgs) != 1 || c.Orgs[0].Org != buildco {
		t.Errorf("case %+v", c)
	}
}

func TestCaseSteps(t *testing.T) {
	// opened: a non-conformance on CEM-1 by qalab, affecting buildco
	// (two usages) and cemco (stock only).
	opened := func(f *fx) string {
		caseFamily(f)
		f.ok(qalab, inspector, "OpenCase", openArgs(f, models.CaseNonConformance))
		return f.lastTx()
	}
	acked := func(f *fx) string {
		id := opened(f)
		f.ok(buildco, operator, "AcknowledgeCase", AcknowledgeCaseArgs{Case: id, Note: "pours on hold"})
		return id
	}
	disp := func(f *fx, id string, ds ...models.Disposition) RecordDispositionArgs {
		a := RecordDispositionArgs{Case: id}
		for i, u := range f.usagesOf("CEM-1.1") {
			if i < len(ds) {
				a.Items = append(a.Items, UsageDisposition{Usage: u, Disposition: ds[i], Justification: "core test 41 MPa"})
			}
		}
		return a
	}
	type step struct {
		name  string
		setup func(f *fx) string // returns the case ID
		org   string
		role  models.Role
		typ   string
		args  func(f *fx, id string) any
		kind  error
		field string
		msg   string
		check func(t *testing.T, f *fx, id string)
	}
	ack := func(id string) any { return AcknowledgeCaseArgs{Case: id} }
	steps := []step{
		{name: "affected organization acknowledges", setup: opened, org: cemco, role: operator, typ: "AcknowledgeCase",
			args: func(f *fx, id string) any { return AcknowledgeCaseArgs{Case: id, Note: "stock quarantined"} },
			check: func(t *testing.T, f *fx, id string) {
				c := f.loadCase(id)
				if o := c.Orgs[1]; o.Org != cemco || o.AckTx != f.lastTx() || o.Note != "stock quarantined" || o.AckUser != "cemco-user" || c.Status != models.CaseOpen {
					t.Errorf("case %+v", c)
				}
			}},
		{name: "acknowledging twice", setup: acked, org: buildco, role: admin, typ: "AcknowledgeCase", args: func(f *fx, id string) any { return ack(id) },
			kind: models.ErrConflict, field: "case", msg: "buildco already acknowledged case"},
		{name: "unaffected organization acknowledges", setup: opened, org: steelco, role: admin, typ: "AcknowledgeCase",
			args: func(f *fx, id string) any { return ack(id) }, kind: models.ErrForbidden, msg: "steelco is not affected by case"},
		{name: "viewer acknowledges", setup: opened, org: cemco, role: viewer, typ: "AcknowledgeCase",
			args: func(f *fx, id string) any { return ack(id) }, kind: models.ErrForbidden, msg: "viewer role may not acknowledge"},
		{name: "unknown case", setup: opened, org: cemco, role: admin, typ: "AcknowledgeCase",
			args: func(f *fx, id string) any { return ack("tx9999") }, kind: models.ErrNotFound, field: "case"},
		{name: "disposition before acknowledging", setup: opened, org: buildco, role: operator, typ: "RecordDisposition",
			args: func(f *fx, id string) any { return disp(f, id, models.DispositionReplace) }, kind: models.ErrConflict, field: "case", msg: "acknowledge case"},
		{name: "dispositions by the contractor", setup: acked, org: buildco, role: operator, typ: "RecordDisposition",
			args: func(f *fx, id string) any {
				return disp(f, id, models.DispositionReplace, models.DispositionAcceptAsIs)
			},
			check: func(t *testing.T, f *fx, id string) {
				c := f.loadCase(id)
				if u := c.Usages[1]; u.Disposition != models.DispositionAcceptAsIs || u.Justification != "core test 41 MPa" || u.Org != buildco || u.TxID != f.lastTx() {
					t.Errorf("usage %+v", u)
				}
				if c.Status != models.CaseOpen {
					t.Errorf("case closed while cemco has not acknowledged")
				}
			}},
		{name: "disposition by another organization", setup: acked, org: cemco, role: admin, typ: "RecordDisposition",
			args: func(f *fx, id string) any { return disp(f, id, models.DispositionRework) },
			kind: models.ErrForbidden, msg: "only that contractor or an authority"},
		{name: "disposition by an authority without acknowledging", setup: opened, org: gov, role: operator, typ: "RecordDisposition",
			args: func(f *fx, id string) any { return disp(f, id, models.DispositionRework) }},
		{name: "disposition by a viewer", setup: acked, org: buildco, role: viewer, typ: "RecordDisposition",
			args: func(f *fx, id string) any { return disp(f, id, models.DispositionRework) }, kind: models.ErrForbidden, msg: "viewer role"},
		{name: "disposition by an inspector", setup: acked, org: buildco, role: inspector, typ: "RecordDisposition",
			args: func(f *fx, id string) any { return disp(f, id, models.DispositionRework) }, kind: models.ErrForbidden, msg: "inspector role"},
		{name: "accept as is needs a justification", setup: acked, org: buildco, role: operator, typ: "RecordDisposition",
			args: func(f *fx, id string) any {
				a := disp(f, id, models.DispositionAcceptAsIs)
				a.Items[0].Justification = ""
				return a
			}, kind: models.ErrInvalid, field: "items[0].justification", msg: "required to accept"},
		{name: "unknown disposition", setup: acked, org: buildco, role: operator, typ: "RecordDisposition",
			args: func(f *fx, id string) any {
				a := disp(f, id, models.DispositionRework)
				a.Items[0].Disposition = "scrap"
				return a
			}, kind: models.ErrInvalid, field: "items[0].disposition"},
		{name: "usage not in the case", setup: acked, org: buildco, role: operator, typ: "RecordDisposition",
			args: func(f *fx, id string) any {
				return RecordDispositionArgs{Case: id, Items: []UsageDisposition{{Usage: f.usagesOf("RB-1")[0], Disposition: models.DispositionRework}}}
			}, kind: models.ErrNotFound, field: "items[0].usage", msg: "not affected by case"},
		{name: "no items", setup: acked, org: buildco, role: operator, typ: "RecordDisposition",
			args: func(f *fx, id string) any { return RecordDispositionArgs{Case: id} }, kind: models.ErrInvalid, field: "items"},
		{name: "second disposition of a usage", setup: func(f *fx) string {
			id := acked(f)
			f.ok(buildco, operator, "RecordDisposition", disp(f, id, models.DispositionRework))
			return id
		}, org: buildco, role: operator, typ: "RecordDisposition",
			args: func(f *fx, id string) any { return disp(f, id, models.DispositionReplace) }, kind: models.ErrConflict, field: "items[0].usage", msg: "already has disposition rework"},
		{name: "the last step closes the case", setup: func(f *fx) string {
			id := acked(f)
			f.ok(buildco, operator, "RecordDisposition", disp(f, id, models.DispositionReplace, models.DispositionRework))
			return id
		}, org: cemco, role: admin, typ: "AcknowledgeCase", args: func(f *fx, id string) any { return ack(id) },
			check: func(t *testing.T, f *fx, id string) {
				c := f.loadCase(id)
				if c.Status != models.CaseClosed || c.ClosedTx != f.lastTx() || c.ClosedAt == "" {
					t.Errorf("case %s: %s closed by %q at %q", id, c.Status, c.ClosedTx, c.ClosedAt)
				}
			}},
		{name: "a step on a closed case", setup: func(f *fx) string {
			id := acked(f)
			f.ok(buildco, operator, "RecordDisposition", disp(f, id, models.DispositionReplace, models.DispositionRework))
			f.ok(cemco, admin, "AcknowledgeCase", ack(id))
			return id
		}, org: gov, role: admin, typ: "RecordDisposition", args: func(f *fx, id string) any { return disp(f, id, models.DispositionReplace) },
			kind: models.ErrConflict, field: "case", msg: "was closed at"},
		{name: "a case without usages closes when all acknowledged", setup: func(f *fx) string {
			caseFamily(f)
			a := openArgs(f, models.CaseNonConformance)
			a.Usages = nil
			f.ok(gov, admin, "OpenCase", a)
			id := f.lastTx()
			f.ok(cemco, operator, "AcknowledgeCase", ack(id))
			return id
		}, org: buildco, role: inspector, typ: "AcknowledgeCase", args: func(f *fx, id string) any { return ack(id) },
			check: func(t *testing.T, f *fx, id string) {
				if c := f.loadCase(id); c.Status != models.CaseClosed || c.ClosedTx != f.lastTx() {
					t.Errorf("case %+v", c)
				}
			}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			f := newFx(t)
			id := s.setup(f)
			var check func(t *testing.T, f *fx)
			if s.check != nil {
				check = func(t *testing.T, f *fx) { s.check(t, f, id) }
			}
			runRule(t, f, rule{org: s.org, role: s.role, typ: s.typ, args: s.args(f, id), kind: s.kind, field: s.field, msg: s.msg, check: check})
		})
	}
}

// BenchmarkOpenCase opens a case on a batch split into 10 parts with 100
// usages each: 1,000 usages, each checked by a point read.
func BenchmarkOpenCase(b *testing.B) {
	t := &testing.T{}
	f := newFx(t)
	f.t = t
	f.commission("CEM-1", cement, "100000")
	var usages []string
	for i := range 10 {
		f.ship(fmt.Sprintf("SH-%d", i), cemco, "CEM-1", "1000")
		f.receiveAll(fmt.Sprintf("SH-%d", i))
		code := fmt.Sprintf("CEM-1.%d", i+1)
		f.inspect(code, models.VerdictPass)
		for range 100 {
			usages = append(usages, f.use(code, "1", "column"))
		}
	}
	args := OpenCaseArgs{Kind: models.CaseNonConformance, Batch: "CEM-1", Severity: SeverityHigh, Reason: "r", TargetDate: "2030-01-01", Usages: usages}
	raw, _ := jsonMarshal(args)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		st := &overlay{base: f.st, buf: map[string][]byte{}}
		if _, err := Execute(st, Call{TxID: fmt.Sprintf("bench%06d", i), Type: "OpenCase", Args: raw, Org: qalab, User: "u", Role: inspector, Time: t0.Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
}

// overlay is a state that reads base and keeps its own writes, so that
// each benchmark iteration starts from the same state.
type overlay struct {
	base *MemState
	buf  map[string][]byte
}

func (o *overlay) Get(k string) ([]byte, error) {
	if v, ok := o.buf[k]; ok {
		return v, nil
	}
	return o.base.Get(k)
}
func (o *overlay) Put(k string, v []byte) error { o.buf[k] = v; return nil }
func (o *overlay) Range(p string, fn func(string, []byte) error) error {
	return o.base.Range(p, fn)
}
