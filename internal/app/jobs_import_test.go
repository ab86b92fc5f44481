package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/importcsv"
	"github.com/plumbline/plumbline/internal/jobs"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
)

// batchFile is an import file of n batches of the demo's cement.
func batchFile(prefix string, n int) []byte {
	var b strings.Builder
	b.WriteString("code,product_id,quantity,produced_on\n")
	for i := range n {
		fmt.Fprintf(&b, "%s-%04d,%s,10,2026-03-02\n", prefix, i, demo.ProdCement)
	}
	return []byte(b.String())
}

// TestImportFinishesWithinGrace shuts the job table down while an import
// is running: shutdown waits, and the import, finishing within the grace
// period, completes.
func TestImportFinishesWithinGrace(t *testing.T) {
	w := newJobsWorld(t, false)
	gate := make(chan struct{})
	a, tb := w.app(&slowLedger{Ledger: w.ledger, gate: gate})
	h0 := w.head(t)
	const rows = 40
	j, err := a.StartImport(context.Background(), Actor{User: operator}, importcsv.Batches, batchFile("GRACE", rows), nil)
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- tb.Close(10 * time.Second) }()
	select {
	case err := <-closed:
		t.Fatalf("shutdown returned (%v) while the import was still running", err)
	case <-time.After(300 * time.Millisecond):
	}
	if j, _ := a.ImportJob(j.ID); j.State != jobs.Running || j.Done != 0 {
		t.Fatalf("import during shutdown: %+v", j)
	}
	close(gate) // the rows go through, well within the grace period
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("shutdown: %v, want every job finished in time", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("shutdown did not return")
	}
	j, _ = a.ImportJob(j.ID)
	if j.State != jobs.Done || j.Done != rows || j.Data.Committed != rows || j.Data.Failed != 0 || j.Finished.IsZero() {
		t.Fatalf("import after shutdown: %+v, want all %d rows committed", j, rows)
	}
	if h := w.head(t); h != h0+rows {
		t.Errorf("ledger head %d, want %d", h, h0+rows)
	}
	if _, err := a.StartImport(context.Background(), Actor{User: operator}, importcsv.Batches, batchFile("LATE", 1), nil); !errors.Is(err, ledger.ErrUnavailable) {
		t.Errorf("import after shutdown: %v, want unavailable", err)
	}
}

// TestImportInterruptedThenSentAgain shuts the job table down while an
// import is running and the grace period is too short for it: the job
// stops at a row boundary and shows interrupted; the rows it counted are
// exactly those on the ledger; sending the same file to a restarted server
// finishes it without committing any row twice.
func TestImportInterruptedThenSentAgain(t *testing.T) {
	w := newJobsWorld(t, false)
	slow := &slowLedger{Ledger: w.ledger, delay: 20 * time.Millisecond}
	a, tb := w.app(slow)
	h0 := w.head(t)
	const rows = 200
	file := batchFile("INT", rows)
	j, err := a.StartImport(context.Background(), Actor{User: operator}, importcsv.Batches, file, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the first rows", func() bool { j, _ := a.ImportJob(j.ID); return j.Done >= 8 })
	if err := tb.Close(50 * time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("shutdown: %v, want the grace period exceeded", err)
	}
	first, _ := a.ImportJob(j.ID)
	p := first.Data
	if first.State != jobs.Interrupted || first.Done >= rows || p.Committed != first.Done || p.Replayed != 0 || p.Failed != 0 || len(p.Errors) != 0 {
		t.Fatalf("interrupted import: %+v", first)
	}
	// A row boundary: every row sent finished and was counted, and the
	// ledger holds exactly those.
	if n := slow.reached(); n != first.Done {
		t.Errorf("%d rows reached the ledger, the job counted %d", n, first.Done)
	}
	if h := w.head(t); h != h0+uint64(p.Committed) {
		t.Errorf("ledger head %d after the interrupted import, want %d", h, h0+uint64(p.Committed))
	}

	// Restart, send the same file again.
	a2, tb2 := w.app(nil)
	defer tb2.Close(0)
	again, err := a2.StartImport(context.Background(), Actor{User: operator}, importcsv.Batches, file, nil)
	if err != nil || again.ID != first.ID {
		t.Fatalf("second import %+v: %v, want job %s again", again, err, first.ID)
	}
	waitUntil(t, "the second run", func() bool { j, _ := a2.ImportJob(again.ID); return j.State != jobs.Running })
	final, _ := a2.ImportJob(again.ID)
	if f := final.Data; final.State != jobs.Done || final.Done != rows || f.Replayed != p.Committed || f.Committed != rows-p.Committed || f.Failed != 0 {
		t.Fatalf("second run %+v: want %d replayed and %d committed", final, p.Committed, rows-p.Committed)
	}
	if h := w.head(t); h != h0+rows {
		t.Errorf("ledger head %d, want %d: every row once", h, h0+rows)
	}
	w.caughtUp(t)
	bs, err := w.store.OrgBatches(context.Background(), store.OrgBatchFilter{Org: operator.OrgID, Search: "INT-", Limit: 500})
	if err != nil || len(bs.Items) != rows {
		t.Errorf("%d batches in the read model (%v), want %d", len(bs.Items), err, rows)
	}
}
