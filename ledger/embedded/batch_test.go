package embedded

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// TestSubmitBatch: a batch commits in order as one group (later
// transactions see earlier ones' writes); an atomic batch with a rejected
// transaction commits nothing; a non-atomic one commits the rest; a
// resubmitted batch is answered from the idempotency keys; and the ledger
// still verifies, replay included.
func TestSubmitBatch(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, dialect)
			l := e.open()
			seed(t, l, 1)
			mustSubmit(t, l, productTx("mill-0", "taken"))
			batchOf := func(prefix string, ids ...string) []ledger.Tx {
				var txs []ledger.Tx
				for _, id := range ids {
					tx := productTx("mill-0", id)
					tx.IdempotencyKey = prefix + id
					txs = append(txs, tx)
				}
				return txs
			}
			head := func() uint64 { h, _ := l.Head(ctx); return h }

			before := head()
			recs, errs, err := l.SubmitBatch(ctx, batchOf("a/", "p1", "p2", "taken", "p3"), true)
			if err != nil {
				t.Fatal(err)
			}
			if !errors.Is(errs[2], models.ErrConflict) {
				t.Errorf("duplicate product: %v", errs[2])
			}
			for _, i := range []int{0, 1, 3} {
				if !errors.Is(errs[i], ledger.ErrNotApplied) || recs[i].Seq != 0 {
					t.Errorf("atomic batch, transaction %d: %v %+v", i, errs[i], recs[i])
				}
			}
			if head() != before {
				t.Fatalf("an atomic batch with a rejection committed: head %d → %d", before, head())
			}

			// In one batch, a product and a batch of it; a bad one does not
			// stop the others.
			txs := batchOf("b/", "p1", "taken", "p2")
			com := ledger.Tx{Type: "CommissionBatch", Org: "mill-0", User: "mill-0-op", Role: models.RoleOperator, IdempotencyKey: "b/lot",
				Args: []byte(`{"code":"LOT-1","product_id":"p2","quantity":"5","produced_on":"2026-03-01"}`)}
			txs = append(txs, com)
			recs, errs, err = l.SubmitBatch(ctx, txs, false)
			if err != nil {
				t.Fatal(err)
			}
			if errs[0] != nil || errs[2] != nil || errs[3] != nil || !errors.Is(errs[1], models.ErrConflict) {
				t.Fatalf("errors %v", errs)
			}
			if recs[0].Seq != before+1 || recs[2].Seq != before+2 || recs[3].Seq != before+3 || head() != before+3 {
				t.Errorf("receipts %+v, head %d", recs, head())
			}

			// The same batch again: every committed transaction is a replay.
			again, errs2, err := l.SubmitBatch(ctx, txs, true)
			if err != nil {
				t.Fatal(err)
			}
			for i := range again {
				if i == 1 {
					continue
				}
				if errs2[i] != nil && !errors.Is(errs2[i], ledger.ErrNotApplied) {
					t.Errorf("replay %d: %v", i, errs2[i])
				}
			}
			if head() != before+3 {
				t.Errorf("a resubmitted batch committed again: head %d", head())
			}
			again, errs2, _ = l.SubmitBatch(ctx, []ledger.Tx{txs[0], txs[2], txs[3]}, true)
			for i, r := range again {
				if errs2[i] != nil || !r.Replayed || r.Seq != recs[[]int{0, 2, 3}[i]].Seq {
					t.Errorf("replay %d: %+v %v", i, r, errs2[i])
				}
			}
			got, err := l.Committed(ctx, "mill-0", []string{"b/p1", "b/lot", "b/taken", "a/p1"})
			if err != nil || len(got) != 2 || got["b/lot"].Seq != recs[3].Seq || !got["b/p1"].Replayed {
				t.Errorf("Committed: %+v, %v", got, err)
			}

			// A large batch: one group, one checkpoint.
			var big []ledger.Tx
			for i := range 1500 {
				big = append(big, batchOf("c/", fmt.Sprintf("big-%d", i))...)
			}
			recs, errs, err = l.SubmitBatch(ctx, big, true)
			if err != nil {
				t.Fatal(err)
			}
			for i := range big {
				if errs[i] != nil || recs[i].Seq != before+4+uint64(i) {
					t.Fatalf("big batch %d: %v %+v", i, errs[i], recs[i])
				}
			}
			cp, _ := l.Checkpoint(ctx)
			if cp.Size != head() {
				t.Errorf("checkpoint %d, head %d", cp.Size, head())
			}
			rep, err := l.Verify(ctx, VerifyOptions{})
			if err != nil {
				t.Fatalf("verify after batches: %v", err)
			}
			if rep.Entries != head() {
				t.Errorf("verified %d entries of %d", rep.Entries, head())
			}
		})
	}
}

// TestSubmitBatchAfterClose: a closed ledger refuses batches, and Close
// does not hang on a queued one.
func TestSubmitBatchAfterClose(t *testing.T) {
	e := newEnv(t, dbtest.Dialects[0])
	l := e.open()
	seed(t, l, 1)
	_ = l.Close()
	if _, _, err := l.SubmitBatch(context.Background(), []ledger.Tx{productTx("mill-0", "x")}, true); !errors.Is(err, ledger.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}
