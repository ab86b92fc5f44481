package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// Shipment form rows: shown without JavaScript, and at most (supplier.js
// adds rows up to the maximum).
const (
	shipRows    = 3
	maxShipRows = 20
)

// shipmentsData is what the shipment list shows.
type shipmentsData struct {
	Page      store.Page[models.Shipment]
	Org       string
	Direction string
	Dirs      []string
	CanAdd    bool
}

// shipmentFormData is what the dispatch form needs.
type shipmentFormData struct {
	Orders   []models.PurchaseOrder // open orders placed with the user's organization
	PO       *models.PurchaseOrder  // the chosen order
	Sites    []string               // the buyer's sites, when the order names none
	Carriers []models.Organization
	Batches  []models.Batch // available batches the organization holds
	Rows     []int
	MaxRows  int
}

// shipments lists the shipments the organization sends, receives or carries.
func (s *Server) shipments(c *gin.Context) {
	v := s.view(c, "shipments", nil)
	d := shipmentsData{Org: v.User.OrgID, Direction: c.Query("dir"), Dirs: []string{store.DirOutgoing, store.DirIncoming, store.DirCarried},
		CanAdd: may(v.User, v.Org, "DispatchShipment")}
	var err error
	d.Page, err = s.opts.Store.OrgShipments(c.Request.Context(), store.OrgShipmentFilter{Org: v.User.OrgID, Direction: d.Direction, Status: c.Query("status"), After: c.Query("after")})
	if err != nil {
		s.failPage(c, err)
		return
	}
	v.Data = d
	s.page(c, http.StatusOK, "supplier_shipments", v)
}

// shipment shows one shipment: parties, lines with links to batches,
// status and timeline.
func (s *Server) shipment(c *gin.Context) {
	v := s.view(c, "shipments", nil)
	sh, err := s.opts.Store.Shipment(c.Request.Context(), c.Param("code"))
	if chk, _ := s.userChecker(c); err == nil && !chk.Shipment(&sh) {
		err = models.NotFound("", "shipment %q does not exist or is not visible to %s", c.Param("code"), v.User.OrgID)
	}
	if err != nil {
		s.failPage(c, err)
		return
	}
	v.Data = sh
	s.page(c, http.StatusOK, "supplier_shipment", v)
}

func (s *Server) shipmentForm(c *gin.Context, poID string) (*view, error) {
	v := s.view(c, "shipments", nil)
	ctx := c.Request.Context()
	org := v.User.OrgID
	d := shipmentFormData{MaxRows: maxShipRows}
	pos, err := s.opts.Store.OrgPurchaseOrders(ctx, org, contract.POOpen, "", 500)
	if err != nil {
		return v, err
	}
	for _, po := range pos.Items {
		if po.Supplier == org {
			d.Orders = append(d.Orders, po)
		}
	}
	n := shipRows
	for i := maxShipRows - 1; i >= n; i-- {
		if c.PostForm(fmt.Sprintf("batch_%d", i)) != "" || c.PostForm(fmt.Sprintf("quantity_%d", i)) != "" {
			n = i + 1
			break
		}
	}
	d.Rows = rowIndexes(n)
	v.Data = &d
	if id := strings.TrimSpace(c.PostForm("idempotency_key")); id != "" {
		v.Idem = id
	}
	if poID == "" {
		return v, nil
	}
	po, err := s.opts.Store.PurchaseOrder(ctx, poID)
	if err == nil && po.Supplier != org && po.Buyer == org {
		// The buyer may know the order; only its supplier ships it.
		return v, models.ForbiddenAt("po_id", "only the supplier of this order can ship it: purchase order %s was placed with %s", poID, po.Supplier)
	}
	if err != nil || po.Supplier != org {
		return v, models.NotFound("po_id", "purchase order %q is not one placed with %s", poID, org)
	}
	d.PO = &po
	if po.Site == "" {
		if buyer, err := s.opts.Store.Organization(ctx, po.Buyer); err == nil {
			d.Sites = buyer.Sites
		}
	}
	if d.Carriers, err = s.opts.Store.Organizations(ctx, models.KindCarrier); err != nil {
		return v, err
	}
	held, err := s.opts.Store.Batches(ctx, store.BatchFilter{Custodian: org, Status: models.StatusAvailable, Limit: 500})
	if err != nil {
		return v, err
	}
	for _, b := range held.Items {
		for _, l := range po.Lines {
			if l.ProductID == b.ProductID {
				d.Batches = append(d.Batches, b)
				break
			}
		}
	}
	return v, nil
}

