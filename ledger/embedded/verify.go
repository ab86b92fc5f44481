package embedded

import (
	"context"
	"crypto/x509"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// VerifyOptions configures Verify.
type VerifyOptions struct {
	// Progress, when set, is called now and then with the entries checked
	// so far and the total.
	Progress func(done, total uint64)
	// Workers is the number of goroutines checking signatures; zero means
	// GOMAXPROCS.
	Workers int
	// since, set by VerifySince, makes the run incremental: the entries
	// after the trusted checkpoint of since entries are checked (decoded,
	// signatures, leaf and stored hashes from that tree's right edge,
	// commitments and writes digests, checkpoints), without replaying the
	// contract or comparing the world state, which need the state at since.
	since uint64
}

// VerifyReport says what Verify checked.
type VerifyReport struct {
	Entries      uint64 // entries whose hash, signature and replay were checked
	Hashes       uint64 // stored Merkle hashes recomputed and compared
	Checkpoints  uint64 // signed checkpoints whose signature and root were checked
	Certificates int    // organization certificates chained to the CA
	StateKeys    int    // world-state keys compared with the replay
	IdemKeys     int    // idempotency keys compared with their entries
	// Checkpoint is the latest checkpoint, which covers every entry.
	Checkpoint ledger.Checkpoint
	// State is the world state replayed from the first entry; compare the
	// read model against it.
	State *contract.MemState
}

// VerifyError locates the first inconsistency Verify found. It wraps
// models.ErrTampered.
type VerifyError struct {
	Seq   uint64 // the first bad entry (or the entry a bad row belongs to); 0 when none applies
	Table string // the table holding the bad row, e.g. "ledger_entries"
	Key   string // the row's key within Table, when not Seq
	What  string // what is wrong, in words
}

// Error implements error.
func (e *VerifyError) Error() string {
	s := "ledger verification failed"
	if e.Seq != 0 {
		s += " at entry " + strconv.FormatUint(e.Seq, 10)
	}
	if e.Table != "" {
		s += " (" + e.Table
		if e.Key != "" {
			s += " " + strconv.Quote(e.Key)
		}
		s += ")"
	}
	return s + ": " + e.What
}

// Unwrap makes errors.Is(err, models.ErrTampered) hold.
func (e *VerifyError) Unwrap() error { return models.ErrTampered }

func verr(seq uint64, table, key, format string, args ...any) *VerifyError {
	return &VerifyError{Seq: seq, Table: table, Key: key, What: fmt.Sprintf(format, args...)}
}

// Verify checks the whole stored ledger from a consistent snapshot: every
// leaf and stored hash recomputed from the entry bytes, every organization
// signature checked against a certificate the CA issued, every checkpoint's
// signature and root, and a replay of the contract from the first entry
// whose writes must equal the stored ones and whose final state must equal
// ledger_state. The first problem is returned as a *VerifyError.
func (l *Ledger) Verify(ctx context.Context, opts VerifyOptions) (VerifyReport, error) {
	if l.isClosed() {
		return VerifyReport{}, ledger.ErrClosed
	}
	return verifyDB(ctx, l.db, l.d, l.keys.CA(), l.VerifierKey(), opts)
}

var _ ledger.Verifier = (*Ledger)(nil)

// VerifyAll implements ledger.Verifier with Verify: what it checked, with
// the world state it replayed.
func (l *Ledger) VerifyAll(ctx context.Context, progress func(done, total uint64)) (ledger.Verification, error) {
	rep, err := l.Verify(ctx, VerifyOptions{Progress: progress})
	v := ledger.Verification{Checkpoint: rep.Checkpoint, Entries: rep.Entries, Checkpoints: rep.Checkpoints, StateKeys: rep.StateKeys}
	if rep.State != nil {
		v.State = rep.State.All()
	}
	return v, err
}

// VerifyDB is Verify for someone who holds only the database, the CA
// certificate (keys.ParseCA of ca.crt) and the checkpoint verifier key: it
// needs no private key and writes nothing.
func VerifyDB(ctx context.Context, db *gorm.DB, ca *x509.Certificate, verifierKey string, opts VerifyOptions) (VerifyReport, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return VerifyReport{}, fmt.Errorf("verify: %w", err)
	}
	d := dialect{name: db.Dialector.Name(), postgres: db.Dialector.Name() == "postgres"}
	return verifyDB(ctx, sqlDB, d, ca, verifierKey, opts)
}

func verifyDB(ctx context.Context, db *sql.DB, d dialect, ca *x509.Certificate, vkey string, opts VerifyOptions) (VerifyReport, error) {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	conn, end, err := beginSnapshot(ctx, db, d)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("verify: %w", err)
	}
	defer end()
	names, err := originNames(ctx, conn, d)
	if err != nil {
		return VerifyReport{}, err
	}
	first, _, _ := strings.Cut(strings.TrimSpace(vkey), "\n")
	vkeys, err := verifierKeysFor(first, names)
	if err != nil {
		return VerifyReport{}, err
	}
	v2From, err := readV2From(ctx, conn, d)
	if err != nil {
		return VerifyReport{}, err
	}
	v := &verifier{ctx: ctx, q: conn, d: d, ca: ca, noteKey: newNoteKey(vkeys...), v2From: v2From, opts: opts, mem: contract.NewMemState()}
	if err := v.run(); err != nil {
		return VerifyReport{}, err
	}
	v.rep.State = v.mem
	return v.rep, nil
}

// beginSnapshot pins one connection of db holding a read-only snapshot,
// so that a running sequencer neither blocks nor confuses a long read. (A
// raw BEGIN: on SQLite database/sql's BeginTx would take the write lock,
// and on PostgreSQL READ ONLY makes any write fail.) end rolls it back and
// returns the connection.
func beginSnapshot(ctx context.Context, db *sql.DB, d dialect) (*sql.Conn, func(), error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	begin := "BEGIN"
	if d.postgres {
		begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
	}
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("begin snapshot: %w", err)
	}
	end := func() {
		if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}
	return conn, end, nil
}

// VerifySince checks the entries a trusted checkpoint does not cover: the
// ledger must extend trustedNote (a checkpoint it signed, e.g. the newest
// one a quorum of witnesses cosigned; CheckTrusted), and every entry after
// it is checked as Verify checks it, except for the contract's replay and
// the world state: an incremental check whose cost grows with the new
// entries only. Report.Entries counts the entries checked.
func (l *Ledger) VerifySince(ctx context.Context, trustedNote string, opts VerifyOptions) (VerifyReport, error) {
	if l.isClosed() {
		return VerifyReport{}, ledger.ErrClosed
	}
	cp, err := ParseCheckpoint(trustedNote, l.vkeys)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("the trusted checkpoint: %w", err)
	}
	if err := l.CheckTrusted(ctx, trustedNote); err != nil {
		return VerifyReport{}, err
	}
	opts.since = cp.Size
	if cp.Size == 0 {
		return l.Verify(ctx, opts)
	}
	return verifyDB(ctx, l.db, l.d, l.keys.CA(), l.VerifierKey(), opts)
}
