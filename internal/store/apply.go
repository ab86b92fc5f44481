package store

import (
	"context"
	"fmt"
	"github.com/plumbline/plumbline/internal/dbx"
	"sort"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/plumbline/plumbline/models"
)

// insertBatch is how many rows one INSERT carries; 100 rows of the widest
// table stay far below SQLite's and PostgreSQL's parameter limits.
const insertBatch = 100

// inChunk is how many keys one IN (…) list carries.
const inChunk = 500

// applyLockKey is the PostgreSQL advisory lock that serialises Apply.
const applyLockKey = 0x706c756d626c696e // "plumblin"

// Apply writes a changeset to the read model in one database transaction
// and moves the checkpoint to its last event, returning the new checkpoint.
// Events at or below the stored checkpoint were applied before and are
// skipped, as are record values they wrote, so applying a changeset twice
// changes nothing. The first new event must follow the checkpoint directly.
func (s *Store) Apply(ctx context.Context, cs *Changeset) (uint64, error) {
	var head uint64
	wl := dbx.WriteLock(s.db)
	wl.Lock()
	defer wl.Unlock()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Two projectors may share a database (a server and a verify or
		// demo command). SQLite serialises them with _txlock=immediate; on
		// PostgreSQL a transaction-scoped advisory lock does, so the second
		// reads the checkpoint the first one moved and skips its events.
		if tx.Dialector.Name() == "postgres" {
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, applyLockKey).Error; err != nil {
				return fmt.Errorf("lock read model: %w", err)
			}
		}
		cp, err := checkpoint(tx)
		if err != nil {
			return err
		}
		head = cp
		var evs []Event
		for _, e := range cs.events {
			if e.Seq > cp {
				evs = append(evs, e)
			}
		}
		if len(evs) == 0 {
			return nil
		}
		if evs[0].Seq != cp+1 {
			return fmt.Errorf("event %d does not follow the read model's checkpoint %d: events are missing", evs[0].Seq, cp)
		}
		if err := insertEvents(tx, evs); err != nil {
			return err
		}
		if err := applyChanges(tx, cs.changes, cp); err != nil {
			return err
		}
		if err := insertNotifications(tx, cs.notes, cp); err != nil {
			return err
		}
		head = evs[len(evs)-1].Seq
		err = tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "name"}}, UpdateAll: true}).
			Create(&checkpointRow{Name: checkpointName, Seq: head}).Error
		if err != nil {
			return fmt.Errorf("save checkpoint %d: %w", head, dbErr(err))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("apply events to read model: %w", err)
	}
	return head, nil
}

func insertEvents(tx *gorm.DB, evs []Event) error {
	rows := make([]eventRow, len(evs))
	var links []eventBatchRow
	for i, e := range evs {
		rows[i] = eventRow{Seq: e.Seq, TxID: e.TxID, Type: e.Type, OrgID: e.Org, UserID: e.User, Role: string(e.Role),
			Time: e.Time.UTC(), Args: string(e.Args), Block: e.Block}
		codes := append([]string(nil), e.Batches...)
		sort.Strings(codes)
		for j, c := range codes {
			if c != "" && (j == 0 || c != codes[j-1]) {
				links = append(links, eventBatchRow{BatchCode: c, Seq: e.Seq})
			}
		}
	}
	if err := tx.CreateInBatches(rows, insertBatch).Error; err != nil {
		return fmt.Errorf("insert events %d-%d: %w", evs[0].Seq, evs[len(evs)-1].Seq, dbErr(err))
	}
	if len(links) > 0 {
		if err := tx.CreateInBatches(links, insertBatch).Error; err != nil {
			return fmt.Errorf("insert event-batch index: %w", dbErr(err))
		}
	}
	return nil
}

// rows holds the rows a changeset writes, table by table.
type rows struct {
	orgs        []orgRow
	products    []productRow
	batches     []batchRow
	edges       []edgeRow
	batchDocs   []batchDocRow
	pos         []poRow
	poLines     []poLineRow
	shipments   []shipmentRow
	shipLines   []shipmentLineRow
	inspections []inspectionRow
	measures    []measurementRow
	usages      []usageRow
	docs        []documentRow
	corrections []correctionRow
	recalls     []recallRow
	affected    []affectedRow
	cases       []caseRow
	caseOrgs    []caseOrgRow
	caseUsages  []caseUsageRow

	batchKeys, poKeys, shipKeys, inspKeys, recallKeys, caseKeys []string
}

