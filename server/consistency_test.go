package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// TestLedgerConsistency keeps the checkpoint an anonymous client saw, lets
// the ledger grow, fetches the same checkpoint again by its size and a
// consistency proof to the newer one, and checks both with
// golang.org/x/mod's note and tlog, which nobody here wrote.
func TestLedgerConsistency(t *testing.T) {
	f := newFixture(t, true)
	var old checkpointResponse
	if st := f.call(t, "", http.MethodGet, "/api/v1/ledger/checkpoint", nil, &old); st != http.StatusOK || old.Checkpoint.Size == 0 {
		t.Fatalf("checkpoint: %d %+v", st, old)
	}
	tok := f.token(t, siteSupplier)
	for i := range 3 {
		args := contract.CommissionBatchArgs{Code: fmt.Sprintf("CONS-%d", i), ProductID: "po-42.5", Quantity: models.MustDecimal("5"), ProducedOn: "2026-03-01"}
		if st := f.call(t, tok, http.MethodPost, "/api/v1/batches", args, nil); st != http.StatusCreated {
			t.Fatalf("commission: %d", st)
		}
	}
	verifier, err := note.NewVerifier(old.VerifierKey)
	if err != nil {
		t.Fatal(err)
	}
	open := func(text string) (size int64, root tlog.Hash) {
		t.Helper()
		n, err := note.Open([]byte(text), note.VerifierList(verifier))
		if err != nil {
			t.Fatalf("checkpoint note does not verify: %v\n%s", err, text)
		}
		lines := strings.Split(n.Text, "\n")
		if size, err = strconv.ParseInt(lines[1], 10, 64); err != nil {
			t.Fatalf("checkpoint size line %q", lines[1])
		}
		h, err := tlog.ParseHash(lines[2])
		if err != nil {
			t.Fatalf("checkpoint root line %q: %v", lines[2], err)
		}
		return size, h
	}

	// The same checkpoint again, by its size.
	var again checkpointResponse
	if st := f.call(t, "", http.MethodGet, fmt.Sprintf("/api/v1/ledger/checkpoint?size=%d", old.Checkpoint.Size), nil, &again); st != http.StatusOK || again.Checkpoint.Note != old.Checkpoint.Note {
		t.Fatalf("checkpoint at size %d: %d, note %q, want %q", old.Checkpoint.Size, st, again.Checkpoint.Note, old.Checkpoint.Note)
	}

	// The proof from it to the latest, checked from outside.
	var c app.Consistency
	if st := f.call(t, "", http.MethodGet, fmt.Sprintf("/api/v1/ledger/consistency?from=%d", old.Checkpoint.Size), nil, &c); st != http.StatusOK {
		t.Fatalf("consistency: %d", st)
	}
	oldSize, oldRoot := open(c.From.Note)
	newSize, newRoot := open(c.To.Note)
	if oldSize != int64(old.Checkpoint.Size) || newSize != oldSize+3 || c.From.Note != old.Checkpoint.Note {
		t.Fatalf("consistency from size %d to %d, want %d to %d", oldSize, newSize, old.Checkpoint.Size, old.Checkpoint.Size+3)
	}
	proof := make(tlog.TreeProof, len(c.Proof))
	for i, p := range c.Proof {
		copy(proof[i][:], p)
	}
	if err := tlog.CheckTree(proof, newSize, newRoot, oldSize, oldRoot); err != nil {
		t.Fatalf("x/mod/sumdb/tlog rejects the consistency proof: %v", err)
	}
	// A proof that does not lead there is caught by the same check.
	if len(proof) > 0 {
		proof[0][0] ^= 1
		if tlog.CheckTree(proof, newSize, newRoot, oldSize, oldRoot) == nil {
			t.Fatal("a flipped proof byte still checks")
		}
	}
	// An explicit to= gives the same answer.
	var c2 app.Consistency
	if st := f.call(t, "", http.MethodGet, fmt.Sprintf("/api/v1/ledger/consistency?from=%d&to=%d", oldSize, newSize), nil, &c2); st != http.StatusOK || c2.To.Note != c.To.Note {
		t.Fatalf("consistency with to=: %d", st)
	}

	// Sizes never signed, and bad input.
	var e apiErr
	if st := f.call(t, "", http.MethodGet, fmt.Sprintf("/api/v1/ledger/checkpoint?size=%d", newSize+100), nil, &e); st != http.StatusNotFound ||
		e.Error.Field != "size" || !strings.Contains(e.Error.Message, strconv.FormatInt(newSize, 10)) {
		t.Errorf("checkpoint past the end: %d %+v, want 404 naming %d", st, e.Error, newSize)
	}
	for _, tc := range []struct {
		query string
		code  int
		field string
	}{
		{"from=0", 422, "from"},
		{"from=abc", 422, "from"},
		{fmt.Sprintf("from=%d&to=%d", newSize, oldSize), 422, "from"},
		{fmt.Sprintf("from=%d&to=%d", oldSize, newSize+100), 404, "to"},
		{"from=1&to=-1", 422, "to"},
	} {
		var e apiErr
		if st := f.call(t, "", http.MethodGet, "/api/v1/ledger/consistency?"+tc.query, nil, &e); st != tc.code || e.Error.Field != tc.field {
			t.Errorf("consistency?%s: %d %+v, want %d naming %q", tc.query, st, e.Error, tc.code, tc.field)
		}
	}
}
