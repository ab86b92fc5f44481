package fabric

import (
	"context"
	"testing"
	"time"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/ledgertest"
)

// TestConformance runs the ledger conformance suite against the Fabric
// backend on the dev network, each subtest in a fresh namespace.
func TestConformance(t *testing.T) {
	d := need(t)
	var last *Ledger
	newLedger := func(t *testing.T) ledger.Ledger {
		l, _ := d.freshLedger(t, 1, "")
		last = l
		return l
	}
	verify := func(ev ledger.Evidence, e ledger.Event) error {
		if err := VerifyEvent(ev, e); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return last.VerifyEvidence(ctx, ev)
	}
	ledgertest.Suite{NewLedger: newLedger, EvidenceKind: ledger.EvidenceFabric, VerifyEvidence: verify, Timeout: 30 * time.Second}.Run(t)
}
