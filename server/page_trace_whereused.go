package server

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// Where used: every building, floor and element material of a product, a
// supplier, a heat number or a date range went into, forward through
// splits and transformations. Locations of batches the viewer's
// organization is not involved with are left out (involved.go), as in
// trace reports.

// Where-used page sizes.
const (
	whereUsedPage    = 200  // rows on the page and the API's default
	whereUsedMaxPage = 1000 // the API's largest limit
)

// whereUsedQuery is a search's parameters:
// ?product=&supplier=&heat=&from=&to=&dates=produced|used&limit=.
type whereUsedQuery struct {
	Product, Supplier, Heat string
	From, To                string // YYYY-MM-DD, inclusive
	Dates                   string // produced (default) or used: what From and To bound
	Limit                   int
}

// filter is the store's filter for the query.
func (q whereUsedQuery) filter() store.WhereUsedFilter {
	f := store.WhereUsedFilter{ProductID: q.Product, Producer: q.Supplier, HeatNumber: q.Heat}
	if q.Dates == "used" {
		f.UsedFrom, f.UsedTo = q.From, q.To
	} else {
		f.ProducedFrom, f.ProducedTo = q.From, q.To
	}
	return f
}

// values are the query's URL parameters (without limit).
func (q whereUsedQuery) values() url.Values {
	u := url.Values{}
	for k, v := range map[string]string{"product": q.Product, "supplier": q.Supplier, "heat": q.Heat, "from": q.From, "to": q.To, "dates": q.Dates} {
		if v != "" {
			u.Set(k, v)
		}
	}
	return u
}

// parseWhereUsed reads and checks a search; a bad parameter is a
// models.Invalid error naming it. limit is read only when maxLimit is
// above zero (the API; the page shows one page).
func parseWhereUsed(c *gin.Context, maxLimit int) (whereUsedQuery, error) {
	q := whereUsedQuery{Product: strings.TrimSpace(c.Query("product")), Supplier: strings.TrimSpace(c.Query("supplier")),
		Heat: strings.TrimSpace(c.Query("heat")), From: strings.TrimSpace(c.Query("from")), To: strings.TrimSpace(c.Query("to")),
		Dates: c.DefaultQuery("dates", "produced"), Limit: whereUsedPage}
	if q.Dates != "produced" && q.Dates != "used" {
		return q, models.Invalid("dates", "%q is not one of produced, used", q.Dates)
	}
	var from, to time.Time
	for _, d := range []struct {
		name string
		v    string
		t    *time.Time
	}{{"from", q.From, &from}, {"to", q.To, &to}} {
		if d.v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, d.v)
		if err != nil {
			return q, models.Invalid(d.name, "%q is not a date; write it as YYYY-MM-DD, e.g. 2026-03-31", d.v)
		}
		*d.t = t
	}
	if q.From != "" && q.To != "" && to.Before(from) {
		return q, models.Invalid("to", "%s is before the start %s; choose an end on or after it", q.To, q.From)
	}
	if v := strings.TrimSpace(c.Query("limit")); v != "" && maxLimit > 0 {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			return q, models.Invalid("limit", "%q must be a whole number from 1 to %d", v, maxLimit)
		}
		q.Limit = n
	}
	if q.Product == "" && q.Supplier == "" && q.Heat == "" && q.From == "" && q.To == "" {
		return q, models.Invalid("product", "choose a product, a supplier, a heat number or a date range")
	}
	return q, nil
}

// The where-used answer is the use case's.
type (
	whereUsedItem     = app.WhereUsedItem
	whereUsedResponse = app.WhereUsedResponse
)

