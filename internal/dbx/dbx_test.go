package dbx_test

import (
	"testing"

	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/internal/dbx/dbtest"
)

func TestDialect(t *testing.T) {
	for _, tc := range []struct {
		url, want string
		ok        bool
	}{
		{"sqlite://./data/p.db", dbx.SQLite, true},
		{"sqlite://", "", false},
		{"postgres://u@h:5432/db", dbx.Postgres, true},
		{"postgresql://u@h/db", dbx.Postgres, true},
		{"mysql://x", "", false},
		{"./data/p.db", "", false},
	} {
		got, err := dbx.Dialect(tc.url)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("Dialect(%q) = %q, %v; want %q ok=%v", tc.url, got, err, tc.want, tc.ok)
		}
	}
}

func TestOpenBothDialects(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		db := dbtest.Open(t, dialect)
		if got := db.Dialector.Name(); got != dialect {
			t.Fatalf("dialector %q, want %q", got, dialect)
		}
		var n int
		if err := db.Raw("SELECT 1").Scan(&n).Error; err != nil || n != 1 {
			t.Fatalf("select 1: %d %v", n, err)
		}
		if dialect == dbx.SQLite {
			var mode string
			db.Raw("PRAGMA journal_mode").Scan(&mode)
			var sync int
			db.Raw("PRAGMA synchronous").Scan(&sync)
			if mode != "wal" || sync != 2 {
				t.Fatalf("journal_mode=%q synchronous=%d, want wal and 2 (FULL)", mode, sync)
			}
		}
	})
}
