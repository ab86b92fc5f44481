package ledgertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// testEventFields: an event carries what was submitted and what it wrote,
// and its writes match the world state.
func testEventFields(t *testing.T, f *fixture) {
	f.bootstrap()
	f.register("owner", models.KindAuthority)
	tx := f.regTx("owner", "inspection-agency", models.KindInspection)
	tx.User = "owner-chief"
	tx.Time = time.Date(2026, 3, 3, 9, 30, 15, 0, time.FixedZone("CST", 8*3600))
	r := f.submit(tx)
	evs := f.events(r.Seq-1, r.Seq)
	e := evs[0]
	if e.Seq != r.Seq || e.TxID != r.TxID {
		t.Fatalf("event seq %d tx %s, want seq %d tx %s", e.Seq, e.TxID, r.Seq, r.TxID)
	}
	if e.Type != tx.Type || e.Org != tx.Org || e.User != tx.User || e.Role != tx.Role {
		t.Errorf("event type/org/user/role = %s/%s/%s/%s, want %s/%s/%s/%s",
			e.Type, e.Org, e.User, e.Role, tx.Type, tx.Org, tx.User, tx.Role)
	}
	if !e.Time.Equal(tx.Time) {
		t.Errorf("event time %v, want the transaction's time %v", e.Time, tx.Time)
	}
	var got, want any
	if err := json.Unmarshal(e.Args, &got); err != nil {
		t.Fatalf("event args %q are not JSON: %v", e.Args, err)
	}
	_ = json.Unmarshal(tx.Args, &want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("event args %s, want %s", e.Args, tx.Args)
	}
	key := models.Key(models.PrefixOrg, "inspection-agency")
	keys := make([]string, len(e.Writes))
	for i, w := range e.Writes {
		keys[i] = w.Key
		if v := f.state(w.Key); !bytes.Equal(v, w.Value) {
			t.Errorf("write %s = %s, but State has %s", w.Key, w.Value, v)
		}
	}
	if !slices.Contains(keys, key) {
		t.Errorf("event writes keys %v, want %s among them", keys, key)
	}
	if !slices.IsSorted(keys) || len(slices.Compact(slices.Clone(keys))) != len(keys) {
		t.Errorf("event write keys %v are not unique and in ascending order", keys)
	}
}

// checkpoint polls until the signed checkpoint covers at least size
// entries, and returns it.
func (f *fixture) checkpoint(size uint64) ledger.Checkpoint {
	f.t.Helper()
	deadline := time.Now().Add(f.s.Timeout)
	for {
		cp, err := f.l.Checkpoint(f.ctx)
		if err != nil {
			f.t.Fatalf("Checkpoint: %v", err)
		}
		if cp.Size >= size {
			return cp
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("checkpoint size stayed %d for %v, want at least %d", cp.Size, f.s.Timeout, size)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testCheckpointGrows: the signed checkpoint grows with the ledger and
// never shrinks.
func testCheckpointGrows(t *testing.T, f *fixture) {
	f.bootstrap()
	cp1 := f.checkpoint(1)
	if cp1.Note == "" {
		t.Errorf("checkpoint of size %d has no signed note", cp1.Size)
	}
	f.register("carrier-1", models.KindCarrier)
	f.register("carrier-2", models.KindCarrier)
	cp2 := f.checkpoint(cp1.Size + 1)
	if cp2.Note == "" || cp2.Note == cp1.Note {
		t.Errorf("grown checkpoint's note %q is empty or unchanged", cp2.Note)
	}
	if len(cp2.Root) > 0 && bytes.Equal(cp1.Root, cp2.Root) {
		t.Errorf("checkpoint root unchanged from size %d to %d", cp1.Size, cp2.Size)
	}
	for range 3 {
		cp, err := f.l.Checkpoint(f.ctx)
		if err != nil {
			t.Fatalf("Checkpoint: %v", err)
		}
		if cp.Size < cp2.Size {
			t.Fatalf("checkpoint shrank from %d to %d", cp2.Size, cp.Size)
		}
	}
}

// testEvidence: every committed event has evidence naming it, which
// verifies; evidence does not verify against another event.
func testEvidence(t *testing.T, f *fixture) {
	rs := f.seed(6)
	evs := f.events(0, rs[len(rs)-1].Seq)
	f.checkpoint(uint64(len(rs)))
	proofs := make([]ledger.Evidence, len(evs))
	leaves := map[uint64]bool{}
	for i, e := range evs {
		ev, err := f.l.Evidence(f.ctx, e.Seq)
		if err != nil {
			t.Fatalf("Evidence(%d): %v", e.Seq, err)
		}
		proofs[i] = ev
		if ev.Seq != e.Seq || ev.TxID != e.TxID {
			t.Fatalf("Evidence(%d) names seq %d tx %s, want tx %s", e.Seq, ev.Seq, ev.TxID, e.TxID)
		}
		if ev.Kind == "" || (f.s.EvidenceKind != "" && ev.Kind != f.s.EvidenceKind) {
			t.Fatalf("Evidence(%d) kind %q, want %q", e.Seq, ev.Kind, f.s.EvidenceKind)
		}
		if ev.Kind == ledger.EvidenceMerkle {
			if err := VerifyMerkle(ev); err != nil {
				t.Fatalf("Evidence(%d): %v", e.Seq, err)
			}
			if leaves[ev.LeafIndex] {
				t.Fatalf("Evidence(%d) reuses leaf index %d", e.Seq, ev.LeafIndex)
			}
			leaves[ev.LeafIndex] = true
		}
		if f.s.VerifyEvidence != nil {
			if err := f.s.VerifyEvidence(ev, e); err != nil {
				t.Fatalf("VerifyEvidence(seq %d): %v", e.Seq, err)
			}
		}
	}
	if f.s.VerifyEvidence != nil {
		if err := f.s.VerifyEvidence(proofs[1], evs[2]); err == nil {
			t.Errorf("VerifyEvidence accepted the evidence of seq %d as proof of seq %d", evs[1].Seq, evs[2].Seq)
		}
	}
	if _, err := f.l.Evidence(f.ctx, rs[len(rs)-1].Seq+1000); err == nil {
		t.Errorf("Evidence of a seq beyond the head succeeded")
	}
}

// testClosed: a closed ledger refuses work with ErrClosed.
func testClosed(t *testing.T, f *fixture) {
	f.bootstrap()
	if err := f.l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	tx := f.regTx(authOrg, "too-late", models.KindCarrier)
	tx.User = authUser
	if _, err := f.l.Submit(f.ctx, tx); !errors.Is(err, ledger.ErrClosed) {
		t.Errorf("Submit after Close: err = %v, want ledger.ErrClosed", err)
	}
	ctx, cancel := context.WithTimeout(f.ctx, f.s.Timeout)
	defer cancel()
	err := f.runEvents(ctx, 0, func(ledger.Event) error { return nil })
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Events after Close: err = %v, want it to fail at once", err)
	}
}
