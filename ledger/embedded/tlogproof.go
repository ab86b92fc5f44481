package embedded

import (
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/ledger/tlogproof"
	"github.com/plumbline/plumbline/models"
)

// Offline proofs (C2SP tlog-proof, ledger/tlogproof) of this ledger's
// entries carry the entry's canonical bytes on the extra line: they are
// the leaf, so the file alone gives the leaf hash SHA-256(0x00 || entry),
// and the inclusion proof, not the file, is what makes them trusted.

// ProofReport is what VerifyProof checked.
type ProofReport struct {
	tlogproof.Verified
	// Entry is the proved entry, decoded from the proof's extra data.
	Entry Entry
}

// VerifyProof checks an offline proof of one entry of a Plumbline ledger:
// the proof parses strictly; it carries the entry (extra data), whose
// leaf hash the inclusion proof leads to the checkpoint's root; the
// checkpoint is signed by one of verifierKeys (note verifier keys
// separated by newlines, named after the log's origin) in this ledger's
// checkpoint form; at least quorum of witnesses cosigned it, and every
// cosignature of theirs it carries verifies; the entry decodes and is
// entry index+1. Failures wrap models.ErrTampered. (The organization's
// signature inside the entry needs its certificate; Verify checks those.)
func VerifyProof(text []byte, verifierKeys string, witnesses []note.Verifier, quorum int) (ProofReport, error) {
	var r ProofReport
	p, err := tlogproof.Parse(text)
	if err != nil {
		return r, fmt.Errorf("%v: %w", err, models.ErrTampered)
	}
	if p.Extra == nil {
		return r, fmt.Errorf("the proof carries no entry (no extra line), so its leaf hash cannot be computed from it: %w", models.ErrTampered)
	}
	keys := newNoteKey(strings.Split(strings.TrimSpace(verifierKeys), "\n")...)
	if keys.err != nil {
		return r, keys.err
	}
	if _, err := keys.parse(p.Checkpoint); err != nil {
		return r, err
	}
	r.Verified, err = tlogproof.Verify(p, tlog.RecordHash(p.Extra), tlogproof.Policy{Log: keys.vs, Witnesses: witnesses, Quorum: quorum})
	if err != nil {
		return r, fmt.Errorf("%v: %w", err, models.ErrTampered)
	}
	if r.Entry, err = DecodeEntry(p.Extra); err != nil {
		return r, fmt.Errorf("the proof's entry: %v: %w", err, models.ErrTampered)
	}
	if r.Entry.Seq != p.Index+1 {
		return r, fmt.Errorf("the proof's entry says it is entry %d, but it is proved as leaf %d (entry %d): %w", r.Entry.Seq, p.Index, p.Index+1, models.ErrTampered)
	}
	return r, nil
}
