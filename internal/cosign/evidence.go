package cosign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// Evidence is what a checkpoint someone presents says about the ledger.
type Evidence struct {
	// Consistent is set when the ledger extends the checkpoint.
	Consistent bool `json:"consistent"`
	// Superseded is set when the checkpoint is of an origin the ledger
	// left after a recorded loss (a ContinueLog records that origin's
	// last witnessed checkpoint, at least this large).
	Superseded bool `json:"superseded,omitempty"`
	// Size is the checkpoint's size; Witnesses the configured witnesses
	// whose cosignatures it carries.
	Size      uint64   `json:"size"`
	Witnesses []string `json:"witnesses"`
}

// ErrEvidence marks a presented checkpoint that shows the ledger was
// rolled back or forked; it wraps models.ErrConflict.
var ErrEvidence = fmt.Errorf("evidence of a rollback or fork: %w", models.ErrConflict)

// CheckEvidence checks a checkpoint someone kept (a phone that saw it, an
// auditor, a witness operator): signed by this log and cosigned by at
// least one configured witness, it is verifiable evidence. When the ledger
// is smaller than it or does not extend it, writes stop at once (the
// ledger halts, naming both sizes) and the error wraps ErrEvidence. A
// checkpoint without a configured witness's cosignature proves nothing
// against the operator, and is refused as invalid.
func (c *Cosigner) CheckEvidence(ctx context.Context, signed string) (Evidence, error) {
	var ev Evidence
	logKeys, err := c.logVerifiers()
	if err != nil {
		return ev, err
	}
	n, err := note.Open([]byte(signed), logKeys)
	if err != nil {
		return ev, models.Invalid("checkpoint", "is not a checkpoint signed by this ledger's key: %v", err)
	}
	for _, w := range c.witnesses {
		if _, err := note.Open([]byte(signed), note.VerifierList(w.v)); err == nil {
			ev.Witnesses = append(ev.Witnesses, w.name)
		}
	}
	if len(ev.Witnesses) == 0 {
		return ev, models.Invalid("checkpoint", "carries no valid cosignature of a configured witness, so it proves nothing the operator could not have signed")
	}
	lines := strings.SplitN(n.Text, "\n", 3)
	if len(lines) < 3 {
		return ev, models.Invalid("checkpoint", "has no tree size")
	}
	if _, err := fmt.Sscanf(lines[1], "%d", &ev.Size); err != nil {
		return ev, models.Invalid("checkpoint", "has no tree size")
	}
	if lines[0] != c.log.Origin() {
		// A loss recorded when the log moved to a new origin covers the
		// old origin's checkpoints up to the one it records.
		if raw, err := c.log.State(ctx, contract.PrefixLogOrigin+lines[0]); err == nil {
			var rec contract.LogContinuation
			if json.Unmarshal(raw, &rec) == nil && ev.Size <= rec.Size {
				ev.Superseded = true
				return ev, nil
			}
		}
	}
	err = c.log.CheckTrusted(ctx, signed)
	if err == nil {
		ev.Consistent = true
		return ev, nil
	}
	if !errors.Is(err, ledger.ErrRolledBack) && !errors.Is(err, ledger.ErrForked) {
		if errors.Is(err, models.ErrTampered) {
			return ev, models.Invalid("checkpoint", "does not check against this ledger: %v", err)
		}
		return ev, err
	}
	reason := fmt.Errorf("a checkpoint cosigned by %s shows this ledger %v; bring back the missing entries with `plumbline ledger recover`, or start a new log origin (README, Trust)",
		strings.Join(ev.Witnesses, ", "), err)
	c.opts.Logger.Error("verifiable evidence of a rollback or fork", "witnesses", ev.Witnesses, "err", err)
	if err := c.log.HaltDurably(ctx, reason); err != nil {
		c.opts.Logger.Error("the halt is not kept across a restart", "err", err)
	}
	return ev, fmt.Errorf("%w: %v", ErrEvidence, reason)
}

// logVerifiers returns the verifiers of every name the log signed under.
func (c *Cosigner) logVerifiers() (note.Verifiers, error) {
	var vs []note.Verifier
	for _, k := range strings.Split(strings.TrimSpace(c.log.VerifierKeys()), "\n") {
		v, err := note.NewVerifier(k)
		if err != nil {
			return nil, fmt.Errorf("the log's verifier key: %w", err)
		}
		vs = append(vs, v)
	}
	return note.VerifierList(vs...), nil
}
