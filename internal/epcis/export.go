package epcis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// Tx is a committed ledger transaction as the exporter needs it.
type Tx struct {
	Seq  uint64
	TxID string
	Type string
	Org  string
	Time time.Time
	Args json.RawMessage // canonical arguments
}

// Facts reads the world state: the JSON of a models record by its key
// (models.PrefixBatch + code, …), or an error wrapping models.ErrNotFound.
// LedgerFacts reads it from the ledger; StateFacts adapts a contract.State.
type Facts interface {
	Get(ctx context.Context, key string) ([]byte, error)
}

// Mapper maps committed transactions to EPCIS events.
type Mapper struct {
	Names Names
	Facts Facts
}

// Mapped is one transaction's event and the batches whose private data it
// may carry (inspection notes and measurements, usage locations, rejection
// reasons, commercial references): readers not involved with any of them
// get it Redacted.
type Mapped struct {
	Event    Event
	Subjects []string
	typ      string          // the transaction's type and arguments, for Redacted
	args     json.RawMessage // to apply the contract's privacy declaration
}

// ErrMasterData marks a transaction type that is master data (a party or a
// product), not an event.
var ErrMasterData = errors.New("master data, not an event")

// Map returns the EPCIS event of tx, or an error wrapping ErrMasterData for
// RegisterOrganization and RegisterProduct.
func (m *Mapper) Map(ctx context.Context, tx Tx) (Mapped, error) {
	mp, ok := Mappings[tx.Type]
	if !ok {
		return Mapped{}, fmt.Errorf("transaction type %s has no EPCIS mapping", tx.Type)
	}
	if mp.EventType == "" {
		return Mapped{}, fmt.Errorf("%s: %w", tx.Type, ErrMasterData)
	}
	at := tx.Time.UTC().Format(time.RFC3339Nano)
	ev := Event{
		Type:                mp.EventType,
		EventTime:           at,
		EventTimeZoneOffset: "+00:00",
		EventID:             eventID(tx.Type, tx.Org, at, tx.Args),
		RecordedBy:          m.Names.Party(tx.Org),
	}
	subjects, err := exporters[tx.Type](ctx, m, tx, &ev)
	if err != nil {
		return Mapped{}, fmt.Errorf("map %s %s (entry %d): %w", tx.Type, tx.TxID, tx.Seq, err)
	}
	return Mapped{Event: ev, Subjects: subjects, typ: tx.Type, args: tx.Args}, nil
}

// Mapping describes how a transaction type maps: its event type, action,
// bizStep and disposition (some depend on the transaction: see Map). An
// empty EventType means master data.
type Mapping struct {
	EventType   string
	Action      string
	BizStep     string
	Disposition string
}

// Mappings lists every transaction type's mapping; a test checks that
// every contract type is here.
var Mappings = map[string]Mapping{
	"RegisterOrganization": {},
	"RegisterProduct":      {},
	"ContinueLog":          {}, // the ledger's own history, not a supply-chain event
	"CommissionBatch":      {ObjectEvent, "ADD", "commissioning", "active"},
	"CreatePurchaseOrder":  {TransactionEvent, "ADD", "", ""},
	"DispatchShipment":     {ObjectEvent, "OBSERVE", "shipping", "in_transit"},
	"ReceiveShipment":      {ObjectEvent, "OBSERVE", "receiving", "available or returned"},
	"RecordInspection":     {ObjectEvent, "OBSERVE", "inspecting or sampling", "conformant or non_conformant"},
	"ReleaseHold":          {ObjectEvent, "OBSERVE", "holding", "available"},
	"RecordUsage":          {ObjectEvent, "OBSERVE", "installing", ""},
	"TransformBatches":     {TransformationEvent, "", "", "active"},
	"RecallBatch":          {ObjectEvent, "OBSERVE", "", "recalled"},
	"AttachDocument":       {ObjectEvent, "OBSERVE", "", ""},
	"CorrectEntry":         {ObjectEvent, "OBSERVE", "", ""},
	// Quality cases (a Trace-X style alert workflow): exported, not
	// captured (they name usages and cases by this instance's IDs).
	"OpenCase":          {ObjectEvent, "OBSERVE", "", "recalled or non_conformant"},
	"AcknowledgeCase":   {ObjectEvent, "OBSERVE", "", ""},
	"RecordDisposition": {ObjectEvent, "OBSERVE", "", "needs_replacement or none"},
}

