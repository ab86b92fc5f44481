package embedded

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/models"
)

// TestCheckTrusted: a ledger passes every checkpoint it signed before and
// fails, as rolled back or forked, one it cannot have signed at its size.
func TestCheckTrusted(t *testing.T) {
	l := newEnv(t, dbx.SQLite).open()
	seed(t, l, 3)
	ctx := context.Background()
	kept, err := l.CheckpointAt(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	mustSubmit(t, l, productTx("mill-0", "p-late"))
	latest, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, cp := range []string{kept.Note, latest.Note} {
		if err := l.CheckTrusted(ctx, cp); err != nil {
			t.Fatalf("a checkpoint the ledger signed: %v", err)
		}
	}
	ahead, err := l.signCheckpoint(latest.Size+3, tlog.Hash{1}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	err = l.CheckTrusted(ctx, ahead.Note)
	if !errors.Is(err, ErrRolledBack) || !errors.Is(err, models.ErrTampered) || !strings.Contains(err.Error(), "rolled back") {
		t.Fatalf("a checkpoint larger than the ledger: %v, want rolled back", err)
	}
	other, err := l.signCheckpoint(2, tlog.Hash{2}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	err = l.CheckTrusted(ctx, other.Note)
	if !errors.Is(err, ErrForked) || !strings.Contains(err.Error(), "forked") {
		t.Fatalf("a checkpoint of another history: %v, want forked", err)
	}
	// A note the ledger's key did not sign is refused, neither rolled back
	// nor forked.
	foreign := newEnv(t, dbx.SQLite).open()
	seed(t, foreign, 3)
	fcp, err := foreign.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.CheckTrusted(ctx, fcp.Note); err == nil || errors.Is(err, ErrRolledBack) || errors.Is(err, ErrForked) {
		t.Fatalf("another ledger's checkpoint: %v", err)
	}
}
