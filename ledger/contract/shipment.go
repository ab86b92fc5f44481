package contract

import (
	"github.com/plumbline/plumbline/models"
)

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
	var v models.Collect
	v.Add(models.ValidateID("code", a.Code))
	v.Add(models.ValidateID("to", a.To))
	if a.Site != "" {
		v.Add(models.ValidateID("site", a.Site))
	}
	v.Add(models.ValidateID("carrier", a.Carrier))
	v.Add(optionalText("vehicle", a.Vehicle, 64))
	v.Add(optionalText("delivery_note", a.DeliveryNote, 64))
	if len(a.Lines) == 0 {
		v.Add(models.Invalid("lines", "at least one line is required"))
	}
	if err := maxList("lines", len(a.Lines)); err != nil {
		return models.All(v.Err(), err)
	}
	seen := map[string]int{}
	for i, l := range a.Lines {
		f := idx("lines", i)
		v.Add(models.ValidateID(f+".batch", l.Batch))
		if j, dup := seen[l.Batch]; dup {
			return models.All(v.Err(), models.Invalid(f+".batch", "batch %s is already on line %d; put each batch on one line", l.Batch, j+1))
		}
		seen[l.Batch] = i
		v.Add(positive(f+".quantity", l.Quantity))
		if l.POID == "" && l.POLine != 0 {
			return models.All(v.Err(), models.Invalid(f+".po_id", "is required when po_line is given"))
		}
		if l.POID != "" {
			v.Add(models.ValidateID(f+".po_id", l.POID))
			if l.POLine < 1 {
				return models.All(v.Err(), models.Invalid(f+".po_line", "is required with po_id and must be 1 or more"))
			}
		}
	}
	return v.Err()
}

func init() {
	register("DispatchShipment", dispatchShipment)
}

// dispatchShipment: the custodian of every batch ships them to another
// organization through a carrier, which holds custody in transit. A line
// that ships less than a batch's remaining quantity splits the shipped part
// off into its own batch, which is the one that travels.
func dispatchShipment(tc *txc, a *DispatchShipmentArgs) error {
	org, err := tc.allow("DispatchShipment")
	if err != nil {
		return err
	}
	if ok, err := tc.exists(models.PrefixShipment, a.Code); err != nil {
		return err
	} else if ok {
		return models.Conflict("code", "shipment %s already exists", a.Code)
	}
	to, err := tc.organization("to", a.To)
	if err != nil {
		return err
	}
	if to.Kind == models.KindCarrier {
		return models.Invalid("to", "%s is a carrier; ship to the organization that receives the goods and name the carrier under carrier", to.ID)
	}
	switch {
	case len(to.Sites) > 0 && a.Site == "":
		return models.Invalid("site", "is required: choose one of the %s", siteList(to))
	case a.Site != "" && !to.HasSite(a.Site):
		return models.Invalid("site", "%q is not a site of %s (%s)", a.Site, to.ID, siteList(to))
	}
	carrier, err := tc.organization("carrier", a.Carrier)
	if err != nil {
		return err
	}
	if carrier.Kind != models.KindCarrier {
		return models.Invalid("carrier", "%s is a %s organization, not a carrier", carrier.ID, carrier.Kind)
	}
	sh := models.Shipment{
		Code:         a.Code,
		From:         org.ID,
		To:           to.ID,
		Site:         a.Site,
		Carrier:      carrier.ID,
		Vehicle:      a.Vehicle,
		DeliveryNote: a.DeliveryNote,
		Status:       models.ShipmentInTransit,
		DispatchedAt: tc.now(),
		TxID:         tc.call.TxID,
	}
	for i, l := range a.Lines {
		line, err := tc.dispatchLine(idx("lines", i), &sh, l)
		if err != nil {
			return err
		}
		line.Line = i + 1
		sh.Lines = append(sh.Lines, line)
	}
	return tc.putJSON(models.PrefixShipment, sh.Code, sh)
}

