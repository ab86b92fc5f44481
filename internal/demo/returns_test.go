package demo

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// replay runs a plan through the contract on a memory state, failing the
// test on the first rejection; it is the quick way to see what the demo
// leaves on the ledger.
func replay(t *testing.T, opts Options) (*contract.MemState, Summary) {
	t.Helper()
	txs, sum := Plan(opts)
	st := contract.NewMemState()
	for i, tx := range txs {
		c := contract.Call{TxID: fmt.Sprintf("demo%07d", i), Type: tx.Type, Args: tx.Args, Org: tx.Org, User: tx.User, Role: tx.Role, Time: tx.Time, Version: contract.Latest}
		if _, err := contract.Execute(st, c); err != nil {
			t.Fatalf("transaction %d (%s by %s) rejected: %v", i, tx.Type, tx.User, err)
		}
	}
	return st, sum
}

// TestHeldMaterialGoesBack: rebar and glass whose retest fails too do not
// stay stranded at the site; they are shipped back to their producer and
// arrive there still on hold.
func TestHeldMaterialGoesBack(t *testing.T) {
	st, sum := replay(t, Options{Seed: 1, Events: 3000})
	if sum.Rejected == 0 || sum.Returned == 0 {
		t.Fatalf("%d held batches failed their retest and %d went back; want some of each", sum.Rejected, sum.Returned)
	}
	returned, stranded := 0, 0
	for k, v := range st.All() {
		if !strings.HasPrefix(k, models.PrefixBatch) {
			continue
		}
		var b models.Batch
		if err := json.Unmarshal(v, &b); err != nil {
			t.Fatal(err)
		}
		if b.Status != models.StatusOnHold {
			continue
		}
		switch b.Custodian {
		case b.Producer:
			returned++
		case OrgContractor:
			stranded++
		}
	}
	if returned != sum.Returned {
		t.Errorf("%d batches are on hold with their producer; the summary says %d went back", returned, sum.Returned)
	}
	// A retest that fails in the last two days is returned after the history ends.
	if stranded > 2 {
		t.Errorf("%d batches are still on hold at the contractor's sites", stranded)
	}
}
