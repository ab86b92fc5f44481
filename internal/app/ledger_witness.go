package app

import (
	"context"
	"errors"

	"github.com/plumbline/plumbline/internal/cosign"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// Witnessing: the witnesses' cosignatures of the ledger's checkpoints
// (internal/cosign), served with the checkpoint, and whether writes were
// stopped on a witness's evidence.

// Halter is a ledger that can stop taking writes (embedded.Ledger).
type Halter interface {
	Halted() error
}

// WitnessKey is a configured witness: its key (whose first field is its
// name) and URL.
type WitnessKey = cosign.Witness

// WitnessReport is what the API and the dashboard say about witnessing.
type WitnessReport struct {
	// Quorum is how many cosignatures make a checkpoint witnessed.
	Quorum    int                    `json:"quorum"`
	Witnesses []cosign.WitnessStatus `json:"witnesses"`
	// Witnessed is the newest checkpoint a quorum has cosigned, its note
	// carrying their cosignatures; absent when none is yet.
	Witnessed *ledger.Checkpoint `json:"witnessed,omitempty"`
	// Cosignatures is how many configured witnesses cosigned Witnessed.
	Cosignatures int `json:"cosignatures,omitempty"`
}

// Witnesses reports on witnessing; ok is false when no witness is
// configured.
func (a *App) Witnesses(ctx context.Context) (r WitnessReport, ok bool, err error) {
	c := a.opts.Cosigner
	if c == nil {
		return r, false, nil
	}
	r = WitnessReport{Quorum: c.Quorum(), Witnesses: c.Status(ctx)}
	cp, k, err := c.Witnessed(ctx)
	switch {
	case err == nil:
		r.Witnessed, r.Cosignatures = &cp, k
	case !errors.Is(err, cosign.ErrNotWitnessed):
		return r, true, err
	}
	return r, true, nil
}

// WitnessKeys returns the configured witnesses (name, key, URL) and the
// quorum, for pages that check cosignatures in the browser; none without
// witnesses.
func (a *App) WitnessKeys() ([]WitnessKey, int) {
	if a.opts.Cosigner == nil {
		return nil, 0
	}
	return a.opts.Cosigner.Witnesses(), a.opts.Cosigner.Quorum()
}

// CosignedCheckpoint returns the latest checkpoint's signed note with the
// witnesses' cosignatures it has (C2SP tlog-tiles' /checkpoint).
func (a *App) CosignedCheckpoint(ctx context.Context) (string, error) {
	cp, err := a.opts.Ledger.Checkpoint(ctx)
	if err != nil {
		return "", err
	}
	if a.opts.Cosigner == nil {
		return cp.Note, nil
	}
	note, _, err := a.opts.Cosigner.WithCosignatures(ctx, cp)
	return note, err
}

// WritesStopped returns why the ledger refuses writes (a witness's
// evidence of a rollback or fork), or nil.
func (a *App) WritesStopped() error {
	if h, ok := a.opts.Ledger.(Halter); ok {
		return h.Halted()
	}
	return nil
}

// Evidence is what a presented checkpoint says about the ledger.
type Evidence = cosign.Evidence

// CheckEvidence checks a checkpoint someone kept from this ledger (signed
// by it, cosigned by a configured witness): when the ledger was rolled
// back or forked since, writes stop and the error says why (a conflict).
func (a *App) CheckEvidence(ctx context.Context, signed string) (Evidence, error) {
	if a.opts.Cosigner == nil {
		return Evidence{}, models.NotFound("", "this ledger has no witnesses: a checkpoint without a witness's cosignature proves nothing against its operator")
	}
	if len(signed) > 64<<10 {
		return Evidence{}, models.Invalid("checkpoint", "is longer than a checkpoint can be")
	}
	return a.opts.Cosigner.CheckEvidence(ctx, signed)
}
