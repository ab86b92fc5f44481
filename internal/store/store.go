// Package store is Plumbline's read model: relational tables (prefix rm_)
// projected from committed ledger events, the repositories the web app reads
// through, trace queries over the lineage graph (recursive CTEs that run on
// SQLite and PostgreSQL), and Check, which proves the tables match the world
// state replayed from the ledger.
//
// The read model is a projection: only Apply writes to it, and it can be
// dropped (Reset) and rebuilt from the ledger at any time. gorm errors never
// leave this package; callers see models.ErrNotFound, models.ErrTampered or
// a wrapped error.
package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/plumbline/plumbline/models"
)

// Store is the read model over one database.
type Store struct {
	db       *gorm.DB
	postgres bool
}

// Open returns the read model stored in db, creating or migrating its tables.
func Open(ctx context.Context, db *gorm.DB) (*Store, error) {
	s := &Store{db: db, postgres: db.Dialector.Name() == "postgres"}
	if err := registerQueryCounter(db); err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) migrate(ctx context.Context) error {
	if err := s.db.WithContext(ctx).AutoMigrate(append(allTables(), opsTables()...)...); err != nil {
		return fmt.Errorf("migrate read model: %w", dbErr(err))
	}
	if err := s.db.WithContext(ctx).AutoMigrate(outboxTables()...); err != nil {
		return fmt.Errorf("migrate notification outbox: %w", dbErr(err))
	}
	// Batch codes are found whatever their case (BatchCodeFold).
	if err := s.db.WithContext(ctx).Exec(`CREATE INDEX IF NOT EXISTS rm_batches_code_lower ON rm_batches (LOWER(code))`).Error; err != nil {
		return fmt.Errorf("migrate read model: index of batch codes by case: %w", dbErr(err))
	}
	if !s.postgres {
		return nil
	}
	// Record keys sort byte-wise (COLLATE "C") in key order scans and
	// cursors; PostgreSQL needs an index in that collation to serve them.
	for _, k := range keyColumns {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s_%s_c ON %s (%s COLLATE "C")`, k[0], k[1], k[0], k[1])
		if err := s.db.WithContext(ctx).Exec(q).Error; err != nil {
			return fmt.Errorf("migrate read model: index %s.%s: %w", k[0], k[1], dbErr(err))
		}
	}
	return nil
}

// keyColumns are the record-key columns of the record tables.
var keyColumns = [][2]string{
	{"rm_organizations", "id"}, {"rm_products", "id"}, {"rm_batches", "code"}, {"rm_purchase_orders", "id"},
	{"rm_shipments", "code"}, {"rm_inspections", "id"}, {"rm_usages", "id"}, {"rm_documents", "sha256"},
	{"rm_corrections", "id"}, {"rm_recalls", "id"}, {"rm_cases", "id"},
}

// Reset drops every read-model table and creates them again, empty, with
// the checkpoint back at 0. It is the first step of a reindex.
func (s *Store) Reset(ctx context.Context) error {
	db := s.db.WithContext(ctx)
	if err := db.Migrator().DropTable(allTables()...); err != nil {
		return fmt.Errorf("drop read model: %w", err)
	}
	return s.migrate(ctx)
}

// Checkpoint returns the sequence number of the last event applied to the
// read model (0 when none).
func (s *Store) Checkpoint(ctx context.Context) (uint64, error) {
	return checkpoint(s.db.WithContext(ctx))
}

const checkpointName = "projector"

func checkpoint(db *gorm.DB) (uint64, error) {
	var cp checkpointRow
	err := db.Where("name = ?", checkpointName).Limit(1).Find(&cp).Error
	if err != nil {
		return 0, fmt.Errorf("read checkpoint: %w", err)
	}
	return cp.Seq, nil
}

// orderKey returns an ORDER BY / comparison expression for a text key
// column that sorts byte-wise, as world-state keys do. SQLite compares text
// with memcmp already; PostgreSQL needs the C collation.
func (s *Store) orderKey(col string) string {
	if s.postgres {
		return col + ` COLLATE "C"`
	}
	return col
}

// notFound translates a gorm not-found error into a models.ErrNotFound
// error naming what was missing; other errors are wrapped with what.
func notFound(err error, what string, id string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.NotFound("", "%s %q does not exist", what, id)
	}
	return fmt.Errorf("read %s %s: %w", what, id, dbErr(err))
}

// dbErr strips gorm's sentinel identities from err so that callers cannot
// depend on them; the message is kept.
func dbErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.ErrNotFound
	}
	for _, e := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, e) {
			return fmt.Errorf("%s: %w", err.Error(), e)
		}
	}
	return errors.New(err.Error())
}

// clampLimit bounds a page size: def when n <= 0, at most max.
func clampLimit(n, def, max int) int {
	if n <= 0 {
		return def
	}
	if n > max {
		return max
	}
	return n
}
