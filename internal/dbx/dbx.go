// Package dbx opens Plumbline's database from a URL: sqlite://PATH for the
// embedded default, postgres://… for production. Both the ledger and the
// read model live in the one database it opens.
package dbx

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/plumbline/plumbline/internal/config"
)

// Dialects.
const (
	SQLite   = config.SQLite
	Postgres = config.Postgres
)

// Dialect returns the dialect a database URL selects, or an error naming
// the accepted forms (config.Dialect, where the setting is checked).
func Dialect(dbURL string) (string, error) { return config.Dialect(dbURL) }

// Open opens the database at dbURL. SQLite files are created (with their
// folder) when missing and run in WAL mode with synchronous=FULL, so that a
// committed transaction survives a crash or power loss.
func Open(dbURL string) (*gorm.DB, error) {
	d, err := Dialect(dbURL)
	if err != nil {
		return nil, err
	}
	cfg := &gorm.Config{
		Logger:                 logger.Default.LogMode(logger.Silent),
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
	var db *gorm.DB
	switch d {
	case SQLite:
		path := strings.TrimPrefix(dbURL, "sqlite://")
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("create database folder: %w", err)
			}
		}
		dsn := "file:" + path + "?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=30000&_txlock=immediate&_foreign_keys=on&cache=private"
		db, err = gorm.Open(sqlite.Open(dsn), cfg)
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		// One writer at a time is SQLite's rule (writers in this process
		// queue on WriteLock); in WAL mode readers run beside it, and the
		// web app's handlers read a lot, so the pool is wide enough that
		// the ledger's writer never waits behind them for a connection
		// (4 connections halved the API's write throughput).
		sqlDB.SetMaxOpenConns(16)
		sqlDB.SetMaxIdleConns(16)
		sqlDB.SetConnMaxIdleTime(0)
		sqlDB.SetConnMaxLifetime(0)
	case Postgres:
		db, err = gorm.Open(postgres.New(postgres.Config{DSN: dbURL}), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(16)
		sqlDB.SetMaxIdleConns(16)
	}
	sqlDB, _ := db.DB()
	if err := sqlDB.Ping(); err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return db, nil
}

// Close closes the database's connection pool.
func Close(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// IsSQLite reports whether db is a SQLite database.
func IsSQLite(db *gorm.DB) bool { return db.Dialector.Name() == SQLite }
