package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/plumbline/plumbline/models"
)

// Page is one page of a list and the cursor of the next ("" on the last page).
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// BatchOrder is the order of a batch list.
type BatchOrder int

// Batch list orders.
const (
	ByCode   BatchOrder = iota // ascending batch code
	ByRecent                   // most recently changed first, then by code
)

// BatchFilter selects batches; empty fields match everything.
type BatchFilter struct {
	ProductID string
	Producer  string
	Custodian string
	Site      string // contractor site where the batch is stored
	Status    models.BatchStatus
	// Inspection selects by inspection state, e.g. models.InspPending for
	// batches waiting at a hold point.
	Inspection models.InspectionState
	Order      BatchOrder
	// After is the Next cursor of the previous page; "" starts at the top.
	After string
	// Limit is the page size: 50 when 0, at most 500.
	Limit int
}

// Batch returns the batch with code, with its parents and documents.
func (s *Store) Batch(ctx context.Context, code string) (models.Batch, error) {
	var r batchRow
	if err := s.db.WithContext(ctx).Where("code = ?", code).Take(&r).Error; err != nil {
		return models.Batch{}, notFound(err, "batch", code)
	}
	bs, err := s.withLinks(ctx, []batchRow{r})
	if err != nil {
		return models.Batch{}, err
	}
	return bs[0], nil
}

// BatchCodeFold returns the code of the one batch whose code equals code
// but for case (people type "ux-cem-0001.1" for "UX-CEM-0001.1"); a
// not-found error when none does, or more than one.
func (s *Store) BatchCodeFold(ctx context.Context, code string) (string, error) {
	var codes []string
	err := s.db.WithContext(ctx).Model(&batchRow{}).Where("LOWER(code) = LOWER(?)", code).Limit(2).Pluck("code", &codes).Error
	if err != nil {
		return "", dbErr(err)
	}
	if len(codes) != 1 {
		return "", models.NotFound("code", "no batch %s", code)
	}
	return codes[0], nil
}

// BatchesByCode returns the batches with the given codes, keyed by code,
// in a fixed number of queries however many codes there are; unknown
// codes are left out.
func (s *Store) BatchesByCode(ctx context.Context, codes []string) (map[string]models.Batch, error) {
	var rs []batchRow
	for start := 0; start < len(codes); start += inChunk {
		var part []batchRow
		end := min(start+inChunk, len(codes))
		if err := s.db.WithContext(ctx).Where("code IN ?", codes[start:end]).Find(&part).Error; err != nil {
			return nil, fmt.Errorf("load batches: %w", dbErr(err))
		}
		rs = append(rs, part...)
	}
	bs, err := s.withLinks(ctx, rs)
	if err != nil {
		return nil, err
	}
	out := make(map[string]models.Batch, len(bs))
	for _, b := range bs {
		out[b.Code] = b
	}
	return out, nil
}

// Batches returns one page of the batches that match f.
func (s *Store) Batches(ctx context.Context, f BatchFilter) (Page[models.Batch], error) {
	limit := clampLimit(f.Limit, 50, 500)
	q := s.db.WithContext(ctx).Model(&batchRow{})
	q = where(q, "product_id", f.ProductID, "producer", f.Producer, "custodian", f.Custodian,
		"site", f.Site, "status", string(f.Status), "inspection", string(f.Inspection))
	switch f.Order {
	case ByCode:
		if f.After != "" {
			q = q.Where(s.orderKey("code")+" > ?", f.After)
		}
		q = q.Order(s.orderKey("code"))
	case ByRecent:
		if f.After != "" {
			seq, code, err := parseRecentCursor(f.After)
			if err != nil {
				return Page[models.Batch]{}, err
			}
			q = q.Where("seq < ? OR (seq = ? AND "+s.orderKey("code")+" > ?)", seq, seq, code)
		}
		q = q.Order("seq DESC").Order(s.orderKey("code"))
	default:
		return Page[models.Batch]{}, models.Invalid("order", "unknown batch order %d", f.Order)
	}
	var rs []batchRow
	if err := q.Limit(limit + 1).Find(&rs).Error; err != nil {
		return Page[models.Batch]{}, fmt.Errorf("list batches: %w", dbErr(err))
	}
	var p Page[models.Batch]
	if len(rs) > limit {
		rs = rs[:limit]
		last := rs[limit-1]
		p.Next = last.Code
		if f.Order == ByRecent {
			p.Next = strconv.FormatUint(last.Seq, 10) + ":" + last.Code
		}
	}
	items, err := s.withLinks(ctx, rs)
	p.Items = items
	return p, err
}

// where adds "column = value" for every non-empty value of the
// column, value pairs.
func where(q *gorm.DB, pairs ...string) *gorm.DB {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			q = q.Where(pairs[i]+" = ?", pairs[i+1])
		}
	}
	return q
}

