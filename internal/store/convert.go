package store

import (
	"encoding/json"
	"fmt"

	"github.com/plumbline/plumbline/models"
)

// Conversions between models types and rows. Each record type converts both
// ways without loss, so that Check can rebuild a record from its rows and
// compare it with the ledger's.

// jsonList encodes a list for a text column; an empty list is "".
func jsonList[T any](v []T) string {
	if len(v) == 0 {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("store: encode list: %v", err)) // lists of plain values always encode
	}
	return string(b)
}

// fromJSONList decodes a list column; "" is an empty (nil) list.
func fromJSONList[T any](s string) ([]T, error) {
	if s == "" {
		return nil, nil
	}
	var v []T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("decode list column: %w", err)
	}
	return v, nil
}

func orgToRow(o *models.Organization, seq uint64) orgRow {
	return orgRow{ID: o.ID, Name: o.Name, Kind: string(o.Kind), Country: o.Country, City: o.City,
		Address: o.Address, Sites: jsonList(o.Sites), Names: jsonMap(o.Names), SiteNames: jsonMap(o.SiteNames),
		TxID: o.TxID, Seq: seq}
}

func orgFromRow(r *orgRow) (models.Organization, error) {
	sites, err := fromJSONList[string](r.Sites)
	o := models.Organization{ID: r.ID, Name: r.Name, Kind: models.OrgKind(r.Kind), Country: r.Country,
		City: r.City, Address: r.Address, Sites: sites, TxID: r.TxID}
	if err == nil {
		err = fromJSONMap(r.Names, &o.Names)
	}
	if err == nil {
		err = fromJSONMap(r.SiteNames, &o.SiteNames)
	}
	return o, err
}

// jsonMap encodes a map column: "" when empty.
func jsonMap[M ~map[K]V, K comparable, V any](m M) string {
	if len(m) == 0 {
		return ""
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// fromJSONMap decodes a column jsonMap wrote into dst.
func fromJSONMap[M ~map[K]V, K comparable, V any](s string, dst *M) error {
	if s == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), dst); err != nil {
		return fmt.Errorf("decode map column: %w", err)
	}
	return nil
}

func productToRow(p *models.Product, seq uint64) productRow {
	return productRow{ID: p.ID, Name: p.Name, Category: string(p.Category), Standard: p.Standard, Unit: p.Unit,
		GTIN: p.GTIN, InspectionRequired: p.InspectionRequired, SpecLimits: jsonList(p.SpecLimits),
		Manufacturer: p.Manufacturer, Names: jsonMap(p.Names), TxID: p.TxID, Seq: seq}
}

func productFromRow(r *productRow) (models.Product, error) {
	limits, err := fromJSONList[models.SpecLimit](r.SpecLimits)
	p := models.Product{ID: r.ID, Name: r.Name, Category: models.Category(r.Category), Standard: r.Standard,
		Unit: r.Unit, GTIN: r.GTIN, InspectionRequired: r.InspectionRequired, SpecLimits: limits,
		Manufacturer: r.Manufacturer, TxID: r.TxID}
	if err == nil {
		err = fromJSONMap(r.Names, &p.Names)
	}
	return p, err
}

func batchToRows(b *models.Batch, seq uint64) (batchRow, []edgeRow, []batchDocRow) {
	r := batchRow{Code: b.Code, ProductID: b.ProductID, Producer: b.Producer, Quantity: int64(b.Quantity),
		Remaining: int64(b.Remaining), Unit: b.Unit, ProducedOn: b.ProducedOn, Origin: b.Origin,
		HeatNumber: b.HeatNumber, LotNumber: b.LotNumber, Owner: b.Owner, Custodian: b.Custodian, Site: b.Site,
		Status: string(b.Status), HoldReason: b.HoldReason, Inspection: string(b.Inspection), Condition: b.Condition,
		Lineage: string(b.Lineage), Children: jsonList(b.Children), Shipment: b.Shipment, TxID: b.TxID,
		CreatedAt: b.CreatedAt, UpdatedTx: b.UpdatedTx, Seq: seq}
	edges := make([]edgeRow, len(b.Parents))
	for i, p := range b.Parents {
		edges[i] = edgeRow{Parent: p.Code, Child: b.Code, Pos: i, Quantity: int64(p.Quantity), Kind: string(b.Lineage), Seq: seq}
	}
	docs := make([]batchDocRow, len(b.Documents))
	for i, h := range b.Documents {
		docs[i] = batchDocRow{BatchCode: b.Code, Pos: i, SHA256: h, Seq: seq}
	}
	return r, edges, docs
}

