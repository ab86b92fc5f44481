package embedded

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"
	"gorm.io/gorm"

	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/embedded/keys"
	"github.com/plumbline/plumbline/models"
)

// recoverPage is the number of entries Recover reads, checks and writes
// per round; a variable so that tests can cross page boundaries cheaply.
var recoverPage = 2048

// Recover refuses a copy with one of these errors (besides ErrForked and
// errors wrapping models.ErrTampered for a damaged copy).
var (
	// ErrNothingToRecover says the other copy holds no entry this ledger
	// lacks.
	ErrNothingToRecover = errors.New("nothing to recover")
	// ErrNotThisLog says the other copy's latest checkpoint is not signed
	// with this ledger's checkpoint key: it is another log.
	ErrNotThisLog = errors.New("not a copy of this log")
)

// RecoverOptions configures Recover.
type RecoverOptions struct {
	// DB is the database of the ledger to recover into (the rolled-back
	// one). No Ledger may be open on it in this process; see Recover.
	DB *gorm.DB
	// KeyDir is that ledger's key folder (Options.KeyDir). It must exist:
	// its checkpoint key decides which copies are this log.
	KeyDir string
	// From is the other copy of the log: a replica's database, a newer
	// backup, the database before the restore. It is only read, from one
	// read-only snapshot.
	From *gorm.DB
	// Progress, when set, is called after every page copied with the
	// entries copied so far and the number missing.
	Progress func(done, total uint64)
	// VerifyProgress, when set, is Verify's progress after the copy.
	VerifyProgress func(done, total uint64)
}

// RecoverReport says what Recover copied.
type RecoverReport struct {
	// From and To bound the recovered entries: the ledger held From-1
	// entries and now holds To.
	From, To     uint64
	Checkpoints  int // signed checkpoints copied (sizes From..To)
	Certificates int // organization certificates the ledger lacked, copied
	Writes       int // entry writes applied to the world state
	IdemKeys     int // idempotency keys of the recovered entries
	// Origins is the log's list of origins when the copy's checkpoints
	// were signed under origins this ledger had not recorded (it was
	// moved to a new origin after the backup); nil when unchanged.
	Origins []string
	// Verify is the full verification of the ledger after the copy.
	Verify VerifyReport
}

// Recover brings back the entries a rolled-back ledger lost (a restored
// older backup, say) from another copy of the same log that has more. It
// reads the copy's latest checkpoint, which must verify with this
// ledger's checkpoint key (ErrNotThisLog otherwise), checks that the copy's
// tree at this ledger's size has this ledger's root (ErrForked otherwise,
// naming both roots), and then copies in ONE database transaction the
// missing entries with their stored hashes, the copy's checkpoints above
// this ledger's size, the certificates the new entries name, their writes
// to the world state and their idempotency keys. Everything is checked
// before it is written: entries decode and are numbered in order, every
// stored hash is recomputed from the entries on top of this ledger's own
// tree (and must equal the copy's), every copied checkpoint's signed note
// verifies and its root is the recomputed root at its size, certificates
// chain to this ledger's CA, and every organization signature verifies. A
// damaged copy is refused with an error wrapping models.ErrTampered
// before anything is committed. After the commit the whole ledger is
// verified (Verify); a failure then is returned as an error, with the
// report of what was copied.
//
// Recover works on the database of a closed ledger, never on an open
// Ledger: a Ledger's sequencer keeps the tree's edge, the latest
// checkpoint and a world-state cache in memory, which a copy behind its
// back would make stale. Open the Ledger after Recover returns. Other
// processes are kept out by the transaction: on SQLite it takes the
// database's write lock when it begins (_txlock=immediate), so no other
// writer commits until it ends; on PostgreSQL the first recovered
// entry has the sequence number any other sequencer would write next, so
// the primary key of ledger_entries lets at most one of the two commit.
// A server left running on the database would still serve its stale view
// until its next commit fails and it reloads; stop servers first.
//
// Both databases may be SQLite or PostgreSQL, in any combination. Entries
// are streamed in pages, so memory does not grow with the number of
// missing entries.
func Recover(ctx context.Context, opts RecoverOptions) (RecoverReport, error) {
	if opts.DB == nil || opts.From == nil {
		return RecoverReport{}, errors.New("embedded ledger recover: RecoverOptions.DB and From are required")
	}
	if _, err := os.Stat(filepath.Join(opts.KeyDir, "checkpoint.key")); err != nil {
		return RecoverReport{}, fmt.Errorf("the ledger's key folder: %w", err)
	}
	ks, err := keys.Open(opts.KeyDir, "", nil)
	if err != nil {
		return RecoverReport{}, fmt.Errorf("embedded ledger keys: %w", err)
	}
	db, d, err := sqlDialect(opts.DB)
	if err != nil {
		return RecoverReport{}, err
	}
	src, sd, err := sqlDialect(opts.From)
	if err != nil {
		return RecoverReport{}, err
	}
	if err := migrate(ctx, db, d); err != nil {
		return RecoverReport{}, err
	}
	r := &recoverer{ctx: ctx, d: d, sd: sd, ca: ks.CA(), vkey: ks.VerifierKey(), progress: opts.Progress, certs: map[[32]byte]certInfo{}}
	if err := r.copyIn(db, src); err != nil {
		return RecoverReport{}, err // rolled back: nothing was recovered
	}
	r.rep.Verify, err = verifyDB(ctx, db, d, ks.CA(), ks.VerifierKey(), VerifyOptions{Progress: opts.VerifyProgress})
	if err != nil {
		return r.rep, fmt.Errorf("entries %d..%d were recovered and committed, but the ledger does not verify: %w", r.rep.From, r.rep.To, err)
	}
	return r.rep, nil
}

