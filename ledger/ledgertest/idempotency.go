package ledgertest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// sameReceipt reports how a replayed receipt differs from the original.
func sameReceipt(first, again ledger.Receipt) error {
	if again.Seq != first.Seq || again.TxID != first.TxID || !again.Time.Equal(first.Time) {
		return fmt.Errorf("retry receipt {Seq %d, TxID %s, Time %v} differs from the first {Seq %d, TxID %s, Time %v}",
			again.Seq, again.TxID, again.Time, first.Seq, first.TxID, first.Time)
	}
	return nil
}

// countTx counts the events carrying txID.
func countTx(evs []ledger.Event, txID string) int {
	n := 0
	for _, e := range evs {
		if e.TxID == txID {
			n++
		}
	}
	return n
}

// testIdempotent: a retry with the same org and key returns the first
// receipt, marked Replayed, and commits nothing.
func testIdempotent(t *testing.T, f *fixture) {
	f.bootstrap()
	tx := f.regTx(authOrg, "glass-works", models.KindManufacturer)
	tx.User = authUser
	tx.IdempotencyKey = "register-glass-works"
	first := f.submit(tx)
	if first.Replayed {
		t.Fatalf("first submission with a new key has Replayed = true")
	}
	again := f.submit(tx)
	if !again.Replayed {
		t.Errorf("retry with the same key has Replayed = false")
	}
	if err := sameReceipt(first, again); err != nil {
		t.Fatal(err)
	}
	if h := f.head(); h != first.Seq {
		t.Fatalf("Head = %d after a retry, want %d", h, first.Seq)
	}
	// A retry whose time differs (a client re-stamping it) is still the
	// same transaction.
	tx.Time = f.now()
	if r := f.submit(tx); !r.Replayed || sameReceipt(first, r) != nil {
		t.Fatalf("retry with a new time = %+v, want the first receipt %+v replayed", r, first)
	}
	next := f.register("quarry", models.KindManufacturer)
	evs := f.events(0, next.Seq)
	if n := countTx(evs, first.TxID); n != 1 {
		t.Fatalf("the idempotent transaction appears in %d events, want 1", n)
	}
	if len(evs) != 3 {
		t.Fatalf("%d events, want 3 (authority, glass works once, quarry)", len(evs))
	}
}

// testIdempotencyKeyPerOrg: keys are scoped to the submitting organization.
func testIdempotencyKeyPerOrg(t *testing.T, f *fixture) {
	f.bootstrap()
	f.register("owner", models.KindAuthority)
	a := f.regTx(authOrg, "carrier-a", models.KindCarrier)
	a.User = authUser
	a.IdempotencyKey = "k-1"
	b := f.regTx("owner", "carrier-b", models.KindCarrier)
	b.IdempotencyKey = "k-1"
	ra, rb := f.submit(a), f.submit(b)
	if rb.Replayed || ra.TxID == rb.TxID || ra.Seq == rb.Seq {
		t.Fatalf("the same key from two organizations was treated as one transaction: %+v and %+v", ra, rb)
	}
	f.state(models.Key(models.PrefixOrg, "carrier-b"))
}

// testIdempotentConcurrentRetries: concurrent retries with one key commit once.
func testIdempotentConcurrentRetries(t *testing.T, f *fixture) {
	f.bootstrap()
	h0 := f.head()
	tx := f.regTx(authOrg, "ready-mix", models.KindManufacturer)
	tx.User = authUser
	tx.IdempotencyKey = "register-ready-mix"
	n := f.s.Concurrency
	rs := make([]ledger.Receipt, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { rs[i], errs[i] = f.l.Submit(f.ctx, tx) })
	}
	wg.Wait()
	fresh := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("concurrent retry %d failed: %v", i, errs[i])
		}
		if err := sameReceipt(rs[0], rs[i]); err != nil {
			t.Fatalf("concurrent retry %d: %v", i, err)
		}
		if !rs[i].Replayed {
			fresh++
		}
	}
	if fresh != 1 {
		t.Fatalf("%d of %d concurrent retries say they committed (Replayed false), want exactly 1", fresh, n)
	}
	if h := f.head(); h != rs[0].Seq {
		t.Fatalf("Head = %d, want the one commit's Seq %d", h, rs[0].Seq)
	}
	if evs := f.events(h0, rs[0].Seq); len(evs) != 1 {
		t.Fatalf("%d events after concurrent retries, want 1", len(evs))
	}
}

// testConcurrentSubmitters: concurrent commits get distinct Seqs and all
// appear as events, once each, in Seq order.
func testConcurrentSubmitters(t *testing.T, f *fixture) {
	f.bootstrap()
	h0 := f.head()
	n := f.s.Concurrency
	rs := make([]ledger.Receipt, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			tx := f.regTx(authOrg, fmt.Sprintf("site-crew-%03d", i), models.KindContractor)
			tx.User = authUser
			rs[i], errs[i] = f.l.Submit(f.ctx, tx)
		})
	}
	wg.Wait()
	bySeq := map[uint64]ledger.Receipt{}
	var top uint64
	for i, r := range rs {
		if errs[i] != nil {
			t.Fatalf("concurrent submitter %d: %v", i, errs[i])
		}
		if err := checkReceipt(r); err != nil {
			t.Fatalf("concurrent submitter %d: %v", i, err)
		}
		if prev, dup := bySeq[r.Seq]; dup {
			t.Fatalf("submitters got the same Seq %d (%s and %s)", r.Seq, prev.TxID, r.TxID)
		}
		if r.Seq <= h0 {
			t.Fatalf("submitter %d got Seq %d, not after the head %d", i, r.Seq, h0)
		}
		bySeq[r.Seq] = r
		top = max(top, r.Seq)
	}
	if h := f.head(); h != top {
		t.Fatalf("Head = %d, want the highest Seq %d", h, top)
	}
	evs := f.events(h0, top)
	if len(evs) != n {
		t.Fatalf("%d events for %d concurrent commits", len(evs), n)
	}
	for _, e := range evs {
		if r, ok := bySeq[e.Seq]; !ok || r.TxID != e.TxID {
			t.Fatalf("event seq %d tx %s does not match a receipt (%+v)", e.Seq, e.TxID, r)
		}
	}
}
