package contract

import (
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
	// DeliverBy is the date (YYYY-MM-DD, UTC) the goods are due at the
	// site, not before the order's own date; optional. It is omitted when
	// empty, so orders placed before it existed keep their canonical bytes.
	DeliverBy string `json:"deliver_by,omitempty"`
}

// Validate implements validator.
func (a *CreatePurchaseOrderArgs) Validate() error {
	var v models.Collect
	v.Add(models.ValidateID("id", a.ID))
	v.Add(models.ValidateID("supplier", a.Supplier))
	if a.Site != "" {
		v.Add(models.ValidateID("site", a.Site))
	}
	if a.DeliverBy != "" {
		v.Add(models.ValidateDate("deliver_by", a.DeliverBy))
	}
	if len(a.Lines) == 0 {
		v.Add(models.Invalid("lines", "at least one line is required"))
	}
	if err := maxList("lines", len(a.Lines)); err != nil {
		return models.All(v.Err(), err)
	}
	for i, l := range a.Lines {
		f := idx("lines", i)
		if l.Line != i+1 {
			return models.All(v.Err(), models.Invalid(f+".line", "is %d but lines must be numbered 1, 2, 3… in order (expected %d)", l.Line, i+1))
		}
		v.Add(models.ValidateID(f+".product_id", l.ProductID))
		v.Add(positive(f+".quantity", l.Quantity))
	}
	return v.Err()
}

func init() {
	register("CreatePurchaseOrder", createPurchaseOrder)
}

// PO statuses.
const (
	POOpen          = "open"
	POFulfilled     = "fulfilled"
	POOverDelivered = "over_delivered"
)

// createPurchaseOrder: a contractor, authority or manufacturer (a ready-mix
// plant buying cement) orders products of one registered manufacturer.
func createPurchaseOrder(tc *txc, a *CreatePurchaseOrderArgs) error {
	org, err := tc.allow("CreatePurchaseOrder")
	if err != nil {
		return err
	}
	if ok, err := tc.exists(models.PrefixPO, a.ID); err != nil {
		return err
	} else if ok {
		return models.Conflict("id", "purchase order %s already exists", a.ID)
	}
	sup, err := tc.organization("supplier", a.Supplier)
	if err != nil {
		return err
	}
	if sup.Kind != models.KindManufacturer {
		return models.Invalid("supplier", "%s is a %s organization; orders go to manufacturers", sup.ID, sup.Kind)
	}
	if sup.ID == org.ID {
		return models.Invalid("supplier", "%s is your own organization; an order goes to another manufacturer", sup.ID)
	}
	if a.Site != "" && !org.HasSite(a.Site) {
		return models.Invalid("site", "%q is not one of your sites (%s)", a.Site, siteList(org))
	}
	// Dates compare as text: both are YYYY-MM-DD.
	if ordered := tc.call.Time.UTC().Format(models.DateLayout); a.DeliverBy != "" && a.DeliverBy < ordered {
		return models.Invalid("deliver_by", "%s is before the order date %s; give a delivery date on or after it", a.DeliverBy, ordered)
	}
	po := models.PurchaseOrder{
		ID:        a.ID,
		Buyer:     org.ID,
		Supplier:  sup.ID,
		Site:      a.Site,
		DeliverBy: a.DeliverBy,
		Status:    POOpen,
		TxID:      tc.call.TxID,
		IssuedAt:  tc.now(),
	}
	for i, l := range a.Lines {
		f := idx("lines", i) + ".product_id"
		p, err := tc.product(f, l.ProductID)
		if err != nil {
			return err
		}
		if p.Manufacturer != sup.ID {
			return models.Invalid(f, "product %s is made by %s, not by the supplier %s", p.ID, p.Manufacturer, sup.ID)
		}
		po.Lines = append(po.Lines, models.POLine{Line: l.Line, ProductID: p.ID, Quantity: l.Quantity, Unit: p.Unit})
	}
	return tc.putJSON(models.PrefixPO, po.ID, po)
}

// siteList names an organization's sites for messages.
func siteList(o *models.Organization) string {
	if len(o.Sites) == 0 {
		return o.ID + " has no sites"
	}
	return "sites of " + o.ID + ": " + joinStrings(o.Sites)
}