type exporter func(ctx context.Context, m *Mapper, tx Tx, ev *Event) (subjects []string, err error)

var exporters = map[string]exporter{
	"CommissionBatch":     exportCommission,
	"CreatePurchaseOrder": exportOrder,
	"DispatchShipment":    exportDispatch,
	"ReceiveShipment":     exportReceipt,
	"RecordInspection":    exportInspection,
	"ReleaseHold":         exportRelease,
	"RecordUsage":         exportUsage,
	"TransformBatches":    exportTransform,
	"RecallBatch":         exportRecall,
	"AttachDocument":      exportDocument,
	"CorrectEntry":        exportCorrection,
	"OpenCase":            exportOpenCase,
	"AcknowledgeCase":     exportAckCase,
	"RecordDisposition":   exportDisposition,
}

// get loads the record at prefix+id into v.
func (m *Mapper) get(ctx context.Context, prefix, id string, v any) error {
	raw, err := m.Facts.Get(ctx, models.Key(prefix, id))
	if err != nil {
		return fmt.Errorf("read %s%s: %w", prefix, id, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode %s%s: %w", prefix, id, err)
	}
	return nil
}

// batch returns a batch, its product and its identifier.
func (m *Mapper) batch(ctx context.Context, code string) (models.Batch, models.Product, string, error) {
	var b models.Batch
	var p models.Product
	if err := m.get(ctx, models.PrefixBatch, code, &b); err != nil {
		return b, p, "", err
	}
	if err := m.get(ctx, models.PrefixProduct, b.ProductID, &p); err != nil {
		return b, p, "", err
	}
	return b, p, m.Names.Batch(b, p), nil
}

// quantity is a quantity element of batch code.
func (m *Mapper) quantity(ctx context.Context, code string, q *models.Decimal) (Quantity, error) {
	b, _, uri, err := m.batch(ctx, code)
	if err != nil {
		return Quantity{}, err
	}
	el := Quantity{EPCClass: uri}
	if q != nil {
		v := *q
		el.Quantity, el.UOM = &v, UOM(b.Unit)
	}
	return el, nil
}

func decode(tx Tx, v any) error {
	if err := json.Unmarshal(tx.Args, v); err != nil {
		return fmt.Errorf("decode arguments: %w", err)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

func exportCommission(ctx context.Context, m *Mapper, tx Tx, ev *Event) ([]string, error) {
	var a contract.CommissionBatchArgs
	if err := decode(tx, &a); err != nil {
		return nil, err
	}
	q, err := m.quantity(ctx, a.Code, &a.Quantity)
	if err != nil {
		return nil, err
	}
	var p models.Product
	if err := m.get(ctx, models.PrefixProduct, a.ProductID, &p); err != nil {
		return nil, err
	}
	ev.Action, ev.BizStep, ev.Disposition = "ADD", "commissioning", "active"
	ev.QuantityList = []Quantity{q}
	ev.DestinationList = []Destination{{"owning_party", m.Names.Party(tx.Org)}, {"possessing_party", m.Names.Party(tx.Org)}}
	ilmd := map[string]any{"plb:batchCode": a.Code, "plb:product": m.Names.Product(p), "plb:producedOn": a.ProducedOn}
	if a.LotNumber != "" {
		ilmd["cbvmda:lotNumber"] = a.LotNumber
	}
	if a.HeatNumber != "" {
		ilmd["plb:heatNumber"] = a.HeatNumber
	}
	if a.ConfirmOldDate {
		ilmd["plb:confirmOldDate"] = true
	}
	if a.Origin != "" {
		ilmd["plb:origin"] = a.Origin
	}
	ev.ILMD = ilmd
	ev.Documents = a.Documents
	return []string{a.Code}, nil
}

func exportOrder(ctx context.Context, m *Mapper, tx Tx, ev *Event) ([]string, error) {
	var a contract.CreatePurchaseOrderArgs
	if err := decode(tx, &a); err != nil {
		return nil, err
	}
	ev.Action = "ADD"
	ev.BizTransactionList = []BizTransaction{{"po", m.Names.PurchaseOrder(a.ID)}}
	for _, l := range a.Lines {
		var p models.Product
		if err := m.get(ctx, models.PrefixProduct, l.ProductID, &p); err != nil {
			return nil, err
		}
		ev.QuantityList = append(ev.QuantityList, Quantity{EPCClass: m.Names.Product(p), Quantity: ptr(l.Quantity), UOM: UOM(p.Unit)})
	}
	ev.DeliverBy = a.DeliverBy
	ev.SourceList = []Source{{"owning_party", m.Names.Party(a.Supplier)}}
	ev.DestinationList = []Destination{{"owning_party", m.Names.Party(tx.Org)}}
	if a.Site != "" {
		ev.DestinationList = append(ev.DestinationList, Destination{"location", m.Names.Site(tx.Org, a.Site)})
	}
	return nil, nil
}

// shipmentEvent fills what dispatch and receipt events share.
func (m *Mapper) shipmentEvent(ctx context.Context, sh models.Shipment, ev *Event, receipt bool) ([]string, error) {
	ev.Action = "OBSERVE"
	var subjects []string
	pos := map[string]bool{}
	ev.BizTransactionList = []BizTransaction{{"plb:shipment", m.Names.Shipment(sh.Code)}}
	if sh.DeliveryNote != "" {
		ev.BizTransactionList = append(ev.BizTransactionList, BizTransaction{"desadv", m.Names.DeliveryNote(sh.From, sh.DeliveryNote)})
	}
	for _, l := range sh.Lines {
		q, err := m.quantity(ctx, l.Batch, &l.Quantity)
		if err != nil {
			return nil, err
		}
		ev.QuantityList = append(ev.QuantityList, q)
		line := Line{EPCClass: q.EPCClass, Quantity: l.Quantity, POLine: l.POLine}
		if l.Source != "" && l.Source != l.Batch {
			_, _, src, err := m.batch(ctx, l.Source)
			if err != nil {
				return nil, err
			}
			line.Source = src
		}
		if l.POID != "" {
			line.PO = m.Names.PurchaseOrder(l.POID)
			if !pos[l.POID] {
				pos[l.POID] = true
				ev.BizTransactionList = append(ev.BizTransactionList, BizTransaction{"po", line.PO})
			}
		}
		if receipt {
			line.Accepted, line.Rejected, line.Reason = ptr(l.Accepted), ptr(l.Rejected), l.Reason
		}
		ev.Lines = append(ev.Lines, line)
		subjects = append(subjects, l.Batch)
	}
	ev.SourceList = []Source{{"owning_party", m.Names.Party(sh.From)}, {"possessing_party", m.Names.Party(sh.From)}}
	ev.DestinationList = []Destination{{"owning_party", m.Names.Party(sh.To)}, {"possessing_party", m.Names.Party(sh.To)}}
	if sh.Site != "" {
		ev.DestinationList = append(ev.DestinationList, Destination{"location", m.Names.Site(sh.To, sh.Site)})
	}
	ev.Carrier = m.Names.Party(sh.Carrier)
	ev.Vehicle = sh.Vehicle
	return subjects, nil
}

func exportDispatch(ctx context.Context, m *Mapper, tx Tx, ev *Event) ([]string, error) {
	var a contract.DispatchShipmentArgs
	if err := decode(tx, &a); err != nil {
		return nil, err
	}
	var sh models.Shipment
	if err := m.get(ctx, models.PrefixShipment, a.Code, &sh); err != nil {
		return nil, err
	}
	ev.BizStep, ev.Disposition = "shipping", "in_transit"
	return m.shipmentEvent(ctx, sh, ev, false)
}

func exportReceipt(ctx context.Context, m *Mapper, tx Tx, ev *Event) ([]string, error) {
	var a contract.ReceiveShipmentArgs
	if err := decode(tx, &a); err != nil {
		return nil, err
	}
	var sh models.Shipment
	if err := m.get(ctx, models.PrefixShipment, a.Shipment, &sh); err != nil {
		return nil, err
	}
	ev.BizStep, ev.Disposition = "receiving", "returned"
	for _, l := range sh.Lines {
		if l.Accepted > 0 {
			ev.Disposition = "available"
		}
	}
	return m.shipmentEvent(ctx, sh, ev, true)
}

func exportInspection(ctx context.Context, m *Mapper, tx Tx, ev *Event) ([]string, error) {
	var in models.Inspection
	if err := m.get(ctx, models.PrefixInspection, tx.TxID, &in); err != nil {
		return nil, err
	}
	q, err := m.quantity(ctx, in.BatchCode, nil)
	if err != nil {
		return nil, err
	}
	ev.Action, ev.BizStep, ev.Disposition = "OBSERVE", "inspecting", "conformant"
	if in.Type == "sampling" {
		ev.BizStep = "sampling"
	}
	if in.Verdict == models.VerdictFail {
		ev.Disposition = "non_conformant"
		ev.PersistentDisposition = &PersistentDisposition{Set: []string{"non_conformant"}}
	}
	ev.QuantityList = []Quantity{q}
	ev.InspectionType, ev.Verdict = in.Type, string(in.Verdict)
	ev.Condition, ev.Notes, ev.Documents = in.Condition, in.Notes, in.Documents
	if len(in.Results) > 0 {
		var se SensorElement
		for _, r := range in.Results {
			se.Report = append(se.Report, SensorReport{Type: Property(r.Property), Value: r.Value, UOM: r.Unit, Min: r.Min, Max: r.Max, Pass: ptr(r.Pass)})
		}
		ev.SensorElementList = []SensorElement{se}
	}
	return []string{in.BatchCode}, nil
}

func exportRelease(ctx context.Context, m *Mapper, tx Tx, ev *Event) ([]string, error) {
	var a contract.ReleaseHoldArgs
	if err := decode(tx, &a); err != nil {
		return nil, err
	}
	q, err := m.quantity(ctx, a.Batch, nil)
	if err != nil {
		return nil, err
	}
	ev.Action, ev.BizStep, ev.Disposition = "OBSERVE", "holding", "available"
	ev.PersistentDisposition = &PersistentDisposition{Unset: []string{"non_conformant"}}
	ev.QuantityList = []Quantity{q}
	ev.Reason = a.Reason
	return []string{a.Batch}, nil
}

func exportUsage(ctx context.Context, m *Mapper, tx Tx, ev *Event) ([]string, error) {
	var u models.Usage
	if err := m.get(ctx, models.PrefixUsage, tx.TxID, &u); err != nil {
		return nil, err
	}
	q, err := m.quantity(ctx, u.BatchCode, &u.Quantity)
	if err != nil {
		return nil, err
	}
	ev.Action, ev.BizStep = "OBSERVE", "installing"
	ev.QuantityList = []Quantity{q}
	loc := m.Names.Location(u.Location)
	ev.ReadPoint, ev.BizLocation = &ID{loc}, &ID{loc}
	ev.Location = &Location{Project: u.Location.Project, Building: u.Location.Building, Floor: u.Location.Floor, Element: u.Location.Element}
	return []string{u.BatchCode}, nil
}

func exportTransform(ctx context.Context, m *Mapper, tx Tx, ev *Event) ([]string, error) {
	var a contract.TransformBatchesArgs
	if err := decode(tx, &a); err != nil {
		return nil, err
	}
	var subjects []string
	for _, in := range a.Inputs {
		q, err := m.quantity(ctx, in.Code, &in.Quantity)
		if err != nil {
			return nil, err
		}
		ev.InputQuantityList = append(ev.InputQuantityList, q)
		subjects = append(subjects, in.Code)
	}
	unit := ""
	for _, o := range a.Outputs {
		q, err := m.quantity(ctx, o.Code, &o.Quantity)
		if err != nil {
			return nil, err
		}
		var p models.Product
		if err := m.get(ctx, models.PrefixProduct, o.ProductID, &p); err != nil {
			return nil, err
		}
		unit = p.Unit
		ev.OutputQuantityList = append(ev.OutputQuantityList, q)
		ev.Outputs = append(ev.Outputs, Output{EPCClass: q.EPCClass, Code: o.Code, Product: m.Names.Product(p), ProducedOn: o.ProducedOn, LotNumber: o.LotNumber, Origin: o.Origin})
		subjects = append(subjects, o.Code)
	}
	ev.Disposition, ev.Kind = "active", a.Kind
	if a.Yield != nil {
		ev.Yield = &Quantity{EPCClass: ev.Outputs[0].Product, Quantity: ptr(*a.Yield), UOM: UOM(unit)}
	}
	return subjects, nil
}

func exportRecall(ctx context.Context, m *Mapper, tx Tx, ev *Event) ([]string, error) {
	var rc models.Recall
	if err := m.get(ctx, models.PrefixRecall, tx.TxID, &rc); err != nil {
		return nil, err
	}
	q, err := m.quantity(ctx, rc.BatchCode, nil)
	if err != nil {
		return nil, err
	}
	ev.Action, ev.Disposition = "OBSERVE", "recalled"
	ev.QuantityList = []Quantity{q}
	ev.Reason, ev.Severity = rc.Reason, rc.Severity
	for _, c := range rc.Affected {
		_, _, uri, err := m.batch(ctx, c)
		if err != nil {
			return nil, err
		}
		ev.Affected = append(ev.Affected, uri)
	}
	return []string{rc.BatchCode}, nil
}

// certifying are the document kinds that certify a batch.
var certifying = map[models.DocumentKind]bool{models.DocCertificate: true, models.DocMillTest: true, models.DocDeclaration: true, models.DocTestReport: true}

func exportDocument(ctx context.Context, m *Mapper, tx Tx, ev *Event) ([]string, error) {
	var a contract.AttachDocumentArgs
	if err := decode(tx, &a); err != nil {
		return nil, err
	}
	q, err := m.quantity(ctx, a.Batch, nil)
	if err != nil {
		return nil, err
	}
	d := a.Document
	ev.Action = "OBSERVE"
	ev.QuantityList = []Quantity{q}
	if certifying[d.Kind] {
		ev.CertificationInfo = []string{m.Names.File(d.SHA256)}
	}
	ev.Document = &DocumentInfo{SHA256: d.SHA256, Name: d.Name, MediaType: d.MediaType, Size: d.Size, Kind: string(d.Kind), Visibility: string(d.Visibility)}
	return []string{a.Batch}, nil
}

func exportCorrection(ctx context.Context, m *Mapper, tx Tx, ev *Event) ([]string, error) {
	var a contract.CorrectEntryArgs
	if err := decode(tx, &a); err != nil {
		return nil, err
	}
	code := a.TargetID
	switch a.TargetKind {
	case contract.TargetUsage:
		var u models.Usage
		if err := m.get(ctx, models.PrefixUsage, a.TargetID, &u); err != nil {
			return nil, err
		}
		code = u.BatchCode
	case contract.TargetInspection:
		var in models.Inspection
		if err := m.get(ctx, models.PrefixInspection, a.TargetID, &in); err != nil {
			return nil, err
		}
		code = in.BatchCode
	}
	q, err := m.quantity(ctx, code, nil)
	if err != nil {
		return nil, err
	}
	ev.Action = "OBSERVE"
	ev.QuantityList = []Quantity{q}
	ev.Correction = &Correction{TargetKind: a.TargetKind, TargetID: a.TargetID, Field: a.Field, Value: a.Value}
	ev.Reason = a.Reason
	return []string{code}, nil
}

// EventTypes returns the transaction types that map to events, sorted.
func EventTypes() []string {
	var out []string
	for typ, mp := range Mappings {
		if mp.EventType != "" {
			out = append(out, typ)
		}
	}
	sort.Strings(out)
	return out
}

// bizSteps returns the bizSteps a mapping's events may carry.
func (mp Mapping) bizSteps() []string {
	if mp.BizStep == "" {
		return nil
	}
	return strings.Split(mp.BizStep, " or ")
}

// TypesForBizStep returns the transaction types whose events may carry
// bizStep, sorted; none for a bizStep Plumbline does not use.
func TypesForBizStep(bizStep string) []string {
	var out []string
	for typ, mp := range Mappings {
		if slices.Contains(mp.bizSteps(), bizStep) {
			out = append(out, typ)
		}
	}
	sort.Strings(out)
	return out
}

// BizSteps returns every bizStep Plumbline's events carry, sorted.
func BizSteps() []string {
	var out []string
	for _, mp := range Mappings {
		for _, s := range mp.bizSteps() {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return out
}

// caseEvent fills what the events of a quality case share: the case's
// batch and the case itself.
func (m *Mapper) caseEvent(ctx context.Context, id string, ev *Event) (models.Case, error) {
	var c models.Case
	if err := m.get(ctx, models.PrefixCase, id, &c); err != nil {
		return c, err
	}
	q, err := m.quantity(ctx, c.BatchCode, nil)
	if err != nil {
		return c, err
	}
	ev.Action = "OBSERVE"
	ev.QuantityList = []Quantity{q}
	ev.Case = m.Names.Case(c.ID)
	return c, nil
}

func exportOpenCase(ctx context.Context, m *Mapper, tx Tx, ev *Event) ([]string, error) {
	c, err := m.caseEvent(ctx, tx.TxID, ev)
	if err != nil {
		return nil, err
	}
	ev.Disposition = "non_conformant"
	if c.Kind == models.CaseRecall {
		ev.Disposition = "recalled"
	}
	ev.CaseKind, ev.Severity, ev.Reason, ev.TargetDate = string(c.Kind), c.Severity, c.Reason, c.TargetDate
	for _, code := range c.Batches {
		_, _, uri, err := m.batch(ctx, code)
		if err != nil {
			return nil, err
		}
		ev.Affected = append(ev.Affected, uri)
	}
	for _, u := range c.Usages {
		ev.Usages = append(ev.Usages, u.Usage)
	}
	return []string{c.BatchCode}, nil
}

func exportAckCase(ctx context.Context, m *Mapper, tx Tx, ev *Event) ([]string, error) {
	var a contract.AcknowledgeCaseArgs
	if err := decode(tx, &a); err != nil {
		return nil, err
	}
	c, err := m.caseEvent(ctx, a.Case, ev)
	if err != nil {
		return nil, err
	}
	ev.Notes = a.Note
	return []string{c.BatchCode}, nil
}

func exportDisposition(ctx context.Context, m *Mapper, tx Tx, ev *Event) ([]string, error) {
	var a contract.RecordDispositionArgs
	if err := decode(tx, &a); err != nil {
		return nil, err
	}
	c, err := m.caseEvent(ctx, a.Case, ev)
	if err != nil {
		return nil, err
	}
	for _, it := range a.Items {
		if it.Disposition == models.DispositionReplace {
			ev.Disposition = "needs_replacement"
		}
		ev.Dispositions = append(ev.Dispositions, UsageDisposition{Usage: it.Usage, Disposition: string(it.Disposition), Justification: it.Justification})
	}
	return []string{c.BatchCode}, nil
}
