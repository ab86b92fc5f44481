package embedded_test

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
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
			l, err := embedded.Open(context.Background(), embedded.Options{DB: dbtest.Open(t, dialect), KeyDir: keyDir, Name: "conformance"})
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
			if err := embedded.VerifyEvidence(ev, key); err != nil {
				return err
			}
			entry, err := embedded.DecodeEntry(ev.Entry)
			if err != nil {
				return fmt.Errorf("decode evidence entry: %w", err)
			}
			return sameEvent(embedded.EventOf(entry), e)
		}
		ledgertest.Suite{NewLedger: newLedger, EvidenceKind: ledger.EvidenceMerkle, VerifyEvidence: verify}.Run(t)
	})
}

// sameEvent reports how the event an entry records differs from e.
func sameEvent(got, e ledger.Event) error {
	switch {
	case got.Seq != e.Seq || got.TxID != e.TxID:
		return fmt.Errorf("entry records seq %d tx %s, not seq %d tx %s", got.Seq, got.TxID, e.Seq, e.TxID)
	case got.Type != e.Type || got.Org != e.Org || got.User != e.User || got.Role != e.Role || !got.Time.Equal(e.Time):
		return fmt.Errorf("entry records %s by %s/%s (%s) at %v, the event %s by %s/%s (%s) at %v",
			got.Type, got.Org, got.User, got.Role, got.Time, e.Type, e.Org, e.User, e.Role, e.Time)
	case !bytes.Equal(got.Args, e.Args):
		return fmt.Errorf("entry args %s differ from the event's %s", got.Args, e.Args)
	case !reflect.DeepEqual(got.Writes, e.Writes):
		return fmt.Errorf("entry writes differ from the event's")
	}
	return nil
}
