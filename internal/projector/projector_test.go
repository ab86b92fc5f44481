package projector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// env is one test's database, read model and fixture chain.
type env struct {
	t   *testing.T
	ctx context.Context
	db  *gorm.DB
	st  *store.Store
	c   *chain
}

func newEnv(t *testing.T, dialect string) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	db := dbtest.Open(t, dialect)
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, db: db, st: st, c: supplyChain(t)}
}

// head is the fixture's last sequence number.
func (e *env) head() uint64 { return uint64(len(e.c.events)) }

// project applies the events through Run and waits for the last one.
func (e *env) project(evs []ledger.Event) *Projector {
	e.t.Helper()
	p := New(e.st, newSource(evs), nil)
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	if err := p.WaitFor(e.ctx, uint64(len(evs))); err != nil {
		e.t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		e.t.Fatalf("Run ended with %v, want context.Canceled", err)
	}
	return p
}

// applyDirect applies events in changesets of size n through store.Apply.
func (e *env) applyDirect(evs []ledger.Event, n int) {
	e.t.Helper()
	for i := 0; i < len(evs); i += n {
		cs := store.NewChangeset()
		for _, ev := range evs[i:min(i+n, len(evs))] {
			if err := add(cs, ev); err != nil {
				e.t.Fatal(err)
			}
		}
		if _, err := e.st.Apply(e.ctx, cs); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *env) check() error { return e.st.Check(e.ctx, e.head(), e.c.state()) }

// dump returns every read-model table's rows as JSON lines in a fixed
// order, leaving out row IDs (which depend on how events were batched).
func (e *env) dump() string {
	e.t.Helper()
	tables, err := e.db.Migrator().GetTables()
	if err != nil {
		e.t.Fatal(err)
	}
	sort.Strings(tables)
	var b strings.Builder
	for _, tb := range tables {
		if !strings.HasPrefix(tb, "rm_") {
			continue
		}
		var rows []map[string]any
		if err := e.db.Table(tb).Find(&rows).Error; err != nil {
			e.t.Fatal(err)
		}
		lines := make([]string, len(rows))
		for i, r := range rows {
			delete(r, "rid")
			if ts, ok := r["time"].(time.Time); ok {
				r["time"] = ts.UTC().Format(time.RFC3339Nano)
			}
			j, _ := json.Marshal(r)
			lines[i] = string(j)
		}
		sort.Strings(lines)
		fmt.Fprintf(&b, "%s %d\n%s\n", tb, len(rows), strings.Join(lines, "\n"))
	}
	return b.String()
}

func TestProjectMatchesLedger(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		p := e.project(e.c.events)
		if got := p.Applied(); got != e.head() {
			t.Fatalf("Applied = %d, want %d", got, e.head())
		}
		if err := e.check(); err != nil {
			t.Fatalf("Check after projection: %v", err)
		}
		// Every batch the read model returns is the ledger's batch.
		_ = e.c.st.Range(models.PrefixBatch, func(k string, v []byte) error {
			var want models.Batch
			_ = json.Unmarshal(v, &want)
			got, err := e.st.Batch(e.ctx, want.Code)
			if err != nil {
				t.Fatalf("Batch(%s): %v", want.Code, err)
			}
			if a, b := mustJSON(t, want), mustJSON(t, got); a != b {
				t.Errorf("Batch(%s)\n got %s\nwant %s", want.Code, b, a)
			}
			return nil
		})
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestIdempotentAndResumable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		e.applyDirect(e.c.events, 1000)
		want := e.dump()

		// Applying everything again changes nothing.
		e.applyDirect(e.c.events, 1000)
		e.applyDirect(e.c.events, 7)
		if got := e.dump(); got != want {
			t.Fatalf("re-applying events changed the read model:\n%s", firstDiff(want, got))
		}

		// A fresh read model fed in overlapping runs, and resumed by Run
		// from its checkpoint, ends up the same.
		f := newEnv(t, dialect)
		half := len(f.c.events) / 2
		f.applyDirect(f.c.events[:half], 5)
		f.applyDirect(f.c.events[half-3:half+4], 100) // overlaps what was applied
		if cp, _ := f.st.Checkpoint(f.ctx); cp != uint64(half+4) {
			t.Fatalf("checkpoint = %d, want %d", cp, half+4)
		}
		f.project(f.c.events)
		if got := f.dump(); got != want {
			t.Fatalf("resumed projection differs:\n%s", firstDiff(want, got))
		}
		if err := f.check(); err != nil {
			t.Fatal(err)
		}

		// A run that skips events is refused.
		g := newEnv(t, dialect)
		cs := store.NewChangeset()
		_ = add(cs, g.c.events[3])
		if _, err := g.st.Apply(g.ctx, cs); err == nil || !strings.Contains(err.Error(), "missing") {
			t.Fatalf("Apply with a gap: %v, want an error about missing events", err)
		}
	})
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d\nwant %s\n got %s", i, al[i], bl[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(al), len(bl))
}

