package ledgertest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// seed commits the authority and n more organizations and returns the receipts.
func (f *fixture) seed(n int) []ledger.Receipt {
	f.t.Helper()
	rs := []ledger.Receipt{f.bootstrap()}
	for i := range n {
		rs = append(rs, f.register(fmt.Sprintf("supplier-%03d", i), models.KindManufacturer))
	}
	return rs
}

// testEventsInOrder: Events from 0 delivers every commit, in Seq order.
func testEventsInOrder(t *testing.T, f *fixture) {
	rs := f.seed(12)
	evs := f.events(0, rs[len(rs)-1].Seq)
	if len(evs) != len(rs) {
		t.Fatalf("%d events for %d commits", len(evs), len(rs))
	}
	for i, e := range evs {
		if e.Seq != rs[i].Seq || e.TxID != rs[i].TxID {
			t.Fatalf("event %d = seq %d tx %s, want the receipt's seq %d tx %s", i, e.Seq, e.TxID, rs[i].Seq, rs[i].TxID)
		}
	}
}

// testEventsFromCheckpoint: resuming after any seq continues with exactly
// the next event: no gap, no repeat.
func testEventsFromCheckpoint(t *testing.T, f *fixture) {
	rs := f.seed(9)
	last := rs[len(rs)-1].Seq
	all := f.events(0, last)
	for k := range rs[:len(rs)-1] {
		for _, after := range []uint64{rs[k].Seq, rs[k+1].Seq - 1} {
			got := f.events(after, last)
			want := all[k+1:]
			if !slices.Equal(txIDs(got), txIDs(want)) {
				t.Fatalf("Events(after=%d) = %v, want %v", after, txIDs(got), txIDs(want))
			}
		}
	}
}

// testEventsStream: Events keeps delivering transactions committed after it
// started, and blocks (rather than returning) while there are none.
func testEventsStream(t *testing.T, f *fixture) {
	rs := f.seed(2)
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	ch := make(chan ledger.Event, 16)
	done := make(chan error, 1)
	go func() {
		done <- f.l.Events(ctx, rs[len(rs)-1].Seq, func(e ledger.Event) error { ch <- e; return nil })
	}()
	for i := range 3 {
		select {
		case err := <-done:
			t.Fatalf("Events returned %v while waiting for new events", err)
		case e := <-ch:
			t.Fatalf("Events delivered seq %d before anything new was committed", e.Seq)
		case <-time.After(100 * time.Millisecond):
		}
		r := f.register(fmt.Sprintf("late-%d", i), models.KindCarrier)
		select {
		case e := <-ch:
			if e.Seq != r.Seq || e.TxID != r.TxID {
				t.Fatalf("streamed event seq %d tx %s, want seq %d tx %s", e.Seq, e.TxID, r.Seq, r.TxID)
			}
		case err := <-done:
			t.Fatalf("Events returned %v instead of streaming", err)
		case <-time.After(f.s.Timeout):
			t.Fatalf("commit seq %d was not streamed within %v", r.Seq, f.s.Timeout)
		}
	}
}

// testEventsStreamUnderLoad: a reader streaming from 0 while many
// submitters commit sees each commit exactly once, in order.
func testEventsStreamUnderLoad(t *testing.T, f *fixture) {
	f.bootstrap()
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	var mu sync.Mutex
	var got []ledger.Event
	done := make(chan error, 1)
	go func() {
		done <- f.l.Events(ctx, 0, func(e ledger.Event) error {
			mu.Lock()
			defer mu.Unlock()
			if n := len(got); n > 0 && e.Seq <= got[n-1].Seq {
				return fmt.Errorf("seq %d delivered after seq %d", e.Seq, got[n-1].Seq)
			}
			got = append(got, e)
			return nil
		})
	}()
	n := f.s.Concurrency * 2
	rs := make([]ledger.Receipt, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			tx := f.regTx(authOrg, fmt.Sprintf("haulier-%03d", i), models.KindCarrier)
			tx.User = authUser
			rs[i], errs[i] = f.l.Submit(f.ctx, tx)
		})
	}
	wg.Wait()
	want := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("submitter %d: %v", i, errs[i])
		}
		want[rs[i].TxID] = true
	}
	deadline := time.Now().Add(f.s.Timeout)
	for {
		mu.Lock()
		k := len(got)
		mu.Unlock()
		if k >= n+1 || time.Now().After(deadline) {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("Events returned early: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	time.Sleep(50 * time.Millisecond) // let any duplicate arrive
	mu.Lock()
	defer mu.Unlock()
	if len(got) != n+1 {
		t.Fatalf("streamed %d events, want %d (the authority and %d concurrent commits)", len(got), n+1, n)
	}
	for _, e := range got[1:] {
		if !want[e.TxID] {
			t.Fatalf("streamed event seq %d tx %s is not one of the commits (or repeats)", e.Seq, e.TxID)
		}
		delete(want, e.TxID)
	}
}

// testEventsStopOnCancel: Events returns promptly once ctx is cancelled.
func testEventsStopOnCancel(t *testing.T, f *fixture) {
	rs := f.seed(1)
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	delivered := make(chan struct{}, len(rs))
	go func() {
		done <- f.l.Events(ctx, 0, func(ledger.Event) error { delivered <- struct{}{}; return nil })
	}()
	for range rs {
		select {
		case <-delivered:
		case <-time.After(f.s.Timeout):
			t.Fatalf("existing events were not delivered within %v", f.s.Timeout)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("Events after cancel returned %v, want nil or context.Canceled", err)
		}
	case <-time.After(f.s.Timeout):
		t.Fatalf("Events did not return within %v of its context being cancelled", f.s.Timeout)
	}
}

// testEventsReturnFnError: fn's error ends Events and is returned; fn is
// not called again.
func testEventsReturnFnError(t *testing.T, f *fixture) {
	f.seed(4)
	boom := errors.New("projector failed")
	calls := 0
	ctx, cancel := context.WithTimeout(f.ctx, f.s.Timeout)
	defer cancel()
	err := f.runEvents(ctx, 0, func(e ledger.Event) error {
		calls++
		if calls == 2 {
			return fmt.Errorf("apply seq %d: %w", e.Seq, boom)
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Events returned %v, want fn's error", err)
	}
	if calls != 2 {
		t.Fatalf("fn called %d times, want 2 (it failed on the second)", calls)
	}
}
