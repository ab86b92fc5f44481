package contract

import (
	"encoding/json"
	"strings"

	"github.com/plumbline/plumbline/models"
)

// What of each transaction is private: the one declaration.
//
// A batch's public tier (its product, producer, status, chain of custody,
// inspection verdicts, public certificates and the ledger's proofs) is for
// everyone. Its private tier — inspection notes and measurements, where
// material was used, rejection and release reasons, commercial references,
// private documents — is for the organizations involved with the batch
// (internal/access says who they are). This table says, per transaction
// type, which argument fields hold private-tier values. The web app's
// redaction (internal/access, internal/epcis) reads it, and so will a
// Fabric private-data collection: a field declared here is the part of a
// transaction that would go to the collection, off the shared channel.

// Privacy is what one transaction type puts in a batch's private tier.
type Privacy struct {
	// WholeEntry marks a transaction that is private as a whole: it is
	// shown only to its own parties, and to them whole (a purchase order to
	// its buyer and supplier; a quality case's steps to those who may see
	// the case: internal/access.(*Checker).Case).
	WholeEntry bool
	// Private are the argument fields holding private-tier values: views
	// (pages, API, EPCIS exports, reports) leave them out for organizations
	// not involved with the transaction's batches. For a WholeEntry type
	// they are what is left out should one of its events reach a reader
	// who is not involved (an EPCIS export redacts them).
	Private []Field
}

// Field is one argument field of the private tier.
type Field struct {
	// Path is the field's JSON name in the arguments, dotted into objects;
	// a list's elements are reached through the list's name ("lines.reason"
	// is the reason of every line).
	Path string
	// Hash marks a field that holds only SHA-256 hashes of files: a hash
	// reveals nothing of a file, so it does not keep the entry itself from
	// the public (see PublicEntry), but views still leave it out so that
	// nobody learns which private files a batch has.
	Hash bool
	// Unless, when set, makes the field public in the entries whose
	// argument Unless.Path has the value Unless.Value (a document attached
	// as public; a correction of a batch's public fields).
	Unless *Is
}

// Is is a condition on one argument: the string at Path equals Value.
type Is struct {
	Path, Value string
}

// privacy is the declaration; a test checks that every transaction type
// has one and that every path names a field of the type's arguments.
var privacy = map[string]Privacy{
	// Master data: public.
	"RegisterOrganization": {},
	"RegisterProduct":      {},
	// A batch's identity is public; the hashes of the files that came
	// with it are left out of views (private documents among them).
	"CommissionBatch": {Private: []Field{{Path: "documents", Hash: true}}},
	// A purchase order goes to its buyer and supplier only.
	"CreatePurchaseOrder": {WholeEntry: true},
	// Dispatch: the shipment's code, vehicle, delivery note and purchase
	// order references are commercial; who shipped what to whom, when, and
	// how much, are the public chain of custody.
	"DispatchShipment": {Private: []Field{{Path: "code"}, {Path: "vehicle"}, {Path: "delivery_note"}, {Path: "lines.po_id"}, {Path: "lines.po_line"}}},
	// Receipt: the rejection reasons, and the shipment it answers (whose
	// code, vehicle, delivery note and purchase orders a receipt's event
	// repeats).
	"ReceiveShipment": {Private: []Field{{Path: "shipment"}, {Path: "lines.reason"}}},
	// Inspection: measurements, a conditional pass's condition, notes and
	// the reports' and photos' hashes; the type and verdict are public.
	"RecordInspection": {Private: []Field{{Path: "results"}, {Path: "condition"}, {Path: "notes"}, {Path: "documents", Hash: true}}},
	// Releasing a hold: why.
	"ReleaseHold": {Private: []Field{{Path: "reason"}}},
	// Usage: where the material went into the works.
	"RecordUsage": {Private: []Field{{Path: "location"}}},
	// Lineage and recalls are public: a recall is a public notice.
	"TransformBatches": {},
	"RecallBatch":      {},
	// A log's continuation after a loss is a public notice.
	"ContinueLog": {},
	// A private document's hash, name, type and size; a public one is
	// public whole. Its kind and visibility are public either way.
	"AttachDocument": {Private: []Field{
		{Path: "document.sha256", Hash: true, Unless: publicDocument},
		{Path: "document.name", Unless: publicDocument},
		{Path: "document.media_type", Unless: publicDocument},
		{Path: "document.size", Unless: publicDocument},
	}},
	// A correction's reason, and its new value unless it corrects a
	// batch's (public) descriptive fields: usages' locations and
	// inspections' notes are private.
	"CorrectEntry": {Private: []Field{{Path: "value", Unless: &Is{"target_kind", TargetBatch}}, {Path: "reason"}}},
	// Quality cases go to those who may see the case. Within them, a
	// non-conformance's reason, the usages affected, acknowledgement notes
	// and dispositions are the private tier of the batches used.
	"OpenCase":          {WholeEntry: true, Private: []Field{{Path: "reason", Unless: &Is{"kind", string(models.CaseRecall)}}, {Path: "usages"}}},
	"AcknowledgeCase":   {WholeEntry: true, Private: []Field{{Path: "note"}}},
	"RecordDisposition": {WholeEntry: true, Private: []Field{{Path: "items"}}},
}

var publicDocument = &Is{"document.visibility", string(models.Public)}

// PrivacyOf returns the privacy declaration of transaction type typ; ok is
// false for a type the contract does not know.
func PrivacyOf(typ string) (p Privacy, ok bool) {
	p, ok = privacy[typ]
	return p, ok
}

// PrivateFields returns the paths of the fields that are private in one
// transaction of type typ with arguments args: the declared fields whose
// Unless does not hold. Arguments that cannot be read make every declared
// field private.
func PrivateFields(typ string, args []byte) []string {
	p, ok := privacy[typ]
	if !ok {
		return nil
	}
	var doc map[string]any
	parsed := json.Unmarshal(args, &doc) == nil
	var out []string
	for _, f := range p.Private {
		if !parsed || !f.Unless.holds(doc) {
			out = append(out, f.Path)
		}
	}
	return out
}

// PublicEntry reports whether the ledger entry of a transaction of type
// typ with arguments args may be given whole to anyone: its type is known
// and not WholeEntry, and none of its private fields applies to it except
// hashes. Unreadable arguments and unknown types are not public.
func PublicEntry(typ string, args []byte) bool {
	p, ok := privacy[typ]
	if !ok || p.WholeEntry {
		return false
	}
	var doc map[string]any
	parsed := false
	for _, f := range p.Private {
		if f.Hash {
			continue
		}
		if !parsed {
			if json.Unmarshal(args, &doc) != nil {
				return false
			}
			parsed = true
		}
		if !f.Unless.holds(doc) {
			return false
		}
	}
	return true
}

// holds reports whether the condition holds for the arguments doc; a nil
// condition never holds.
func (is *Is) holds(doc map[string]any) bool {
	if is == nil {
		return false
	}
	var v any = doc
	for _, name := range strings.Split(is.Path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		v = m[name]
	}
	s, ok := v.(string)
	return ok && s == is.Value
}
