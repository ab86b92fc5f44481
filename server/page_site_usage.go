package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// stockData is the stock page's data.
type stockData struct {
	Sites     []string // the organization's sites and any site its stock is on
	Products  []string // products in stock
	Site      string   // the site filter
	Product   string   // the product filter
	Summary   []store.StockLine
	Batches   []models.Batch
	Next      string
	CanUse    bool
	Locations []models.Location
}

// stock shows what the user's organization holds, per site: totals per
// product, then the batches with their remaining quantity, status and
// inspection state. ?site= and ?product= filter; ?after= pages.
func (s *Server) stock(c *gin.Context) {
	v := s.view(c, "stock", nil)
	u, org, err := s.userOrg(c)
	if err != nil {
		s.failPage(c, err)
		return
	}
	ctx := c.Request.Context()
	d := &stockData{Site: c.Query("site"), Product: c.Query("product"), CanUse: may(u, org, "RecordUsage")}
	if d.Summary, err = s.opts.Store.StockSummary(ctx, org.ID); err != nil {
		s.failPage(c, err)
		return
	}
	d.Sites = append(d.Sites, org.Sites...)
	for _, l := range d.Summary {
		if l.Site != "" && !slices.Contains(d.Sites, l.Site) {
			d.Sites = append(d.Sites, l.Site)
		}
		if !slices.Contains(d.Products, l.ProductID) {
			d.Products = append(d.Products, l.ProductID)
		}
	}
	slices.Sort(d.Products)
	if d.Site != "" || d.Product != "" {
		kept := d.Summary[:0:0]
		for _, l := range d.Summary {
			if (d.Site == "" || l.Site == d.Site) && (d.Product == "" || l.ProductID == d.Product) {
				kept = append(kept, l)
			}
		}
		d.Summary = kept
	}
	p, err := s.opts.Store.Stock(ctx, store.StockFilter{Custodian: org.ID, Site: d.Site, ProductID: d.Product, After: c.Query("after"), Limit: 20})
	if err != nil {
		s.failPage(c, err)
		return
	}
	d.Batches, d.Next = p.Items, p.Next
	v.Data = d
	s.page(c, http.StatusOK, "site_stock", v)
}

// usageData is the record-usage page's data.
type usageData struct {
	Batch                                 *models.Batch // the batch being used, when it is the organization's
	Usable                                []models.Batch
	Locations                             []models.Location
	Projects, Buildings, Floors, Elements []string
	CanUse                                bool
	Today                                 string
	// Blocked is the message key saying why the batch cannot be used
	// (recalled, on hold, nothing left, inspection pending or failed),
	// shown before anyone fills the form.
	Blocked string
}

// usageBlocked returns why batch b cannot be used now, as a message key,
// or "" when it can (the contract still decides).
func usageBlocked(b *models.Batch) string {
	switch {
	case b.Status == models.StatusRecalled:
		return "site.usage_blocked.recalled"
	case b.Status == models.StatusOnHold:
		return "site.usage_blocked.on_hold"
	case b.Remaining <= 0 || b.Status == models.StatusDepleted:
		return "site.usage_blocked.empty"
	case !b.Inspection.Usable():
		return "site.usage_blocked.inspection"
	}
	return ""
}

func (s *Server) usageView(c *gin.Context, code string) (*view, *usageData, error) {
	v := s.view(c, "stock", nil)
	u, org, err := s.userOrg(c)
	if err != nil {
		return v, nil, err
	}
	ctx := c.Request.Context()
	d := &usageData{CanUse: may(u, org, "RecordUsage"), Today: s.opts.Now().UTC().Format("2006-01-02")}
	v.Data = d
	if code = strings.TrimSpace(code); code != "" {
		if b, err := s.opts.Store.Batch(ctx, code); err == nil && b.Custodian == org.ID {
			d.Batch = &b
			d.Blocked = usageBlocked(&b)
		}
	}
	p, err := s.opts.Store.Batches(ctx, store.BatchFilter{Custodian: org.ID, Status: models.StatusAvailable, Limit: 500})
	if err != nil {
		return v, d, err
	}
	for _, b := range p.Items {
		if b.Inspection.Usable() {
			d.Usable = append(d.Usable, b)
		}
	}
	if d.Locations, err = s.opts.Store.UsageLocations(ctx, org.ID, 50); err != nil {
		return v, d, err
	}
	all, err := s.opts.Store.UsageLocations(ctx, org.ID, 1000)
	if err != nil {
		return v, d, err
	}
	add := func(list *[]string, x string) {
		if x != "" && !slices.Contains(*list, x) {
			*list = append(*list, x)
		}
	}
	for _, l := range all {
		add(&d.Projects, l.Project)
		add(&d.Buildings, l.Building)
		add(&d.Floors, l.Floor)
		add(&d.Elements, l.Element)
	}
	return v, d, nil
}

// newUsage shows the record-usage form for ?batch=CODE.
func (s *Server) newUsage(c *gin.Context) {
	v, _, err := s.usageView(c, c.Query("batch"))
	if err != nil {
		s.failPage(c, err)
		return
	}
	v.Form.Set("batch", c.Query("batch"))
	s.page(c, http.StatusOK, "site_usage_new", v)
}

// createUsage records usage from the form as one RecordUsage transaction.
func (s *Server) createUsage(c *gin.Context) {
	code := strings.TrimSpace(c.PostForm("batch"))
	v, _, err := s.usageView(c, code)
	if err != nil {
		s.failPage(c, err)
		return
	}
	qty, err := parseQuantity("quantity", c.PostForm("quantity"))
	if err != nil {
		s.formFail(c, "site_usage_new", v, err)
		return
	}
	args := contract.RecordUsageArgs{Batch: code, Quantity: qty, Location: models.Location{
		Project: strings.TrimSpace(c.PostForm("location.project")), Building: strings.TrimSpace(c.PostForm("location.building")),
		Floor: strings.TrimSpace(c.PostForm("location.floor")), Element: strings.TrimSpace(c.PostForm("location.element")),
	}}
	act, err := s.actor(c)
	var u models.Usage
	if err == nil {
		u, err = s.app.RecordUsage(c.Request.Context(), act, args)
	}
	if err != nil {
		s.formFail(c, "site_usage_new", v, err)
		return
	}
	s.flash(c, v.L.T("site.usage_recorded", "Quantity", u.Quantity.String()+" "+u.Unit, "Batch", u.BatchCode, "Location", u.Location.Path()))
	c.Redirect(http.StatusSeeOther, "/stock")
}
