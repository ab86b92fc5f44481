package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// metaV2From is the ledger_meta row holding the sequence number of the
// first v2 entry: a ledger switches from v1 entries to v2 once, at the
// height recorded here, and Verify holds every entry to the format of its
// side of that height.
const metaV2From = "entry_v2_from"

// setupFormat reads the height from which the ledger writes v2 entries,
// or, when it has not switched, plans the switch at its next entry: the
// height is recorded with the first v2 entry, in its commit (so opening a
// restored backup records nothing that a recovery would contradict).
// Options.EntryFormat 1 keeps a ledger that has not switched yet on v1
// (tests of ledgers written before).
func (l *Ledger) setupFormat(ctx context.Context, opts Options) error {
	from, err := readV2From(ctx, l.db, l.d)
	if err != nil || from > 0 || opts.EntryFormat == 1 {
		l.v2From, l.v2Recorded = from, from > 0
		return err
	}
	var size sql.NullInt64
	if err := l.db.QueryRowContext(ctx, `SELECT MAX(seq) FROM ledger_entries`).Scan(&size); err != nil {
		return fmt.Errorf("read ledger head: %w", err)
	}
	l.v2From = uint64(size.Int64) + 1
	if size.Int64 > 0 {
		l.log.Info("the ledger writes v2 entries from its next one (contract version per entry, private fields committed)",
			"from", l.v2From, "contract_version", contract.Latest)
	}
	return nil
}

// recordV2From records, in the commit of the first v2 entry (seq), the
// height of the switch.
func (l *Ledger) recordV2From(ctx context.Context, tx *sql.Tx, seq uint64) error {
	q := `INSERT INTO ledger_meta (name, value) VALUES (` + l.d.ph(1) + `, ` + l.d.ph(2) + `) ON CONFLICT DO NOTHING`
	if _, err := tx.ExecContext(ctx, q, metaV2From, strconv.FormatUint(seq, 10)); err != nil {
		return fmt.Errorf("record the switch to v2 entries: %w", err)
	}
	return nil
}

// readV2From returns the recorded height of the first v2 entry, 0 when
// the ledger has not switched.
func readV2From(ctx context.Context, q querier, d dialect) (uint64, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM ledger_meta WHERE name = `+d.ph(1), metaV2From).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read the entry format: %w", err)
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("ledger_meta %s = %q is not a sequence number: %w", metaV2From, v, models.ErrTampered)
	}
	return n, nil
}

// fillV2 completes a decoded v2 entry from what is stored beside it: the
// writes (which must hash to the entry's digest) and the openings of its
// private fields (which must match its commitments). Afterwards e.Tx.Args
// holds the full canonical arguments and e.Committed their committed form.
// The error names the table at fault.
func fillV2(e *Entry, writes, openings []byte) (table string, err error) {
	if writes == nil {
		return "ledger_writes", errors.New("the writes of a v2 entry are missing")
	}
	if openings == nil {
		return "ledger_openings", errors.New("the openings of a v2 entry (its writes salt at least) are missing")
	}
	o, err := DecodeOpenings(openings)
	if err != nil {
		return "ledger_openings", err
	}
	os := o.Fields
	full, err := openArgs(e.Tx.Args, os)
	if err != nil {
		return "ledger_openings", err
	}
	if WritesDigestOf(o.WritesSalt, writes) != e.WritesDigest {
		return "ledger_writes", errors.New("the stored writes (with the writes salt of the openings) do not hash to the entry's writes digest")
	}
	ws, err := DecodeWrites(writes)
	if err != nil {
		return "ledger_writes", err
	}
	canon, err := contract.Canonical(e.Tx.Type, full)
	if err != nil {
		return "ledger_openings", fmt.Errorf("the opened arguments: %w", err)
	}
	if err := checkCommitted(e.Tx.Type, canon, os); err != nil {
		return "ledger_entries", err
	}
	e.Committed, e.Tx.Args, e.Writes = e.Tx.Args, canon, ws
	return "", nil
}

var _ ledger.PrivacyCommitter = (*Ledger)(nil)

// CommittedFrom returns the seq of the first v2 entry (whose private
// fields are committed); 0 when the ledger writes v1.
func (l *Ledger) CommittedFrom() uint64 { return l.v2From }

// Openings returns the stored openings of entry seq's private fields
// (EncodeOpenings); nil when it has none.
func (l *Ledger) Openings(ctx context.Context, seq uint64) ([]byte, error) {
	var b []byte
	err := l.db.QueryRowContext(ctx, `SELECT data FROM ledger_openings WHERE seq = `+l.d.ph(1), int64(seq)).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the openings of entry %d: %w", seq, err)
	}
	return b, nil
}

// OpenEntry returns the full arguments of a v2 entry's transaction from
// its committed form and its openings (EncodeOpenings, as the proof API
// gives them to those who may read them), checking every commitment.
func OpenEntry(entry, openings []byte) ([]byte, error) {
	e, err := DecodeEntry(entry)
	if err != nil {
		return nil, err
	}
	if e.Tx.Format != FormatV2 {
		return nil, errors.New("not a v2 entry: its arguments are in it")
	}
	var o Openings
	if openings != nil {
		if o, err = DecodeOpenings(openings); err != nil {
			return nil, err
		}
	}
	full, err := openArgs(e.Tx.Args, o.Fields)
	if err != nil {
		return nil, err
	}
	return contract.Canonical(e.Tx.Type, full)
}