func sqlDialect(db *gorm.DB) (*sql.DB, dialect, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, dialect{}, fmt.Errorf("embedded ledger recover: %w", err)
	}
	name := db.Dialector.Name()
	return sqlDB, dialect{name: name, postgres: name == "postgres"}, nil
}

// recoverer is one Recover run: tx is the transaction on this ledger's
// database, src the read-only snapshot of the copy.
type recoverer struct {
	ctx      context.Context
	tx       *sql.Tx
	d        dialect
	src      querier
	sd       dialect
	ca       *x509.Certificate
	vkey     string
	noteKey  noteKey
	progress func(done, total uint64)

	certs    map[[32]byte]certInfo // certificates checked so far, by fingerprint
	frontier map[int64]tlog.Hash   // the right edge of the tree (and the current page's hashes)
	rep      RecoverReport
	// otherCert, when set, gives the copy's certificate with fingerprint
	// fp (sql.ErrNoRows: it has none) instead of reading src: a mirror
	// hands certificates out through its proof API.
	otherCert func(fp [32]byte) (org string, der []byte, err error)
	// side and sideOpen are the current page's ledger_writes and
	// ledger_openings rows (v2 entries).
	side, sideOpen [][]any
}

// copyIn runs the checks and the copy in one transaction and commits it.
func (r *recoverer) copyIn(db, src *sql.DB) error {
	snap, end, err := beginSnapshot(r.ctx, src, r.sd)
	if err != nil {
		return fmt.Errorf("read the copy: %w", err)
	}
	defer end()
	r.src = snap
	return r.inTx(db, r.run)
}

// inTx runs fn in one transaction on this ledger's database (r.tx) and
// commits it when fn succeeds.
func (r *recoverer) inTx(db *sql.DB, fn func() error) error {
	wl := dbx.SQLWriteLock(db, r.d.name)
	wl.Lock()
	defer wl.Unlock()
	tx, err := db.BeginTx(r.ctx, nil)
	if err != nil {
		return fmt.Errorf("begin recovery: %w", err)
	}
	defer tx.Rollback()
	r.tx = tx
	if err := fn(); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit the recovered entries %d..%d: %w", r.rep.From, r.rep.To, err)
	}
	return nil
}

