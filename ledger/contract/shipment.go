package contract

import (
	"strings"

	"github.com/plumbline/plumbline/models"
)

// OrderLine is one line of a purchase order as the buyer submits it.
type OrderLine struct {
	Line      int            `json:"line"` // 1-based, in order
	ProductID string         `json:"product_id"`
	Quantity  models.Decimal `json:"quantity"`
}

// CreatePurchaseOrderArgs places an order with a manufacturer; the buyer is
// the submitting organization.
type CreatePurchaseOrderArgs struct {
	ID       string      `json:"id"`
	Supplier string      `json:"supplier"`
	Site     string      `json:"site,omitempty"` // the buyer's delivery site
	Lines    []OrderLine `json:"lines"`
}

// Validate implements validator.
func (a *CreatePurchaseOrderArgs) Validate() error {
	if err := models.ValidateID("id", a.ID); err != nil {
		return err
	}
	if err := models.ValidateID("supplier", a.Supplier); err != nil {
		return err
	}
	if a.Site != "" {
		if err := models.ValidateID("site", a.Site); err != nil {
			return err
		}
	}
	if len(a.Lines) == 0 {
		return models.Invalid("lines", "at least one line is required")
	}
	for i, l := range a.Lines {
		f := idx("lines", i)
		if l.Line != i+1 {
			return models.Invalid(f+".line", "is %d but lines must be numbered 1, 2, 3… in order (expected %d)", l.Line, i+1)
		}
		if err := models.ValidateID(f+".product_id", l.ProductID); err != nil {
			return err
		}
		if err := positive(f+".quantity", l.Quantity); err != nil {
			return err
		}
	}
	return nil
}

// DispatchLine is a quantity of one batch put on a shipment, optionally
// against a purchase order line.
type DispatchLine struct {
	Batch    string         `json:"batch"`
	Quantity models.Decimal `json:"quantity"`
	POID     string         `json:"po_id,omitempty"`
	POLine   int            `json:"po_line,omitempty"`
}

// DispatchShipmentArgs ships batches (whole or in part) from their custodian
// to another organization (EPCIS bizStep shipping, disposition in_transit).
type DispatchShipmentArgs struct {
	Code         string         `json:"code"`
	To           string         `json:"to"`
	Site         string         `json:"site,omitempty"`
	Carrier      string         `json:"carrier"`
	Vehicle      string         `json:"vehicle,omitempty"`
	DeliveryNote string         `json:"delivery_note,omitempty"`
	Lines        []DispatchLine `json:"lines"`
}

// Validate implements validator.
func (a *DispatchShipmentArgs) Validate() error {
	if err := models.ValidateID("code", a.Code); err != nil {
		return err
	}
	if err := models.ValidateID("to", a.To); err != nil {
		return err
	}
	if a.Site != "" {
		if err := models.ValidateID("site", a.Site); err != nil {
			return err
		}
	}
	if err := models.ValidateID("carrier", a.Carrier); err != nil {
		return err
	}
	if err := optionalText("vehicle", a.Vehicle, 64); err != nil {
		return err
	}
	if err := optionalText("delivery_note", a.DeliveryNote, 64); err != nil {
		return err
	}
	if len(a.Lines) == 0 {
		return models.Invalid("lines", "at least one line is required")
	}
	seen := map[string]int{}
	for i, l := range a.Lines {
		f := idx("lines", i)
		if err := models.ValidateID(f+".batch", l.Batch); err != nil {
			return err
		}
		if j, dup := seen[l.Batch]; dup {
			return models.Invalid(f+".batch", "batch %s is already on line %d; put each batch on one line", l.Batch, j+1)
		}
		seen[l.Batch] = i
		if err := positive(f+".quantity", l.Quantity); err != nil {
			return err
		}
		if l.POID == "" && l.POLine != 0 {
			return models.Invalid(f+".po_id", "is required when po_line is given")
		}
		if l.POID != "" {
			if err := models.ValidateID(f+".po_id", l.POID); err != nil {
				return err
			}
			if l.POLine < 1 {
				return models.Invalid(f+".po_line", "is required with po_id and must be 1 or more")
			}
		}
	}
	return nil
}

// ReceiptLine answers one shipment line on receipt: how much was accepted
// and how much rejected, and why.
type ReceiptLine struct {
	Line     int            `json:"line"` // the shipment line number, 1-based
	Accepted models.Decimal `json:"accepted"`
	Rejected models.Decimal `json:"rejected"`
	Reason   string         `json:"reason,omitempty"` // required when anything is rejected
}

// ReceiveShipmentArgs receives a shipment at its destination (EPCIS bizStep
// receiving / accepting).
type ReceiveShipmentArgs struct {
	Shipment string        `json:"shipment"`
	Lines    []ReceiptLine `json:"lines"`
}

// Validate implements validator.
func (a *ReceiveShipmentArgs) Validate() error {
	if err := models.ValidateID("shipment", a.Shipment); err != nil {
		return err
	}
	if len(a.Lines) == 0 {
		return models.Invalid("lines", "answer every shipment line")
	}
	seen := map[int]bool{}
	for i, l := range a.Lines {
		f := idx("lines", i)
		if l.Line < 1 {
			return models.Invalid(f+".line", "must be a shipment line number, 1 or more")
		}
		if seen[l.Line] {
			return models.Invalid(f+".line", "shipment line %d is answered twice", l.Line)
		}
		seen[l.Line] = true
		if l.Accepted < 0 {
			return models.Invalid(f+".accepted", "must not be negative (got %s)", l.Accepted)
		}
		if l.Rejected < 0 {
			return models.Invalid(f+".rejected", "must not be negative (got %s)", l.Rejected)
		}
		if l.Rejected > 0 && strings.TrimSpace(l.Reason) == "" {
			return models.Invalid(f+".reason", "is required when anything is rejected: say why %s was rejected", l.Rejected)
		}
		if err := optionalText(f+".reason", l.Reason, maxText); err != nil {
			return err
		}
	}
	return nil
}

func init() {
	register("CreatePurchaseOrder", createPurchaseOrder)
	register("DispatchShipment", dispatchShipment)
	register("ReceiveShipment", receiveShipment)
}

func createPurchaseOrder(tc *txc, a *CreatePurchaseOrderArgs) error { return notYet() }
func dispatchShipment(tc *txc, a *DispatchShipmentArgs) error       { return notYet() }
func receiveShipment(tc *txc, a *ReceiveShipmentArgs) error         { return notYet() }
