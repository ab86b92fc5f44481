package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// schemaVersion is the version of the ledger_ tables this code writes.
const schemaVersion = "1"

// dialect holds what differs between SQLite and PostgreSQL.
type dialect struct {
	name     string
	postgres bool
}

// ph returns the i-th (1-based) bind placeholder.
func (d dialect) ph(i int) string {
	if d.postgres {
		return "$" + strconv.Itoa(i)
	}
	return "?"
}

// ddl returns the statements that create the ledger's tables. Hot tables
// have integer keys: entries by seq, hashes by tlog's stored-hash index,
// checkpoints by tree size. Keys compare bytewise (COLLATE "C" on
// PostgreSQL, SQLite's default BINARY) so prefix ranges match Go's order.
func (d dialect) ddl() []string {
	intKey, blob, text := "INTEGER PRIMARY KEY", "BLOB", "TEXT"
	if d.postgres {
		intKey, blob, text = "BIGINT PRIMARY KEY", "BYTEA", `TEXT COLLATE "C"`
	}
	return []string{
		`CREATE TABLE IF NOT EXISTS ledger_meta (name ` + text + ` PRIMARY KEY, value TEXT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS ledger_entries (seq ` + intKey + `, tx_id TEXT NOT NULL, data ` + blob + ` NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS ledger_hashes (id ` + intKey + `, hash ` + blob + ` NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS ledger_state (state_key ` + text + ` PRIMARY KEY, value ` + blob + ` NOT NULL, seq BIGINT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS ledger_idempotency (org ` + text + ` NOT NULL, idem_key ` + text + ` NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (org, idem_key))`,
		`CREATE TABLE IF NOT EXISTS ledger_checkpoints (size ` + intKey + `, root ` + blob + ` NOT NULL, time_ns BIGINT NOT NULL, note TEXT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS ledger_certs (fingerprint ` + text + ` PRIMARY KEY, org TEXT NOT NULL, der ` + blob + ` NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS ledger_writes (seq ` + intKey + `, data ` + blob + ` NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS ledger_openings (seq ` + intKey + `, data ` + blob + ` NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS ledger_cosignatures (size BIGINT NOT NULL, witness ` + text + ` NOT NULL, line TEXT NOT NULL, PRIMARY KEY (size, witness))`,
	}
}

// migrate creates the tables and records the schema version, refusing a
// database written by a newer version.
func migrate(ctx context.Context, db *sql.DB, d dialect) error {
	for _, q := range d.ddl() {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("migrate ledger tables: %w", err)
		}
	}
	var v string
	err := db.QueryRowContext(ctx, `SELECT value FROM ledger_meta WHERE name = `+d.ph(1), "schema_version").Scan(&v)
	switch {
	case err == sql.ErrNoRows:
		_, err = db.ExecContext(ctx, `INSERT INTO ledger_meta (name, value) VALUES (`+d.ph(1)+`, `+d.ph(2)+`) ON CONFLICT DO NOTHING`, "schema_version", schemaVersion)
		if err != nil {
			return fmt.Errorf("record ledger schema version: %w", err)
		}
	case err != nil:
		return fmt.Errorf("read ledger schema version: %w", err)
	case v != schemaVersion:
		return fmt.Errorf("ledger tables have schema version %s; this program knows version %s", v, schemaVersion)
	}
	return nil
}

// insertRows runs multi-row INSERTs of rows (each with len(cols) values)
// into table, chunked to stay under every driver's bind-variable limit,
// with an optional suffix such as an ON CONFLICT clause.
func insertRows(ctx context.Context, tx *sql.Tx, d dialect, table string, cols []string, rows [][]any, suffix string) error {
	const maxVars = 30000
	per := max(1, maxVars/len(cols))
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(len(rows), start+per)]
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		args := make([]any, 0, len(chunk)*len(cols))
		n := 0
		for i, r := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			for j, v := range r {
				if j > 0 {
					b.WriteByte(',')
				}
				n++
				b.WriteString(d.ph(n))
				args = append(args, v)
			}
			b.WriteByte(')')
		}
		b.WriteString(suffix)
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}
