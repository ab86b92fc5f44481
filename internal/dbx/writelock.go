package dbx

import (
	"database/sql"
	"sync"

	"gorm.io/gorm"
)

// SQLite lets one connection write at a time. When two writers in one
// process collide — the ledger's group commit and the projector applying
// events — the loser gets SQLITE_BUSY and SQLite's busy handler sleeps in
// steps of 1, 2, 5, 10… ms before it tries again, which under load costs
// far more than the writes themselves. Writers in one process therefore
// queue on one mutex per database instead, and the busy handler only ever
// waits for writers in other processes (a verify or demo command).

var writeLocks sync.Map // *sql.DB of a SQLite database → *sync.Mutex

// noLock is the writer lock of a database that needs none.
type noLock struct{}

func (noLock) Lock()   {}
func (noLock) Unlock() {}

// WriteLock returns the lock a write transaction on db should hold from
// its start to its commit: a mutex shared by every user of the same SQLite
// connection pool in this process (the app opens one per database), or a
// no-op for PostgreSQL, which runs concurrent writers itself.
func WriteLock(db *gorm.DB) sync.Locker {
	if db.Dialector.Name() != SQLite {
		return noLock{}
	}
	sqlDB, err := db.DB()
	if err != nil {
		return noLock{}
	}
	return SQLWriteLock(sqlDB, SQLite)
}

// SQLWriteLock is WriteLock for code that holds the *sql.DB and knows its
// dialect.
func SQLWriteLock(db *sql.DB, dialect string) sync.Locker {
	if dialect != SQLite {
		return noLock{}
	}
	mu, _ := writeLocks.LoadOrStore(db, &sync.Mutex{})
	return mu.(*sync.Mutex)
}