// batchFromRows rebuilds a batch; edges and docs must be its own, in Pos order.
func batchFromRows(r *batchRow, edges []edgeRow, docs []batchDocRow) (models.Batch, error) {
	children, err := fromJSONList[string](r.Children)
	b := models.Batch{Code: r.Code, ProductID: r.ProductID, Producer: r.Producer, Quantity: models.Decimal(r.Quantity),
		Remaining: models.Decimal(r.Remaining), Unit: r.Unit, ProducedOn: r.ProducedOn, Origin: r.Origin,
		HeatNumber: r.HeatNumber, LotNumber: r.LotNumber, Owner: r.Owner, Custodian: r.Custodian, Site: r.Site,
		Status: models.BatchStatus(r.Status), HoldReason: r.HoldReason, Inspection: models.InspectionState(r.Inspection),
		Condition: r.Condition, Lineage: models.LineageKind(r.Lineage), Children: children, Shipment: r.Shipment,
		TxID: r.TxID, CreatedAt: r.CreatedAt, UpdatedTx: r.UpdatedTx}
	for _, e := range edges {
		b.Parents = append(b.Parents, models.BatchInput{Code: e.Parent, Quantity: models.Decimal(e.Quantity)})
	}
	for _, d := range docs {
		b.Documents = append(b.Documents, d.SHA256)
	}
	return b, err
}

func poToRows(p *models.PurchaseOrder, seq uint64) (poRow, []poLineRow) {
	r := poRow{ID: p.ID, Buyer: p.Buyer, Supplier: p.Supplier, Site: p.Site, Status: p.Status, TxID: p.TxID,
		IssuedAt: p.IssuedAt, DeliverBy: p.DeliverBy, Seq: seq}
	lines := make([]poLineRow, len(p.Lines))
	for i, l := range p.Lines {
		lines[i] = poLineRow{POID: p.ID, Line: l.Line, ProductID: l.ProductID, Quantity: int64(l.Quantity), Unit: l.Unit,
			Dispatched: int64(l.Dispatched), Accepted: int64(l.Accepted), OverDelivered: l.OverDelivered}
	}
	return r, lines
}

func poFromRows(r *poRow, lines []poLineRow) models.PurchaseOrder {
	p := models.PurchaseOrder{ID: r.ID, Buyer: r.Buyer, Supplier: r.Supplier, Site: r.Site, Status: r.Status,
		TxID: r.TxID, IssuedAt: r.IssuedAt, DeliverBy: r.DeliverBy, Lines: []models.POLine{}}
	for _, l := range lines {
		p.Lines = append(p.Lines, models.POLine{Line: l.Line, ProductID: l.ProductID, Quantity: models.Decimal(l.Quantity),
			Unit: l.Unit, Dispatched: models.Decimal(l.Dispatched), Accepted: models.Decimal(l.Accepted),
			OverDelivered: l.OverDelivered})
	}
	return p
}

func shipmentToRows(s *models.Shipment, seq uint64) (shipmentRow, []shipmentLineRow) {
	r := shipmentRow{Code: s.Code, FromOrg: s.From, ToOrg: s.To, Site: s.Site, Carrier: s.Carrier, Vehicle: s.Vehicle,
		DeliveryNote: s.DeliveryNote, Status: s.Status, DispatchedAt: s.DispatchedAt, ReceivedAt: s.ReceivedAt,
		Discrepancy: s.Discrepancy, TxID: s.TxID, ReceiptTxID: s.ReceiptTxID, Seq: seq}
	lines := make([]shipmentLineRow, len(s.Lines))
	for i, l := range s.Lines {
		lines[i] = shipmentLineRow{Shipment: s.Code, Line: l.Line, Source: l.Source, Batch: l.Batch,
			Quantity: int64(l.Quantity), POID: l.POID, POLine: l.POLine, Accepted: int64(l.Accepted),
			Rejected: int64(l.Rejected), Reason: l.Reason, ReturnBatch: l.ReturnBatch}
	}
	return r, lines
}

func shipmentFromRows(r *shipmentRow, lines []shipmentLineRow) models.Shipment {
	s := models.Shipment{Code: r.Code, From: r.FromOrg, To: r.ToOrg, Site: r.Site, Carrier: r.Carrier, Vehicle: r.Vehicle,
		DeliveryNote: r.DeliveryNote, Status: r.Status, DispatchedAt: r.DispatchedAt, ReceivedAt: r.ReceivedAt,
		Discrepancy: r.Discrepancy, TxID: r.TxID, ReceiptTxID: r.ReceiptTxID, Lines: []models.ShipmentLine{}}
	for _, l := range lines {
		s.Lines = append(s.Lines, models.ShipmentLine{Line: l.Line, Source: l.Source, Batch: l.Batch,
			Quantity: models.Decimal(l.Quantity), POID: l.POID, POLine: l.POLine, Accepted: models.Decimal(l.Accepted),
			Rejected: models.Decimal(l.Rejected), Reason: l.Reason, ReturnBatch: l.ReturnBatch})
	}
	return s
}

func inspectionToRows(in *models.Inspection, seq uint64) (inspectionRow, []measurementRow) {
	r := inspectionRow{ID: in.ID, BatchCode: in.BatchCode, Type: in.Type, Verdict: string(in.Verdict),
		Condition: in.Condition, Notes: in.Notes, Documents: jsonList(in.Documents), Agency: in.Agency,
		Inspector: in.Inspector, InspectedAt: in.InspectedAt, TxID: in.TxID, OutOfSpec: jsonList(in.OutOfSpec), Seq: seq}
	ms := make([]measurementRow, len(in.Results))
	for i, m := range in.Results {
		ms[i] = measurementRow{InspectionID: in.ID, Pos: i, Property: m.Property, Value: int64(m.Value), Unit: m.Unit,
			Min: decPtr(m.Min), Max: decPtr(m.Max), Pass: m.Pass}
	}
	return r, ms
}

