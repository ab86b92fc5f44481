package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/ledger/embedded"
	"github.com/plumbline/plumbline/models"
)

// openLedger opens a fresh embedded ledger on SQLite.
func openLedger(t *testing.T) *embedded.Ledger {
	t.Helper()
	l, err := embedded.Open(context.Background(), embedded.Options{DB: dbtest.Open(t, dbx.SQLite), KeyDir: t.TempDir()})
	if err != nil {
		t.Fatalf("embedded.Open: %v", err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// events reads every committed event of l.
func events(t *testing.T, l ledger.Ledger) []ledger.Event {
	t.Helper()
	ctx := context.Background()
	head, err := l.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var evs []ledger.Event
	if head == 0 {
		return nil
	}
	done := errors.New("done")
	err = l.Events(ctx, 0, func(e ledger.Event) error {
		evs = append(evs, e)
		if e.Seq >= head {
			return done
		}
		return nil
	})
	if !errors.Is(err, done) {
		t.Fatalf("Events: %v", err)
	}
	return evs
}

// generate runs Generate into l and fails the test on any error.
func generate(t *testing.T, l ledger.Ledger, opts Options) Summary {
	t.Helper()
	start := time.Now()
	sum, err := Generate(context.Background(), l, opts)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", opts, err)
	}
	t.Logf("Generate(seed %d, events %d): %d transactions in %v", opts.Seed, opts.Events, sum.Transactions, time.Since(start).Round(time.Millisecond))
	return sum
}

// within fails the test unless lo <= n <= hi.
func within(t *testing.T, what string, n, lo, hi int) {
	t.Helper()
	if n < lo || n > hi {
		t.Errorf("%s = %d, want %d to %d", what, n, lo, hi)
	}
}

func TestGenerateStandardDemo(t *testing.T) {
	l := openLedger(t)
	sum := generate(t, l, Options{Seed: 1})
	evs := events(t, l)
	if len(evs) != sum.Transactions || sum.Replayed != 0 {
		t.Fatalf("%d events on the ledger, %d transactions (%d replayed) in the summary", len(evs), sum.Transactions, sum.Replayed)
	}
	within(t, "transactions", sum.Transactions, 800, 3000)
	within(t, "organizations", sum.Organizations, 8, 10)
	within(t, "batches", sum.Batches, 200, 900)
	within(t, "shipments", sum.Shipments, 100, 600)
	within(t, "discrepancies", sum.Discrepancies, 3, 60)
	within(t, "failed inspections", sum.FailedInspections, 3, 60)
	within(t, "released holds", sum.Released, 1, 60)
	within(t, "transformations", sum.Transformations, 30, 200)
	within(t, "usages", sum.Usages, 150, 1000)
	within(t, "recalls", sum.Recalls, 1, 1)
	for _, typ := range contract.Types() {
		if typ == "ContinueLog" {
			continue // recorded only after a ledger lost entries for good
		}
		if sum.Types[typ] == 0 {
			t.Errorf("the demo has no %s transaction", typ)
		}
	}
	users := map[string]models.Role{}
	for _, u := range Users() {
		users[u.ID] = u.Role
	}
	for i, e := range evs {
		if users[e.User] != e.Role || e.User != UserID(e.Org, e.Role) {
			t.Fatalf("event %d is by %s as %s of %s, not a demo user", e.Seq, e.User, e.Role, e.Org)
		}
		if i > 0 && e.Time.Before(evs[i-1].Time) {
			t.Fatalf("event %d at %v is before the previous one at %v", e.Seq, e.Time, evs[i-1].Time)
		}
	}
	if !evs[0].Time.Equal(sum.From) || sum.From.Before(Start) || sum.To.Sub(sum.From) < 100*24*time.Hour {
		t.Errorf("timeline %v to %v, want about 16 weeks from %v", sum.From, sum.To, Start)
	}
	checkRecall(t, l, evs, sum)
	checkCases(t, l, evs, sum)
}

// checkCases checks the demo's non-conformance cases on the ledger: one
// from each failing 28-day cube result of concrete already placed, one
// still open with a disposition recorded and one closed with an element
// accepted as is.
func checkCases(t *testing.T, l ledger.Ledger, evs []ledger.Event, sum Summary) {
	t.Helper()
	var open, closed int
	for _, e := range evs {
		if e.Type != "OpenCase" {
			continue
		}
		raw, err := l.State(context.Background(), models.Key(models.PrefixCase, e.TxID))
		if err != nil {
			t.Fatalf("case record: %v", err)
		}
		var c models.Case
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		done, accepted := 0, 0
		for _, u := range c.Usages {
			if u.Disposition != "" {
				done++
			}
			if u.Disposition == models.DispositionAcceptAsIs && u.Justification != "" {
				accepted++
			}
		}
		switch {
		case c.SourceInspection == "" || len(c.Usages) < 2:
			t.Errorf("case %s on %s: source %q, %d usages", c.ID, c.BatchCode, c.SourceInspection, len(c.Usages))
		case c.Status == models.CaseOpen && done > 0 && done < len(c.Usages):
			open++
		case c.Status == models.CaseClosed && accepted == 1:
			closed++
		default:
			t.Errorf("case %s is %s with %d of %d usages dispositioned", c.ID, c.Status, done, len(c.Usages))
		}
	}
	if open != 1 || closed != 1 || sum.Cases != 2 || sum.ClosedCases != 1 {
		t.Errorf("%d open and %d closed cases; the summary says %d cases, %d closed", open, closed, sum.Cases, sum.ClosedCases)
	}
}

// checkRecall checks on the ledger's own records that the recall reached
// batches that concrete placed in the works came from.
func checkRecall(t *testing.T, l ledger.Ledger, evs []ledger.Event, sum Summary) {
	t.Helper()
	ctx := context.Background()
	var rc models.Recall
	for _, e := range evs {
		if e.Type == "RecallBatch" {
			raw, err := l.State(ctx, models.Key(models.PrefixRecall, e.TxID))
			if err != nil {
				t.Fatalf("recall record: %v", err)
			}
			if err := json.Unmarshal(raw, &rc); err != nil {
				t.Fatal(err)
			}
		}
	}
	if rc.BatchCode != sum.RecallBatch || len(rc.Affected) != sum.RecalledBatches {
		t.Fatalf("recall of %s reached %d batches; the summary says %s and %d", rc.BatchCode, len(rc.Affected), sum.RecallBatch, sum.RecalledBatches)
	}
	affected := map[string]bool{}
	for _, c := range rc.Affected {
		affected[c] = true
	}
	usages, concrete := 0, 0
	for _, e := range evs {
		if e.Type != "RecordUsage" {
			continue
		}
		var a contract.RecordUsageArgs
		if err := json.Unmarshal(e.Args, &a); err != nil {
			t.Fatal(err)
		}
		if !affected[a.Batch] {
			continue
		}
		usages++
		raw, err := l.State(ctx, models.Key(models.PrefixBatch, a.Batch))
		if err != nil {
			t.Fatal(err)
		}
		var b models.Batch
		if err := json.Unmarshal(raw, &b); err != nil {
			t.Fatal(err)
		}
		if b.Status != models.StatusRecalled {
			t.Errorf("used batch %s reached by the recall is %s", b.Code, b.Status)
		}
		if b.ProductID == ProdConcreteC30 || b.ProductID == ProdConcreteC40 {
			concrete++
		}
	}
	if usages == 0 || usages != sum.RecalledUsages || concrete == 0 {
		t.Fatalf("the recall reached %d usages (%d of concrete); the summary says %d", usages, concrete, sum.RecalledUsages)
	}
	t.Logf("recall of %s reached %d batches and %d usages", rc.BatchCode, len(rc.Affected), usages)
}

// key is what must be equal between two runs with one seed. Transaction
// IDs are the ledger's choice, so arguments that name earlier transactions
// (cases) are compared with each ID replaced by its event's sequence number.
func key(e ledger.Event, seqOf map[string]uint64) string {
	args := string(e.Args)
	if e.Type == "OpenCase" || e.Type == "AcknowledgeCase" || e.Type == "RecordDisposition" {
		for id, seq := range seqOf {
			args = strings.ReplaceAll(args, `"`+id+`"`, fmt.Sprintf(`"#%d"`, seq))
		}
	}
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s", e.Type, e.Org, e.User, e.Role, e.Time.UTC().Format(time.RFC3339Nano), args)
}

func seqs(evs []ledger.Event) map[string]uint64 {
	m := make(map[string]uint64, len(evs))
	for _, e := range evs {
		m[e.TxID] = e.Seq
	}
	return m
}

func TestGenerateDeterministic(t *testing.T) {
	opts := Options{Seed: 42}
	a, b := openLedger(t), openLedger(t)
	generate(t, a, opts)
	generate(t, b, opts)
	ea, eb := events(t, a), events(t, b)
	if len(ea) != len(eb) {
		t.Fatalf("same seed, %d and %d events", len(ea), len(eb))
	}
	sa, sb := seqs(ea), seqs(eb)
	for i := range ea {
		if ka, kb := key(ea[i], sa), key(eb[i], sb); ka != kb {
			t.Fatalf("same seed, event %d differs:\n%s\n%s", i+1, ka, kb)
		}
	}
	other, _ := Plan(Options{Seed: 43})
	same := 0
	for i := range min(len(other), len(ea)) {
		if string(other[i].Args) == string(ea[i].Args) && other[i].Time.Equal(ea[i].Time) {
			same++
		}
	}
	if same == len(ea) {
		t.Fatalf("seeds 42 and 43 give the same history")
	}
}

func TestGenerateResumesAfterInterruption(t *testing.T) {
	l := openLedger(t)
	opts := Options{Seed: 9, Events: 400}
	ctx, cancel := context.WithCancel(context.Background())
	opts.Progress = func(done, total int) {
		if done == 150 {
			cancel()
		}
	}
	if _, err := Generate(ctx, l, opts); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted Generate: err = %v, want context.Canceled", err)
	}
	opts.Progress = nil
	sum := generate(t, l, opts)
	if sum.Replayed < 150 || sum.Replayed > 151 {
		t.Errorf("resumed run replayed %d transactions, want the 150 (or 151) committed before the interruption", sum.Replayed)
	}
	if evs := events(t, l); len(evs) != sum.Transactions {
		t.Fatalf("%d events after a resumed run of %d transactions", len(evs), sum.Transactions)
	}
}

func TestGenerateScalesWithEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 5000 transactions")
	}
	l := openLedger(t)
	sum := generate(t, l, Options{Seed: 3, Events: 5000})
	head, err := l.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if head < 5000 || head > 5200 || int(head) != sum.Transactions {
		t.Fatalf("Events 5000 gave head %d and %d transactions, want 5000 to 5200", head, sum.Transactions)
	}
}