func (r *recoverer) run() error {
	ours, err := originNames(r.ctx, r.tx, r.d)
	if err != nil {
		return err
	}
	theirs, err := originNames(r.ctx, r.src, r.sd)
	if err != nil {
		return fmt.Errorf("the copy: %w", err)
	}
	// One Ed25519 key signs under every origin, so the copy's recorded
	// names are as good as ours: a note verifies only if our key signed it.
	vkeys, err := verifierKeysFor(r.vkey, mergeOrigins(ours, theirs))
	if err != nil {
		return err
	}
	r.noteKey = newNoteKey(vkeys...)
	top, err := r.copyHead(vkeys)
	if err != nil {
		return err
	}
	n0, root, err := r.localHead()
	if err != nil {
		return err
	}
	if err := r.compare(n0, root, top); err != nil {
		return err
	}
	r.rep.From, r.rep.To = n0+1, top.Size
	if err := r.copyFormat(); err != nil {
		return err
	}
	if err := r.copyEntries(n0, top.Size); err != nil {
		return err
	}
	if names := mergeOrigins(ours, theirs); !slices.Equal(names, ours) {
		q := `INSERT INTO ledger_meta (name, value) VALUES (` + r.d.ph(1) + `, ` + r.d.ph(2) + `) ON CONFLICT (name) DO UPDATE SET value = excluded.value`
		if _, err := r.tx.ExecContext(r.ctx, q, metaOrigins, strings.Join(names, "\n")); err != nil {
			return fmt.Errorf("record the log's origins: %w", err)
		}
		r.rep.Origins = names
	}
	// The entries are back: a halt on evidence of their loss ends.
	if _, err := r.tx.ExecContext(r.ctx, `DELETE FROM ledger_meta WHERE name = `+r.d.ph(1), metaHalted); err != nil {
		return fmt.Errorf("end the halt: %w", err)
	}
	return nil
}

// mergeOrigins returns the origins the log has signed under once the
// copy's checkpoints are in: the copy's list when it extends ours (the
// copy moved on to a new origin after the backup, so the log goes on
// under it), otherwise ours with the copy's other names before our
// current one, which stays current.
func mergeOrigins(ours, theirs []string) []string {
	if len(ours) <= len(theirs) && slices.Equal(ours, theirs[:len(ours)]) {
		return slices.Clone(theirs)
	}
	var extra []string
	for _, n := range theirs {
		if !slices.Contains(ours, n) && !slices.Contains(extra, n) {
			extra = append(extra, n)
		}
	}
	if len(extra) == 0 {
		return slices.Clone(ours)
	}
	out := slices.Clone(ours[:len(ours)-1])
	out = append(out, extra...)
	return append(out, ours[len(ours)-1])
}

// latestQuery selects the newest stored checkpoint.
const latestQuery = `SELECT size, root, time_ns, note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1`

// copyHead reads the copy's latest checkpoint and checks it was signed
// with this ledger's key.
func (r *recoverer) copyHead(vkeys []string) (ledger.Checkpoint, error) {
	c, err := readCheckpoint(r.ctx, r.src, latestQuery)
	if errors.Is(err, models.ErrNotFound) {
		return c, fmt.Errorf("%w: the copy holds no signed checkpoint", ErrNothingToRecover)
	}
	if err != nil {
		return c, fmt.Errorf("the copy: %w", err)
	}
	signed, err := r.noteKey.parse([]byte(c.Note))
	if err != nil {
		return c, fmt.Errorf("%w: the copy's latest checkpoint (size %d) does not verify with this ledger's checkpoint key %s: %v",
			ErrNotThisLog, c.Size, vkeys[len(vkeys)-1], err)
	}
	if signed.Size != c.Size || !bytes.Equal(signed.Root, c.Root) {
		return c, fmt.Errorf("the copy's latest checkpoint row (size %d, root %x) differs from its signed note (size %d, root %x): %w",
			c.Size, c.Root, signed.Size, signed.Root, models.ErrTampered)
	}
	return c, nil
}