// newShipment shows the dispatch form: first pick a purchase order, then
// the lines, destination site and carrier.
func (s *Server) newShipment(c *gin.Context) {
	v, err := s.shipmentForm(c, c.Query("po"))
	if s.refuse(c, v, may(v.User, v.Org, "DispatchShipment")) {
		return
	}
	if err != nil {
		s.formFail(c, "supplier_shipment_new", v, err)
		return
	}
	if d := v.Data.(*shipmentFormData); d.PO != nil {
		v.Form.Set("code", fmt.Sprintf("SH-%s-%s", s.opts.Now().Format("20060102"), strings.ToUpper(newKey()[5:11])))
		v.Form.Set("site", d.PO.Site)
		if len(d.Carriers) > 0 {
			v.Form.Set("carrier", d.Carriers[0].ID)
		}
	}
	s.page(c, http.StatusOK, "supplier_shipment_new", v)
}

// createShipment dispatches the shipment (DispatchShipment) and opens it.
func (s *Server) createShipment(c *gin.Context) {
	v, err := s.shipmentForm(c, c.PostForm("po_id"))
	if err != nil {
		s.formFail(c, "supplier_shipment_new", v, err)
		return
	}
	po := v.Data.(*shipmentFormData).PO
	if po == nil {
		s.formFail(c, "supplier_shipment_new", v, models.Invalid("po_id", "choose the purchase order this shipment delivers against"))
		return
	}
	a := contract.DispatchShipmentArgs{
		Code: strings.TrimSpace(c.PostForm("code")), To: po.Buyer, Site: c.PostForm("site"), Carrier: c.PostForm("carrier"),
		Vehicle: strings.TrimSpace(c.PostForm("vehicle")), DeliveryNote: strings.TrimSpace(c.PostForm("delivery_note")),
	}
	var rows []int
	for i := range maxShipRows {
		batch := strings.TrimSpace(c.PostForm(fmt.Sprintf("batch_%d", i)))
		qty := strings.TrimSpace(c.PostForm(fmt.Sprintf("quantity_%d", i)))
		if batch == "" && qty == "" {
			continue
		}
		l := contract.DispatchLine{Batch: batch, POID: po.ID}
		if l.Quantity, err = models.DecimalField(fmt.Sprintf("quantity_%d", i), qty); err != nil {
			s.formFail(c, "supplier_shipment_new", v, err)
			return
		}
		if l.POLine, err = strconv.Atoi(c.PostForm(fmt.Sprintf("po_line_%d", i))); err != nil {
			s.formFail(c, "supplier_shipment_new", v, models.Invalid(fmt.Sprintf("po_line_%d", i), "choose the order line this batch delivers"))
			return
		}
		rows = append(rows, i)
		a.Lines = append(a.Lines, l)
	}
	if len(a.Lines) == 0 {
		s.formFail(c, "supplier_shipment_new", v, models.Invalid("batch_0", "ship at least one batch"))
		return
	}
	if _, err := run(s, c, func(ctx context.Context, act app.Actor) (any, error) { return s.app.DispatchShipment(ctx, act, a) }); err != nil {
		s.formFail(c, "supplier_shipment_new", v, formError(err, "", func(_ string, i int, sub string) string {
			if i >= len(rows) {
				return ""
			}
			switch sub {
			case "quantity":
				return fmt.Sprintf("quantity_%d", rows[i])
			case "po_id", "po_line":
				return fmt.Sprintf("po_line_%d", rows[i])
			}
			return fmt.Sprintf("batch_%d", rows[i])
		}))
		return
	}
	s.flash(c, v.L.T("supplier.shipment_dispatched", "Code", a.Code))
	c.Redirect(http.StatusSeeOther, "/shipments/"+a.Code)
}
