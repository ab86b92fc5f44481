package fabric

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/internal/projector"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// TestPeerRestart stops this organization's peer while submitters are
// busy, then starts it again. Submissions during the outage must fail with
// ledger.ErrUnavailable; every submitter retries with its idempotency key
// until acknowledged; afterwards every acknowledged transaction is on the
// ledger exactly once, the read model (projected through the outage)
// matches the chaincode's world state, and a reopened ledger resumes from
// its index with the same numbering.
func TestPeerRestart(t *testing.T) {
	d := need(t)
	indexPath := filepath.Join(t.TempDir(), "index")
	l, cfg := d.freshLedger(t, 1, indexPath)
	// Few attempts inside Submit, so that the outage reaches the caller
	// (with the default, most submissions ride through a 6 s outage).
	l.cfg.MaxAttempts = 3
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	reg := func(id string) ledger.Tx {
		return ledger.Tx{Type: "RegisterOrganization", Org: "gov", User: "gov-admin", Role: models.RoleAdmin, IdempotencyKey: "reg-" + id,
			Args: []byte(fmt.Sprintf(`{"organization":{"id":%q,"name":"Org %s","kind":"carrier"}}`, id, id))}
	}
	boot := reg("gov")
	boot.Args = []byte(`{"organization":{"id":"gov","name":"Authority","kind":"authority"}}`)
	if _, err := l.Submit(ctx, boot); err != nil {
		t.Fatal(err)
	}

	st, err := store.Open(ctx, dbtest.Open(t, "sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	proj := projector.New(st, l, slog.New(slog.DiscardHandler))
	projCtx, stopProj := context.WithCancel(ctx)
	projDone := make(chan error, 1)
	go func() { projDone <- proj.Run(projCtx) }()

	var (
		mu          sync.Mutex
		acked       = map[string]ledger.Receipt{} // idempotency key → receipt
		unavailable atomic.Int64
		otherErrs   []error
		phase       atomic.Int32 // 0 before, 1 outage, 2 after recovery
		afterAcks   atomic.Int64
	)
	stopAt := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stopAt:
					return
				default:
				}
				tx := reg(fmt.Sprintf("w%d-%04d", w, i))
				for { // retry this transaction until it is acknowledged
					sctx, scancel := context.WithTimeout(ctx, 20*time.Second)
					r, err := l.Submit(sctx, tx)
					scancel()
					if err == nil {
						mu.Lock()
						acked[tx.IdempotencyKey] = r
						mu.Unlock()
						if phase.Load() == 2 {
							afterAcks.Add(1)
						}
						break
					}
					if errors.Is(err, ledger.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
						if unavailable.Add(1) == 1 {
							t.Logf("outage reported to the caller: %v", err)
						}
					} else {
						mu.Lock()
						otherErrs = append(otherErrs, err)
						mu.Unlock()
					}
					if ctx.Err() != nil {
						return
					}
					time.Sleep(200 * time.Millisecond)
				}
			}
		})
	}
	time.Sleep(3 * time.Second)
	if err := d.ctl("stop", "peer1"); err != nil {
		t.Fatal(err)
	}
	phase.Store(1)
	t0 := time.Now()
	time.Sleep(6 * time.Second)
	if err := d.ctl("start", "peer1"); err != nil {
		t.Fatal(err)
	}
	// Recovered once every submitter has been acknowledged a few times.
	phase.Store(2)
	for afterAcks.Load() < 40 && ctx.Err() == nil {
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("peer down for 6 s; submissions flowing again %s after the stop", time.Since(t0).Round(100*time.Millisecond))
	close(stopAt)
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("did not recover: %v", ctx.Err())
	}
	if unavailable.Load() == 0 {
		t.Errorf("no submission failed with ledger.ErrUnavailable while the peer was down")
	}
	for _, err := range otherErrs {
		t.Errorf("submission failed with something other than an outage: %v", err)
	}

	head, err := l.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := uint64(len(acked) + 1); head != want {
		t.Fatalf("head %d after the outage, want %d (the authority and %d acknowledged transactions)", head, want, len(acked))
	}
	// Every acknowledged transaction is on the ledger once, at its seq.
	bySeq := map[uint64]string{}
	state := contract.NewMemState()
	collect(t, ctx, l, 0, head, func(e ledger.Event) {
		bySeq[e.Seq] = e.TxID
		for _, w := range e.Writes {
			_ = state.Put(w.Key, w.Value)
		}
	})
	for key, r := range acked {
		if bySeq[r.Seq] != r.TxID {
			t.Fatalf("acknowledged %s (seq %d, tx %s) is not on the ledger (seq %d holds %s)", key, r.Seq, r.TxID, r.Seq, bySeq[r.Seq])
		}
	}
	// The read model matches the committed writes, and those match the
	// chaincode's world state.
	if err := proj.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	stopProj()
	<-projDone
	if err := st.Check(ctx, head, state.All()); err != nil {
		t.Fatalf("read model differs from the ledger: %v", err)
	}
	for k, v := range state.All() {
		got, err := l.State(ctx, k)
		if err != nil || !bytes.Equal(got, v) {
			t.Fatalf("chaincode state %s = %s, %v; events wrote %s", k, got, err, v)
		}
	}
	// A reopened ledger resumes from its index with the same numbering.
	_ = l.Close()
	l2, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if h, err := l2.Head(ctx); err != nil || h != head {
		t.Fatalf("reopened head %d, %v; want %d", h, err, head)
	}
	collect(t, ctx, l2, head-5, head, func(e ledger.Event) {
		if bySeq[e.Seq] != e.TxID {
			t.Fatalf("reopened ledger: seq %d is %s, was %s", e.Seq, e.TxID, bySeq[e.Seq])
		}
	})
	t.Logf("%d transactions acknowledged, %d failed attempts reported the outage; read model and chaincode state agree", len(acked), unavailable.Load())
}

// collect delivers events after..until to fn.
func collect(t *testing.T, ctx context.Context, l *Ledger, after, until uint64, fn func(ledger.Event)) {
	t.Helper()
	done := errors.New("done")
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err := l.Events(ctx, after, func(e ledger.Event) error {
		fn(e)
		if e.Seq >= until {
			return done
		}
		return nil
	})
	if !errors.Is(err, done) {
		t.Fatalf("events %d..%d: %v", after+1, until, err)
	}
}
