package epcis

import (
	"slices"

	"github.com/plumbline/plumbline/ledger/contract"
)

// Redacted returns the event as a reader not involved with its batches
// may see it: without the parts that hold the fields the contract declares
// private for this transaction (contract.PrivateFields) — inspection
// notes, conditions and measurements, usage locations, rejection, release
// and correction reasons, commercial references (purchase orders, delivery
// notes, shipment codes, vehicles), document hashes and private documents,
// corrected values of usages and inspections, a case's usages and
// dispositions. What happened to which batch, when, by whom, and an
// inspection's verdict stay: they are on every batch's public page. The
// Event of m is not modified.
func (m Mapped) Redacted() Event {
	ev := m.Event
	byField := redactors[m.typ]
	for _, f := range contract.PrivateFields(m.typ, m.args) {
		if r, ok := byField[f]; ok {
			r(&ev)
			continue
		}
		// A declared field without its redactor (TestRedactorsFollowDeclaration
		// forbids it): leave out everything any redactor would.
		for _, rs := range redactors {
			for _, r := range rs {
				r(&ev)
			}
		}
	}
	return ev
}

// redactors say, per transaction type and private field of the contract's
// declaration, what of the type's event holds that field, and clear it.
// They replace slices and pointers rather than write through them, so the
// mapped event stays whole.
var redactors = map[string]map[string]func(*Event){
	"CommissionBatch": {
		"documents": func(e *Event) { e.Documents = nil },
	},
	"DispatchShipment": {
		"code":          dropBizTx("plb:shipment"),
		"vehicle":       func(e *Event) { e.Vehicle = "" },
		"delivery_note": dropBizTx("desadv"),
		"lines.po_id": func(e *Event) {
			dropBizTx("po")(e)
			editLines(e, func(l *Line) { l.PO = "" })
		},
		"lines.po_line": func(e *Event) { editLines(e, func(l *Line) { l.POLine = 0 }) },
	},
	"ReceiveShipment": {
		// The receipt's event repeats the shipment's references.
		"shipment": func(e *Event) {
			e.BizTransactionList, e.Vehicle = nil, ""
			editLines(e, func(l *Line) { l.PO, l.POLine = "", 0 })
		},
		"lines.reason": func(e *Event) { editLines(e, func(l *Line) { l.Reason = "" }) },
	},
	"RecordInspection": {
		"results":   func(e *Event) { e.SensorElementList = nil },
		"condition": func(e *Event) { e.Condition = "" },
		"notes":     func(e *Event) { e.Notes = "" },
		"documents": func(e *Event) { e.Documents = nil },
	},
	"ReleaseHold": {
		"reason": func(e *Event) { e.Reason = "" },
	},
	"RecordUsage": {
		"location": func(e *Event) { e.Location, e.ReadPoint, e.BizLocation = nil, nil, nil },
	},
	"AttachDocument": {
		"document.sha256": func(e *Event) {
			editDocument(e, func(d *DocumentInfo) { d.SHA256 = "" })
			e.CertificationInfo = nil // the file's URI names its hash
		},
		"document.name":       func(e *Event) { editDocument(e, func(d *DocumentInfo) { d.Name = "" }) },
		"document.media_type": func(e *Event) { editDocument(e, func(d *DocumentInfo) { d.MediaType = "" }) },
		"document.size":       func(e *Event) { editDocument(e, func(d *DocumentInfo) { d.Size = 0 }) },
	},
	"CorrectEntry": {
		"value": func(e *Event) {
			if e.Correction != nil {
				c := *e.Correction
				c.Value = ""
				e.Correction = &c
			}
		},
		"reason": func(e *Event) { e.Reason = "" },
	},
	"OpenCase": {
		"reason": func(e *Event) { e.Reason = "" },
		"usages": func(e *Event) { e.Usages = nil },
	},
	"AcknowledgeCase": {
		"note": func(e *Event) { e.Notes = "" },
	},
	"RecordDisposition": {
		"items": func(e *Event) { e.Dispositions = nil },
	},
}

// dropBizTx removes the business transactions of the given types.
func dropBizTx(types ...string) func(*Event) {
	return func(e *Event) {
		e.BizTransactionList = slices.DeleteFunc(slices.Clone(e.BizTransactionList), func(b BizTransaction) bool {
			return slices.Contains(types, b.Type)
		})
		if len(e.BizTransactionList) == 0 {
			e.BizTransactionList = nil
		}
	}
}

// editLines applies fn to a copy of every line.
func editLines(e *Event, fn func(*Line)) {
	e.Lines = slices.Clone(e.Lines)
	for i := range e.Lines {
		fn(&e.Lines[i])
	}
}

// editDocument applies fn to a copy of the document's metadata.
func editDocument(e *Event, fn func(*DocumentInfo)) {
	if e.Document != nil {
		d := *e.Document
		fn(&d)
		e.Document = &d
	}
}