// localHead checks this ledger's head as Open does (its latest checkpoint
// verifies, covers every entry and has the stored tree's root) and returns
// its size and root.
func (r *recoverer) localHead() (uint64, []byte, error) {
	broken := func(format string, args ...any) error {
		return fmt.Errorf("this ledger is inconsistent (run plumbline verify): %s: %w", fmt.Sprintf(format, args...), models.ErrTampered)
	}
	var maxSeq sql.NullInt64
	if err := r.tx.QueryRowContext(r.ctx, `SELECT MAX(seq) FROM ledger_entries`).Scan(&maxSeq); err != nil {
		return 0, nil, fmt.Errorf("read ledger head: %w", err)
	}
	n := uint64(maxSeq.Int64)
	c, err := readCheckpoint(r.ctx, r.tx, latestQuery)
	if errors.Is(err, models.ErrNotFound) {
		if n > 0 {
			return 0, nil, broken("%d entries but no checkpoint", n)
		}
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, err
	}
	signed, err := r.noteKey.parse([]byte(c.Note))
	if err != nil {
		return 0, nil, broken("the latest checkpoint does not verify with the key folder's key (is it the one this database was created with?): %v", err)
	}
	if signed.Size != c.Size || !bytes.Equal(signed.Root, c.Root) || c.Size != n {
		return 0, nil, broken("the latest checkpoint (size %d) does not cover the %d entries", signed.Size, n)
	}
	root, err := tlog.TreeHash(int64(n), dbReader(r.ctx, r.tx, r.d))
	if err != nil {
		return 0, nil, broken("the tree of %d entries: %v", n, err)
	}
	if !bytes.Equal(root[:], c.Root) {
		return 0, nil, broken("stored hashes give root %x but the latest checkpoint says %x", root[:], c.Root)
	}
	var extra int64
	if err := r.tx.QueryRowContext(r.ctx, `SELECT COUNT(*) FROM ledger_hashes WHERE id >= `+r.d.ph(1), tlog.StoredHashIndex(0, int64(n))).Scan(&extra); err != nil {
		return 0, nil, fmt.Errorf("count stored hashes: %w", err)
	}
	if extra > 0 {
		return 0, nil, broken("%d stored hashes lie beyond the last entry", extra)
	}
	return n, c.Root, nil
}

// compare checks that the copy, whose latest checkpoint is top, extends
// this ledger of n entries with the given root.
func (r *recoverer) compare(n uint64, root []byte, top ledger.Checkpoint) error {
	if top.Size <= n {
		if top.Size > 0 {
			ours, err := tlog.TreeHash(int64(top.Size), dbReader(r.ctx, r.tx, r.d))
			if err != nil {
				return fmt.Errorf("this ledger's tree at %d entries: %w", top.Size, err)
			}
			if !bytes.Equal(ours[:], top.Root) {
				return fmt.Errorf("%w: the copy's latest checkpoint has %d entries with root %x, but this ledger's first %d entries hash to %x",
					ErrForked, top.Size, top.Root, top.Size, ours[:])
			}
		}
		return fmt.Errorf("%w: the copy's latest checkpoint has %d entries and this ledger already has %d", ErrNothingToRecover, top.Size, n)
	}
	if n == 0 {
		return nil // the empty tree is a prefix of every tree
	}
	theirs, err := tlog.TreeHash(int64(n), dbReader(r.ctx, r.src, r.sd))
	if err != nil {
		return fmt.Errorf("the copy's tree at %d entries: %w", n, err)
	}
	if !bytes.Equal(theirs[:], root) {
		return fmt.Errorf("%w: the copy's first %d entries hash to %x, but this ledger's %d entries hash to %x; the copy (%d entries) does not extend this ledger",
			ErrForked, n, theirs[:], n, root, top.Size)
	}
	return nil
}

// bad reports a damaged copy.
func (r *recoverer) bad(seq uint64, table, key, format string, args ...any) error {
	return damagedCopy{verr(seq, table, key, format, args...)}
}

// damagedCopy is Recover's refusal of a copy that does not verify: it
// unwraps to the *VerifyError locating what is wrong in the copy.
type damagedCopy struct{ v *VerifyError }

func (e damagedCopy) Error() string {
	return "the copy does not verify" + strings.TrimPrefix(e.v.Error(), "ledger verification failed") + "; nothing was recovered"
}

func (e damagedCopy) Unwrap() error { return e.v }

// copyPage is one page of the copy's entries with the stored hashes and
// checkpoints that belong to it.
type copyPage struct {
	seqs   []uint64
	txIDs  []string
	data   [][]byte
	writes [][]byte // a v2 entry's stored writes (nil: none)
	opens  [][]byte // a v2 entry's openings (nil: none)
	hashes []hashRow
	cps    []cpRow
}

