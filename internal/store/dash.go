package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/plumbline/plumbline/models"
)

// Aggregates for the dashboards: deliveries per week, on-time delivery per
// supplier, inspection failure rates and the age of open holds. Every
// query takes an organization: "" is the whole project, otherwise only
// what that organization is party to (see each query).
//
// Timestamps in the read model are RFC 3339 text in UTC, so the queries
// group by the day (the first ten characters) in SQL, which both dialects
// do the same way, and fold days into weeks in Go.

// Grouping keys of the dashboard aggregates.
const (
	BySupplier = "supplier"
	ByProduct  = "product"
)

// WeekStart returns the Monday (UTC) of the week t falls in, at midnight.
func WeekStart(t time.Time) time.Time {
	t = t.UTC()
	d := (int(t.Weekday()) + 6) % 7 // Monday 0 … Sunday 6
	return time.Date(t.Year(), t.Month(), t.Day()-d, 0, 0, 0, 0, time.UTC)
}

// DeliveryWeek is what one supplier (or one product) delivered in one week.
type DeliveryWeek struct {
	Week string `json:"week"` // the week's Monday, YYYY-MM-DD
	Key  string `json:"key"`  // supplier organization ID or product ID
	// Shipments counts the distinct shipments received.
	Shipments int `json:"shipments"`
	// Quantities is the accepted quantity per unit, by unit.
	Quantities []UnitQuantity `json:"quantities"`
}

// UnitQuantity is a quantity in one unit and the shipments that brought it.
type UnitQuantity struct {
	Unit      string         `json:"unit"`
	Shipments int            `json:"shipments"`
	Quantity  models.Decimal `json:"quantity"`
}

