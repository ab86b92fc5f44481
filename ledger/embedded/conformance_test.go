package embedded_test

import (
	"context"
	"sync"
	"testing"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/embedded"
	"github.com/plumbline/plumbline/ledger/ledgertest"
)

// TestConformance runs the ledger conformance suite against the embedded
// ledger on SQLite and on PostgreSQL (skipped when PostgreSQL is
// unreachable, failed when it is and CI=true).
func TestConformance(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		// One key folder for the whole run, so that every ledger signs
		// with the key VerifyEvidence checks against.
		keyDir := t.TempDir()
		var mu sync.Mutex
		var verifierKey string
		newLedger := func(t *testing.T) ledger.Ledger {
			l, err := embedded.Open(context.Background(), embedded.Options{DB: dbtest.Open(t, dialect), KeyDir: keyDir, Origin: "conformance.test/ledger"})
			if err != nil {
				t.Fatalf("embedded.Open on %s: %v", dialect, err)
			}
			t.Cleanup(func() { _ = l.Close() })
			mu.Lock()
			verifierKey = l.VerifierKey()
			mu.Unlock()
			return l
		}
		verify := func(ev ledger.Evidence, e ledger.Event) error {
			mu.Lock()
			key := verifierKey
			mu.Unlock()
			return embedded.VerifyEvent(ev, e, key)
		}
		ledgertest.Suite{NewLedger: newLedger, EvidenceKind: ledger.EvidenceMerkle, VerifyEvidence: verify}.Run(t)
	})
}