// dispatchLine checks one line, charges its purchase order line and puts
// the travelling batch in the carrier's custody.
func (tc *txc) dispatchLine(f string, sh *models.Shipment, l DispatchLine) (models.ShipmentLine, error) {
	b, err := tc.batch(f+".batch", l.Batch)
	if err != nil {
		return models.ShipmentLine{}, err
	}
	if err := custodyOf(f+".batch", b, sh.From); err != nil {
		return models.ShipmentLine{}, err
	}
	if err := dispatchable(f, sh, b, l); err != nil {
		return models.ShipmentLine{}, err
	}
	if err := enough(f+".quantity", b, l.Quantity); err != nil {
		return models.ShipmentLine{}, err
	}
	if l.POID != "" {
		if err := tc.chargePO(f, sh, b, l); err != nil {
			return models.ShipmentLine{}, err
		}
	}
	moving := b
	if l.Quantity < b.Remaining {
		if moving, err = tc.splitOff(b, l.Quantity); err != nil {
			return models.ShipmentLine{}, models.Prefix(f, err)
		}
	}
	// A held batch returning to its producer keeps its HoldReason in
	// transit; receipt puts it back on hold (see receiveLine).
	moving.Custodian = sh.Carrier
	moving.Status = models.StatusInTransit
	moving.Shipment = sh.Code
	moving.Site = ""
	if err := tc.putBatch(moving); err != nil {
		return models.ShipmentLine{}, err
	}
	return models.ShipmentLine{Source: b.Code, Batch: moving.Code, Quantity: l.Quantity, POID: l.POID, POLine: l.POLine}, nil
}

// chargePO checks that a line ships against a purchase order from the
// shipper to the receiver for the batch's product, and adds the quantity to
// the order line's dispatched total.
func (tc *txc) chargePO(f string, sh *models.Shipment, b *models.Batch, l DispatchLine) error {
	var po models.PurchaseOrder
	if err := tc.getJSON(f+".po_id", "purchase order", models.PrefixPO, l.POID, &po); err != nil {
		return err
	}
	if po.Supplier != sh.From {
		return models.Conflict(f+".po_id", "purchase order %s is placed with %s, not with %s", po.ID, po.Supplier, sh.From)
	}
	if po.Buyer != sh.To {
		return models.Conflict(f+".po_id", "purchase order %s was placed by %s, but the shipment goes to %s", po.ID, po.Buyer, sh.To)
	}
	if po.Site != "" && po.Site != sh.Site {
		return models.Conflict(f+".po_id", "purchase order %s is for delivery to site %s, but the shipment goes to %q; ship to %s or leave po_id empty", po.ID, po.Site, sh.Site, po.Site)
	}
	if l.POLine > len(po.Lines) {
		return models.NotFound(f+".po_line", "purchase order %s has %d lines, not %d", po.ID, len(po.Lines), l.POLine)
	}
	pl := &po.Lines[l.POLine-1]
	if pl.ProductID != b.ProductID {
		return models.Conflict(f+".po_line", "line %d of purchase order %s is for product %s, but batch %s is %s", pl.Line, po.ID, pl.ProductID, b.Code, b.ProductID)
	}
	d, err := sum(f+".quantity", pl.Dispatched, l.Quantity)
	if err != nil {
		return err
	}
	pl.Dispatched = d
	return tc.putJSON(models.PrefixPO, po.ID, po)
}

// dispatchable checks that b may go on shipment sh. An available batch may
// go anywhere. A batch on hold after a failing inspection, or rejected on
// receipt, may only be returned to its producer ("return to supplier"): it
// keeps its hold reason and arrives on hold, so it can never be used until
// an inspection agency releases it. Anything else (recalled, in transit,
// depleted) cannot be dispatched.
func dispatchable(f string, sh *models.Shipment, b *models.Batch, l DispatchLine) error {
	if b.Status != models.StatusOnHold && b.Status != models.StatusRejected {
		return movable(f+".batch", b)
	}
	held := b.Movable().(*models.Error).Message // "batch X is on hold: reason"
	switch {
	case b.Producer == sh.From:
		return models.Conflict(f+".batch", "%s; you produced it, so it stays with you until an inspection agency releases it", held)
	case sh.To != b.Producer:
		return models.Conflict(f+".batch", "%s; it may only be returned to its producer %s, not shipped to %s", held, b.Producer, sh.To)
	case l.POID != "":
		return models.Invalid(f+".po_id", "%s and goes back to its producer; a return does not deliver against a purchase order, leave po_id empty", held)
	}
	return nil
}
