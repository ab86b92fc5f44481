package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/plumbline/plumbline/ledger"
)

// Witnesses' cosignatures (C2SP tlog-cosignature) of the log's
// checkpoints, kept in ledger_cosignatures by checkpoint size and witness
// name. They are evidence others signed, not part of the log: Verify does
// not read them, and a restored backup loses the newer ones, which is how
// a witness then tells (see internal/cosign).

// AddCosignature stores a witness's cosignature line ("— <name> <base64>")
// of the checkpoint at size. The caller has verified it.
func (l *Ledger) AddCosignature(ctx context.Context, size uint64, witness, line string) error {
	if l.isClosed() {
		return ledger.ErrClosed
	}
	q := `INSERT INTO ledger_cosignatures (size, witness, line) VALUES (` + l.d.ph(1) + `, ` + l.d.ph(2) + `, ` + l.d.ph(3) +
		`) ON CONFLICT (size, witness) DO UPDATE SET line = excluded.line`
	if _, err := l.db.ExecContext(ctx, q, int64(size), witness, strings.TrimRight(line, "\n")); err != nil {
		return fmt.Errorf("store cosignature: %w", err)
	}
	return nil
}

// Cosignatures returns the stored cosignature lines of the checkpoint at
// size, by witness name.
func (l *Ledger) Cosignatures(ctx context.Context, size uint64) (map[string]string, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT witness, line FROM ledger_cosignatures WHERE size = `+l.d.ph(1), int64(size))
	if err != nil {
		return nil, fmt.Errorf("read cosignatures: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var w, line string
		if err := rows.Scan(&w, &line); err != nil {
			return nil, fmt.Errorf("read cosignatures: %w", err)
		}
		out[w] = line
	}
	return out, rows.Err()
}

// CosignedSizes returns, per witness, the largest checkpoint size it has
// cosigned.
func (l *Ledger) CosignedSizes(ctx context.Context) (map[string]uint64, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT witness, MAX(size) FROM ledger_cosignatures GROUP BY witness`)
	if err != nil {
		return nil, fmt.Errorf("read cosignatures: %w", err)
	}
	defer rows.Close()
	out := map[string]uint64{}
	for rows.Next() {
		var w string
		var n int64
		if err := rows.Scan(&w, &n); err != nil {
			return nil, fmt.Errorf("read cosignatures: %w", err)
		}
		out[w] = uint64(n)
	}
	return out, rows.Err()
}

// WitnessedSizes returns the sizes of checkpoints cosigned by at least
// quorum witnesses, newest first, at most limit of them.
func (l *Ledger) WitnessedSizes(ctx context.Context, quorum, limit int) ([]uint64, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT size FROM ledger_cosignatures GROUP BY size HAVING COUNT(*) >= `+l.d.ph(1)+
		` ORDER BY size DESC LIMIT `+l.d.ph(2), quorum, limit)
	if err != nil {
		return nil, fmt.Errorf("read cosignatures: %w", err)
	}
	defer rows.Close()
	var out []uint64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("read cosignatures: %w", err)
		}
		out = append(out, uint64(n))
	}
	return out, rows.Err()
}

// PruneCosignatures deletes the cosignatures of checkpoints smaller than
// size, except each witness's newest.
func (l *Ledger) PruneCosignatures(ctx context.Context, size uint64) error {
	q := `DELETE FROM ledger_cosignatures WHERE size < ` + l.d.ph(1) +
		` AND size < (SELECT MAX(c2.size) FROM ledger_cosignatures c2 WHERE c2.witness = ledger_cosignatures.witness)`
	if _, err := l.db.ExecContext(ctx, q, int64(size)); err != nil {
		return fmt.Errorf("prune cosignatures: %w", err)
	}
	return nil
}

// Halt stops the ledger taking writes, for reason (which should name what
// was seen, e.g. a witness's larger checkpoint): every Submit then fails
// with an error wrapping ledger.ErrUnavailable and reason. Reads go on
// (the server's /readyz fails, so that a balancer sends writes elsewhere).
// Halt(nil) lets writes in again.
func (l *Ledger) Halt(reason error) {
	if reason == nil {
		l.halted.Store(nil)
		return
	}
	l.log.Error("the ledger refuses writes", "reason", reason)
	l.halted.Store(&reason)
}

// metaHalted is the ledger_meta row that keeps a halt on verifiable
// evidence across restarts (HaltDurably).
const metaHalted = "halted"

// HaltDurably is Halt on verifiable evidence of a rollback or fork: the
// reason is kept in the database, so writes stay stopped across restarts
// until the entries come back (Recover) or the loss is recorded under a
// new origin (Resume, by plumbline ledger set-origin --after-loss).
func (l *Ledger) HaltDurably(ctx context.Context, reason error) error {
	q := `INSERT INTO ledger_meta (name, value) VALUES (` + l.d.ph(1) + `, ` + l.d.ph(2) + `) ON CONFLICT (name) DO UPDATE SET value = excluded.value`
	_, err := l.db.ExecContext(ctx, q, metaHalted, reason.Error())
	l.Halt(reason)
	if err != nil {
		return fmt.Errorf("keep the halt: %w", err)
	}
	return nil
}

// Resume lets writes in again and forgets a durable halt.
func (l *Ledger) Resume(ctx context.Context) error {
	if _, err := l.db.ExecContext(ctx, `DELETE FROM ledger_meta WHERE name = `+l.d.ph(1), metaHalted); err != nil {
		return fmt.Errorf("resume writes: %w", err)
	}
	l.Halt(nil)
	return nil
}

// loadHalt restores a durable halt at Open.
func (l *Ledger) loadHalt(ctx context.Context) error {
	var reason string
	err := l.db.QueryRowContext(ctx, `SELECT value FROM ledger_meta WHERE name = `+l.d.ph(1), metaHalted).Scan(&reason)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read a kept halt: %w", err)
	}
	l.Halt(errors.New(reason))
	return nil
}

// Halted returns why the ledger refuses writes, or nil.
func (l *Ledger) Halted() error {
	if h := l.halted.Load(); h != nil {
		return *h
	}
	return nil
}

// Commits returns a channel closed at the next commit (or when the ledger
// closes, after which it returns nil).
func (l *Ledger) Commits() <-chan struct{} {
	l.notifyMu.Lock()
	defer l.notifyMu.Unlock()
	if l.notify == nil {
		return nil
	}
	return l.notify
}

// haltedErr is the error Submit returns while halted.
func (l *Ledger) haltedErr() error {
	if h := l.Halted(); h != nil {
		return fmt.Errorf("%w: writes are stopped: %v", ledger.ErrUnavailable, h)
	}
	return nil
}
