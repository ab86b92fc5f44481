package cosign

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/plumbline/plumbline/models"
)

// Evidence is what a checkpoint someone presents says about the ledger.
type Evidence struct {
	// Consistent is set when the ledger extends the checkpoint.
	Consistent bool `json:"consistent"`
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
	if _, err := fmt.Sscanf(strings.SplitN(n.Text, "\n", 3)[1], "%d", &ev.Size); err != nil {
		return ev, models.Invalid("checkpoint", "has no tree size")
	}
	err = c.log.CheckTrusted(ctx, signed)
	if err == nil {
		ev.Consistent = true
		return ev, nil
	}
	if !errors.Is(err, models.ErrTampered) {
		return ev, err
	}
	reason := fmt.Errorf("a checkpoint cosigned by %s shows this ledger %v; bring back the missing entries with `plumbline ledger recover`, or start a new log origin (README, Trust)",
		strings.Join(ev.Witnesses, ", "), err)
	c.opts.Logger.Error("verifiable evidence of a rollback or fork", "witnesses", ev.Witnesses, "err", err)
	c.log.Halt(reason)
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
