package embedded

import (
	"bytes"
	"context"
	"fmt"

	"github.com/plumbline/plumbline/ledger"
	"golang.org/x/mod/sumdb/tlog"
)

// ErrRolledBack and ErrForked say how a ledger fails a checkpoint someone
// kept from it. Both wrap models.ErrTampered.
var (
	ErrRolledBack = ledger.ErrRolledBack
	ErrForked     = ledger.ErrForked
)

// CheckTrusted compares the ledger with a checkpoint someone kept from it
// (its signed note, which must verify with one of the ledger's keys): the ledger
// must hold at least as many entries, and its first entries must hash to
// the kept root. A smaller ledger was rolled back (a restored backup, say);
// one whose tree at that size differs has forked. The error wraps
// ErrRolledBack or ErrForked and names both sizes.
func (l *Ledger) CheckTrusted(ctx context.Context, signedNote string) error {
	trusted, err := ParseCheckpoint(signedNote, l.vkeys)
	if err != nil {
		return fmt.Errorf("the trusted checkpoint: %w", err)
	}
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		return err
	}
	if trusted.Size > cp.Size {
		return fmt.Errorf("%w: the ledger's latest checkpoint has %d entries, the trusted one %d; entries %d to %d are gone",
			ErrRolledBack, cp.Size, trusted.Size, cp.Size+1, trusted.Size)
	}
	if trusted.Size == 0 {
		return nil
	}
	root, err := tlog.TreeHash(int64(trusted.Size), dbReader(ctx, l.db, l.d))
	if err != nil {
		return fmt.Errorf("the ledger's tree at %d entries: %w", trusted.Size, err)
	}
	if !bytes.Equal(root[:], trusted.Root) {
		return fmt.Errorf("%w: the ledger's first %d entries hash to %x, the trusted checkpoint says %x; the ledger (now %d entries) is not an extension of it",
			ErrForked, trusted.Size, root[:], trusted.Root, cp.Size)
	}
	return nil
}
