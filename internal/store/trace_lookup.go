package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/plumbline/plumbline/models"
)

// This file holds the read-model queries of the trace and manager pages:
// resolving a GS1 Digital Link to a batch, the shipments and ledger events
// of a batch, and the manager's dashboard lists.

// BatchesByLot returns the batches of product productID whose lot number or
// code is lot, by code: the candidates a GS1 Digital Link /01/{gtin}/10/{lot}
// may mean (the caller keeps the one label.Matches accepts).
func (s *Store) BatchesByLot(ctx context.Context, productID, lot string) ([]models.Batch, error) {
	var rs []batchRow
	err := s.db.WithContext(ctx).Where("product_id = ? AND (lot_number = ? OR code = ?)", productID, lot, lot).
		Order(s.orderKey("code")).Limit(100).Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("batches of product %s with lot %s: %w", productID, lot, dbErr(err))
	}
	return s.withLinks(ctx, rs)
}

// BatchShipments returns the shipments that carried the batch code, or
// split it off, or sent a rejected part of it back (any line whose batch,
// source or return batch is code), oldest first.
func (s *Store) BatchShipments(ctx context.Context, code string) ([]models.Shipment, error) {
	var rs []shipmentRow
	sub := s.db.Model(&shipmentLineRow{}).Select("shipment").Where("batch = ? OR source = ? OR return_batch = ?", code, code, code)
	if err := s.db.WithContext(ctx).Where("code IN (?)", sub).Order("rid").Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("shipments of batch %s: %w", code, dbErr(err))
	}
	return s.shipmentsWithLines(ctx, rs)
}

// EventBatches returns the codes of the batches the event seq touched (the
// batches on whose timelines it appears), sorted.
func (s *Store) EventBatches(ctx context.Context, seq uint64) ([]string, error) {
	var codes []string
	err := s.db.WithContext(ctx).Model(&eventBatchRow{}).Where("seq = ?", seq).
		Order(s.orderKey("batch_code")).Pluck("batch_code", &codes).Error
	if err != nil {
		return nil, fmt.Errorf("batches of event %d: %w", seq, dbErr(err))
	}
	return codes, nil
}

// sinceKey is the prefix of an RFC 3339 UTC timestamp that every later
// timestamp compares at or above, whatever its fraction of a second.
func sinceKey(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }

// ReceivedSince returns the shipments received at or after since, newest
// first, at most limit (100 when 0, at most 1000); to, when set, keeps the
// shipments delivered to that organization.
func (s *Store) ReceivedSince(ctx context.Context, to string, since time.Time, limit int) ([]models.Shipment, error) {
	var rs []shipmentRow
	q := where(s.db.WithContext(ctx), "to_org", to, "status", models.ShipmentReceived).Where("received_at >= ?", sinceKey(since))
	if err := q.Order("received_at DESC").Order("rid DESC").Limit(clampLimit(limit, 100, 1000)).Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("shipments received since %s: %w", sinceKey(since), dbErr(err))
	}
	return s.shipmentsWithLines(ctx, rs)
}

// FailedInspectionsSince returns the failing inspections recorded at or
// after since, newest first, at most limit (100 when 0, at most 1000).
// org, when set, keeps those the organization made or whose batch it
// produced, owns or holds.
func (s *Store) FailedInspectionsSince(ctx context.Context, org string, since time.Time, limit int) ([]models.Inspection, error) {
	var rs []inspectionRow
	q := s.db.WithContext(ctx).Where("verdict = ? AND inspected_at >= ?", string(models.VerdictFail), sinceKey(since))
	if org != "" {
		mine := s.db.Model(&batchRow{}).Select("code").Where("producer = ? OR owner = ? OR custodian = ?", org, org, org)
		q = q.Where("agency = ? OR batch_code IN (?)", org, mine)
	}
	if err := q.Order("inspected_at DESC").Order("rid DESC").Limit(clampLimit(limit, 100, 1000)).Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("failed inspections since %s: %w", sinceKey(since), dbErr(err))
	}
	return s.inspectionsWithResults(ctx, rs)
}

// RecallPage returns one page of recalls, newest first; after is the Next
// cursor of the previous page ("" starts at the top) and limit the page
// size (50 when 0, at most 500).
func (s *Store) RecallPage(ctx context.Context, after string, limit int) (Page[models.Recall], error) {
	limit = clampLimit(limit, 50, 500)
	q := s.db.WithContext(ctx).Model(&recallRow{})
	if after != "" {
		seqText, id, ok := strings.Cut(after, ":")
		seq, err := strconv.ParseUint(seqText, 10, 64)
		if !ok || err != nil {
			return Page[models.Recall]{}, models.Invalid("after", "%q is not a cursor of this list", after)
		}
		q = q.Where("seq < ? OR (seq = ? AND "+s.orderKey("id")+" > ?)", seq, seq, id)
	}
	var rs []recallRow
	if err := q.Order("seq DESC").Order(s.orderKey("id")).Limit(limit + 1).Find(&rs).Error; err != nil {
		return Page[models.Recall]{}, fmt.Errorf("list recalls: %w", dbErr(err))
	}
	var p Page[models.Recall]
	if len(rs) > limit {
		rs = rs[:limit]
		p.Next = strconv.FormatUint(rs[limit-1].Seq, 10) + ":" + rs[limit-1].ID
	}
	items, err := s.recallsWithAffected(ctx, rs)
	p.Items = items
	return p, err
}