// TestRecentStart checks that a history started on RecentStart ends in the
// last week before now, is the same history shifted by whole weeks, and
// still starts on a Monday.
func TestRecentStart(t *testing.T) {
	now := time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)
	start := RecentStart(1, now)
	if start.Weekday() != time.Monday {
		t.Fatalf("RecentStart = %v, not a Monday", start)
	}
	fixed, fsum := Plan(Options{Seed: 1})
	recent, rsum := Plan(Options{Seed: 1, Start: start})
	if len(fixed) != len(recent) || rsum.Batches != fsum.Batches || rsum.Recalls != fsum.Recalls {
		t.Fatalf("shifted history differs: %d vs %d transactions", len(recent), len(fixed))
	}
	if age := now.Sub(rsum.To); age < 24*time.Hour || age > 8*24*time.Hour {
		t.Fatalf("the recent history ends %v before now, want 1-8 days", age)
	}
	shift := start.Sub(Start)
	for i := range fixed {
		if !recent[i].Time.Equal(fixed[i].Time.Add(shift)) || recent[i].Type != fixed[i].Type {
			t.Fatalf("transaction %d: %s at %v, want %s at %v", i, recent[i].Type, recent[i].Time, fixed[i].Type, fixed[i].Time.Add(shift))
		}
	}
}
