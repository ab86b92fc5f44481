package access

import (
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// The records of the read model as organizations not involved with their
// batch may see them. Each rule names the private fields of the contract's
// declaration (contract.PrivacyOf) that the record carries.

// PublicEntry reports whether a ledger entry of this type and these
// arguments holds nothing of a batch's private tier, so that anyone may
// read it whole: registrations, commissioning, transformations, recalls
// and public documents (contract.PublicEntry).
func PublicEntry(typ string, args []byte) bool { return contract.PublicEntry(typ, args) }

// EntryBytesPublic reports whether anyone may have a ledger entry's bytes:
// a public entry, or one that holds its private fields only as salted
// commitments (committed: the embedded ledger's entry v2), whose openings
// go only to those who may read the entry (Checker.ReadEntry).
func EntryBytesPublic(typ string, args []byte, committed bool) bool {
	return committed || PublicEntry(typ, args)
}

// PublicBatch returns b as organizations not involved with it may see it:
// the hold reason only when it is a recall's (the contract copies a failed
// inspection's notes and a receipt's rejection reason into it), and only
// the hashes of its public documents (docs are the batch's document
// records).
func PublicBatch(b models.Batch, docs []models.Document) models.Batch {
	if b.Status != models.StatusRecalled {
		b.HoldReason = ""
	}
	public := make([]string, 0, len(b.Documents))
	for _, h := range b.Documents {
		for _, doc := range docs {
			if doc.SHA256 == h && doc.Visibility == models.Public {
				public = append(public, h)
				break
			}
		}
	}
	b.Documents = public
	return b
}

// Document reports whether a viewer sees document doc of a batch it is
// (involved) or is not involved with: public documents are for everyone,
// private ones (test reports, delivery papers) for the involved.
func Document(doc models.Document, involved bool) bool {
	return involved || doc.Visibility == models.Public
}

// Inspection returns in as a viewer (not) involved with its batch sees
// it: without measurements and notes unless involved. The type, verdict,
// agency and time are public.
func Inspection(in models.Inspection, involved bool) models.Inspection {
	if !involved {
		in.Results, in.Notes = nil, ""
	}
	return in
}
