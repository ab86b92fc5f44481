package ledgertest

import (
	"os"
	"os/exec"
	"testing"
)

// mutantEnv selects a deliberate defect in the reference ledger.
const mutantEnv = "LEDGERTEST_MUTANT"

// mutants are defects the suite must catch.
var mutants = []string{
	"open-after-close", "no-idempotency", "no-replayed-flag", "untyped-errors", "no-writes",
	"server-time", "head-off-by-one", "events-skip", "events-repeat", "events-no-stream",
	"events-ignore-fn-error", "events-ignore-cancel", "state-nil-nil", "evidence-wrong-entry",
}

// TestSuiteCatchesBrokenBackends runs the suite against the reference ledger
// with one defect at a time, in a child process, and requires it to fail.
func TestSuiteCatchesBrokenBackends(t *testing.T) {
	if os.Getenv(mutantEnv) != "" {
		t.Skip("running as a mutant child")
	}
	if testing.Short() {
		t.Skip("slow: runs the suite once per mutant")
	}
	for _, m := range mutants {
		t.Run(m, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestSuiteOnReferenceLedger$", "-test.count=1")
			cmd.Env = append(os.Environ(), mutantEnv+"="+m)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a ledger with defect %q:\n%s", m, out)
			}
		})
	}
}
