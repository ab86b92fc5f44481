package server

import (
	"context"
	"html/template"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/chart"
	"github.com/plumbline/plumbline/internal/i18n"
	"github.com/plumbline/plumbline/internal/store"
)

// The charts on /manager: each is an SVG drawn by internal/chart, the
// table behind it (in a <details> one click away) and the same rows as
// CSV at /dashboard/{chart}.csv with the page's query.

// dashChart is one chart as the page shows it.
type dashChart struct {
	ID    string // deliveries, on-time, inspections, holds, recalls, ledger
	Title string // message ID
	Note  string // message ID of a line saying what the chart shows
	SVG   template.HTML
	Head  []string   // message IDs of the table's columns
	Rows  [][]string // the table, also the CSV
	CSV   string     // the CSV download
	JSON  string     // the API
	// csvHead names the CSV columns (stable, not translated); csvRows,
	// when set, are the CSV's rows instead of Rows.
	csvHead []string
	csvRows [][]string
}

// dashTableLimit is how many rows a chart's table shows on the page; the
// CSV has them all.
const dashTableLimit = 100

// TableRows is the part of the table the page shows.
func (d *dashChart) TableRows() [][]string { return d.Rows[:min(len(d.Rows), dashTableLimit)] }

// More reports whether the page leaves rows to the CSV.
func (d *dashChart) More() bool { return len(d.Rows) > dashTableLimit }

// TableLimit is dashTableLimit, for the template.
func (d *dashChart) TableLimit() int { return dashTableLimit }

// dashCharts lists the charts in page order with their builders. The
// operator's charts (ops: ledger health, with this server's commit latency
// and group size) are on /operations, the others on /manager; every one
// has its CSV.
var dashCharts = []struct {
	id    string
	ops   bool
	build func(a *dashArea, ctx context.Context, q dashQuery, L *i18n.Localizer, n names) (*dashChart, error)
}{
	{"deliveries", false, (*dashArea).deliveriesChart},
	{"on-time", false, (*dashArea).onTimeChart},
	{"inspections", false, (*dashArea).inspectionsChart},
	{"holds", false, (*dashArea).holdsChart},
	{"recalls", false, (*dashArea).recallsChart},
	{"ledger", true, (*dashArea).ledgerChart},
}

// dashLinks sets the chart's CSV and JSON links for the query.
func (d *dashChart) links(q url.Values) {
	qs := ""
	if e := q.Encode(); e != "" {
		qs = "?" + e
	}
	d.CSV = "/dashboard/" + d.ID + ".csv" + qs
	d.JSON = "/api/v1/dashboard/" + d.ID + qs
}

