package witness

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/mattn/go-sqlite3" // the database/sql driver "sqlite3"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// DBFile is the name of the witness database in the witness folder.
const DBFile = "witness.db"

// errUnknownLog is returned for an origin the witness has no keys for.
var errUnknownLog = errors.New("unknown log")

// emptyRoot is the root hash of the empty tree (RFC 6962: the hash of the
// empty string), recorded for a log until its first checkpoint.
var emptyRoot = tlog.Hash(sha256.Sum256(nil))

const schema = `
CREATE TABLE IF NOT EXISTS logs (
	origin    TEXT PRIMARY KEY,
	tree_size INTEGER NOT NULL CHECK (tree_size >= 0),
	root_hash TEXT NOT NULL -- base64, as in a checkpoint
) STRICT;
CREATE TABLE IF NOT EXISTS log_keys (
	origin TEXT NOT NULL REFERENCES logs (origin),
	vkey   TEXT NOT NULL, -- a signed-note verifier key named origin
	PRIMARY KEY (origin, vkey)
) STRICT;
`

// Store is the witness's SQLite database: for every log it witnesses, the
// size and root hash of the latest checkpoint it cosigned, and the
// verifier keys it accepts for the log.
type Store struct {
	db *sql.DB
}

// Log is one witnessed log: its origin, the latest checkpoint the witness
// cosigned for it (size 0 before the first) and the log's verifier keys.
type Log struct {
	Origin string
	Size   int64
	Root   tlog.Hash
	Keys   []string
}

// OpenStore opens the witness database at path, creating it (and its
// folder, mode 0700) when missing. It runs in WAL mode with full sync, so
// a cosigned checkpoint survives a crash, and waits for a busy database
// instead of failing.
func OpenStore(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create the witness folder: %w", err)
	}
	dsn := "file:" + path + "?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_txlock=immediate&_foreign_keys=on"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open witness database %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("open witness database %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// CheckLogKey parses a log's verifier key and checks that it is named
// after the log's origin, as a checkpoint's signature must be.
func CheckLogKey(origin, vkey string) (note.Verifier, error) {
	if origin == "" || strings.ContainsAny(origin, "\n") {
		return nil, fmt.Errorf("origin %q is not a checkpoint origin line", origin)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("verifier key %q: %w", vkey, err)
	}
	if v.Name() != origin {
		return nil, fmt.Errorf("verifier key %q is named %q, not after the origin %q", vkey, v.Name(), origin)
	}
	return v, nil
}

// AddLog registers a log at size 0 with the verifier key vkey, or adds the
// key to a log already registered (adding a key twice changes nothing).
// The key must be an Ed25519 signed-note verifier key named origin. It
// returns the log as it now is.
func (s *Store) AddLog(ctx context.Context, origin, vkey string) (Log, error) {
	if _, err := CheckLogKey(origin, vkey); err != nil {
		return Log{}, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Log{}, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO logs (origin, tree_size, root_hash) VALUES (?, 0, ?) ON CONFLICT DO NOTHING`,
		origin, emptyRoot.String()); err != nil {
		return Log{}, fmt.Errorf("add log %s: %w", origin, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO log_keys (origin, vkey) VALUES (?, ?) ON CONFLICT DO NOTHING`, origin, vkey); err != nil {
		return Log{}, fmt.Errorf("add key to log %s: %w", origin, err)
	}
	if err := tx.Commit(); err != nil {
		return Log{}, err
	}
	logs, err := s.logs(ctx, origin)
	if err != nil || len(logs) != 1 {
		return Log{}, errors.Join(fmt.Errorf("read log %s back", origin), err)
	}
	return logs[0], nil
}

// Logs lists the witnessed logs by origin, each with its keys.
func (s *Store) Logs(ctx context.Context) ([]Log, error) { return s.logs(ctx, "") }

// logs lists one log, or all when origin is "".
func (s *Store) logs(ctx context.Context, origin string) ([]Log, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT l.origin, l.tree_size, l.root_hash, coalesce(k.vkey, '')
		FROM logs l LEFT JOIN log_keys k ON k.origin = l.origin
		WHERE ? = '' OR l.origin = ?
		ORDER BY l.origin, k.vkey`, origin, origin)
	if err != nil {
		return nil, fmt.Errorf("list logs: %w", err)
	}
	defer rows.Close()
	var out []Log
	for rows.Next() {
		var l Log
		var root, vkey string
		if err := rows.Scan(&l.Origin, &l.Size, &root, &vkey); err != nil {
			return nil, err
		}
		if l.Root, err = tlog.ParseHash(root); err != nil {
			return nil, fmt.Errorf("log %s: stored root hash %q: %w", l.Origin, root, err)
		}
		if n := len(out); n == 0 || out[n-1].Origin != l.Origin {
			out = append(out, l)
		}
		if vkey != "" {
			last := &out[len(out)-1]
			last.Keys = append(last.Keys, vkey)
		}
	}
	return out, rows.Err()
}

// verifiers returns the verifiers of the keys registered for origin, or
// errUnknownLog when there are none.
func (s *Store) verifiers(ctx context.Context, origin string) (note.Verifiers, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT vkey FROM log_keys WHERE origin = ?`, origin)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []note.Verifier
	for rows.Next() {
		var vkey string
		if err := rows.Scan(&vkey); err != nil {
			return nil, err
		}
		v, err := CheckLogKey(origin, vkey)
		if err != nil {
			return nil, fmt.Errorf("stored key: %w", err)
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, errUnknownLog
	}
	return note.VerifierList(vs...), nil
}

// state returns the size and root hash of the latest checkpoint cosigned
// for origin.
func (s *Store) state(ctx context.Context, origin string) (int64, tlog.Hash, error) {
	var size int64
	var root string
	err := s.db.QueryRowContext(ctx, `SELECT tree_size, root_hash FROM logs WHERE origin = ?`, origin).Scan(&size, &root)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, tlog.Hash{}, errUnknownLog
	}
	if err != nil {
		return 0, tlog.Hash{}, err
	}
	h, err := tlog.ParseHash(root)
	if err != nil {
		return 0, tlog.Hash{}, fmt.Errorf("log %s: stored root hash %q: %w", origin, root, err)
	}
	return size, h, nil
}

// advance records a newly cosigned checkpoint for origin, only if the log
// is still where the request found it (old size and root): a compare and
// swap, so of two requests checked against the same state only one moves
// the log, and a slower one can never roll it back. It reports whether
// the log moved.
func (s *Store) advance(ctx context.Context, origin string, oldSize int64, oldRoot tlog.Hash, size int64, root tlog.Hash) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE logs SET tree_size = ?, root_hash = ? WHERE origin = ? AND tree_size = ? AND root_hash = ?`,
		size, root.String(), origin, oldSize, oldRoot.String())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
