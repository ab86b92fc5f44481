package server

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// batchesData is what the batch list shows.
type batchesData struct {
	Page      store.Page[models.Batch]
	Products  []models.Product // for the product filter
	Statuses  []models.BatchStatus
	Status    string
	ProductID string
	Search    string
	CanAdd    bool
}

var batchStatuses = []models.BatchStatus{models.StatusAvailable, models.StatusInTransit, models.StatusOnHold,
	models.StatusRejected, models.StatusRecalled, models.StatusDepleted}

// orgBatchFilter reads the batch list's filters from the query.
func orgBatchFilter(c *gin.Context, org string) (store.OrgBatchFilter, error) {
	f := store.OrgBatchFilter{
		Org: org, ProductID: strings.TrimSpace(c.Query("product")), Status: models.BatchStatus(c.Query("status")),
		Search: strings.TrimSpace(c.Query("q")), After: c.Query("after"),
	}
	if f.ProductID == "" {
		f.ProductID = strings.TrimSpace(c.Query("product_id"))
	}
	if f.Status != "" {
		ok := false
		for _, s := range batchStatuses {
			ok = ok || s == f.Status
		}
		if !ok {
			return f, models.Invalid("status", "%q is not a batch status", f.Status)
		}
	}
	if len(f.Search) > 64 {
		return f, models.Invalid("q", "search for at most 64 characters")
	}
	return f, nil
}

// batches lists the batches the user's organization produced, owns or
// holds, with filters and a "next page" link.
func (s *Server) batches(c *gin.Context) {
	v := s.view(c, "batches", nil)
	ctx := c.Request.Context()
	f, err := orgBatchFilter(c, v.User.OrgID)
	if err != nil {
		s.failPage(c, err)
		return
	}
	d := batchesData{Statuses: batchStatuses, Status: string(f.Status), ProductID: f.ProductID, Search: f.Search,
		CanAdd: may(v.User, v.Org, "CommissionBatch")}
	if d.Page, err = s.opts.Store.OrgBatches(ctx, f); err != nil {
		s.failPage(c, err)
		return
	}
	// The product filter offers the products of the listed batches and,
	// for a manufacturer, its own catalogue.
	if d.Products, err = s.opts.Store.Products(ctx, ""); err != nil {
		s.failPage(c, err)
		return
	}
	v.Data = d
	s.page(c, http.StatusOK, "supplier_batches", v)
}

// batchURL is the batch's own page (the trace page, built by the trace
// area); every batch link on the supplier pages goes there.
func batchURL(code string) string { return "/b/" + url.PathEscape(code) }
