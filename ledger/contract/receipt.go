package contract

import (
	"strings"

	"github.com/plumbline/plumbline/models"
)

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
	var v models.Collect
	v.Add(models.ValidateID("shipment", a.Shipment))
	if len(a.Lines) == 0 {
		v.Add(models.Invalid("lines", "answer every shipment line"))
	}
	if err := maxList("lines", len(a.Lines)); err != nil {
		return models.All(v.Err(), err)
	}
	seen := map[int]bool{}
	for i, l := range a.Lines {
		f := idx("lines", i)
		if l.Line < 1 {
			return models.All(v.Err(), models.Invalid(f+".line", "must be a shipment line number, 1 or more"))
		}
		if seen[l.Line] {
			return models.All(v.Err(), models.Invalid(f+".line", "shipment line %d is answered twice", l.Line))
		}
		seen[l.Line] = true
		if l.Accepted < 0 {
			return models.All(v.Err(), models.Invalid(f+".accepted", "must not be negative (got %s)", l.Accepted))
		}
		if l.Rejected < 0 {
			return models.All(v.Err(), models.Invalid(f+".rejected", "must not be negative (got %s)", l.Rejected))
		}
		if l.Rejected > 0 && strings.TrimSpace(l.Reason) == "" {
			return models.All(v.Err(), models.Invalid(f+".reason", "is required when anything is rejected: say why %s was rejected", l.Rejected))
		}
		v.Add(optionalNote(f+".reason", l.Reason, maxText))
	}
	return v.Err()
}

func init() {
	register("ReceiveShipment", receiveShipment)
}

// receiveShipment: the destination answers every line of an in-transit
// shipment. Accepted quantities pass into its custody and ownership at the
// shipment's site; rejected quantities go back to the shipper's custody.
func receiveShipment(tc *txc, a *ReceiveShipmentArgs) error {
	org, err := tc.allow("ReceiveShipment")
	if err != nil {
		return err
	}
	var sh models.Shipment
	if err := tc.getJSON("shipment", "shipment", models.PrefixShipment, a.Shipment, &sh); err != nil {
		return err
	}
	if sh.To != org.ID {
		return models.Prefix("shipment", models.Forbidden("shipment %s goes to %s; only the destination may receive it", sh.Code, sh.To))
	}
	if sh.Status != models.ShipmentInTransit {
		return models.Conflict("shipment", "shipment %s is %s, not in transit; it was received in transaction %s", sh.Code, sh.Status, sh.ReceiptTxID)
	}
	answers := map[int]int{} // shipment line number → index in a.Lines
	for i, l := range a.Lines {
		if l.Line > len(sh.Lines) {
			return models.NotFound(idx("lines", i)+".line", "shipment %s has %d lines, not %d", sh.Code, len(sh.Lines), l.Line)
		}
		answers[l.Line] = i
	}
	for _, sl := range sh.Lines {
		if _, ok := answers[sl.Line]; !ok {
			return models.Invalid("lines", "shipment line %d (batch %s) is not answered; answer every line", sl.Line, sl.Batch)
		}
	}
	for j := range sh.Lines {
		sl := &sh.Lines[j]
		i := answers[sl.Line]
		if err := tc.receiveLine(idx("lines", i), &sh, sl, a.Lines[i]); err != nil {
			return err
		}
	}
	sh.Status = models.ShipmentReceived
	sh.ReceivedAt = tc.now()
	sh.ReceiptTxID = tc.call.TxID
	return tc.putJSON(models.PrefixShipment, sh.Code, sh)
}

// receiveLine moves one line's accepted part to the receiver and its
// rejected part back to the shipper, and credits the purchase order.
func (tc *txc) receiveLine(f string, sh *models.Shipment, sl *models.ShipmentLine, r ReceiptLine) error {
	if r.Accepted+r.Rejected != sl.Quantity {
		return models.Invalid(f, "accepted %s + rejected %s must equal the %s dispatched on line %d", r.Accepted, r.Rejected, sl.Quantity, sl.Line)
	}
	b, err := tc.batch(f, sl.Batch)
	if err != nil {
		return err
	}
	sl.Accepted, sl.Rejected, sl.Reason = r.Accepted, r.Rejected, r.Reason
	recalled := b.Status == models.StatusRecalled // a recall in transit sticks
	if r.Rejected > 0 {
		sh.Discrepancy = true
		back := b
		if r.Accepted > 0 {
			if back, err = tc.splitOff(b, r.Rejected); err != nil {
				return models.Prefix(f, err)
			}
			sl.ReturnBatch = back.Code
		}
		back.Custodian = sh.From
		back.Site = ""
		back.Shipment = ""
		if !recalled {
			back.Status = models.StatusRejected
			back.HoldReason = "rejected on receipt of shipment " + sh.Code + " by " + sh.To + ": " + r.Reason
		}
		if err := tc.putBatch(back); err != nil {
			return err
		}
	}
	if r.Accepted > 0 {
		b.Custodian, b.Owner = sh.To, sh.To
		b.Site = sh.Site
		b.Shipment = ""
		switch {
		case recalled:
		case b.HoldReason != "":
			// Held material returned to its producer stays on hold.
			b.Status = models.StatusOnHold
		default:
			b.Status = models.StatusAvailable
		}
		if err := tc.putBatch(b); err != nil {
			return err
		}
	}
	if sl.POID != "" {
		return tc.creditPO(f, sl)
	}
	return nil
}

// creditPO adds a line's accepted quantity to its purchase order line and
// updates the order's status. Over-delivery is flagged, not refused.
func (tc *txc) creditPO(f string, sl *models.ShipmentLine) error {
	var po models.PurchaseOrder
	if err := tc.getJSON("", "purchase order", models.PrefixPO, sl.POID, &po); err != nil {
		return err
	}
	pl := &po.Lines[sl.POLine-1]
	acc, err := sum(f+".accepted", pl.Accepted, sl.Accepted)
	if err != nil {
		return err
	}
	pl.Accepted = acc
	if pl.Accepted > pl.Quantity {
		pl.OverDelivered = true
	}
	over, all := false, true
	for _, l := range po.Lines {
		over = over || l.OverDelivered
		all = all && l.Accepted >= l.Quantity
	}
	switch {
	case over:
		po.Status = POOverDelivered
	case all:
		po.Status = POFulfilled
	default:
		po.Status = POOpen
	}
	return tc.putJSON(models.PrefixPO, po.ID, po)
}
