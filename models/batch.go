package models

// BatchStatus is where a batch stands in its life.
type BatchStatus string

// Batch statuses.
const (
	StatusAvailable BatchStatus = "available"  // with its custodian, usable subject to inspection
	StatusInTransit BatchStatus = "in_transit" // dispatched, held by the carrier
	StatusOnHold    BatchStatus = "on_hold"    // quarantined after a failing inspection; cannot move or be used
	StatusRejected  BatchStatus = "rejected"   // refused on receipt, back with the shipper
	StatusRecalled  BatchStatus = "recalled"   // recalled; cannot be dispatched, transformed or used
	StatusDepleted  BatchStatus = "depleted"   // nothing remains: all used, shipped on or transformed
)

// InspectionState summarises a batch's inspections.
type InspectionState string

// Inspection states.
const (
	InspNotRequired InspectionState = "not_required" // the product has no hold point
	InspPending     InspectionState = "pending"      // a hold point waits for a passing inspection
	InspPassed      InspectionState = "passed"
	InspConditional InspectionState = "conditional" // passed with a recorded condition; usable
	InspFailed      InspectionState = "failed"
	InspReleased    InspectionState = "released" // a hold released after review
)

// Usable reports whether the inspection state lets the batch be used.
func (s InspectionState) Usable() bool {
	switch s {
	case InspNotRequired, InspPassed, InspConditional, InspReleased:
		return true
	}
	return false
}

// BatchInput is a quantity taken from a parent batch.
type BatchInput struct {
	Code     string  `json:"code"`
	Quantity Decimal `json:"quantity"`
}

// LineageKind says how a batch came from its parents.
type LineageKind string

// Lineage kinds.
const (
	LineageSplit     LineageKind = "split"     // part of one batch split off (also partial dispatch)
	LineageMerge     LineageKind = "merge"     // several batches of one product combined
	LineageTransform LineageKind = "transform" // mixed or processed into another product
)

// Batch is a lot of material: a cement lot, a rebar heat, a concrete truckload.
type Batch struct {
	Code       string      `json:"code"`
	ProductID  string      `json:"product_id"`
	Producer   string      `json:"producer"` // organization that made it
	Quantity   Decimal     `json:"quantity"` // quantity at creation
	Remaining  Decimal     `json:"remaining"`
	Unit       string      `json:"unit"`
	ProducedOn string      `json:"produced_on"` // YYYY-MM-DD
	Origin     string      `json:"origin,omitempty"`
	HeatNumber string      `json:"heat_number,omitempty"`
	LotNumber  string      `json:"lot_number,omitempty"`
	Owner      string      `json:"owner"`
	Custodian  string      `json:"custodian"`
	Site       string      `json:"site,omitempty"` // contractor site where it is stored, if any
	Status     BatchStatus `json:"status"`
	// HoldReason says why the batch is on hold or recalled.
	HoldReason string          `json:"hold_reason,omitempty"`
	Inspection InspectionState `json:"inspection"`
	Condition  string          `json:"condition,omitempty"` // condition of a conditional pass
	Parents    []BatchInput    `json:"parents,omitempty"`
	Lineage    LineageKind     `json:"lineage,omitempty"`
	Children   []string        `json:"children,omitempty"`
	Documents  []string        `json:"documents,omitempty"` // SHA-256 hex of attached documents
	Shipment   string          `json:"shipment,omitempty"`  // shipment carrying it while in transit
	TxID       string          `json:"tx_id"`               // the transaction that created it
	CreatedAt  string          `json:"created_at"`          // RFC 3339, from the transaction
	UpdatedTx  string          `json:"updated_tx"`          // the last transaction that changed it
}

// Movable reports whether the batch may be dispatched, transformed or used,
// and if not, why.
func (b *Batch) Movable() error {
	switch b.Status {
	case StatusAvailable:
		return nil
	case StatusRecalled:
		return Conflict("", "batch %s is recalled: %s", b.Code, b.HoldReason)
	case StatusOnHold:
		return Conflict("", "batch %s is on hold: %s", b.Code, b.HoldReason)
	case StatusInTransit:
		return Conflict("", "batch %s is in transit on shipment %s", b.Code, b.Shipment)
	case StatusDepleted:
		return Conflict("", "batch %s has nothing remaining", b.Code)
	case StatusRejected:
		return Conflict("", "batch %s was rejected on receipt", b.Code)
	}
	return Conflict("", "batch %s is %s", b.Code, b.Status)
}
