package models

import "strings"

// PurchaseOrder is a buyer's order to a supplier.
type PurchaseOrder struct {
	ID       string   `json:"id"`
	Buyer    string   `json:"buyer"`
	Supplier string   `json:"supplier"`
	Site     string   `json:"site,omitempty"` // buyer's delivery site
	Lines    []POLine `json:"lines"`
	Status   string   `json:"status"` // open, fulfilled, over_delivered
	TxID     string   `json:"tx_id"`
	IssuedAt string   `json:"issued_at"`
	// DeliverBy is the due date at the site (YYYY-MM-DD, UTC), when the
	// buyer gave one; a shipment line received on or before it is on time.
	DeliverBy string `json:"deliver_by,omitempty"`
}

// POLine is one ordered product and quantity.
type POLine struct {
	Line       int     `json:"line"` // 1-based
	ProductID  string  `json:"product_id"`
	Quantity   Decimal `json:"quantity"`
	Unit       string  `json:"unit"`
	Dispatched Decimal `json:"dispatched"`
	Accepted   Decimal `json:"accepted"`
	// OverDelivered is set when accepted deliveries exceed the ordered quantity.
	OverDelivered bool `json:"over_delivered,omitempty"`
}

// Shipment statuses.
const (
	ShipmentInTransit = "in_transit"
	ShipmentReceived  = "received"
)

// Shipment moves quantities of batches from one organization to another's site.
type Shipment struct {
	Code         string         `json:"code"`
	From         string         `json:"from"`
	To           string         `json:"to"`
	Site         string         `json:"site,omitempty"`
	Carrier      string         `json:"carrier"`
	Vehicle      string         `json:"vehicle,omitempty"`
	DeliveryNote string         `json:"delivery_note,omitempty"`
	Lines        []ShipmentLine `json:"lines"`
	Status       string         `json:"status"`
	DispatchedAt string         `json:"dispatched_at"`
	ReceivedAt   string         `json:"received_at,omitempty"`
	Discrepancy  bool           `json:"discrepancy,omitempty"` // some quantity rejected
	TxID         string         `json:"tx_id"`
	ReceiptTxID  string         `json:"receipt_tx_id,omitempty"`
}

// ShipmentLine is one batch and quantity on a shipment. When less than the
// whole remaining quantity is shipped, the shipped part is split off into
// its own batch (Batch), whose parent is Source.
type ShipmentLine struct {
	Line     int     `json:"line"`
	Source   string  `json:"source"` // batch the quantity was taken from
	Batch    string  `json:"batch"`  // batch that travels (Source itself when shipped whole)
	Quantity Decimal `json:"quantity"`
	POID     string  `json:"po_id,omitempty"`
	POLine   int     `json:"po_line,omitempty"`
	Accepted Decimal `json:"accepted"`
	Rejected Decimal `json:"rejected"`
	Reason   string  `json:"reason,omitempty"`
	// ReturnBatch is the batch split off for a rejected part, back with the shipper.
	ReturnBatch string `json:"return_batch,omitempty"`
}

// Location is where material went into the works.
type Location struct {
	Project  string `json:"project"`
	Building string `json:"building"`
	Floor    string `json:"floor"`
	Element  string `json:"element"` // e.g. "column C3", "slab", "core wall"
}

// Validate checks the location; project, building and element are
// required, every part is one line of at most 128 characters.
func (l Location) Validate() error {
	for _, f := range []struct{ name, v string }{{"project", l.Project}, {"building", l.Building}, {"floor", l.Floor}, {"element", l.Element}} {
		if err := ValidateLine(f.name, f.v, 128); err != nil {
			return err
		}
	}
	if strings.TrimSpace(l.Project) == "" {
		return Invalid("project", "is required")
	}
	if strings.TrimSpace(l.Building) == "" {
		return Invalid("building", "is required")
	}
	if strings.TrimSpace(l.Element) == "" {
		return Invalid("element", "is required, e.g. column C3")
	}
	return nil
}

// Path is the location as "project / building / floor / element".
func (l Location) Path() string {
	s := l.Project + " / " + l.Building
	if l.Floor != "" {
		s += " / " + l.Floor
	}
	return s + " / " + l.Element
}

// Usage records material going into the works.
type Usage struct {
	ID         string   `json:"id"`
	BatchCode  string   `json:"batch_code"`
	Quantity   Decimal  `json:"quantity"`
	Unit       string   `json:"unit"`
	Location   Location `json:"location"`
	Contractor string   `json:"contractor"`
	User       string   `json:"user"`
	UsedAt     string   `json:"used_at"`
	TxID       string   `json:"tx_id"`
}