// add converts one record to its rows.
func (r *rows) add(key string, c change) error {
	switch v := c.rec.(type) {
	case *models.Organization:
		r.orgs = append(r.orgs, orgToRow(v, c.seq))
	case *models.Product:
		r.products = append(r.products, productToRow(v, c.seq))
	case *models.Batch:
		row, es, ds := batchToRows(v, c.seq)
		r.batches, r.batchKeys = append(r.batches, row), append(r.batchKeys, v.Code)
		r.edges, r.batchDocs = append(r.edges, es...), append(r.batchDocs, ds...)
	case *models.PurchaseOrder:
		row, ls := poToRows(v, c.seq)
		r.pos, r.poKeys, r.poLines = append(r.pos, row), append(r.poKeys, v.ID), append(r.poLines, ls...)
	case *models.Shipment:
		row, ls := shipmentToRows(v, c.seq)
		r.shipments, r.shipKeys, r.shipLines = append(r.shipments, row), append(r.shipKeys, v.Code), append(r.shipLines, ls...)
	case *models.Inspection:
		row, ms := inspectionToRows(v, c.seq)
		r.inspections, r.inspKeys, r.measures = append(r.inspections, row), append(r.inspKeys, v.ID), append(r.measures, ms...)
	case *models.Usage:
		r.usages = append(r.usages, usageToRow(v, c.seq))
	case *models.Document:
		r.docs = append(r.docs, documentToRow(v, c.seq))
	case *models.Correction:
		r.corrections = append(r.corrections, correctionToRow(v, c.seq))
	case *models.Recall:
		row, as := recallToRows(v, c.seq)
		r.recalls, r.recallKeys, r.affected = append(r.recalls, row), append(r.recallKeys, v.ID), append(r.affected, as...)
	case *models.Case:
		row, os, us := caseToRows(v, c.seq)
		r.cases, r.caseKeys = append(r.cases, row), append(r.caseKeys, v.ID)
		r.caseOrgs, r.caseUsages = append(r.caseOrgs, os...), append(r.caseUsages, us...)
	default:
		return fmt.Errorf("record %s has unknown type %T", key, c.rec)
	}
	return nil
}

// applyChanges upserts every record changed after cp, table by table, in
// key order, replacing their child rows.
func applyChanges(tx *gorm.DB, changes map[string]change, cp uint64) error {
	keys := make([]string, 0, len(changes))
	for k, c := range changes {
		if c.seq > cp {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var r rows
	for _, k := range keys {
		if err := r.add(k, changes[k]); err != nil {
			return err
		}
	}
	for _, step := range []func() error{
		func() error { return upsert(tx, "id", r.orgs) },
		func() error { return upsert(tx, "id", r.products) },
		func() error { return upsert(tx, "code", r.batches) },
		func() error { return replace(tx, "child", r.batchKeys, r.edges) },
		func() error { return replace(tx, "batch_code", r.batchKeys, r.batchDocs) },
		func() error { return upsert(tx, "id", r.pos) },
		func() error { return replace(tx, "po_id", r.poKeys, r.poLines) },
		func() error { return upsert(tx, "code", r.shipments) },
		func() error { return replace(tx, "shipment", r.shipKeys, r.shipLines) },
		func() error { return upsert(tx, "id", r.inspections) },
		func() error { return replace(tx, "inspection_id", r.inspKeys, r.measures) },
		func() error { return upsert(tx, "id", r.usages) },
		func() error { return upsert(tx, "sha256", r.docs) },
		func() error { return upsert(tx, "id", r.corrections) },
		func() error { return upsert(tx, "id", r.recalls) },
		func() error { return replace(tx, "recall_id", r.recallKeys, r.affected) },
		func() error { return upsert(tx, "id", r.cases) },
		func() error { return replace(tx, "case_id", r.caseKeys, r.caseOrgs) },
		func() error { return replace(tx, "case_id", r.caseKeys, r.caseUsages) },
	} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// upsert inserts rows, updating every column of a row whose key column
// value already exists.
func upsert[T any](tx *gorm.DB, key string, rows []T) error {
	oc := clause.OnConflict{Columns: []clause.Column{{Name: key}}, UpdateAll: true}
	for start := 0; start < len(rows); start += insertBatch {
		end := min(start+insertBatch, len(rows))
		if err := tx.Clauses(oc).Create(rows[start:end]).Error; err != nil {
			return fmt.Errorf("upsert %T rows: %w", rows[0], dbErr(err))
		}
	}
	return nil
}

// replace deletes the child rows (of type T) of the records ids, found by
// column, and inserts rows in their place.
func replace[T any](tx *gorm.DB, column string, ids []string, rows []T) error {
	for start := 0; start < len(ids); start += inChunk {
		end := min(start+inChunk, len(ids))
		if err := tx.Where(column+" IN ?", ids[start:end]).Delete(new(T)).Error; err != nil {
			return fmt.Errorf("delete %T rows: %w", *new(T), dbErr(err))
		}
	}
	for start := 0; start < len(rows); start += insertBatch {
		end := min(start+insertBatch, len(rows))
		if err := tx.Create(rows[start:end]).Error; err != nil {
			return fmt.Errorf("insert %T rows: %w", rows[0], dbErr(err))
		}
	}
	return nil
}
