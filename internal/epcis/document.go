package epcis

import (
	"time"

	"github.com/plumbline/plumbline/models"
)

// NewDocument returns an EPCISDocument holding events, created at now.
func NewDocument(now time.Time, sender string, events []Event) Document {
	if events == nil {
		events = []Event{}
	}
	return Document{
		Context:       []any{Context, map[string]string{"plb": Namespace}},
		Type:          "EPCISDocument",
		SchemaVersion: "2.0",
		CreationDate:  now.UTC().Format(time.RFC3339Nano),
		Sender:        sender,
		Body:          Body{EventList: events},
	}
}

// Redact removes from e what only organizations involved with its batches
// may see: inspection notes, conditions and measurements, usage
// locations, rejection and release reasons, commercial references
// (purchase orders, delivery notes, shipment codes, vehicles), document
// hashes and private documents, and corrected values of usages and
// inspections. What happened to which batch, when, by whom, and an
// inspection's verdict stay: they are on every batch's public page.
func (e *Event) Redact() {
	e.SensorElementList = nil
	e.Notes, e.Condition, e.Vehicle = "", "", ""
	if e.Disposition != "recalled" {
		e.Reason = ""
	}
	if e.Location != nil {
		e.Location, e.ReadPoint, e.BizLocation = nil, nil, nil
	}
	e.Documents = nil
	if e.Type != TransactionEvent {
		e.BizTransactionList = nil
	}
	for i := range e.Lines {
		l := &e.Lines[i]
		l.Reason, l.PO, l.POLine = "", "", 0
	}
	if d := e.Document; d != nil && d.Visibility != string(models.Public) {
		e.Document = &DocumentInfo{Kind: d.Kind, Visibility: d.Visibility}
		e.CertificationInfo = nil
	}
	e.Usages, e.Dispositions = nil, nil
	if c := e.Correction; c != nil && c.TargetKind != "batch" {
		e.Correction = &Correction{TargetKind: c.TargetKind, TargetID: c.TargetID, Field: c.Field}
	}
}