// copyEntries checks and writes the entries n+1..top, page by page.
func (r *recoverer) copyEntries(n, top uint64) error {
	edge := edgeIndexes(int64(n))
	hs, err := readHashes(r.ctx, r.tx, r.d, edge)
	if err != nil {
		return fmt.Errorf("this ledger's tree: %w", err)
	}
	r.frontier = make(map[int64]tlog.Hash, len(edge))
	for i, x := range edge {
		r.frontier[x] = hs[i]
	}
	for last := n; last < top; {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		p, err := r.readPage(last, top)
		if err != nil {
			return err
		}
		if len(p.seqs) == 0 {
			return r.bad(last+1, "ledger_entries", "", "entry is missing below the copy's checkpoint %d", top)
		}
		if err := r.page(p, last+1); err != nil {
			return err
		}
		last = p.seqs[len(p.seqs)-1]
		keep := map[int64]tlog.Hash{}
		for _, x := range edgeIndexes(int64(last)) {
			keep[x] = r.frontier[x]
		}
		r.frontier = keep
		if r.progress != nil {
			r.progress(last-n, top-n)
		}
	}
	return nil
}

// readPage reads the copy's entries after last (up to top) with their
// hashes and checkpoints.
func (r *recoverer) readPage(last, top uint64) (*copyPage, error) {
	rows, err := r.src.QueryContext(r.ctx, `SELECT e.seq, e.tx_id, e.data, w.data, o.data FROM ledger_entries e
		LEFT JOIN ledger_writes w ON w.seq = e.seq LEFT JOIN ledger_openings o ON o.seq = e.seq
		WHERE e.seq > `+r.sd.ph(1)+` AND e.seq <= `+r.sd.ph(2)+` ORDER BY e.seq LIMIT `+r.sd.ph(3),
		int64(last), int64(top), recoverPage)
	if err != nil {
		return nil, fmt.Errorf("read the copy's entries: %w", err)
	}
	defer rows.Close()
	p := &copyPage{}
	for rows.Next() {
		var seq int64
		var txID string
		var data, writes, opens []byte
		if err := rows.Scan(&seq, &txID, &data, &writes, &opens); err != nil {
			return nil, fmt.Errorf("read the copy's entries: %w", err)
		}
		p.seqs, p.txIDs, p.data = append(p.seqs, uint64(seq)), append(p.txIDs, txID), append(p.data, data)
		p.writes, p.opens = append(p.writes, writes), append(p.opens, opens)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the copy's entries: %w", err)
	}
	rows.Close()
	if len(p.seqs) == 0 {
		return p, nil
	}
	first, end := int64(p.seqs[0]), int64(p.seqs[len(p.seqs)-1])
	if p.hashes, err = readHashRows(r.ctx, r.src, r.sd, tlog.StoredHashIndex(0, first-1), tlog.StoredHashIndex(0, end)); err != nil {
		return nil, fmt.Errorf("the copy: %w", err)
	}
	if p.cps, err = readCheckpointRows(r.ctx, r.src, r.sd, int64(last), end); err != nil {
		return nil, fmt.Errorf("the copy: %w", err)
	}
	return p, nil
}

// sigJob is one organization signature to check.
type sigJob struct {
	seq uint64
	org string
	pub *ecdsa.PublicKey
	raw []byte
	sig []byte
}

