// Package dbtest gives tests real databases: a fresh SQLite file per test,
// and a fresh PostgreSQL database per test on the server at 127.0.0.1:5432
// (override with PLUMBLINE_TEST_PG), dropped when the test ends.
//
// When PostgreSQL is unreachable the PostgreSQL tests skip, saying why,
// except when CI=true, where they fail.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver for the admin connection
	"gorm.io/gorm"

	"github.com/plumbline/plumbline/internal/dbx"
)

// Dialects lists the dialects every storage test runs on.
var Dialects = []string{dbx.SQLite, dbx.Postgres}

// AdminURL is the PostgreSQL server tests create their databases on.
func AdminURL() string {
	if u := os.Getenv("PLUMBLINE_TEST_PG"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// URL returns the URL of a fresh, empty database of the given dialect that
// lives until tb ends.
func URL(tb testing.TB, dialect string) string {
	tb.Helper()
	switch dialect {
	case dbx.SQLite:
		return "sqlite://" + filepath.Join(tb.TempDir(), "plumbline.db")
	case dbx.Postgres:
		return pgURL(tb)
	}
	tb.Fatalf("unknown dialect %q", dialect)
	return ""
}

// Open returns an open fresh database of the given dialect, closed when tb ends.
func Open(tb testing.TB, dialect string) *gorm.DB {
	tb.Helper()
	db, err := dbx.Open(URL(tb, dialect))
	if err != nil {
		tb.Fatalf("open %s test database: %v", dialect, err)
	}
	tb.Cleanup(func() { _ = dbx.Close(db) })
	return db
}

// Each runs fn as a subtest once per dialect.
func Each(t *testing.T, fn func(t *testing.T, dialect string)) {
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) { fn(t, d) })
	}
}

func pgURL(tb testing.TB) string {
	tb.Helper()
	admin, err := sql.Open("pgx", AdminURL())
	if err != nil {
		tb.Fatalf("postgres admin url: %v", err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL at %s is unreachable and CI=true: %v", AdminURL(), err)
		}
		tb.Skipf("PostgreSQL at %s is unreachable (set PLUMBLINE_TEST_PG, or run it on 127.0.0.1:5432): %v", AdminURL(), err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "plumbline_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		a, err := sql.Open("pgx", AdminURL())
		if err != nil {
			return
		}
		defer a.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := a.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("drop test database %s: %v", name, err)
		}
	})
	u := AdminURL()
	i := strings.LastIndex(u, "/")
	rest := ""
	if q := strings.IndexByte(u[i:], '?'); q >= 0 {
		rest = u[i+q:]
	}
	return fmt.Sprintf("%s/%s%s", u[:i], name, rest)
}
