package epcis

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/ledger/contract"
)

const testBase = "https://trace.example.com"

// history is the demo's transactions run through the real contract on an
// in-memory world state: what a ledger would hold after them.
type history struct {
	state *contract.MemState
	txs   []Tx
}

var demoHistory = sync.OnceValues(func() (*history, error) {
	plan, _ := demo.PlanWithIDs(demo.Options{Seed: 7}, testTxID)
	h := &history{state: contract.NewMemState()}
	for i, tx := range plan {
		txID := testTxID(i)
		args, err := contract.Canonical(tx.Type, tx.Args)
		if err != nil {
			return nil, fmt.Errorf("demo tx %d: %w", i, err)
		}
		at := time.Unix(0, tx.Time.UnixNano()).UTC()
		if _, err := contract.Execute(h.state, contract.Call{TxID: txID, Type: tx.Type, Args: args, Org: tx.Org, User: tx.User, Role: tx.Role, Time: at, Version: contract.Latest}); err != nil {
			return nil, fmt.Errorf("demo tx %d (%s): %w", i, tx.Type, err)
		}
		h.txs = append(h.txs, Tx{Seq: uint64(i + 1), TxID: txID, Type: tx.Type, Org: tx.Org, Time: at, Args: args})
	}
	return h, nil
})

func testTxID(i int) string {
	s := sha256.Sum256(fmt.Appendf(nil, "tx-%d", i))
	return hex.EncodeToString(s[:])
}

func loadDemo(t testing.TB) *history {
	t.Helper()
	h, err := demoHistory()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *history) mapper() *Mapper {
	return &Mapper{Names: Names{Base: testBase}, Facts: StateFacts{h.state}}
}

// validate checks a document with events against the schema, failing the
// test with every error.
func validateDoc(t testing.TB, what string, events ...Event) {
	t.Helper()
	doc := NewDocument(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), "", events)
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	errs, err := ValidateBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("%s: schema: %s", what, e)
	}
	if len(errs) > 0 && len(events) == 1 {
		ev, _ := json.MarshalIndent(events[0], "", "  ")
		t.Logf("%s", ev)
	}
}

// kind names an event's shape: type, bizStep, disposition.
func kind(tx Tx, ev Event) string {
	return tx.Type + "/" + ev.Type + "/" + ev.BizStep + "/" + ev.Disposition
}
