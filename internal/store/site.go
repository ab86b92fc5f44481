package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/plumbline/plumbline/models"
)

// Read-model queries for the contractor's site pages and the inspector's
// pages: stock per site, the locations a contractor has built into, and
// the open holds an organization can see.

// StockFilter selects the batches an organization holds on its sites.
type StockFilter struct {
	Custodian string // required: the organization holding the batches
	Site      string // "" for every site
	ProductID string // "" for every product
	// After is the Next cursor of the previous page; "" starts at the top.
	After string
	// Limit is the page size: 50 when 0, at most 500.
	Limit int
}

// Stock returns one page of the batches the custodian holds that have
// something left (in any status: on hold and recalled stock is stock too,
// to be kept apart), ordered by site and code,
// so a page groups by site.
func (s *Store) Stock(ctx context.Context, f StockFilter) (Page[models.Batch], error) {
	if f.Custodian == "" {
		return Page[models.Batch]{}, models.Invalid("custodian", "is required")
	}
	limit := clampLimit(f.Limit, 50, 500)
	q := where(s.db.WithContext(ctx).Model(&batchRow{}), "custodian", f.Custodian, "site", f.Site, "product_id", f.ProductID).
		Where("remaining > 0")
	if f.After != "" {
		site, code, ok := strings.Cut(f.After, "/")
		if !ok || code == "" {
			return Page[models.Batch]{}, models.Invalid("after", "%q is not a cursor of this list", f.After)
		}
		q = q.Where(s.orderKey("site")+" > ? OR (site = ? AND "+s.orderKey("code")+" > ?)", site, site, code)
	}
	var rs []batchRow
	if err := q.Order(s.orderKey("site")).Order(s.orderKey("code")).Limit(limit + 1).Find(&rs).Error; err != nil {
		return Page[models.Batch]{}, fmt.Errorf("list stock: %w", dbErr(err))
	}
	var p Page[models.Batch]
	if len(rs) > limit {
		rs = rs[:limit]
		p.Next = rs[limit-1].Site + "/" + rs[limit-1].Code
	}
	items, err := s.withLinks(ctx, rs)
	p.Items = items
	return p, err
}

// StockLine totals one product on one site.
type StockLine struct {
	Site      string         `json:"site"`
	ProductID string         `json:"product_id"`
	Unit      string         `json:"unit"`
	Batches   int            `json:"batches"`
	Remaining models.Decimal `json:"remaining"`
	// Usable is the part of Remaining that may be used now: available
	// batches whose inspection state allows use.
	Usable models.Decimal `json:"usable"`
}

// StockSummary totals the custodian's stock per site and product, ordered
// by site and product.
func (s *Store) StockSummary(ctx context.Context, custodian string) ([]StockLine, error) {
	var rs []struct {
		Site, ProductID, Unit, Status, Inspection string
		Batches                                   int
		Remaining                                 int64
	}
	err := s.db.WithContext(ctx).Model(&batchRow{}).
		Select("site, product_id, unit, status, inspection, COUNT(*) AS batches, CAST(SUM(remaining) AS BIGINT) AS remaining").
		Where("custodian = ? AND remaining > 0", custodian).
		Group("site, product_id, unit, status, inspection").
		Order(s.orderKey("site")).Order(s.orderKey("product_id")).Order("unit").
		Scan(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("stock summary of %s: %w", custodian, dbErr(err))
	}
	var out []StockLine
	for _, r := range rs {
		n := len(out)
		if n == 0 || out[n-1].Site != r.Site || out[n-1].ProductID != r.ProductID || out[n-1].Unit != r.Unit {
			out = append(out, StockLine{Site: r.Site, ProductID: r.ProductID, Unit: r.Unit})
			n++
		}
		l := &out[n-1]
		l.Batches += r.Batches
		l.Remaining += models.Decimal(r.Remaining)
		if models.BatchStatus(r.Status) == models.StatusAvailable && models.InspectionState(r.Inspection).Usable() {
			l.Usable += models.Decimal(r.Remaining)
		}
	}
	return out, nil
}