func parseRecentCursor(c string) (uint64, string, error) {
	seqText, code, ok := strings.Cut(c, ":")
	seq, err := strconv.ParseUint(seqText, 10, 64)
	if !ok || err != nil {
		return 0, "", models.Invalid("after", "%q is not a cursor of this list", c)
	}
	return seq, code, nil
}

// Holds returns the batches on hold, most recently held first; custodian,
// when set, keeps only the batches it holds.
func (s *Store) Holds(ctx context.Context, custodian string, limit int) ([]models.Batch, error) {
	p, err := s.Batches(ctx, BatchFilter{Custodian: custodian, Status: models.StatusOnHold, Order: ByRecent, Limit: limit})
	return p.Items, err
}

// withLinks rebuilds batches from their rows, loading their lineage edges
// and document links.
func (s *Store) withLinks(ctx context.Context, rs []batchRow) ([]models.Batch, error) {
	codes := make([]string, len(rs))
	for i, r := range rs {
		codes[i] = r.Code
	}
	db := s.db.WithContext(ctx)
	// Only transformation outputs and split-off parts have parents, and the
	// contract gives exactly those a lineage; most batches need no query.
	var derived []string
	for _, r := range rs {
		if r.Lineage != "" {
			derived = append(derived, r.Code)
		}
	}
	edges := map[string][]edgeRow{}
	if len(derived) > 0 {
		var err error
		if edges, err = childrenOf(db, "child", derived, "pos", func(e *edgeRow) string { return e.Child }); err != nil {
			return nil, err
		}
	}
	docs, err := childrenOf(db, "batch_code", codes, "pos", func(d *batchDocRow) string { return d.BatchCode })
	if err != nil {
		return nil, err
	}
	out := make([]models.Batch, len(rs))
	for i := range rs {
		b, err := batchFromRows(&rs[i], edges[rs[i].Code], docs[rs[i].Code])
		if err != nil {
			return nil, fmt.Errorf("batch %s: %w", rs[i].Code, err)
		}
		out[i] = b
	}
	return out, nil
}

// childrenOf loads the child rows whose column is one of ids, ordered by
// order, grouped by parent key.
func childrenOf[T any](db *gorm.DB, column string, ids []string, order string, key func(*T) string) (map[string][]T, error) {
	out := make(map[string][]T, len(ids))
	for start := 0; start < len(ids); start += inChunk {
		end := min(start+inChunk, len(ids))
		var rows []T
		if err := db.Where(column+" IN ?", ids[start:end]).Order(column).Order(order).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("load %T rows: %w", *new(T), dbErr(err))
		}
		for i := range rows {
			k := key(&rows[i])
			out[k] = append(out[k], rows[i])
		}
	}
	return out, nil
}

// Timeline returns the events that touched the batch code, in ledger
// order, starting after seq after; limit is 100 when 0, at most 1000.
func (s *Store) Timeline(ctx context.Context, code string, after uint64, limit int) ([]Event, error) {
	limit = clampLimit(limit, 100, 1000)
	var rs []eventRow
	err := s.db.WithContext(ctx).Table("rm_event_batches AS eb").Select("e.*").
		Joins("JOIN rm_events e ON e.seq = eb.seq").
		Where("eb.batch_code = ? AND eb.seq > ?", code, after).
		Order("eb.seq").Limit(limit).Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("timeline of batch %s: %w", code, dbErr(err))
	}
	if len(rs) == 0 && after == 0 {
		if _, err := s.Batch(ctx, code); err != nil {
			return nil, err
		}
	}
	return eventsFromRows(rs), nil
}

// Events returns committed events after seq after, in ledger order; limit
// is 100 when 0, at most 1000.
func (s *Store) Events(ctx context.Context, after uint64, limit int) ([]Event, error) {
	var rs []eventRow
	err := s.db.WithContext(ctx).Where("seq > ?", after).Order("seq").Limit(clampLimit(limit, 100, 1000)).Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("list events: %w", dbErr(err))
	}
	return eventsFromRows(rs), nil
}

// Event returns the event with sequence number seq.
func (s *Store) Event(ctx context.Context, seq uint64) (Event, error) {
	var r eventRow
	if err := s.db.WithContext(ctx).Where("seq = ?", seq).Take(&r).Error; err != nil {
		return Event{}, notFound(err, "event", strconv.FormatUint(seq, 10))
	}
	return eventsFromRows([]eventRow{r})[0], nil
}

func eventsFromRows(rs []eventRow) []Event {
	out := make([]Event, len(rs))
	for i, r := range rs {
		out[i] = Event{Seq: r.Seq, TxID: r.TxID, Type: r.Type, Org: r.OrgID, User: r.UserID, Role: models.Role(r.Role),
			Time: r.Time.UTC(), Args: []byte(r.Args), Block: r.Block}
	}
	return out
}
