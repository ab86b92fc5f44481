package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// The site's use cases: receiving a shipment line by line, recording where
// a batch went, releasing a hold.

// Receipt outcomes of one shipment line.
const (
	OutcomeAccept      = "accept"      // everything dispatched arrived and is accepted
	OutcomeReject      = "reject"      // the whole line is refused and goes back
	OutcomeDiscrepancy = "discrepancy" // a different quantity arrived: accept that, return the rest
)

// ReceiveLine is the answer to one shipment line.
type ReceiveLine struct {
	Line     int             `json:"line"`               // the shipment line number, 1-based
	Outcome  string          `json:"outcome"`            // accept, reject or discrepancy
	Received *models.Decimal `json:"received,omitempty"` // discrepancy: the quantity that arrived and is accepted
	Reason   string          `json:"reason,omitempty"`   // required for reject and discrepancy
}

// ReceiveRequest answers every line of an incoming shipment.
type ReceiveRequest struct {
	Lines []ReceiveLine `json:"lines"`
}

// IncomingShipment loads a shipment addressed to the actor's organization;
// any other organization's shipment is forbidden. It is one read.
func (a *App) IncomingShipment(ctx context.Context, act Actor, code string) (models.Shipment, error) {
	sh, err := a.opts.Store.Shipment(ctx, code)
	if err != nil {
		return sh, models.AtField(err, "shipment")
	}
	if act.Org == nil || sh.To != act.Org.ID {
		return sh, models.ForbiddenAt("shipment", "shipment %s goes to %s; only the destination may receive it", sh.Code, sh.To)
	}
	return sh, nil
}

// Receive records the receipt of shipment sh (as IncomingShipment loaded
// it) as one ReceiveShipment transaction and returns the shipment as the
// read model shows it afterwards. Errors name "lines[i].outcome",
// "lines[i].received" or "lines[i].reason", i being the position in
// req.Lines. It reads nothing per line.
func (a *App) Receive(ctx context.Context, act Actor, sh models.Shipment, req ReceiveRequest) (models.Shipment, error) {
	args, err := ReceiptArgs(sh, req)
	if err != nil {
		return sh, err
	}
	if _, err := a.Submit(ctx, act, "ReceiveShipment", args); err != nil {
		return sh, models.RenameField(err, receiptField)
	}
	return a.opts.Store.Shipment(ctx, sh.Code)
}

// ReceiptArgs turns per-line outcomes into the contract's accepted and
// rejected quantities.
func ReceiptArgs(sh models.Shipment, req ReceiveRequest) (contract.ReceiveShipmentArgs, error) {
	a := contract.ReceiveShipmentArgs{Shipment: sh.Code}
	for i, l := range req.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		if l.Line < 1 || l.Line > len(sh.Lines) {
			return a, models.Invalid(f+".line", "shipment %s has lines 1 to %d, not %d", sh.Code, len(sh.Lines), l.Line)
		}
		qty := sh.Lines[l.Line-1].Quantity
		r := contract.ReceiptLine{Line: l.Line, Reason: strings.TrimSpace(l.Reason)}
		switch l.Outcome {
		case OutcomeAccept:
			r.Accepted = qty
		case OutcomeReject:
			r.Rejected = qty
		case OutcomeDiscrepancy:
			switch {
			case l.Received == nil:
				return a, models.Invalid(f+".received", "is required for a discrepancy: how much arrived (%s was dispatched)", qty)
			case *l.Received < 0:
				return a, models.Invalid(f+".received", "must not be negative")
			case *l.Received == qty:
				return a, models.Invalid(f+".received", "equals the %s dispatched; choose accept", qty)
			case *l.Received > qty:
				return a, models.Invalid(f+".received", "is more than the %s dispatched; accept the line and report the surplus to the supplier", qty)
			}
			r.Accepted, r.Rejected = *l.Received, qty-*l.Received
		default:
			return a, models.Invalid(f+".outcome", "%q is not one of accept, reject, discrepancy", l.Outcome)
		}
		a.Lines = append(a.Lines, r)
	}
	return a, nil
}

// receiptField moves the contract's quantity errors of a line onto the
// field where the quantity is entered.
func receiptField(f string) string {
	list, i, rest, ok := models.SplitIndex(f)
	if !ok || list != "lines" {
		return f
	}
	switch rest {
	case "", ".accepted", ".rejected":
		return fmt.Sprintf("lines[%d].received", i)
	}
	return f
}

// RecordUsage records where a quantity of a batch went (RecordUsage) and
// returns the usage as the read model shows it.
func (a *App) RecordUsage(ctx context.Context, act Actor, args contract.RecordUsageArgs) (models.Usage, error) {
	rec, err := a.Submit(ctx, act, "RecordUsage", args)
	if err != nil {
		return models.Usage{}, err
	}
	return a.opts.Store.Usage(ctx, rec.TxID)
}

// ReleaseHold releases a batch's hold (ReleaseHold) and returns the batch
// afterwards.
func (a *App) ReleaseHold(ctx context.Context, act Actor, code, reason string) (models.Batch, error) {
	if _, err := a.Submit(ctx, act, "ReleaseHold", contract.ReleaseHoldArgs{Batch: code, Reason: strings.TrimSpace(reason)}); err != nil {
		return models.Batch{}, err
	}
	return a.opts.Store.Batch(ctx, code)
}