func TestWaitFor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		n := len(e.c.events)
		src := newSource(e.c.events[:n-1])
		p := New(e.st, src, nil)
		ctx, cancel := context.WithCancel(e.ctx)
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		if err := p.WaitFor(e.ctx, uint64(n-1)); err != nil {
			t.Fatal(err)
		}
		short, cancelShort := context.WithTimeout(e.ctx, 50*time.Millisecond)
		defer cancelShort()
		if err := p.WaitFor(short, uint64(n)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("WaitFor an event not yet committed: %v, want deadline exceeded", err)
		}
		waited := make(chan error, 1)
		go func() { waited <- p.WaitFor(e.ctx, uint64(n)) }()
		time.Sleep(20 * time.Millisecond)
		src.append(e.c.events[n-1])
		if err := <-waited; err != nil {
			t.Fatal(err)
		}
		if err := p.Run(e.ctx); err == nil || !strings.Contains(err.Error(), "already running") {
			t.Fatalf("second Run: %v", err)
		}
		cancel()
		<-done
		// After a cancelled Run, waiters wait (for a later Run) until their
		// own context ends.
		short2, cancelShort2 := context.WithTimeout(e.ctx, 20*time.Millisecond)
		defer cancelShort2()
		if err := p.WaitFor(short2, uint64(n+1)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("WaitFor after Run was cancelled: %v", err)
		}
		if err := p.WaitFor(e.ctx, uint64(n)); err != nil {
			t.Fatalf("WaitFor an applied event after Run was cancelled: %v", err)
		}
		if err := e.check(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRunStopsOnBadEvent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		bad := e.c.events[0]
		bad.Writes = []ledger.Write{{Key: "batch/X", Value: []byte(`{"code":"Y"}`)}}
		p := New(e.st, newSource([]ledger.Event{bad}), nil)
		err := p.Run(e.ctx)
		if err == nil || !strings.Contains(err.Error(), "names itself") {
			t.Fatalf("Run over a record under the wrong key: %v", err)
		}
		if err := p.WaitFor(e.ctx, 1); err == nil {
			t.Fatal("WaitFor after a failed Run returned nil")
		}
	})
}

func TestRebuild(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		e.project(e.c.events)
		want := e.dump()
		p := New(e.st, newSource(e.c.events), nil)
		var last, total uint64
		err := p.Rebuild(e.ctx, func(done, tot uint64) { last, total = done, tot })
		if err != nil {
			t.Fatal(err)
		}
		if last != e.head() || total != e.head() {
			t.Fatalf("progress ended at %d/%d, want %d/%d", last, total, e.head(), e.head())
		}
		if got := e.dump(); got != want {
			t.Fatalf("rebuilt read model differs:\n%s", firstDiff(want, got))
		}
		if err := e.check(); err != nil {
			t.Fatal(err)
		}
		// A read model reset to empty fails the check at the first record.
		if err := e.st.Reset(e.ctx); err != nil {
			t.Fatal(err)
		}
		var m *store.Mismatch
		if err := e.check(); !errors.As(err, &m) || !errors.Is(err, models.ErrTampered) {
			t.Fatalf("Check of an empty read model: %v", err)
		}
	})
}