func inspectionFromRows(r *inspectionRow, ms []measurementRow) (models.Inspection, error) {
	docs, err := fromJSONList[string](r.Documents)
	if err != nil {
		return models.Inspection{}, err
	}
	oos, err := fromJSONList[string](r.OutOfSpec)
	in := models.Inspection{ID: r.ID, BatchCode: r.BatchCode, Type: r.Type, Verdict: models.Verdict(r.Verdict),
		Condition: r.Condition, Notes: r.Notes, Documents: docs, Agency: r.Agency, Inspector: r.Inspector,
		InspectedAt: r.InspectedAt, TxID: r.TxID, OutOfSpec: oos}
	for _, m := range ms {
		in.Results = append(in.Results, models.Measurement{Property: m.Property, Value: models.Decimal(m.Value),
			Unit: m.Unit, Min: intPtr(m.Min), Max: intPtr(m.Max), Pass: m.Pass})
	}
	return in, err
}

func decPtr(d *models.Decimal) *int64 {
	if d == nil {
		return nil
	}
	v := int64(*d)
	return &v
}

func intPtr(v *int64) *models.Decimal {
	if v == nil {
		return nil
	}
	d := models.Decimal(*v)
	return &d
}

func usageToRow(u *models.Usage, seq uint64) usageRow {
	return usageRow{ID: u.ID, BatchCode: u.BatchCode, Quantity: int64(u.Quantity), Unit: u.Unit,
		Project: u.Location.Project, Building: u.Location.Building, Floor: u.Location.Floor, Element: u.Location.Element,
		Contractor: u.Contractor, UserID: u.User, UsedAt: u.UsedAt, TxID: u.TxID, Seq: seq}
}

func usageFromRow(r *usageRow) models.Usage {
	return models.Usage{ID: r.ID, BatchCode: r.BatchCode, Quantity: models.Decimal(r.Quantity), Unit: r.Unit,
		Location:   models.Location{Project: r.Project, Building: r.Building, Floor: r.Floor, Element: r.Element},
		Contractor: r.Contractor, User: r.UserID, UsedAt: r.UsedAt, TxID: r.TxID}
}

func documentToRow(d *models.Document, seq uint64) documentRow {
	return documentRow{SHA256: d.SHA256, Name: d.Name, MediaType: d.MediaType, Size: d.Size, Kind: string(d.Kind),
		Visibility: string(d.Visibility), BatchCode: d.BatchCode, Owner: d.Owner, TxID: d.TxID, AttachedAt: d.AttachedAt, Seq: seq}
}

func documentFromRow(r *documentRow) models.Document {
	return models.Document{SHA256: r.SHA256, Name: r.Name, MediaType: r.MediaType, Size: r.Size,
		Kind: models.DocumentKind(r.Kind), Visibility: models.Visibility(r.Visibility), BatchCode: r.BatchCode,
		Owner: r.Owner, TxID: r.TxID, AttachedAt: r.AttachedAt}
}

func correctionToRow(c *models.Correction, seq uint64) correctionRow {
	return correctionRow{ID: c.ID, TargetKind: c.TargetKind, TargetID: c.TargetID, TargetTxID: c.TargetTxID,
		Field: c.Field, OldValue: c.OldValue, NewValue: c.NewValue, Reason: c.Reason, OrgID: c.Org, UserID: c.User,
		TxID: c.TxID, At: c.At, Seq: seq}
}

func correctionFromRow(r *correctionRow) models.Correction {
	return models.Correction{ID: r.ID, TargetKind: r.TargetKind, TargetID: r.TargetID, TargetTxID: r.TargetTxID,
		Field: r.Field, OldValue: r.OldValue, NewValue: r.NewValue, Reason: r.Reason, Org: r.OrgID, User: r.UserID,
		TxID: r.TxID, At: r.At}
}

func recallToRows(rc *models.Recall, seq uint64) (recallRow, []affectedRow) {
	r := recallRow{ID: rc.ID, BatchCode: rc.BatchCode, Reason: rc.Reason, Severity: rc.Severity, OrgID: rc.Org,
		UserID: rc.User, TxID: rc.TxID, At: rc.At, Seq: seq}
	aff := make([]affectedRow, len(rc.Affected))
	for i, c := range rc.Affected {
		aff[i] = affectedRow{RecallID: rc.ID, Pos: i, BatchCode: c}
	}
	return r, aff
}

func recallFromRows(r *recallRow, aff []affectedRow) models.Recall {
	rc := models.Recall{ID: r.ID, BatchCode: r.BatchCode, Reason: r.Reason, Severity: r.Severity, Org: r.OrgID,
		User: r.UserID, TxID: r.TxID, At: r.At, Affected: []string{}}
	for _, a := range aff {
		rc.Affected = append(rc.Affected, a.BatchCode)
	}
	return rc
}