// UsageLocations returns the distinct locations the contractor has
// recorded usage at, most recently used first, at most limit (100 when 0,
// at most 1000).
func (s *Store) UsageLocations(ctx context.Context, contractor string, limit int) ([]models.Location, error) {
	limit = clampLimit(limit, 100, 1000)
	var rs []struct{ Project, Building, Floor, Element string }
	err := s.db.WithContext(ctx).Model(&usageRow{}).
		Select("project, building, floor, element, MAX(rid) AS last_rid").
		Where("contractor = ?", contractor).
		Group("project, building, floor, element").
		Order("last_rid DESC").Limit(limit).Scan(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("usage locations of %s: %w", contractor, dbErr(err))
	}
	out := make([]models.Location, len(rs))
	for i, r := range rs {
		out[i] = models.Location{Project: r.Project, Building: r.Building, Floor: r.Floor, Element: r.Element}
	}
	return out, nil
}

// HoldFilter selects open holds.
type HoldFilter struct {
	// Org, when set, keeps the holds of batches the organization produced,
	// owns or holds; "" keeps every hold (authorities and agencies).
	Org string
	// After is the Next cursor of the previous page; "" starts at the top.
	After string
	// Limit is the page size: 50 when 0, at most 500.
	Limit int
}

// Hold is a batch on hold and since when.
type Hold struct {
	Batch models.Batch `json:"batch"`
	// Since is when the batch went on hold: its latest failing inspection,
	// or else the last change to the batch.
	Since time.Time `json:"since"`
}

// OpenHolds returns one page of the batches on hold that f selects, most
// recently changed first.
func (s *Store) OpenHolds(ctx context.Context, f HoldFilter) (Page[Hold], error) {
	limit := clampLimit(f.Limit, 50, 500)
	db := s.db.WithContext(ctx)
	q := db.Model(&batchRow{}).Where("status = ?", string(models.StatusOnHold))
	if f.Org != "" {
		q = q.Where("producer = ? OR owner = ? OR custodian = ?", f.Org, f.Org, f.Org)
	}
	if f.After != "" {
		seq, code, err := parseRecentCursor(f.After)
		if err != nil {
			return Page[Hold]{}, err
		}
		q = q.Where("seq < ? OR (seq = ? AND "+s.orderKey("code")+" > ?)", seq, seq, code)
	}
	var rs []batchRow
	if err := q.Order("seq DESC").Order(s.orderKey("code")).Limit(limit + 1).Find(&rs).Error; err != nil {
		return Page[Hold]{}, fmt.Errorf("list holds: %w", dbErr(err))
	}
	var p Page[Hold]
	if len(rs) > limit {
		rs = rs[:limit]
		p.Next = fmt.Sprintf("%d:%s", rs[limit-1].Seq, rs[limit-1].Code)
	}
	bs, err := s.withLinks(ctx, rs)
	if err != nil {
		return p, err
	}
	since, err := s.holdTimes(ctx, rs)
	if err != nil {
		return p, err
	}
	p.Items = make([]Hold, len(bs))
	for i, b := range bs {
		p.Items[i] = Hold{Batch: b, Since: since[b.Code]}
	}
	return p, nil
}

// holdTimes finds when each batch went on hold: its latest failing
// inspection, or the time of the event that last changed it.
func (s *Store) holdTimes(ctx context.Context, rs []batchRow) (map[string]time.Time, error) {
	out := make(map[string]time.Time, len(rs))
	if len(rs) == 0 {
		return out, nil
	}
	codes := make([]string, len(rs))
	seqs := make([]uint64, len(rs))
	for i, r := range rs {
		codes[i], seqs[i] = r.Code, r.Seq
	}
	db := s.db.WithContext(ctx)
	var evs []eventRow
	if err := db.Select("seq, time").Where("seq IN ?", seqs).Find(&evs).Error; err != nil {
		return nil, fmt.Errorf("hold times: %w", dbErr(err))
	}
	at := make(map[uint64]time.Time, len(evs))
	for _, e := range evs {
		at[e.Seq] = e.Time.UTC()
	}
	for _, r := range rs {
		out[r.Code] = at[r.Seq]
	}
	var ins []inspectionRow
	if err := db.Select("batch_code, inspected_at").Where("verdict = ? AND batch_code IN ?", string(models.VerdictFail), codes).Find(&ins).Error; err != nil {
		return nil, fmt.Errorf("hold times: %w", dbErr(err))
	}
	failed := map[string]time.Time{}
	for _, in := range ins {
		t, err := time.Parse(time.RFC3339Nano, in.InspectedAt)
		if err == nil && t.After(failed[in.BatchCode]) {
			failed[in.BatchCode] = t.UTC()
		}
	}
	for code, t := range failed {
		out[code] = t
	}
	return out, nil
}
