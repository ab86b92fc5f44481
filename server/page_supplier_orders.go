package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// orderRows is how many lines the purchase order form shows.
const orderRows = 5

// ordersData is what the purchase order list shows.
type ordersData struct {
	Page   store.Page[models.PurchaseOrder]
	Org    string
	CanAdd bool
	Names  app.Names // organizations, sites and products by name
	Today  string    // YYYY-MM-DD (UTC): an open order due before it is overdue
}

// Overdue reports whether an order is open past its deliver-by date.
func (d ordersData) Overdue(po models.PurchaseOrder) bool {
	return po.Status == "open" && po.DeliverBy != "" && po.DeliverBy < d.Today
}

// orderFormData is what the purchase order form needs.
type orderFormData struct {
	Suppliers []models.Organization
	Products  []models.Product
	Sites     []string
	Rows      []int
}

// orders lists the purchase orders the organization placed or received.
func (s *Server) orders(c *gin.Context) {
	v := s.view(c, "orders", nil)
	d := ordersData{Org: v.User.OrgID, CanAdd: may(v.User, v.Org, "CreatePurchaseOrder"), Today: s.opts.Now().UTC().Format(models.DateLayout)}
	var err error
	if d.Names, err = s.app.NamesIn(c.Request.Context(), lang(c)); err != nil {
		s.failPage(c, err)
		return
	}
	if d.Page, err = s.opts.Store.OrgPurchaseOrders(c.Request.Context(), v.User.OrgID, c.Query("status"), c.Query("after"), 0); err != nil {
		s.failPage(c, err)
		return
	}
	v.Data = d
	s.page(c, http.StatusOK, "supplier_orders", v)
}

func (s *Server) orderForm(c *gin.Context) (*view, error) {
	v := s.view(c, "orders", nil)
	ctx := c.Request.Context()
	d := orderFormData{Rows: rowIndexes(orderRows)}
	if v.Org != nil {
		d.Sites = v.Org.Sites
	}
	makers, err := s.opts.Store.Organizations(ctx, models.KindManufacturer)
	if err != nil {
		return v, err
	}
	for _, o := range makers {
		if o.ID != v.User.OrgID {
			d.Suppliers = append(d.Suppliers, o)
		}
	}
	all, err := s.opts.Store.Products(ctx, "")
	if err != nil {
		return v, err
	}
	for _, p := range all {
		if p.Manufacturer != v.User.OrgID {
			d.Products = append(d.Products, p)
		}
	}
	v.Data = d
	if id := strings.TrimSpace(c.PostForm("idempotency_key")); id != "" {
		v.Idem = id
	}
	return v, nil
}

// newOrder shows the purchase order form to a buyer.
func (s *Server) newOrder(c *gin.Context) {
	v, err := s.orderForm(c)
	if err != nil {
		s.failPage(c, err)
		return
	}
	if s.refuse(c, v, may(v.User, v.Org, "CreatePurchaseOrder")) {
		return
	}
	v.Form.Set("id", fmt.Sprintf("PO-%s-%s", s.opts.Now().Format("20060102"), strings.ToUpper(newKey()[5:11])))
	s.page(c, http.StatusOK, "supplier_order_new", v)
}

// createOrder places the purchase order (CreatePurchaseOrder).
func (s *Server) createOrder(c *gin.Context) {
	v, err := s.orderForm(c)
	if err != nil {
		s.failPage(c, err)
		return
	}
	a := contract.CreatePurchaseOrderArgs{
		ID: strings.TrimSpace(c.PostForm("id")), Supplier: c.PostForm("supplier"), Site: c.PostForm("site"),
		DeliverBy: strings.TrimSpace(c.PostForm("deliver_by")),
	}
	var rows []int // form row of each order line
	for i := range orderRows {
		prod := strings.TrimSpace(c.PostForm(fmt.Sprintf("product_%d", i)))
		qty := strings.TrimSpace(c.PostForm(fmt.Sprintf("quantity_%d", i)))
		if prod == "" && qty == "" {
			continue
		}
		q, err := models.DecimalField(fmt.Sprintf("quantity_%d", i), qty)
		if err != nil {
			s.formFail(c, "supplier_order_new", v, err)
			return
		}
		rows = append(rows, i)
		a.Lines = append(a.Lines, contract.OrderLine{Line: len(a.Lines) + 1, ProductID: prod, Quantity: q})
	}
	if len(a.Lines) == 0 {
		s.formFail(c, "supplier_order_new", v, models.Invalid("product_0", "order at least one product"))
		return
	}
	if _, err := run(s, c, func(ctx context.Context, act app.Actor) (any, error) { return s.app.CreatePurchaseOrder(ctx, act, a) }); err != nil {
		s.formFail(c, "supplier_order_new", v, formError(err, "", func(_ string, i int, sub string) string {
			if i >= len(rows) {
				return ""
			}
			if sub == "quantity" {
				return fmt.Sprintf("quantity_%d", rows[i])
			}
			return fmt.Sprintf("product_%d", rows[i])
		}))
		return
	}
	s.flash(c, v.L.T("supplier.order_created", "ID", a.ID))
	c.Redirect(http.StatusSeeOther, "/orders")
}
