// Package ledgertest is the conformance suite every ledger.Ledger backend
// must pass: the embedded Merkle-log ledger on SQLite and PostgreSQL, and
// the Fabric backend. A backend's test calls Run (or Suite.Run) with a
// constructor that returns a fresh, empty ledger.
//
// The suite submits only RegisterOrganization transactions, the one type
// every contract version has, so it does not depend on the rest of the
// contract. It assumes nothing a backend is free to choose: sequence numbers
// increase but may have gaps (Fabric), checkpoints may be signed a moment
// after a commit, and the meaning of Evidence beyond the RFC 6962 inclusion
// proof is checked by the backend's own VerifyEvidence.
package ledgertest

import (
	"testing"
	"time"

	"github.com/plumbline/plumbline/ledger"
)

// Suite configures a conformance run.
type Suite struct {
	// NewLedger returns a fresh, empty ledger that lives until t ends
	// (register its Close with t.Cleanup). Required.
	NewLedger func(t *testing.T) ledger.Ledger
	// EvidenceKind, when set, is the Evidence.Kind every proof must have
	// (ledger.EvidenceMerkle or ledger.EvidenceFabric).
	EvidenceKind string
	// VerifyEvidence, when set, checks the backend-specific part of ev: for
	// the embedded ledger, that ev.Entry encodes event e and that the
	// checkpoint's note is signed by the ledger's key. It must return an
	// error for evidence that does not prove e. The suite itself already
	// checks Seq, TxID and, for merkle evidence, the RFC 6962 inclusion
	// proof against the checkpoint root.
	VerifyEvidence func(ev ledger.Evidence, e ledger.Event) error
	// Timeout bounds each wait for something asynchronous (an event to be
	// streamed, a checkpoint to grow). Zero means 20 seconds.
	Timeout time.Duration
	// Concurrency is the number of concurrent submitters in the concurrency
	// tests. Zero means 32.
	Concurrency int
}

// Run runs the conformance suite with default options against the ledgers
// newLedger returns.
func Run(t *testing.T, newLedger func(t *testing.T) ledger.Ledger) {
	t.Helper()
	Suite{NewLedger: newLedger}.Run(t)
}

// Run runs every conformance test as a subtest of t, each on a fresh ledger.
func (s Suite) Run(t *testing.T) {
	t.Helper()
	if s.NewLedger == nil {
		t.Fatal("ledgertest: Suite.NewLedger is required")
	}
	if s.Timeout == 0 {
		s.Timeout = 20 * time.Second
	}
	if s.Concurrency == 0 {
		s.Concurrency = 32
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"Empty", testEmpty},
		{"SubmitCommits", testSubmitCommits},
		{"SubmitSetsTime", testSubmitSetsTime},
		{"ReceiptsOrdered", testReceiptsOrdered},
		{"RejectConflict", testRejectConflict},
		{"RejectForbiddenAndInvalid", testRejectForbiddenAndInvalid},
		{"RejectDoesNotBlockConcurrent", testRejectDoesNotBlockConcurrent},
		{"Idempotent", testIdempotent},
		{"IdempotencyKeyPerOrg", testIdempotencyKeyPerOrg},
		{"IdempotentConcurrentRetries", testIdempotentConcurrentRetries},
		{"ConcurrentSubmitters", testConcurrentSubmitters},
		{"EventsInOrder", testEventsInOrder},
		{"EventsFromCheckpoint", testEventsFromCheckpoint},
		{"EventsStream", testEventsStream},
		{"EventsStreamUnderLoad", testEventsStreamUnderLoad},
		{"EventsStopOnCancel", testEventsStopOnCancel},
		{"EventsReturnFnError", testEventsReturnFnError},
		{"EventFields", testEventFields},
		{"CheckpointGrows", testCheckpointGrows},
		{"Evidence", testEvidence},
		{"Closed", testClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newFixture(t, s))
		})
	}
}
