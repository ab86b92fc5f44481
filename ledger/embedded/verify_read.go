package embedded

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sync"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/embedded/keys"
)

// verifyPage is the number of entries read and checked per batch.
const verifyPage = 4096

// arenaSize is the size of the slabs that hold a batch's row bytes: rows
// are scanned as sql.RawBytes and copied into a slab, so a batch of
// thousands of rows costs a few allocations instead of two per column.
const arenaSize = 4 << 20

// arena hands out copies of byte slices carved from large slabs. Slices
// stay valid for as long as anyone references them.
type arena struct{ buf []byte }

func (a *arena) copy(b []byte) []byte {
	if len(b) > cap(a.buf)-len(a.buf) {
		a.buf = make([]byte, 0, max(arenaSize, len(b)))
	}
	n := len(a.buf)
	a.buf = append(a.buf, b...)
	return a.buf[n:len(a.buf):len(a.buf)]
}

// querier is what Verify reads through: one pinned connection holding a
// read-only snapshot.
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// certInfo is a stored organization certificate after checking it.
type certInfo struct {
	org string
	pub *ecdsa.PublicKey
	err error // why the certificate is not acceptable
}

// vbatch is one page of entries with the stored hashes and checkpoints that
// belong to it, and what the workers found.
type vbatch struct {
	seqs   []uint64
	txIDs  []string // the tx_id column beside each entry
	data   [][]byte
	writes [][]byte // ledger_writes beside each entry (nil: none)
	opens  [][]byte // ledger_openings beside each entry (nil: none)
	hashes []hashRow
	cps    []cpRow

	entries []Entry
	leaves  []tlog.Hash
	errs    []error
	cpText  []ledger.Checkpoint // without Note; see cpRow.note
	cpErrs  []error
	ready   chan struct{}
}

type hashRow struct {
	id   int64
	hash []byte
}

type cpRow struct {
	size   uint64
	root   []byte
	timeNS int64 // the time_ns column
	note   []byte
}

// loadCerts reads and checks every stored organization certificate.
func (v *verifier) loadCerts() error {
	rows, err := v.q.QueryContext(v.ctx, `SELECT fingerprint, org, der FROM ledger_certs`)
	if err != nil {
		return fmt.Errorf("verify: read certificates: %w", err)
	}
	defer rows.Close()
	v.certs = map[[32]byte]certInfo{}
	for rows.Next() {
		var fpHex, org string
		var der []byte
		if err := rows.Scan(&fpHex, &org, &der); err != nil {
			return fmt.Errorf("verify: read certificates: %w", err)
		}
		v.rep.Certificates++
		fp := sha256.Sum256(der)
		if hex.EncodeToString(fp[:]) != fpHex {
			// Keyed by what the row claims, so entries naming it fail.
			var claimed [32]byte
			b, _ := hex.DecodeString(fpHex)
			copy(claimed[:], b)
			v.certs[claimed] = certInfo{org: org, err: fmt.Errorf("certificate bytes do not hash to fingerprint %s", fpHex)}
			continue
		}
		pub, err := keys.CheckOrgCert(v.ca, der, org)
		v.certs[fp] = certInfo{org: org, pub: pub, err: err}
	}
	return rows.Err()
}

