package store

import (
	"gorm.io/gorm"

	"context"
	"fmt"

	"github.com/plumbline/plumbline/models"
)

// ShipmentFilter selects shipments; empty fields match everything.
type ShipmentFilter struct {
	To      string // destination organization
	Site    string // destination site
	From    string
	Carrier string
	Status  string // models.ShipmentInTransit or models.ShipmentReceived
	// After is the Next cursor of the previous page; "" starts at the top.
	After string
	// Limit is the page size: 50 when 0, at most 500.
	Limit int
}

// Shipment returns the shipment with code, with its lines.
func (s *Store) Shipment(ctx context.Context, code string) (models.Shipment, error) {
	var r shipmentRow
	if err := s.db.WithContext(ctx).Where("code = ?", code).Take(&r).Error; err != nil {
		return models.Shipment{}, notFound(err, "shipment", code)
	}
	out, err := s.shipmentsWithLines(ctx, []shipmentRow{r})
	if err != nil {
		return models.Shipment{}, err
	}
	return out[0], nil
}

// Shipments returns one page of the shipments that match f, newest first.
func (s *Store) Shipments(ctx context.Context, f ShipmentFilter) (Page[models.Shipment], error) {
	limit := clampLimit(f.Limit, 50, 500)
	q := where(s.db.WithContext(ctx).Model(&shipmentRow{}),
		"to_org", f.To, "site", f.Site, "from_org", f.From, "carrier", f.Carrier, "status", f.Status)
	return s.shipmentPage(ctx, q, f.After, limit, "list shipments")
}

// shipmentPage runs q newest first, one page of limit after the cursor
// after (a row ID, as Next gives it), and loads the shipments' lines.
func (s *Store) shipmentPage(ctx context.Context, q *gorm.DB, after string, limit int, what string) (Page[models.Shipment], error) {
	if after != "" {
		var rid int64
		if _, err := fmt.Sscan(after, &rid); err != nil {
			return Page[models.Shipment]{}, models.Invalid("after", "%q is not a cursor of this list", after)
		}
		q = q.Where("rid < ?", rid)
	}
	var rs []shipmentRow
	if err := q.Order("rid DESC").Limit(limit + 1).Find(&rs).Error; err != nil {
		return Page[models.Shipment]{}, fmt.Errorf("%s: %w", what, dbErr(err))
	}
	var p Page[models.Shipment]
	if len(rs) > limit {
		rs = rs[:limit]
		p.Next = fmt.Sprint(rs[limit-1].RID)
	}
	items, err := s.shipmentsWithLines(ctx, rs)
	p.Items = items
	return p, err
}

func (s *Store) shipmentsWithLines(ctx context.Context, rs []shipmentRow) ([]models.Shipment, error) {
	codes := make([]string, len(rs))
	for i, r := range rs {
		codes[i] = r.Code
	}
	lines, err := childrenOf(s.db.WithContext(ctx), "shipment", codes, "line", func(l *shipmentLineRow) string { return l.Shipment })
	if err != nil {
		return nil, err
	}
	out := make([]models.Shipment, len(rs))
	for i := range rs {
		out[i] = shipmentFromRows(&rs[i], lines[rs[i].Code])
	}
	return out, nil
}

// Inspection returns the inspection with id, with its results.
func (s *Store) Inspection(ctx context.Context, id string) (models.Inspection, error) {
	var r inspectionRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return models.Inspection{}, notFound(err, "inspection", id)
	}
	out, err := s.inspectionsWithResults(ctx, []inspectionRow{r})
	if err != nil {
		return models.Inspection{}, err
	}
	return out[0], nil
}

// Inspections returns the inspections of the batch code, oldest first.
func (s *Store) Inspections(ctx context.Context, code string) ([]models.Inspection, error) {
	var rs []inspectionRow
	if err := s.db.WithContext(ctx).Where("batch_code = ?", code).Order("rid").Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("inspections of batch %s: %w", code, dbErr(err))
	}
	return s.inspectionsWithResults(ctx, rs)
}

func (s *Store) inspectionsWithResults(ctx context.Context, rs []inspectionRow) ([]models.Inspection, error) {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	ms, err := childrenOf(s.db.WithContext(ctx), "inspection_id", ids, "pos", func(m *measurementRow) string { return m.InspectionID })
	if err != nil {
		return nil, err
	}
	out := make([]models.Inspection, len(rs))
	for i := range rs {
		if out[i], err = inspectionFromRows(&rs[i], ms[rs[i].ID]); err != nil {
			return nil, fmt.Errorf("inspection %s: %w", rs[i].ID, err)
		}
	}
	return out, nil
}

// Usage returns the usage with id.
func (s *Store) Usage(ctx context.Context, id string) (models.Usage, error) {
	var r usageRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return models.Usage{}, notFound(err, "usage", id)
	}
	return usageFromRow(&r), nil
}

// Usages returns the usages of the batch code, oldest first.
func (s *Store) Usages(ctx context.Context, code string) ([]models.Usage, error) {
	var rs []usageRow
	if err := s.db.WithContext(ctx).Where("batch_code = ?", code).Order("rid").Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("usages of batch %s: %w", code, dbErr(err))
	}
	out := make([]models.Usage, len(rs))
	for i := range rs {
		out[i] = usageFromRow(&rs[i])
	}
	return out, nil
}

// Documents returns the documents attached to the batch code (including
// those it inherited from the batch it was split from), in the order the
// batch lists them. Hashes without a document record are left out.
func (s *Store) Documents(ctx context.Context, code string) ([]models.Document, error) {
	var rs []documentRow
	err := s.db.WithContext(ctx).Table("rm_batch_documents AS l").Select("d.*").
		Joins("JOIN rm_documents d ON d.sha256 = l.sha256").
		Where("l.batch_code = ?", code).Order("l.pos").Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("documents of batch %s: %w", code, dbErr(err))
	}
	out := make([]models.Document, len(rs))
	for i := range rs {
		out[i] = documentFromRow(&rs[i])
	}
	return out, nil
}

// Document returns the document with the SHA-256 hex hash sha.
func (s *Store) Document(ctx context.Context, sha string) (models.Document, error) {
	var r documentRow
	if err := s.db.WithContext(ctx).Where("sha256 = ?", sha).Take(&r).Error; err != nil {
		return models.Document{}, notFound(err, "document", sha)
	}
	return documentFromRow(&r), nil
}

// Corrections returns the corrections of the record kind/id (kind: batch,
// usage, inspection), oldest first.
func (s *Store) Corrections(ctx context.Context, kind, id string) ([]models.Correction, error) {
	var rs []correctionRow
	err := s.db.WithContext(ctx).Where("target_kind = ? AND target_id = ?", kind, id).Order("seq").Order("id").Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("corrections of %s %s: %w", kind, id, dbErr(err))
	}
	out := make([]models.Correction, len(rs))
	for i := range rs {
		out[i] = correctionFromRow(&rs[i])
	}
	return out, nil
}
