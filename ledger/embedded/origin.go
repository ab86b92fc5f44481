package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/ledger/embedded/keys"
	"github.com/plumbline/plumbline/models"
)

// metaOrigins is the ledger_meta row naming every origin the log has
// signed checkpoints under, oldest first, one per line; the last is the
// current one. One Ed25519 key signs under all of them.
const metaOrigins = "origins"

// ErrOriginChanged is returned by Open when Options.Origin names another
// origin than the one the ledger was created with or adopted; changing it
// takes Options.ChangeOrigin (plumbline ledger set-origin).
var ErrOriginChanged = errors.New("the configured log origin differs from the ledger's")

// setupOrigin reads the log's origins, fixing the first one when the
// ledger is new and adopting one when it was written before origins
// existed (it then signed legacy checkpoints under its key's name). Both
// adoption and an explicit change re-sign the latest checkpoint, same size
// and root, in the C2SP format under the new origin, in one database
// transaction, so that the log's head verifies with its current key.
func (l *Ledger) setupOrigin(ctx context.Context, opts Options) error {
	var stored string
	err := l.db.QueryRowContext(ctx, `SELECT value FROM ledger_meta WHERE name = `+l.d.ph(1), metaOrigins).Scan(&stored)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read log origin: %w", err)
	}
	var names []string
	if stored != "" {
		names = strings.Split(stored, "\n")
	}
	want := opts.Origin
	switch {
	case len(names) == 0:
		if want == "" {
			want = opts.DefaultOrigin
		}
		if want == "" {
			want = l.keys.NoteSigner().Name()
		}
		var legacy int
		if err := l.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_checkpoints`).Scan(&legacy); err != nil {
			return fmt.Errorf("read checkpoints: %w", err)
		}
		if legacy > 0 && l.keys.NoteSigner().Name() != want {
			names = append(names, l.keys.NoteSigner().Name())
		}
	case want == "" || want == names[len(names)-1]:
		return l.useOrigins(names)
	case !opts.ChangeOrigin:
		return fmt.Errorf("%w: the ledger signs as %q, the configuration says %q; run `plumbline ledger set-origin %s` to change it (witnesses must then be told the new origin)",
			ErrOriginChanged, names[len(names)-1], want, want)
	}
	if err := CheckOrigin(want); err != nil {
		return err
	}
	names = append(names, want)
	if err := l.useOrigins(names); err != nil {
		return err
	}
	return l.adoptOrigin(ctx, names)
}

// CheckOrigin checks that origin can name a log: a note key name (no
// spaces, no '+') of at most 200 characters, such as
// plumbline.example.com/ledger.
func CheckOrigin(origin string) error {
	if origin == "" || len(origin) > 200 || !utf8.ValidString(origin) || strings.IndexFunc(origin, unicode.IsSpace) >= 0 || strings.Contains(origin, "+") {
		return models.Invalid("origin", "%q is not a log origin: use a host and path such as plumbline.example.com/ledger (no spaces, no '+')", origin)
	}
	return nil
}

// useOrigins makes the last of names the signing origin.
func (l *Ledger) useOrigins(names []string) error {
	vkeys := make([]string, len(names))
	for i, n := range names {
		s, err := l.keys.SignerNamed(n)
		if err != nil {
			return err
		}
		vkeys[i] = s.VerifierKey()
		l.signer = s
	}
	l.origins = names
	l.vkeys = strings.Join(vkeys, "\n")
	return nil
}

// adoptOrigin records names and re-signs the latest stored checkpoint
// under the new origin.
func (l *Ledger) adoptOrigin(ctx context.Context, names []string) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("adopt log origin: %w", err)
	}
	defer tx.Rollback()
	var size sql.NullInt64
	var root []byte
	err = tx.QueryRowContext(ctx, `SELECT size, root FROM ledger_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&size, &root)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("adopt log origin: %w", err)
	}
	if size.Valid && size.Int64 > 0 {
		var data []byte
		if err := tx.QueryRowContext(ctx, `SELECT data FROM ledger_entries WHERE seq = `+l.d.ph(1), size.Int64).Scan(&data); err != nil {
			return fmt.Errorf("adopt log origin: the entry at the head %d: %w", size.Int64, err)
		}
		e, err := DecodeEntry(data)
		if err != nil || len(root) != tlog.HashSize {
			return fmt.Errorf("adopt log origin: the head entry %d or its checkpoint does not decode: %w", size.Int64, models.ErrTampered)
		}
		cp, err := signCheckpointAs(l.signer, uint64(size.Int64), tlog.Hash(root), e.Tx.Time)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ledger_checkpoints SET note = `+l.d.ph(1)+`, time_ns = `+l.d.ph(2)+` WHERE size = `+l.d.ph(3),
			cp.Note, cp.Time.UnixNano(), size.Int64); err != nil {
			return fmt.Errorf("adopt log origin: %w", err)
		}
	}
	q := `INSERT INTO ledger_meta (name, value) VALUES (` + l.d.ph(1) + `, ` + l.d.ph(2) + `) ON CONFLICT (name) DO UPDATE SET value = excluded.value`
	if _, err := tx.ExecContext(ctx, q, metaOrigins, strings.Join(names, "\n")); err != nil {
		return fmt.Errorf("record log origin: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("adopt log origin: %w", err)
	}
	if len(names) > 1 {
		l.log.Info("the ledger signs its checkpoints under a new origin", "origin", names[len(names)-1], "before", names[:len(names)-1])
	}
	return nil
}

// Origin returns the name the log signs its checkpoints under.
func (l *Ledger) Origin() string { return l.signer.Name() }

// VerifierKeys returns the note verifier keys of every origin the log has
// signed under, oldest first, one per line: what ParseCheckpoint needs for
// any of its checkpoints. VerifierKey is the last.
func (l *Ledger) VerifierKeys() string { return l.vkeys }

// originNames returns the log's origins from a database alone, for
// VerifyDB: the key folder's own name when none is recorded.
func originNames(ctx context.Context, q querier, d dialect) ([]string, error) {
	var stored string
	err := q.QueryRowContext(ctx, `SELECT value FROM ledger_meta WHERE name = `+d.ph(1), metaOrigins).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read log origin: %w", err)
	}
	return strings.Split(stored, "\n"), nil
}

// verifierKeysFor returns the verifier keys of names under vkey's Ed25519
// key, with vkey itself first, each once.
func verifierKeysFor(vkey string, names []string) ([]string, error) {
	out := []string{vkey}
	for _, n := range names {
		k, err := keys.RenameVerifierKey(vkey, n)
		if err != nil {
			return nil, fmt.Errorf("checkpoint verifier key: %w", err)
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out, nil
}