// read pages entries, hashes and checkpoints from the snapshot into batches,
// sending each to the workers and, in order, to the checker.
func (v *verifier) read(ctx context.Context, work, order chan<- *vbatch) error {
	defer close(work)
	defer close(order)
	last := int64(v.opts.since) // last entry seq read
	for {
		b := &vbatch{ready: make(chan struct{})}
		rows, err := v.q.QueryContext(ctx, `SELECT e.seq, e.tx_id, e.data, w.data, o.data FROM ledger_entries e
			LEFT JOIN ledger_writes w ON w.seq = e.seq LEFT JOIN ledger_openings o ON o.seq = e.seq
			WHERE e.seq > `+v.d.ph(1)+` ORDER BY e.seq LIMIT `+v.d.ph(2), last, verifyPage)
		if err != nil {
			return fmt.Errorf("verify: read entries: %w", err)
		}
		b.seqs, b.txIDs, b.data = make([]uint64, 0, verifyPage), make([]string, 0, verifyPage), make([][]byte, 0, verifyPage)
		var a arena
		for rows.Next() {
			var seq int64
			var txID string
			var data, writes, opens sql.RawBytes
			if err := rows.Scan(&seq, &txID, &data, &writes, &opens); err != nil {
				rows.Close()
				return fmt.Errorf("verify: read entries: %w", err)
			}
			b.seqs, b.txIDs = append(b.seqs, uint64(seq)), append(b.txIDs, txID)
			b.data = append(b.data, a.copy(data))
			b.writes, b.opens = append(b.writes, copyOrNil(&a, writes)), append(b.opens, copyOrNil(&a, opens))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("verify: read entries: %w", err)
		}
		if len(b.seqs) == 0 {
			return nil
		}
		first, end := int64(b.seqs[0]), int64(b.seqs[len(b.seqs)-1])
		if b.hashes, err = v.readHashRange(ctx, tlog.StoredHashIndex(0, first-1), tlog.StoredHashIndex(0, end)); err != nil {
			return err
		}
		if b.cps, err = v.readCheckpoints(ctx, last, end); err != nil {
			return err
		}
		last = end
		select {
		case work <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case order <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (v *verifier) readHashRange(ctx context.Context, from, to int64) ([]hashRow, error) {
	return readHashRows(ctx, v.q, v.d, from, to)
}

// readHashRows reads the stored hashes with from <= id < to, in order.
func readHashRows(ctx context.Context, q querier, d dialect, from, to int64) ([]hashRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, hash FROM ledger_hashes WHERE id >= `+d.ph(1)+` AND id < `+d.ph(2)+` ORDER BY id`, from, to)
	if err != nil {
		return nil, fmt.Errorf("verify: read hashes: %w", err)
	}
	defer rows.Close()
	out := make([]hashRow, 0, to-from)
	a := arena{buf: make([]byte, 0, (to-from)*tlog.HashSize)}
	for rows.Next() {
		var r hashRow
		var h sql.RawBytes
		if err := rows.Scan(&r.id, &h); err != nil {
			return nil, fmt.Errorf("verify: read hashes: %w", err)
		}
		r.hash = a.copy(h)
		out = append(out, r)
	}
	return out, rows.Err()
}

// readCheckpoints reads the checkpoints with after < size <= upto (no
// upper bound when upto is negative).
func (v *verifier) readCheckpoints(ctx context.Context, after, upto int64) ([]cpRow, error) {
	return readCheckpointRows(ctx, v.q, v.d, after, upto)
}

// readCheckpointRows is readCheckpoints over any querier.
func readCheckpointRows(ctx context.Context, q querier, d dialect, after, upto int64) ([]cpRow, error) {
	sel := `SELECT size, root, time_ns, note FROM ledger_checkpoints WHERE size > ` + d.ph(1)
	args := []any{after}
	if upto >= 0 {
		sel += ` AND size <= ` + d.ph(2)
		args = append(args, upto)
	}
	rows, err := q.QueryContext(ctx, sel+` ORDER BY size`, args...)
	if err != nil {
		return nil, fmt.Errorf("verify: read checkpoints: %w", err)
	}
	defer rows.Close()
	var out []cpRow
	var a arena
	for rows.Next() {
		var r cpRow
		var size int64
		var root, note sql.RawBytes
		if err := rows.Scan(&size, &root, &r.timeNS, &note); err != nil {
			return nil, fmt.Errorf("verify: read checkpoints: %w", err)
		}
		r.size, r.root, r.note = uint64(size), a.copy(root), a.copy(note)
		out = append(out, r)
	}
	return out, rows.Err()
}

// check is a worker: it decodes entries, checks their organization
// signatures, hashes their leaves and opens checkpoint notes.
func (v *verifier) check(work <-chan *vbatch, wg *sync.WaitGroup) {
	defer wg.Done()
	for b := range work {
		n := len(b.seqs)
		b.entries, b.leaves, b.errs = make([]Entry, n), make([]tlog.Hash, n), make([]error, n)
		for i, data := range b.data {
			b.leaves[i] = tlog.RecordHash(data)
			e, err := DecodeEntry(data)
			if err != nil {
				b.errs[i] = verr(b.seqs[i], "ledger_entries", "", "entry bytes do not decode: %v", err)
				continue
			}
			if want := v.v2From > 0 && b.seqs[i] >= v.v2From; want != (e.Tx.Format == FormatV2) {
				b.errs[i] = verr(b.seqs[i], "ledger_entries", "", "a v%d entry where the ledger, which switched to v2 entries at %d, has v%d ones", e.Tx.Format, v.v2From, map[bool]int{true: 2, false: 1}[want])
				continue
			}
			if e.Tx.Format != FormatV2 && (b.writes[i] != nil || b.opens[i] != nil) {
				b.errs[i] = verr(b.seqs[i], "ledger_writes", "", "a v1 entry has writes or openings stored beside it")
				continue
			}
			if e.Tx.Format == FormatV2 && e.Seq == b.seqs[i] { // batch reports a misplaced entry
				if table, err := fillV2(&e, b.writes[i], b.opens[i]); err != nil {
					b.errs[i] = verr(b.seqs[i], table, "", "%v", err)
					continue
				}
			}
			b.entries[i] = e
			c, ok := v.certs[e.CertFingerprint]
			switch {
			case !ok:
				b.errs[i] = verr(b.seqs[i], "ledger_certs", hex.EncodeToString(e.CertFingerprint[:]), "the certificate the entry names is not stored")
			case c.err != nil:
				b.errs[i] = verr(b.seqs[i], "ledger_certs", hex.EncodeToString(e.CertFingerprint[:]), "certificate is not acceptable: %v", c.err)
			case c.org != e.Tx.Org:
				b.errs[i] = verr(b.seqs[i], "ledger_entries", "", "signed with the certificate of %s, not of the submitting organization %s", c.org, e.Tx.Org)
			default:
				d := TxDigest(e.TxRaw)
				if !ecdsa.VerifyASN1(c.pub, d[:], e.Signature) {
					b.errs[i] = verr(b.seqs[i], "ledger_entries", "", "the organization signature of %s does not verify", e.Tx.Org)
				}
			}
		}
		b.cpText, b.cpErrs = make([]ledger.Checkpoint, len(b.cps)), make([]error, len(b.cps))
		for i, c := range b.cps {
			b.cpText[i], b.cpErrs[i] = v.noteKey.parse(c.note)
		}
		close(b.ready)
	}
}

// copyOrNil copies b into a, keeping a NULL column nil.
func copyOrNil(a *arena, b sql.RawBytes) []byte {
	if b == nil {
		return nil
	}
	return a.copy(b)
}
