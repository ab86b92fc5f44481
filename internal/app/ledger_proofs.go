package app

import (
	"context"
	"strconv"
	"strings"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// A client that kept a checkpoint checks that the ledger only grew since:
// any checkpoint the ledger signed can be fetched again by its size, and a
// consistency proof leads from an older one to a newer one.

// Consistency is an RFC 6962 consistency proof between two signed
// checkpoints: the tree of To.Size entries extends the tree of From.Size.
type Consistency struct {
	From  ledger.Checkpoint `json:"from"`
	To    ledger.Checkpoint `json:"to"`
	Proof [][]byte          `json:"proof"`
}

// prover is the ledger as a ConsistencyProver, or a not-found error for a
// ledger that keeps no Merkle checkpoints (Fabric).
func (a *App) prover() (ledger.ConsistencyProver, error) {
	p, ok := a.opts.Ledger.(ledger.ConsistencyProver)
	if !ok {
		return nil, models.NotFound("", "this ledger keeps no Merkle checkpoints (on Fabric the peers validate every block)")
	}
	return p, nil
}

// ParseSize reads a tree size given as text for field.
func ParseSize(field, text string) (uint64, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(text), 10, 64)
	if err != nil {
		return 0, models.Invalid(field, "%q is not a number of entries", text)
	}
	return n, nil
}

// CheckpointAt returns the checkpoint the ledger signed at size entries;
// when none was, a not-found error naming the nearest sizes that were.
func (a *App) CheckpointAt(ctx context.Context, size uint64) (ledger.Checkpoint, error) {
	p, err := a.prover()
	if err != nil {
		return ledger.Checkpoint{}, err
	}
	return p.CheckpointAt(ctx, size)
}

// Consistency proves that the checkpoint signed at to entries (0: the
// latest) extends the one signed at from entries.
func (a *App) Consistency(ctx context.Context, from, to uint64) (Consistency, error) {
	p, err := a.prover()
	if err != nil {
		return Consistency{}, err
	}
	var c Consistency
	if to == 0 {
		c.To, err = a.opts.Ledger.Checkpoint(ctx)
	} else {
		c.To, err = p.CheckpointAt(ctx, to)
	}
	if err != nil {
		return c, named(err, "to")
	}
	if from == 0 || from > c.To.Size {
		return c, models.Invalid("from", "must be a size from 1 to %d (the newer checkpoint's)", c.To.Size)
	}
	if c.From, err = p.CheckpointAt(ctx, from); err != nil {
		return c, named(err, "from")
	}
	if c.Proof, err = p.ConsistencyProof(ctx, from, c.To.Size); err != nil {
		return c, err
	}
	if c.Proof == nil {
		c.Proof = [][]byte{}
	}
	return c, nil
}

// named puts a classified error on field.
func named(err error, field string) error {
	return models.RenameField(models.AtField(err, field), func(string) string { return field })
}

// Committed reports whether entry seq holds its private fields only as
// salted commitments (the embedded ledger's entry v2), so that anyone may
// have its bytes (access.EntryBytesPublic).
func (a *App) Committed(seq uint64) bool {
	pc, ok := a.opts.Ledger.(ledger.PrivacyCommitter)
	return ok && pc.CommittedFrom() > 0 && seq >= pc.CommittedFrom()
}

// ReadEntryBytes reports whether the viewer of chk may have entry e's
// bytes: a committed entry's, anyone; another's, as access.ReadEntry says.
func (a *App) ReadEntryBytes(ctx context.Context, chk *access.Checker, e store.Event) bool {
	return access.EntryBytesPublic(e.Type, e.Args, a.Committed(e.Seq)) || chk.ReadEntry(ctx, e)
}

// Openings returns the openings of entry seq's private fields when the
// viewer of chk may read them (access.ReadEntry) and the entry commits to
// them; nil otherwise.
func (a *App) Openings(ctx context.Context, chk *access.Checker, e store.Event) ([]byte, error) {
	pc, ok := a.opts.Ledger.(ledger.PrivacyCommitter)
	if !ok || !a.Committed(e.Seq) || !chk.ReadEntry(ctx, e) {
		return nil, nil
	}
	return pc.Openings(ctx, e.Seq)
}