// Deliveries returns the shipments received in [from, to), grouped by
// week and by BySupplier or ByProduct, ordered by week and key. org, when
// set, keeps the shipments it sent, received or carried.
func (s *Store) Deliveries(ctx context.Context, org string, from, to time.Time, by string) ([]DeliveryWeek, error) {
	key := "s.from_org"
	if by == ByProduct {
		key = "b.product_id"
	} else if by != BySupplier {
		return nil, models.Invalid("by", "%q is neither %s nor %s", by, BySupplier, ByProduct)
	}
	var rs []struct {
		Code, Day, GroupKey, Unit string
		Accepted                  int64
	}
	q := s.db.WithContext(ctx).Table("rm_shipments s").
		Select("s.code AS code, SUBSTR(s.received_at, 1, 10) AS day, "+key+" AS group_key, b.unit AS unit, CAST(SUM(l.accepted) AS BIGINT) AS accepted").
		Joins("JOIN rm_shipment_lines l ON l.shipment = s.code").
		Joins("JOIN rm_batches b ON b.code = l.batch").
		Where("s.status = ? AND s.received_at >= ? AND s.received_at < ?", models.ShipmentReceived, sinceKey(from), sinceKey(to))
	if org != "" {
		q = q.Where("(s.from_org = ? OR s.to_org = ? OR s.carrier = ?)", org, org, org)
	}
	if err := q.Group("s.code, SUBSTR(s.received_at, 1, 10), " + key + ", b.unit").Scan(&rs).Error; err != nil {
		return nil, fmt.Errorf("deliveries: %w", dbErr(err))
	}
	type cell struct{ week, key string }
	weeks := map[cell]*DeliveryWeek{}
	seen := map[cell]map[string]bool{}           // distinct shipments per week and key
	units := map[cell]map[string]*UnitQuantity{} // per unit
	for _, r := range rs {
		day, err := time.Parse(models.DateLayout, r.Day)
		if err != nil {
			return nil, fmt.Errorf("deliveries: shipment %s has received_at %q: %w", r.Code, r.Day, models.ErrTampered)
		}
		c := cell{WeekStart(day).Format(models.DateLayout), r.GroupKey}
		w := weeks[c]
		if w == nil {
			w = &DeliveryWeek{Week: c.week, Key: c.key}
			weeks[c], seen[c], units[c] = w, map[string]bool{}, map[string]*UnitQuantity{}
		}
		if !seen[c][r.Code] {
			seen[c][r.Code] = true
			w.Shipments++
		}
		u := units[c][r.Unit]
		if u == nil {
			u = &UnitQuantity{Unit: r.Unit}
			units[c][r.Unit] = u
		}
		u.Shipments++ // one row per shipment and unit
		u.Quantity += models.Decimal(r.Accepted)
	}
	out := make([]DeliveryWeek, 0, len(weeks))
	for c, w := range weeks {
		for _, u := range units[c] {
			w.Quantities = append(w.Quantities, *u)
		}
		sort.Slice(w.Quantities, func(i, j int) bool { return w.Quantities[i].Unit < w.Quantities[j].Unit })
		out = append(out, *w)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Week != out[j].Week {
			return out[i].Week < out[j].Week
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// OnTime is one supplier's record against due dates.
type OnTime struct {
	Supplier string `json:"supplier"`
	// Lines counts received shipment lines against purchase-order lines
	// that have a due date; OnTime those received on or before it.
	Lines  int `json:"lines"`
	OnTime int `json:"on_time"`
	// LateDays sums how many days late the late lines were.
	LateDays int `json:"late_days"`
	// Overdue counts the lines of open orders past their due date whose
	// ordered quantity is not all accepted yet: late deliveries that have
	// not (all) arrived.
	Overdue int `json:"overdue_open_lines"`
}

// OnTimeBySupplier returns, per supplier (ordered by ID), how many shipment
// lines received in [from, to) against an order with a due date arrived on
// or before it (comparing UTC dates), and how many lines of open orders
// were past due on asOf's date and not yet fully accepted. org, when set, keeps the
// orders it placed or received.
func (s *Store) OnTimeBySupplier(ctx context.Context, org string, from, to, asOf time.Time) ([]OnTime, error) {
	var rs []struct {
		Supplier, Day, DeliverBy string
		N                        int
	}
	q := s.db.WithContext(ctx).Table("rm_shipment_lines l").
		Select("p.supplier AS supplier, SUBSTR(s.received_at, 1, 10) AS day, p.deliver_by AS deliver_by, COUNT(*) AS n").
		Joins("JOIN rm_shipments s ON s.code = l.shipment").
		Joins("JOIN rm_purchase_orders p ON p.id = l.po_id").
		Where("s.status = ? AND p.deliver_by <> '' AND s.received_at >= ? AND s.received_at < ?", models.ShipmentReceived, sinceKey(from), sinceKey(to))
	if org != "" {
		q = q.Where("(p.buyer = ? OR p.supplier = ?)", org, org)
	}
	if err := q.Group("p.supplier, SUBSTR(s.received_at, 1, 10), p.deliver_by").Scan(&rs).Error; err != nil {
		return nil, fmt.Errorf("on-time deliveries: %w", dbErr(err))
	}
	by := map[string]*OnTime{}
	for _, r := range rs {
		o := by[r.Supplier]
		if o == nil {
			o = &OnTime{Supplier: r.Supplier}
			by[r.Supplier] = o
		}
		o.Lines += r.N
		if r.Day <= r.DeliverBy { // both YYYY-MM-DD
			o.OnTime += r.N
			continue
		}
		got, err1 := time.Parse(models.DateLayout, r.Day)
		due, err2 := time.Parse(models.DateLayout, r.DeliverBy)
		if err1 == nil && err2 == nil {
			o.LateDays += r.N * int(got.Sub(due).Hours()/24)
		}
	}
	var od []struct {
		Supplier string
		N        int
	}
	q = s.db.WithContext(ctx).Table("rm_po_lines l").
		Select("p.supplier AS supplier, COUNT(*) AS n").
		Joins("JOIN rm_purchase_orders p ON p.id = l.po_id").
		Where("p.status = ? AND p.deliver_by <> '' AND p.deliver_by < ? AND l.accepted < l.quantity", "open", asOf.UTC().Format(models.DateLayout))
	if org != "" {
		q = q.Where("(p.buyer = ? OR p.supplier = ?)", org, org)
	}
	if err := q.Group("p.supplier").Scan(&od).Error; err != nil {
		return nil, fmt.Errorf("overdue order lines: %w", dbErr(err))
	}
	for _, r := range od {
		o := by[r.Supplier]
		if o == nil {
			o = &OnTime{Supplier: r.Supplier}
			by[r.Supplier] = o
		}
		o.Overdue = r.N
	}
	out := make([]OnTime, 0, len(by))
	for _, o := range by {
		out = append(out, *o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Supplier < out[j].Supplier })
	return out, nil
}

// InspectionRate counts inspections and failures for one product or one
// supplier (the batch's producer).
type InspectionRate struct {
	Key         string `json:"key"`
	Inspections int    `json:"inspections"`
	Failed      int    `json:"failed"`
}

// InspectionRates returns the inspections recorded in [from, to) grouped
// by ByProduct or BySupplier, ordered by key. org, when set, keeps the
// inspections it made and those of batches it produced, owns or holds.
func (s *Store) InspectionRates(ctx context.Context, org string, from, to time.Time, by string) ([]InspectionRate, error) {
	key := "b.producer"
	if by == ByProduct {
		key = "b.product_id"
	} else if by != BySupplier {
		return nil, models.Invalid("by", "%q is neither %s nor %s", by, BySupplier, ByProduct)
	}
	var rs []struct {
		GroupKey            string
		Inspections, Failed int
	}
	q := s.db.WithContext(ctx).Table("rm_inspections i").
		Select(key+" AS group_key, COUNT(*) AS inspections, SUM(CASE WHEN i.verdict = ? THEN 1 ELSE 0 END) AS failed", string(models.VerdictFail)).
		Joins("JOIN rm_batches b ON b.code = i.batch_code").
		Where("i.inspected_at >= ? AND i.inspected_at < ?", sinceKey(from), sinceKey(to))
	if org != "" {
		q = q.Where("(i.agency = ? OR b.producer = ? OR b.owner = ? OR b.custodian = ?)", org, org, org, org)
	}
	if err := q.Group(key).Order(s.orderKey(key)).Scan(&rs).Error; err != nil {
		return nil, fmt.Errorf("inspection rates: %w", dbErr(err))
	}
	out := make([]InspectionRate, len(rs))
	for i, r := range rs {
		out[i] = InspectionRate{Key: r.GroupKey, Inspections: r.Inspections, Failed: r.Failed}
	}
	return out, nil
}

// HoldAge is one batch on hold and since when.
type HoldAge struct {
	Code      string    `json:"code"`
	ProductID string    `json:"product_id"`
	Custodian string    `json:"custodian"`
	Reason    string    `json:"reason"`
	Since     time.Time `json:"since"`
}

// maxHoldAges bounds how many holds HoldAges reads.
const maxHoldAges = 10000

// HoldAges returns every batch on hold, oldest hold first (at most
// 10,000), with since when: its latest failing inspection, or else the
// event that last changed it (as OpenHolds). org, when set, keeps the
// batches it produced, owns or holds.
func (s *Store) HoldAges(ctx context.Context, org string) ([]HoldAge, error) {
	var rs []struct {
		Code, ProductID, Custodian, HoldReason string
		Seq                                    uint64
		Failed                                 *string
	}
	q := s.db.WithContext(ctx).Table("rm_batches b").
		Select("b.code AS code, b.product_id AS product_id, b.custodian AS custodian, b.hold_reason AS hold_reason, b.seq AS seq, "+
			"(SELECT MAX(i.inspected_at) FROM rm_inspections i WHERE i.batch_code = b.code AND i.verdict = ?) AS failed", string(models.VerdictFail)).
		Where("b.status = ?", string(models.StatusOnHold))
	if org != "" {
		q = q.Where("(b.producer = ? OR b.owner = ? OR b.custodian = ?)", org, org, org)
	}
	if err := q.Limit(maxHoldAges).Scan(&rs).Error; err != nil {
		return nil, fmt.Errorf("hold ages: %w", dbErr(err))
	}
	seqs := make([]uint64, 0, len(rs))
	for _, r := range rs {
		if r.Failed == nil {
			seqs = append(seqs, r.Seq)
		}
	}
	at := map[uint64]time.Time{}
	for len(seqs) > 0 { // in chunks: PostgreSQL takes at most 65,535 parameters
		n := min(len(seqs), 1000)
		var evs []eventRow
		if err := s.db.WithContext(ctx).Select("seq, time").Where("seq IN ?", seqs[:n]).Find(&evs).Error; err != nil {
			return nil, fmt.Errorf("hold ages: %w", dbErr(err))
		}
		for _, e := range evs {
			at[e.Seq] = e.Time.UTC()
		}
		seqs = seqs[n:]
	}
	out := make([]HoldAge, len(rs))
	for i, r := range rs {
		out[i] = HoldAge{Code: r.Code, ProductID: r.ProductID, Custodian: r.Custodian, Reason: r.HoldReason, Since: at[r.Seq]}
		if r.Failed != nil {
			if t, err := time.Parse(time.RFC3339Nano, *r.Failed); err == nil {
				out[i].Since = t.UTC()
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Since.Equal(out[j].Since) {
			return out[i].Since.Before(out[j].Since)
		}
		return out[i].Code < out[j].Code
	})
	return out, nil
}
