package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/plumbline/plumbline/models"
)

// OrgBatchFilter selects the batches one organization has to do with: those
// it produced, owns or holds (a carrier holds what it carries).
type OrgBatchFilter struct {
	Org       string // required
	ProductID string
	Status    models.BatchStatus
	// Search keeps batches whose code contains it, ignoring ASCII case.
	Search string
	// After is the Next cursor of the previous page; "" starts at the top.
	After string
	// Limit is the page size: 50 when 0, at most 500.
	Limit int
}

// OrgBatches returns one page, by code, of the batches that f.Org
// produced, owns or holds and that match the other fields of f.
func (s *Store) OrgBatches(ctx context.Context, f OrgBatchFilter) (Page[models.Batch], error) {
	if f.Org == "" {
		return Page[models.Batch]{}, models.Invalid("org", "is required")
	}
	limit := clampLimit(f.Limit, 50, 500)
	q := s.db.WithContext(ctx).Model(&batchRow{}).
		Where("(producer = ? OR owner = ? OR custodian = ?)", f.Org, f.Org, f.Org)
	q = where(q, "product_id", f.ProductID, "status", string(f.Status))
	if f.Search != "" {
		q = q.Where(`LOWER(code) LIKE ? ESCAPE '\'`, "%"+likeEscape(strings.ToLower(f.Search))+"%")
	}
	if f.After != "" {
		q = q.Where(s.orderKey("code")+" > ?", f.After)
	}
	var rs []batchRow
	if err := q.Order(s.orderKey("code")).Limit(limit + 1).Find(&rs).Error; err != nil {
		return Page[models.Batch]{}, fmt.Errorf("list batches of %s: %w", f.Org, dbErr(err))
	}
	var p Page[models.Batch]
	if len(rs) > limit {
		rs = rs[:limit]
		p.Next = rs[limit-1].Code
	}
	items, err := s.withLinks(ctx, rs)
	p.Items = items
	return p, err
}

// likeEscape escapes LIKE's wildcards so that s matches literally (with
// ESCAPE '\').
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Shipment directions for OrgShipmentFilter.
const (
	DirOutgoing = "outgoing" // the organization shipped it
	DirIncoming = "incoming" // it goes to the organization
	DirCarried  = "carried"  // the organization carries it
)

// OrgShipmentFilter selects the shipments one organization is a party to.
type OrgShipmentFilter struct {
	Org string // required
	// Direction is DirOutgoing, DirIncoming, DirCarried, or "" for all three.
	Direction string
	Status    string // models.ShipmentInTransit or models.ShipmentReceived; "" for both
	// After is the Next cursor of the previous page; "" starts at the top.
	After string
	// Limit is the page size: 50 when 0, at most 500.
	Limit int
}

// OrgShipments returns one page, newest first, of the shipments f.Org
// sends, receives or carries.
func (s *Store) OrgShipments(ctx context.Context, f OrgShipmentFilter) (Page[models.Shipment], error) {
	if f.Org == "" {
		return Page[models.Shipment]{}, models.Invalid("org", "is required")
	}
	limit := clampLimit(f.Limit, 50, 500)
	q := s.db.WithContext(ctx).Model(&shipmentRow{})
	switch f.Direction {
	case "":
		q = q.Where("(from_org = ? OR to_org = ? OR carrier = ?)", f.Org, f.Org, f.Org)
	case DirOutgoing:
		q = q.Where("from_org = ?", f.Org)
	case DirIncoming:
		q = q.Where("to_org = ?", f.Org)
	case DirCarried:
		q = q.Where("carrier = ?", f.Org)
	default:
		return Page[models.Shipment]{}, models.Invalid("direction", "%q is not one of %s, %s, %s", f.Direction, DirOutgoing, DirIncoming, DirCarried)
	}
	q = where(q, "status", f.Status)
	return s.shipmentPage(ctx, q, f.After, limit, "list shipments of "+f.Org)
}

// OrgPurchaseOrders returns one page of the purchase orders org placed or
// received, by ID descending (the demo's and most ERPs' IDs grow with
// time). status, when set, keeps only orders in that status.
func (s *Store) OrgPurchaseOrders(ctx context.Context, org, status, after string, limit int) (Page[models.PurchaseOrder], error) {
	if org == "" {
		return Page[models.PurchaseOrder]{}, models.Invalid("org", "is required")
	}
	limit = clampLimit(limit, 50, 500)
	q := where(s.db.WithContext(ctx).Model(&poRow{}).Where("(buyer = ? OR supplier = ?)", org, org), "status", status)
	if after != "" {
		q = q.Where(s.orderKey("id")+" < ?", after)
	}
	var rs []poRow
	if err := q.Order(s.orderKey("id") + " DESC").Limit(limit + 1).Find(&rs).Error; err != nil {
		return Page[models.PurchaseOrder]{}, fmt.Errorf("list purchase orders of %s: %w", org, dbErr(err))
	}
	var p Page[models.PurchaseOrder]
	if len(rs) > limit {
		rs = rs[:limit]
		p.Next = rs[limit-1].ID
	}
	items, err := s.posWithLines(ctx, rs)
	p.Items = items
	return p, err
}
