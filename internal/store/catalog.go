package store

import (
	"context"
	"fmt"

	"github.com/plumbline/plumbline/models"
)

// Organization returns the organization with id.
func (s *Store) Organization(ctx context.Context, id string) (models.Organization, error) {
	var r orgRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return models.Organization{}, notFound(err, "organization", id)
	}
	return orgFromRow(&r)
}

// Organizations returns every organization of kind (all kinds when ""), by ID.
func (s *Store) Organizations(ctx context.Context, kind models.OrgKind) ([]models.Organization, error) {
	var rs []orgRow
	if err := where(s.db.WithContext(ctx), "kind", string(kind)).Order(s.orderKey("id")).Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("list organizations: %w", dbErr(err))
	}
	out := make([]models.Organization, len(rs))
	for i := range rs {
		o, err := orgFromRow(&rs[i])
		if err != nil {
			return nil, fmt.Errorf("organization %s: %w", rs[i].ID, err)
		}
		out[i] = o
	}
	return out, nil
}

// Product returns the product with id.
func (s *Store) Product(ctx context.Context, id string) (models.Product, error) {
	var r productRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return models.Product{}, notFound(err, "product", id)
	}
	return productFromRow(&r)
}

// ProductByGTIN returns the product with the GTIN g (as registered, not padded).
func (s *Store) ProductByGTIN(ctx context.Context, g string) (models.Product, error) {
	var r productRow
	if err := s.db.WithContext(ctx).Where("gtin = ? AND gtin <> ''", g).Take(&r).Error; err != nil {
		return models.Product{}, notFound(err, "product with GTIN", g)
	}
	return productFromRow(&r)
}

// Products returns the products of manufacturer (all when ""), by ID.
func (s *Store) Products(ctx context.Context, manufacturer string) ([]models.Product, error) {
	var rs []productRow
	q := where(s.db.WithContext(ctx), "manufacturer", manufacturer)
	if err := q.Order(s.orderKey("id")).Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("list products: %w", dbErr(err))
	}
	out := make([]models.Product, len(rs))
	for i := range rs {
		p, err := productFromRow(&rs[i])
		if err != nil {
			return nil, fmt.Errorf("product %s: %w", rs[i].ID, err)
		}
		out[i] = p
	}
	return out, nil
}

// PurchaseOrder returns the purchase order with id, with its lines.
func (s *Store) PurchaseOrder(ctx context.Context, id string) (models.PurchaseOrder, error) {
	var r poRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return models.PurchaseOrder{}, notFound(err, "purchase order", id)
	}
	out, err := s.posWithLines(ctx, []poRow{r})
	if err != nil {
		return models.PurchaseOrder{}, err
	}
	return out[0], nil
}

// PurchaseOrders returns the purchase orders of buyer and supplier (either
// may be "" for any), newest first, at most limit (100 when 0, at most 1000).
func (s *Store) PurchaseOrders(ctx context.Context, buyer, supplier string, limit int) ([]models.PurchaseOrder, error) {
	var rs []poRow
	q := where(s.db.WithContext(ctx), "buyer", buyer, "supplier", supplier)
	if err := q.Order("seq DESC").Order("id").Limit(clampLimit(limit, 100, 1000)).Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("list purchase orders: %w", dbErr(err))
	}
	return s.posWithLines(ctx, rs)
}

func (s *Store) posWithLines(ctx context.Context, rs []poRow) ([]models.PurchaseOrder, error) {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	lines, err := childrenOf(s.db.WithContext(ctx), "po_id", ids, "line", func(l *poLineRow) string { return l.POID })
	if err != nil {
		return nil, err
	}
	out := make([]models.PurchaseOrder, len(rs))
	for i := range rs {
		out[i] = poFromRows(&rs[i], lines[rs[i].ID])
	}
	return out, nil
}

// Recall returns the recall with id, with the batches it affects.
func (s *Store) Recall(ctx context.Context, id string) (models.Recall, error) {
	var r recallRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return models.Recall{}, notFound(err, "recall", id)
	}
	out, err := s.recallsWithAffected(ctx, []recallRow{r})
	if err != nil {
		return models.Recall{}, err
	}
	return out[0], nil
}

// Recalls returns recalls, newest first, at most limit (100 when 0, at most 1000).
func (s *Store) Recalls(ctx context.Context, limit int) ([]models.Recall, error) {
	var rs []recallRow
	if err := s.db.WithContext(ctx).Order("seq DESC").Order("id").Limit(clampLimit(limit, 100, 1000)).Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("list recalls: %w", dbErr(err))
	}
	return s.recallsWithAffected(ctx, rs)
}

// RecallsOf returns the recalls that affect the batch code, newest first.
func (s *Store) RecallsOf(ctx context.Context, code string) ([]models.Recall, error) {
	var rs []recallRow
	err := s.db.WithContext(ctx).Where("id IN (?)", s.db.Model(&affectedRow{}).Select("recall_id").Where("batch_code = ?", code)).
		Order("seq DESC").Order("id").Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("recalls of batch %s: %w", code, dbErr(err))
	}
	return s.recallsWithAffected(ctx, rs)
}

func (s *Store) recallsWithAffected(ctx context.Context, rs []recallRow) ([]models.Recall, error) {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	aff, err := childrenOf(s.db.WithContext(ctx), "recall_id", ids, "pos", func(a *affectedRow) string { return a.RecallID })
	if err != nil {
		return nil, err
	}
	out := make([]models.Recall, len(rs))
	for i := range rs {
		out[i] = recallFromRows(&rs[i], aff[rs[i].ID])
	}
	return out, nil
}
