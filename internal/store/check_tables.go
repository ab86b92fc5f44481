package store

import (
	"context"
	"encoding/json"
	"fmt"

	"gorm.io/gorm"

	"github.com/plumbline/plumbline/models"
)

// checkCursors returns a cursor over every record table, in world-state
// key-prefix order.
func (s *Store) checkCursors(ctx context.Context) []*cursor {
	db := s.db.WithContext(ctx)
	return []*cursor{
		{table: "rm_batches", prefix: models.PrefixBatch, decode: decodeAs[models.Batch],
			load: func(after string, n int) ([]checkItem, error) {
				rs, err := page[batchRow](s, db, "code", after, n)
				if err != nil {
					return nil, err
				}
				bs, err := s.withLinks(ctx, rs)
				return items(bs, err, func(i int) (string, uint64) { return rs[i].Code, rs[i].Seq })
			}},
		s.caseCursor(ctx, db),
		{table: "rm_corrections", prefix: models.PrefixCorrection, decode: decodeAs[models.Correction],
			load: simple(s, db, "id", correctionFromRow, func(r *correctionRow) (string, uint64) { return r.ID, r.Seq })},
		{table: "rm_documents", prefix: models.PrefixDocument, decode: decodeAs[models.Document],
			load: simple(s, db, "sha256", documentFromRow, func(r *documentRow) (string, uint64) { return r.SHA256, r.Seq })},
		{table: "rm_inspections", prefix: models.PrefixInspection, decode: decodeAs[models.Inspection],
			load: func(after string, n int) ([]checkItem, error) {
				rs, err := page[inspectionRow](s, db, "id", after, n)
				if err != nil {
					return nil, err
				}
				ins, err := s.inspectionsWithResults(ctx, rs)
				return items(ins, err, func(i int) (string, uint64) { return rs[i].ID, rs[i].Seq })
			}},
		{table: "rm_organizations", prefix: models.PrefixOrg, decode: decodeAs[models.Organization],
			load: func(after string, n int) ([]checkItem, error) {
				rs, err := page[orgRow](s, db, "id", after, n)
				out := make([]checkItem, len(rs))
				for i := range rs {
					o, e := orgFromRow(&rs[i])
					out[i], err = checkItem{key: rs[i].ID, seq: rs[i].Seq, rec: &o}, firstErr(err, e)
				}
				return out, err
			}},
		{table: "rm_purchase_orders", prefix: models.PrefixPO, decode: decodeAs[models.PurchaseOrder],
			load: func(after string, n int) ([]checkItem, error) {
				rs, err := page[poRow](s, db, "id", after, n)
				if err != nil {
					return nil, err
				}
				pos, err := s.posWithLines(ctx, rs)
				return items(pos, err, func(i int) (string, uint64) { return rs[i].ID, rs[i].Seq })
			}},
		{table: "rm_products", prefix: models.PrefixProduct, decode: decodeAs[models.Product],
			load: func(after string, n int) ([]checkItem, error) {
				rs, err := page[productRow](s, db, "id", after, n)
				out := make([]checkItem, len(rs))
				for i := range rs {
					p, e := productFromRow(&rs[i])
					out[i], err = checkItem{key: rs[i].ID, seq: rs[i].Seq, rec: &p}, firstErr(err, e)
				}
				return out, err
			}},
		{table: "rm_recalls", prefix: models.PrefixRecall, decode: decodeAs[models.Recall],
			load: func(after string, n int) ([]checkItem, error) {
				rs, err := page[recallRow](s, db, "id", after, n)
				if err != nil {
					return nil, err
				}
				rcs, err := s.recallsWithAffected(ctx, rs)
				return items(rcs, err, func(i int) (string, uint64) { return rs[i].ID, rs[i].Seq })
			}},
		{table: "rm_shipments", prefix: models.PrefixShipment, decode: decodeAs[models.Shipment],
			load: func(after string, n int) ([]checkItem, error) {
				rs, err := page[shipmentRow](s, db, "code", after, n)
				if err != nil {
					return nil, err
				}
				ships, err := s.shipmentsWithLines(ctx, rs)
				return items(ships, err, func(i int) (string, uint64) { return rs[i].Code, rs[i].Seq })
			}},
		{table: "rm_usages", prefix: models.PrefixUsage, decode: decodeAs[models.Usage],
			load: simple(s, db, "id", usageFromRow, func(r *usageRow) (string, uint64) { return r.ID, r.Seq })},
	}
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// decodeAs decodes a world-state value as T.
func decodeAs[T any](value []byte) (any, error) {
	v := new(T)
	if err := json.Unmarshal(value, v); err != nil {
		return nil, err
	}
	return v, nil
}

// page reads up to n rows of T whose key column sorts after after, in
// byte order of the key.
func page[T any](s *Store, db *gorm.DB, key, after string, n int) ([]T, error) {
	var rs []T
	k := s.orderKey(key)
	if err := db.Where(k+" > ?", after).Order(k).Limit(n).Find(&rs).Error; err != nil {
		return nil, dbErr(err)
	}
	return rs, nil
}

// items pairs rebuilt records with their keys and sequence numbers.
func items[T any](recs []T, err error, key func(i int) (string, uint64)) ([]checkItem, error) {
	if err != nil {
		return nil, err
	}
	out := make([]checkItem, len(recs))
	for i := range recs {
		k, seq := key(i)
		out[i] = checkItem{key: k, seq: seq, rec: &recs[i]}
	}
	return out, nil
}

// simple returns the loader of a table without child rows.
func simple[R, M any](s *Store, db *gorm.DB, key string, conv func(*R) M, id func(*R) (string, uint64)) func(string, int) ([]checkItem, error) {
	return func(after string, n int) ([]checkItem, error) {
		rs, err := page[R](s, db, key, after, n)
		if err != nil {
			return nil, err
		}
		out := make([]checkItem, len(rs))
		for i := range rs {
			m := conv(&rs[i])
			k, seq := id(&rs[i])
			out[i] = checkItem{key: k, seq: seq, rec: &m}
		}
		return out, nil
	}
}

// orphanChecks name child rows whose record is not in the read model.
var orphanChecks = []struct{ table, column, parentTable, parentKey, prefix string }{
	{"rm_lineage_edges", "child", "rm_batches", "code", models.PrefixBatch},
	{"rm_batch_documents", "batch_code", "rm_batches", "code", models.PrefixBatch},
	{"rm_po_lines", "po_id", "rm_purchase_orders", "id", models.PrefixPO},
	{"rm_shipment_lines", "shipment", "rm_shipments", "code", models.PrefixShipment},
	{"rm_measurements", "inspection_id", "rm_inspections", "id", models.PrefixInspection},
	{"rm_recall_affected", "recall_id", "rm_recalls", "id", models.PrefixRecall},
	{"rm_case_orgs", "case_id", "rm_cases", "id", models.PrefixCase},
	{"rm_case_usages", "case_id", "rm_cases", "id", models.PrefixCase},
}

// checkOrphans finds child rows whose record is missing.
func (s *Store) checkOrphans(ctx context.Context) error {
	db := s.db.WithContext(ctx)
	for _, o := range orphanChecks {
		var keys []string
		q := fmt.Sprintf("SELECT c.%s FROM %s c WHERE NOT EXISTS (SELECT 1 FROM %s p WHERE p.%s = c.%s) ORDER BY c.%s LIMIT 1",
			o.column, o.table, o.parentTable, o.parentKey, o.column, o.column)
		if err := db.Raw(q).Scan(&keys).Error; err != nil {
			return fmt.Errorf("check read model %s: %w", o.table, dbErr(err))
		}
		if len(keys) > 0 {
			return &Mismatch{Table: o.table, Key: o.prefix + keys[0], What: "row belongs to a record that is not in the read model"}
		}
	}
	return nil
}

// checkEvents checks that rm_events holds exactly events 1…head and that
// the checkpoint is head.
func (s *Store) checkEvents(ctx context.Context, head uint64) error {
	db := s.db.WithContext(ctx)
	var st struct {
		N      uint64
		Lo, Hi *uint64
	}
	if err := db.Model(&eventRow{}).Select("COUNT(*) AS n, MIN(seq) AS lo, MAX(seq) AS hi").Scan(&st).Error; err != nil {
		return fmt.Errorf("check read model events: %w", dbErr(err))
	}
	if st.Hi != nil && *st.Hi > head {
		return &Mismatch{Table: "rm_events", Seq: *st.Hi, What: fmt.Sprintf("event %d is beyond the ledger's head %d", *st.Hi, head)}
	}
	if st.N != head || (head > 0 && *st.Lo != 1) {
		first, err := s.firstMissingEvent(ctx, head)
		if err != nil {
			return err
		}
		return &Mismatch{Table: "rm_events", Seq: first,
			What: fmt.Sprintf("holds %d events of the ledger's %d; event %d is missing", st.N, head, first)}
	}
	cp, err := s.Checkpoint(ctx)
	if err != nil {
		return err
	}
	if cp != head {
		return &Mismatch{Table: "rm_checkpoint", Seq: cp, What: fmt.Sprintf("checkpoint is %d but the ledger's head is %d", cp, head)}
	}
	return nil
}

// firstMissingEvent finds the lowest seq in 1…head that rm_events lacks,
// by bisection over counts (seq is the primary key, so seq ≤ m counts m
// rows exactly when none below m is missing).
func (s *Store) firstMissingEvent(ctx context.Context, head uint64) (uint64, error) {
	lo, hi := uint64(1), head // the answer lies in [lo, hi]
	for lo < hi {
		mid := lo + (hi-lo)/2
		var n int64
		if err := s.db.WithContext(ctx).Model(&eventRow{}).Where("seq >= 1 AND seq <= ?", mid).Count(&n).Error; err != nil {
			return 0, fmt.Errorf("check read model events: %w", dbErr(err))
		}
		if uint64(n) == mid {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, nil
}