// dashParams keeps the dashboard's own query parameters of the request.
func dashParams(c *gin.Context) url.Values {
	q := url.Values{}
	for _, k := range []string{"org", "weeks", "by"} {
		if v := c.Query(k); v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// buildCharts builds the manager's charts (ops false) or the operator's
// (ops true) for the query.
func (a *dashArea) buildCharts(ctx context.Context, q dashQuery, params url.Values, L *i18n.Localizer, n names, ops bool) ([]*dashChart, error) {
	out := make([]*dashChart, 0, len(dashCharts))
	for _, dc := range dashCharts {
		if dc.ops != ops {
			continue
		}
		ch, err := dc.build(a, ctx, q, L, n)
		if err != nil {
			return nil, err
		}
		ch.ID = dc.id
		ch.links(params)
		out = append(out, ch)
	}
	return out, nil
}

// dashCSV serves GET /dashboard/{chart}.csv: the table behind a chart.
func (a *dashArea) dashCSV(c *gin.Context) {
	id, ok := strings.CutSuffix(c.Param("file"), ".csv")
	for _, dc := range dashCharts {
		if !ok || dc.id != id {
			continue
		}
		q, err := a.dashQueryOf(c)
		if err != nil {
			a.s.failPage(c, err)
			return
		}
		ctx := c.Request.Context()
		n, err := a.s.app.NamesIn(ctx, lang(c))
		if err != nil {
			a.s.failPage(c, err)
			return
		}
		ch, err := dc.build(a, ctx, q, a.s.loc(c), n)
		if err != nil {
			a.s.failPage(c, err)
			return
		}
		var rows [][]string
		body := ch.Rows
		if ch.csvRows != nil {
			body = ch.csvRows
		}
		for _, r := range body {
			cells := make([]string, len(r))
			for i, v := range r {
				cells[i] = csvText(v)
			}
			rows = append(rows, cells)
		}
		a.s.writePageCSV(c, id+"-"+safeName(q.ScopeName())+"-"+q.Now.Format("20060102")+".csv", ch.csvHead, rows)
		return
	}
	a.s.notFound(c)
}

var nan = math.NaN()

func itoa(n int) string { return strconv.Itoa(n) }

func ftoa(v float64) string { return chart.FormatValue(v) }

// weekLabel is a week's Monday as MM-DD.
func weekLabel(w string) string {
	if len(w) == 10 {
		return w[5:]
	}
	return w
}

// keyName names a product or an organization.
func keyName(n names, by, key string) string {
	if by == store.ByProduct {
		return n.Product(key)
	}
	return n.Org(key)
}

// dashSeriesMax is how many series a chart draws before folding the rest
// into "others": the palette has eight colours.
const dashSeriesMax = 7

func (a *dashArea) deliveriesChart(ctx context.Context, q dashQuery, L *i18n.Localizer, n names) (*dashChart, error) {
	d, err := a.s.app.Deliveries(ctx, q)
	if err != nil {
		return nil, err
	}
	ch := &dashChart{Title: "fig.deliveries.title", Note: "fig.deliveries.note." + q.By,
		Head:    []string{"fig.col.week", "fig.col." + q.By, "fig.col.shipments", "fig.col.quantity", "fig.col.unit"},
		csvHead: []string{"week", q.By, "shipments", "quantity", "unit"}}
	weekIdx := map[string]int{}
	for i, w := range d.Weeks {
		weekIdx[w] = i
	}
	totals := map[string]int{}
	for _, it := range d.Items {
		totals[it.Key] += it.Shipments
		for _, u := range it.Quantities {
			ch.Rows = append(ch.Rows, []string{it.Week, keyName(n, q.By, it.Key), itoa(u.Shipments), u.Quantity.String(), u.Unit})
		}
	}
	keys := make([]string, 0, len(totals))
	for k := range totals {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if totals[keys[i]] != totals[keys[j]] {
			return totals[keys[i]] > totals[keys[j]]
		}
		return keys[i] < keys[j]
	})
	slot := map[string]int{}
	var series []chart.Series
	for i, k := range keys {
		if i == dashSeriesMax && len(keys) > dashSeriesMax+1 {
			series = append(series, chart.Series{Name: L.T("fig.others"), Values: make([]float64, len(d.Weeks))})
			for _, rest := range keys[i:] {
				slot[rest] = i
			}
			break
		}
		slot[k] = i
		series = append(series, chart.Series{Name: keyName(n, q.By, k), Values: make([]float64, len(d.Weeks))})
	}
	for _, it := range d.Items {
		series[slot[it.Key]].Values[weekIdx[it.Week]] += float64(it.Shipments)
	}
	cats := make([]string, len(d.Weeks))
	for i, w := range d.Weeks {
		cats[i] = weekLabel(w)
	}
	ch.SVG = svg(chart.Chart{Kind: chart.Stacked, Label: L.T("fig.deliveries.label", "Weeks", q.Weeks), Counts: true, Categories: cats, Series: series})
	return ch, nil
}

func (a *dashArea) onTimeChart(ctx context.Context, q dashQuery, L *i18n.Localizer, n names) (*dashChart, error) {
	d, err := a.s.app.OnTime(ctx, q)
	if err != nil {
		return nil, err
	}
	ch := &dashChart{Title: "fig.ontime.title", Note: "fig.ontime.note",
		Head:    []string{"fig.col.supplier", "fig.col.lines", "fig.col.on_time", "fig.col.late", "fig.col.on_time_rate", "fig.col.late_days", "fig.col.overdue"},
		csvHead: []string{"supplier", "lines", "on_time", "late", "on_time_percent", "late_days_total", "overdue_open_lines"}}
	s := chart.Series{Name: L.T("fig.col.on_time_rate")}
	var cats []string
	for _, it := range d.Items {
		name := n.Org(it.Supplier)
		cats = append(cats, name)
		o := it.OnTime
		if o.Lines == 0 { // only overdue lines: no rate to draw
			s.Values = append(s.Values, nan)
		} else {
			s.Values = append(s.Values, it.Rate)
		}
		ch.Rows = append(ch.Rows, []string{name, itoa(o.Lines), itoa(o.OnTime), itoa(o.Lines - o.OnTime), ftoa(it.Rate), itoa(o.LateDays), itoa(o.Overdue)})
	}
	ch.SVG = svg(chart.Chart{Kind: chart.HBar, Label: L.T("fig.ontime.label", "Weeks", q.Weeks), Unit: "%", YMax: 100, Categories: cats, Series: []chart.Series{s}})
	return ch, nil
}

func (a *dashArea) inspectionsChart(ctx context.Context, q dashQuery, L *i18n.Localizer, n names) (*dashChart, error) {
	d, err := a.s.app.Inspections(ctx, q)
	if err != nil {
		return nil, err
	}
	ch := &dashChart{Title: "fig.inspections.title", Note: "fig.inspections.note." + q.By,
		Head:    []string{"fig.col." + q.By, "fig.col.inspections", "fig.col.failed", "fig.col.failed_rate"},
		csvHead: []string{q.By, "inspections", "failed", "failed_percent"}}
	s := chart.Series{Name: L.T("fig.col.failed_rate")}
	var cats []string
	for _, it := range d.Items {
		name := keyName(n, q.By, it.Key)
		cats = append(cats, name)
		s.Values = append(s.Values, it.Rate)
		ch.Rows = append(ch.Rows, []string{name, itoa(it.Inspections), itoa(it.Failed), ftoa(it.Rate)})
	}
	ch.SVG = svg(chart.Chart{Kind: chart.HBar, Label: L.T("fig.inspections.label", "Weeks", q.Weeks), Unit: "%", Categories: cats, Series: []chart.Series{s}})
	return ch, nil
}

func (a *dashArea) holdsChart(ctx context.Context, q dashQuery, L *i18n.Localizer, n names) (*dashChart, error) {
	d, err := a.s.app.Holds(ctx, q)
	if err != nil {
		return nil, err
	}
	ch := &dashChart{Title: "fig.holds.title", Note: "fig.holds.note",
		Head:    []string{"fig.col.batch", "fig.col.product", "fig.col.custodian", "fig.col.since", "fig.col.age_days", "fig.col.reason"},
		csvHead: []string{"batch", "product", "custodian", "since", "age_days", "reason"}}
	s := chart.Series{Name: L.T("fig.col.holds")}
	var cats []string
	for _, b := range d.Buckets {
		cats = append(cats, L.T("fig.bucket."+b.Bucket))
		s.Values = append(s.Values, float64(b.Count))
	}
	for _, h := range d.Items {
		ch.Rows = append(ch.Rows, []string{h.Code, n.Product(h.ProductID), n.Org(h.Custodian), h.Since.Format(time.RFC3339), ftoa(h.AgeDays), h.Reason})
	}
	ch.SVG = svg(chart.Chart{Kind: chart.Bar, Label: L.T("fig.holds.label"), Counts: true, Categories: cats, Series: []chart.Series{s}})
	return ch, nil
}

func (a *dashArea) recallsChart(ctx context.Context, q dashQuery, L *i18n.Localizer, n names) (*dashChart, error) {
	d, err := a.s.app.Recalls(ctx, q)
	if err != nil {
		return nil, err
	}
	ch := &dashChart{Title: "fig.recalls.title", Note: "fig.recalls.note",
		Head: []string{"fig.col.case", "fig.col.kind", "fig.col.batch", "fig.col.severity", "fig.col.opened_by", "fig.col.age_days", "fig.col.target",
			"fig.col.acknowledged", "fig.col.dispositioned"},
		csvHead: []string{"case", "kind", "batch", "severity", "opened_by", "age_days", "target_date", "overdue",
			"acknowledged_orgs", "affected_orgs", "dispositioned_usages", "affected_usages"}}
	ack := chart.Series{Name: L.T("fig.col.acknowledged")}
	disp := chart.Series{Name: L.T("fig.col.dispositioned")}
	var cats []string
	for _, c := range d.Items {
		cats = append(cats, c.BatchCode)
		ack.Values = append(ack.Values, c.AckPercent)
		disp.Values = append(disp.Values, c.DispositionPercent)
		target := c.TargetDate
		if c.Overdue {
			target += " " + L.T("fig.overdue")
		}
		ch.Rows = append(ch.Rows, []string{c.ID, L.T("fig.kind." + string(c.Kind)), c.BatchCode, L.T("trace.severity." + c.Severity), n.Org(c.Org),
			ftoa(c.AgeDays), target, itoa(c.AckedOrgs) + "/" + itoa(c.Orgs), itoa(c.Dispositioned) + "/" + itoa(c.Usages)})
	}
	// The CSV splits the fractions into numbers and keeps codes, not words.
	ch.csvRows = make([][]string, len(d.Items))
	for i, c := range d.Items {
		ch.csvRows[i] = []string{c.ID, string(c.Kind), c.BatchCode, c.Severity, c.Org, ftoa(c.AgeDays), c.TargetDate, strconv.FormatBool(c.Overdue),
			itoa(c.AckedOrgs), itoa(c.Orgs), itoa(c.Dispositioned), itoa(c.Usages)}
	}
	ch.SVG = svg(chart.Chart{Kind: chart.HBar, Label: L.T("fig.recalls.label"), Unit: "%", YMax: 100, Categories: cats, Series: []chart.Series{ack, disp}})
	return ch, nil
}

func (a *dashArea) ledgerChart(ctx context.Context, q dashQuery, L *i18n.Localizer, n names) (*dashChart, error) {
	d, err := a.ledgerData(ctx, q)
	if err != nil {
		return nil, err
	}
	ch := &dashChart{Title: "fig.ledger.title", Note: "fig.ledger.note",
		Head:    []string{"fig.col.minute", "fig.col.groups", "fig.col.transactions", "fig.col.tx_per_second", "fig.col.mean_group", "fig.col.p50", "fig.col.p99"},
		csvHead: []string{"minute", "groups", "transactions", "tx_per_second", "mean_group_size", "p50_ms", "p99_ms"}}
	p50 := chart.Series{Name: "p50"}
	p99 := chart.Series{Name: "p99"}
	var cats []string
	for _, m := range d.Minutes {
		cats = append(cats, m.Start.Format("15:04"))
		v50, v99 := m.P50, m.P99
		if m.Groups == 0 {
			v50, v99 = nan, nan
		} else {
			ch.Rows = append(ch.Rows, []string{m.Start.Format(time.RFC3339), itoa(m.Groups), itoa(m.Txs), ftoa(m.TxPerSecond), ftoa(m.MeanGroup), ftoa(m.P50), ftoa(m.P99)})
		}
		p50.Values = append(p50.Values, v50)
		p99.Values = append(p99.Values, v99)
	}
	ch.SVG = svg(chart.Chart{Kind: chart.Line, Label: L.T("fig.ledger.label"), Unit: " ms", Categories: cats, Series: []chart.Series{p50, p99}})
	return ch, nil
}

// svg marks the chart package's output as safe HTML: it escapes every
// text it writes and has no script or style.
func svg(c chart.Chart) template.HTML { return template.HTML(c.SVG()) } //nolint:gosec // escaped by internal/chart