// apiWhereUsed serves GET /api/v1/where-used.
func (t *traceArea) apiWhereUsed(c *gin.Context) {
	q, err := parseWhereUsed(c, whereUsedMaxPage)
	if err != nil {
		t.s.fail(c, err)
		return
	}
	r, err := t.s.app.WhereUsed(c.Request.Context(), q.filter(), t.s.viewerChecker(c), q.Limit)
	if err != nil {
		t.s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// whereUsedPageData is what templates/trace_whereused.html gets.
type whereUsedPageData struct {
	Query     whereUsedQuery
	Products  []models.Product
	Suppliers []models.Organization
	Asked     bool
	Result    whereUsedResponse
	Rows      []whereUsedRowView
	Shown     int
	CSV       string
}

// whereUsedRowView is a result row with display names.
type whereUsedRowView struct {
	whereUsedItem
	Product string
}

// whereUsedPage serves GET /where-used: the search form and, once asked,
// the places found.
func (t *traceArea) whereUsedPage(c *gin.Context) {
	ctx := c.Request.Context()
	p := &whereUsedPageData{Query: whereUsedQuery{Product: c.Query("product"), Supplier: c.Query("supplier"), Heat: c.Query("heat"),
		From: c.Query("from"), To: c.Query("to"), Dates: c.DefaultQuery("dates", "produced")}}
	v := t.s.view(c, "where-used", p)
	var err error
	if p.Products, err = t.s.opts.Store.Products(ctx, ""); err != nil {
		t.s.failPage(c, err)
		return
	}
	orgs, err := t.orgMap(ctx)
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	for _, o := range orgs {
		if o.Kind == models.KindManufacturer {
			p.Suppliers = append(p.Suppliers, o)
		}
	}
	slices.SortFunc(p.Suppliers, func(a, b models.Organization) int { return strings.Compare(a.Name, b.Name) })
	if len(c.Request.URL.Query()) == 0 || (len(c.Request.URL.Query()) == 1 && c.Query("lang") != "") {
		t.s.page(c, http.StatusOK, "trace_whereused", v)
		return
	}
	p.Asked = true
	q, err := parseWhereUsed(c, 0)
	if err == nil {
		p.Query = q
		p.Result, err = t.s.app.WhereUsed(ctx, q.filter(), t.s.viewerChecker(c), whereUsedPage)
	}
	if err != nil {
		code, body := t.s.describe(c, err)
		v.Errors = map[string]string{body.Field: body.Message}
		v.Form = c.Request.URL.Query()
		t.s.page(c, code, "trace_whereused", v)
		return
	}
	n, err := t.s.app.NamesIn(ctx, lang(c))
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	for _, it := range p.Result.Items {
		p.Rows = append(p.Rows, whereUsedRowView{whereUsedItem: it, Product: n.Product(it.ProductID)})
	}
	p.Shown = len(p.Rows)
	p.CSV = "/where-used.csv?" + q.values().Encode()
	t.s.page(c, http.StatusOK, "trace_whereused", v)
}

// whereUsedCSV serves GET /where-used.csv: every place found (up to
// store.MaxWhereUsed), one row each, formula-escaped.
func (t *traceArea) whereUsedCSV(c *gin.Context) {
	ctx := c.Request.Context()
	q, err := parseWhereUsed(c, 0)
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	r, err := t.s.app.WhereUsed(ctx, q.filter(), t.s.viewerChecker(c), store.MaxWhereUsed)
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	n, err := t.s.app.NamesIn(ctx, lang(c))
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	head := []string{"used_at", "project", "building", "floor", "element", "quantity", "unit", "batch", "product", "root", "path", "usage_id"}
	var rows [][]string
	for _, it := range r.Items {
		l := it.Location
		row := []string{it.UsedAt, l.Project, l.Building, l.Floor, l.Element, it.Quantity.String(), it.Unit, it.Batch,
			n.Product(it.ProductID), it.Root, strings.Join(it.Path, " > "), it.UsageID}
		for i := range row {
			row[i] = csvText(row[i])
		}
		rows = append(rows, row)
	}
	t.s.writePageCSV(c, "where-used.csv", head, rows)
}
