package embedded

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

var errStop = errors.New("stop")

func TestSubmitEvidenceRestart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		l := e.open()
		ctx := context.Background()
		seed(t, l, 2)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() { mustSubmit(t, l, productTx("mill-0", fmt.Sprintf("p-%d", i))) })
		}
		wg.Wait()
		if h, _ := l.Head(ctx); h != 23 {
			t.Fatalf("head %d, want 23", h)
		}
		for seq := uint64(1); seq <= 23; seq++ {
			ev, err := l.Evidence(ctx, seq)
			if err != nil {
				t.Fatalf("Evidence(%d): %v", seq, err)
			}
			if err := VerifyEvidence(ev, l.VerifierKey()); err != nil {
				t.Fatalf("VerifyEvidence(%d): %v", seq, err)
			}
		}
		ev, _ := l.Evidence(ctx, 5)
		en, _ := DecodeEntry(ev.Entry)
		cert, err := l.Certificate(ctx, en.CertFingerprint)
		if err != nil {
			t.Fatal(err)
		}
		if d := TxDigest(en.TxRaw); !ecdsa.VerifyASN1(cert.PublicKey.(*ecdsa.PublicKey), d[:], en.Signature) || cert.CheckSignatureFrom(l.CA()) != nil {
			t.Fatalf("entry 5's signature does not verify with its certificate from the CA")
		}
		cp1, _ := l.Checkpoint(ctx)
		l.Close()
		if _, err := l.Submit(ctx, productTx("mill-0", "late")); !errors.Is(err, ledger.ErrClosed) {
			t.Fatalf("Submit after Close: %v", err)
		}
		l2 := e.open()
		if h, _ := l2.Head(ctx); h != 23 {
			t.Fatalf("head after reopen %d, want 23", h)
		}
		r := mustSubmit(t, l2, productTx("mill-1", "after-restart"))
		if r.Seq != 24 {
			t.Fatalf("seq after restart %d, want 24", r.Seq)
		}
		cp2, _ := l2.Checkpoint(ctx)
		p, err := l2.ConsistencyProof(ctx, cp1.Size, cp2.Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyConsistency(cp1, cp2, p, l2.VerifierKey()); err != nil {
			t.Fatalf("VerifyConsistency: %v", err)
		}
		if _, err := l2.Submit(ctx, productTx("mill-1", "after-restart")); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("duplicate product: %v, want conflict", err)
		}
		if _, err := l2.State(ctx, "product/nope"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("State of a missing key: %v", err)
		}
		rep, err := l2.Verify(ctx, VerifyOptions{})
		if err != nil {
			t.Fatalf("Verify after restart: %v", err)
		}
		if rep.Entries != 24 || rep.Checkpoint.Size != 24 || rep.Certificates != 3 || rep.State.Len() != 3+21 {
			t.Fatalf("report %+v", rep)
		}
		// Events resume from any point, across the restart, in order.
		var seqs []uint64
		ectx, cancel := context.WithCancel(ctx)
		defer cancel()
		err = l2.Events(ectx, 20, func(ev ledger.Event) error {
			seqs = append(seqs, ev.Seq)
			if ev.Seq == 24 {
				return errStop
			}
			return nil
		})
		if !errors.Is(err, errStop) || fmt.Sprint(seqs) != "[21 22 23 24]" {
			t.Fatalf("Events(after 20) = %v, %v", seqs, err)
		}
	})
}
