package store

import (
	"context"
	"sync/atomic"

	"gorm.io/gorm"
)

// queryCounterKey marks a context whose read-model queries are counted.
type queryCounterKey struct{}

// CountQueries returns a context under which every query the read model
// runs adds one to the returned counter, so a test can show how many
// queries a request makes and that they do not grow with its size.
// Queries under other contexts (the projector's, say) are not counted.
func CountQueries(ctx context.Context) (context.Context, *atomic.Int64) {
	n := new(atomic.Int64)
	return context.WithValue(ctx, queryCounterKey{}, n), n
}

// registerQueryCounter installs the gorm callbacks behind CountQueries.
func registerQueryCounter(db *gorm.DB) error {
	count := func(tx *gorm.DB) {
		if tx.Statement == nil || tx.Statement.Context == nil {
			return
		}
		if n, ok := tx.Statement.Context.Value(queryCounterKey{}).(*atomic.Int64); ok {
			n.Add(1)
		}
	}
	cb := db.Callback()
	if cb.Query().Get("plumbline:count_query") != nil {
		return nil // the same database opened again
	}
	for _, err := range []error{
		cb.Query().Before("gorm:query").Register("plumbline:count_query", count),
		cb.Row().Before("gorm:row").Register("plumbline:count_row", count),
		cb.Raw().Before("gorm:raw").Register("plumbline:count_raw", count),
		cb.Create().Before("gorm:create").Register("plumbline:count_create", count),
		cb.Update().Before("gorm:update").Register("plumbline:count_update", count),
		cb.Delete().Before("gorm:delete").Register("plumbline:count_delete", count),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}
