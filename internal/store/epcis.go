package store

import (
	"context"
	"fmt"
	"time"
)

// EventFilter selects committed events for an EPCIS export; empty fields
// match everything.
type EventFilter struct {
	Batches []string  // events that touched any of these batches
	Types   []string  // transaction types
	From    time.Time // events at or after From
	To      time.Time // events before To
	After   uint64    // events after this sequence number
	Limit   int       // 100 when 0, at most 1000
}

// maxFilterBatches bounds the batch codes of one query (SQLite allows
// 32,766 parameters).
const maxFilterBatches = 20000

// FilterEvents returns the events that match f, in ledger order.
func (s *Store) FilterEvents(ctx context.Context, f EventFilter) ([]Event, error) {
	if len(f.Batches) > maxFilterBatches {
		return nil, fmt.Errorf("filter events by %d batches: at most %d", len(f.Batches), maxFilterBatches)
	}
	q := s.db.WithContext(ctx).Model(&eventRow{}).Where("seq > ?", f.After)
	if len(f.Batches) > 0 {
		q = q.Where("seq IN (?)", s.db.Model(&eventBatchRow{}).Select("seq").Where("batch_code IN ? AND seq > ?", f.Batches, f.After))
	}
	if len(f.Types) > 0 {
		q = q.Where("type IN ?", f.Types)
	}
	if !f.From.IsZero() {
		q = q.Where("time >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("time < ?", f.To.UTC())
	}
	var rs []eventRow
	if err := q.Order("seq").Limit(clampLimit(f.Limit, 100, 1000)).Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("filter events: %w", dbErr(err))
	}
	evs := eventsFromRows(rs)
	// The database compares times as it stores them; check exactly.
	out := evs[:0]
	for _, e := range evs {
		if (!f.From.IsZero() && e.Time.Before(f.From)) || (!f.To.IsZero() && !e.Time.Before(f.To)) {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// ScannedTo returns the sequence number a FilterEvents page got to: its
// last event, or after when it was empty.
func ScannedTo(evs []Event, after uint64) uint64 {
	if len(evs) == 0 {
		return after
	}
	return evs[len(evs)-1].Seq
}