// page checks one page of the copy, whose first entry must be next, and
// writes it into the transaction.
func (r *recoverer) page(p *copyPage, next uint64) error {
	var (
		entries = make([][]any, 0, len(p.seqs))
		hashes  = make([][]any, 0, len(p.hashes))
		idem    [][]any
		cps     [][]any
		sigs    = make([]sigJob, 0, len(p.seqs))
		state   = map[string]stateRow{}
	)
	hi, ci := 0, 0
	for i, seq := range p.seqs {
		if seq != next {
			return r.bad(next, "ledger_entries", "", "entry is missing (the copy's next entry is %d)", seq)
		}
		e, err := DecodeEntry(p.data[i])
		if err != nil {
			return r.bad(seq, "ledger_entries", "", "entry bytes do not decode: %v", err)
		}
		if e.Seq != seq {
			return r.bad(seq, "ledger_entries", "", "the row holds the entry of seq %d", e.Seq)
		}
		if p.txIDs[i] != e.Tx.TxID {
			return r.bad(seq, "ledger_entries", "", "the tx_id column says %q but the entry is transaction %q", p.txIDs[i], e.Tx.TxID)
		}
		hs, err := tlog.StoredHashesForRecordHash(int64(seq-1), tlog.RecordHash(p.data[i]), r.frontierReader())
		if err != nil {
			return fmt.Errorf("hash entry %d: %w", seq, err)
		}
		base := tlog.StoredHashIndex(0, int64(seq-1))
		for j, h := range hs {
			id := base + int64(j)
			if hi >= len(p.hashes) || p.hashes[hi].id != id {
				return r.bad(seq, "ledger_hashes", strconv.FormatInt(id, 10), "stored hash is missing")
			}
			if !bytes.Equal(p.hashes[hi].hash, h[:]) {
				if j == 0 {
					return r.bad(seq, "ledger_entries", "", "entry bytes do not hash to the stored leaf hash")
				}
				return r.bad(seq, "ledger_hashes", strconv.FormatInt(id, 10), "stored hash differs from the one recomputed from the entries")
			}
			r.frontier[id] = h
			hashes = append(hashes, []any{id, h[:]})
			hi++
		}
		if e.Tx.Format == FormatV2 {
			if table, err := fillV2(&e, p.writes[i], p.opens[i]); err != nil {
				return r.bad(seq, table, "", "%v", err)
			}
			r.side = append(r.side, []any{int64(seq), p.writes[i]})
			if p.opens[i] != nil {
				r.sideOpen = append(r.sideOpen, []any{int64(seq), p.opens[i]})
			}
		} else if p.writes[i] != nil || p.opens[i] != nil {
			return r.bad(seq, "ledger_writes", "", "a v1 entry has writes or openings stored beside it")
		}
		pub, err := r.cert(e)
		if err != nil {
			return err
		}
		sigs = append(sigs, sigJob{seq: seq, org: e.Tx.Org, pub: pub, raw: e.TxRaw, sig: e.Signature})
		for ; ci < len(p.cps) && p.cps[ci].size <= seq; ci++ {
			c, err := r.checkpoint(p.cps[ci], seq, e.Tx.Time)
			if err != nil {
				return err
			}
			cps = append(cps, c)
		}
		for _, w := range e.Writes {
			state[w.Key] = stateRow{w.Value, seq}
		}
		r.rep.Writes += len(e.Writes)
		if e.Tx.IdempotencyKey != "" {
			idem = append(idem, []any{e.Tx.Org, e.Tx.IdempotencyKey, int64(seq)})
		}
		entries = append(entries, []any{int64(seq), e.Tx.TxID, p.data[i]})
		next++
	}
	if hi != len(p.hashes) {
		return r.bad(next-1, "ledger_hashes", strconv.FormatInt(p.hashes[hi].id, 10), "stored hash belongs to no entry")
	}
	if ci != len(p.cps) {
		return r.bad(p.cps[ci].size, "ledger_checkpoints", strconv.FormatUint(p.cps[ci].size, 10), "checkpoint size does not match the log")
	}
	if j := checkSignatures(sigs); j != nil {
		return r.bad(j.seq, "ledger_entries", "", "the organization signature of %s does not verify", j.org)
	}
	return r.write(entries, hashes, state, idem, cps)
}

type stateRow struct {
	value []byte
	seq   uint64
}

