package dbx

import (
	"path/filepath"
	"sync"
	"testing"
)

func TestWriteLockIsSharedPerSQLiteDatabase(t *testing.T) {
	a, err := Open("sqlite://" + filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer Close(a)
	b, err := Open("sqlite://" + filepath.Join(t.TempDir(), "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer Close(b)
	la, la2, lb := WriteLock(a), WriteLock(a), WriteLock(b)
	if _, ok := la.(*sync.Mutex); !ok || la != la2 {
		t.Fatalf("two writers of one SQLite database get different locks: %T %p %p", la, la, la2)
	}
	if la == lb {
		t.Fatal("two databases share a lock")
	}
	sqlA, _ := a.DB()
	if SQLWriteLock(sqlA, SQLite) != la {
		t.Fatal("the ledger's lock (from *sql.DB) is not the read model's (from *gorm.DB)")
	}
	if _, ok := SQLWriteLock(sqlA, Postgres).(noLock); !ok {
		t.Fatal("PostgreSQL writers must not be serialised")
	}
}