// write inserts one checked page: entries, stored hashes, the last write
// of each key to the world state (the sequencer's commit upsert),
// idempotency keys and checkpoints.
func (r *recoverer) write(entries, hashes [][]any, state map[string]stateRow, idem, cps [][]any) error {
	hint := func(err error) error {
		return fmt.Errorf("%w (did another server write to this ledger? stop it and try again)", err)
	}
	if err := insertRows(r.ctx, r.tx, r.d, "ledger_entries", []string{"seq", "tx_id", "data"}, entries, ""); err != nil {
		return hint(err)
	}
	if err := insertRows(r.ctx, r.tx, r.d, "ledger_hashes", []string{"id", "hash"}, hashes, ""); err != nil {
		return hint(err)
	}
	if err := insertRows(r.ctx, r.tx, r.d, "ledger_writes", []string{"seq", "data"}, r.side, ""); err != nil {
		return hint(err)
	}
	if err := insertRows(r.ctx, r.tx, r.d, "ledger_openings", []string{"seq", "data"}, r.sideOpen, ""); err != nil {
		return hint(err)
	}
	r.side, r.sideOpen = r.side[:0], r.sideOpen[:0]
	keys := make([]string, 0, len(state))
	for k := range state {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rows := make([][]any, len(keys))
	for i, k := range keys {
		rows[i] = []any{k, state[k].value, int64(state[k].seq)}
	}
	if err := insertRows(r.ctx, r.tx, r.d, "ledger_state", []string{"state_key", "value", "seq"}, rows,
		" ON CONFLICT (state_key) DO UPDATE SET value = excluded.value, seq = excluded.seq"); err != nil {
		return err
	}
	if err := insertRows(r.ctx, r.tx, r.d, "ledger_idempotency", []string{"org", "idem_key", "seq"}, idem, ""); err != nil {
		return hint(err)
	}
	if err := insertRows(r.ctx, r.tx, r.d, "ledger_checkpoints", []string{"size", "root", "time_ns", "note"}, cps, ""); err != nil {
		return hint(err)
	}
	r.rep.IdemKeys += len(idem)
	r.rep.Checkpoints += len(cps)
	return nil
}

// checkpoint checks one of the copy's checkpoints against the recomputed
// tree of seq entries, the last of which has time last, as Verify does,
// and returns its row for insertRows.
func (r *recoverer) checkpoint(c cpRow, seq uint64, last time.Time) ([]any, error) {
	key := strconv.FormatUint(c.size, 10)
	if c.size != seq {
		return nil, r.bad(c.size, "ledger_checkpoints", key, "checkpoint size does not match the log")
	}
	signed, err := r.noteKey.parse(c.note)
	if err != nil {
		return nil, r.bad(c.size, "ledger_checkpoints", key, "signed note does not verify with this ledger's key: %v", err)
	}
	if signed.Size != c.size || !bytes.Equal(signed.Root, c.root) {
		return nil, r.bad(c.size, "ledger_checkpoints", key, "stored size/root (%d, %x) differ from the signed note (%d, %x)", c.size, c.root, signed.Size, signed.Root)
	}
	if signed.Time.IsZero() && !last.Equal(time.Unix(0, c.timeNS)) {
		return nil, r.bad(c.size, "ledger_checkpoints", key, "stored time %s is not the time %s of the checkpoint's last entry",
			time.Unix(0, c.timeNS).UTC().Format(time.RFC3339Nano), last.UTC().Format(time.RFC3339Nano))
	}
	if !signed.Time.IsZero() && !signed.Time.Equal(time.Unix(0, c.timeNS)) {
		return nil, r.bad(c.size, "ledger_checkpoints", key, "stored time %s differs from the signed note's %s",
			time.Unix(0, c.timeNS).UTC().Format(time.RFC3339Nano), signed.Time.Format(time.RFC3339Nano))
	}
	root, err := tlog.TreeHash(int64(seq), r.frontierReader())
	if err != nil {
		return nil, fmt.Errorf("root of %d entries: %w", seq, err)
	}
	if !bytes.Equal(root[:], c.root) {
		return nil, r.bad(c.size, "ledger_checkpoints", key, "signed root %x is not the root %x of the first %d entries", c.root, root[:], seq)
	}
	return []any{int64(c.size), c.root, c.timeNS, string(c.note)}, nil
}

// cert returns the public key of the certificate e names, which must
// chain to this ledger's CA and belong to e's organization. One this
// ledger lacks is copied from the copy.
func (r *recoverer) cert(e Entry) (*ecdsa.PublicKey, error) {
	fp := e.CertFingerprint
	c, ok := r.certs[fp]
	if !ok {
		var err error
		if c, err = r.loadCert(fp); err != nil {
			return nil, err
		}
		r.certs[fp] = c
	}
	key := hex.EncodeToString(fp[:])
	switch {
	case c.err != nil:
		return nil, r.bad(e.Seq, "ledger_certs", key, "certificate is not acceptable: %v", c.err)
	case c.org != e.Tx.Org:
		return nil, r.bad(e.Seq, "ledger_entries", "", "signed with the certificate of %s, not of the submitting organization %s", c.org, e.Tx.Org)
	}
	return c.pub, nil
}

// loadCert reads the certificate with fingerprint fp from this ledger or,
// failing that, from the copy, checks it and inserts a copied one.
func (r *recoverer) loadCert(fp [32]byte) (certInfo, error) {
	key := hex.EncodeToString(fp[:])
	var org string
	var der []byte
	where := "this ledger's"
	err := r.tx.QueryRowContext(r.ctx, `SELECT org, der FROM ledger_certs WHERE fingerprint = `+r.d.ph(1), key).Scan(&org, &der)
	if errors.Is(err, sql.ErrNoRows) {
		where = "the copy's"
		if r.otherCert != nil {
			org, der, err = r.otherCert(fp)
		} else {
			err = r.src.QueryRowContext(r.ctx, `SELECT org, der FROM ledger_certs WHERE fingerprint = `+r.sd.ph(1), key).Scan(&org, &der)
		}
		if errors.Is(err, sql.ErrNoRows) {
			return certInfo{err: errors.New("neither this ledger nor the copy stores it")}, nil
		}
	}
	if err != nil {
		return certInfo{}, fmt.Errorf("read certificate %s: %w", key, err)
	}
	if sum := sha256.Sum256(der); sum != fp {
		return certInfo{org: org, err: fmt.Errorf("%s stored certificate bytes do not hash to its fingerprint", where)}, nil
	}
	pub, err := keys.CheckOrgCert(r.ca, der, org)
	if err != nil {
		return certInfo{org: org, err: fmt.Errorf("%s stored certificate: %w", where, err)}, nil
	}
	if where == "the copy's" {
		if err := insertRows(r.ctx, r.tx, r.d, "ledger_certs", []string{"fingerprint", "org", "der"}, [][]any{{key, org, der}}, ""); err != nil {
			return certInfo{}, err
		}
		r.rep.Certificates++
	}
	return certInfo{org: org, pub: pub}, nil
}

func (r *recoverer) frontierReader() tlog.HashReader { return mapReader(r.frontier) }

// checkSignatures checks the organization signatures of a page on every
// core and returns the first (lowest) that fails, or nil.
func checkSignatures(jobs []sigJob) *sigJob {
	workers := min(runtime.GOMAXPROCS(0), max(1, len(jobs)/64))
	bad := make([]bool, len(jobs))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(jobs); i += workers {
				d := TxDigest(jobs[i].raw)
				bad[i] = !ecdsa.VerifyASN1(jobs[i].pub, d[:], jobs[i].sig)
			}
		}()
	}
	wg.Wait()
	for i := range jobs {
		if bad[i] {
			return &jobs[i]
		}
	}
	return nil
}

// copyFormat records the copy's switch to v2 entries when this ledger
// has not switched yet; the two must agree when both have.
func (r *recoverer) copyFormat() error {
	ours, err := readV2From(r.ctx, r.tx, r.d)
	if err != nil {
		return err
	}
	theirs, err := readV2From(r.ctx, r.src, r.sd)
	if err != nil {
		return fmt.Errorf("the copy: %w", err)
	}
	switch {
	case theirs == 0 || ours == theirs:
		return nil
	case ours != 0:
		return fmt.Errorf("%w: this ledger switched to v2 entries at %d, the copy at %d", ErrForked, ours, theirs)
	}
	q := `INSERT INTO ledger_meta (name, value) VALUES (` + r.d.ph(1) + `, ` + r.d.ph(2) + `)`
	if _, err := r.tx.ExecContext(r.ctx, q, metaV2From, strconv.FormatUint(theirs, 10)); err != nil {
		return fmt.Errorf("record the switch to v2 entries: %w", err)
	}
	return nil
}
