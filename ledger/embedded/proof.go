package embedded

import (
	"bytes"
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// Evidence returns the entry seq with its RFC 6962 inclusion proof against
// the latest signed checkpoint.
func (l *Ledger) Evidence(ctx context.Context, seq uint64) (ledger.Evidence, error) {
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		return ledger.Evidence{}, err
	}
	if seq == 0 || seq > cp.Size {
		return ledger.Evidence{}, models.NotFound("seq", "entry %d is not on the ledger (size %d)", seq, cp.Size)
	}
	return l.evidence(ctx, seq, cp)
}

var _ ledger.InclusionProver = (*Ledger)(nil)

// EvidenceAt returns the entry seq with its inclusion proof against the
// checkpoint signed at size entries (tlog.ProveRecord over the stored
// hashes, which never change), such as one that witnesses cosigned
// before the ledger grew on.
func (l *Ledger) EvidenceAt(ctx context.Context, seq, size uint64) (ledger.Evidence, error) {
	cp, err := l.CheckpointAt(ctx, size)
	if err != nil {
		return ledger.Evidence{}, err
	}
	if seq == 0 || seq > cp.Size {
		return ledger.Evidence{}, models.Invalid("seq", "entry %d is not in the tree of the checkpoint signed at %d entries", seq, cp.Size)
	}
	return l.evidence(ctx, seq, cp)
}

// evidence proves entry seq (1 <= seq <= cp.Size) against cp.
func (l *Ledger) evidence(ctx context.Context, seq uint64, cp ledger.Checkpoint) (ledger.Evidence, error) {
	var data []byte
	var txID string
	err := l.db.QueryRowContext(ctx, `SELECT tx_id, data FROM ledger_entries WHERE seq = `+l.d.ph(1), int64(seq)).Scan(&txID, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Evidence{}, fmt.Errorf("entry %d is missing below checkpoint size %d: %w", seq, cp.Size, models.ErrTampered)
	}
	if err != nil {
		return ledger.Evidence{}, fmt.Errorf("read entry %d: %w", seq, err)
	}
	proof, err := tlog.ProveRecord(int64(cp.Size), int64(seq-1), dbReader(ctx, l.db, l.d))
	if err != nil {
		return ledger.Evidence{}, fmt.Errorf("prove entry %d: %w", seq, err)
	}
	leaf := tlog.RecordHash(data)
	return ledger.Evidence{
		Kind: ledger.EvidenceMerkle, Seq: seq, TxID: txID, Entry: data,
		Committed: len(data) > 4 && data[4] == FormatV2,
		LeafIndex: seq - 1, LeafHash: leaf[:], Proof: hashBytes(proof), Checkpoint: cp,
	}, nil
}

var _ ledger.ConsistencyProver = (*Ledger)(nil)

var _ ledger.HashTiler = (*Ledger)(nil)

// HashTile returns a hash tile of the tree of the latest checkpoint
// (tlog.ReadTileData over the stored hashes).
func (l *Ledger) HashTile(ctx context.Context, level int, index int64, width int) ([]byte, error) {
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	t := tlog.Tile{H: ledger.TileHeight, L: level, N: index, W: width}
	if level < 0 || level*ledger.TileHeight >= 63 || index < 0 || width < 1 || width > 1<<ledger.TileHeight {
		return nil, models.NotFound("tile", "tile %d/%d of width %d does not exist", level, index, width)
	}
	// The tree of the checkpoint has size >> (8·level) complete hashes at
	// the tile's tree level.
	have := int64(cp.Size) >> (ledger.TileHeight * level)
	if index > have>>ledger.TileHeight || index<<ledger.TileHeight+int64(width) > have {
		return nil, models.NotFound("tile", "tile %s is beyond the tree of the latest checkpoint (size %d)", t.Path(), cp.Size)
	}
	return tlog.ReadTileData(t, dbReader(ctx, l.db, l.d))
}

// ConsistencyProof proves that the tree of newSize entries extends the
// tree of oldSize entries (RFC 6962 consistency proof, tlog.ProveTree).
// Both sizes must be at most the latest checkpoint's size.
func (l *Ledger) ConsistencyProof(ctx context.Context, oldSize, newSize uint64) ([][]byte, error) {
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	if oldSize == 0 || oldSize > newSize || newSize > cp.Size {
		return nil, models.Invalid("size", "need 0 < old size (%d) <= new size (%d) <= ledger size (%d)", oldSize, newSize, cp.Size)
	}
	p, err := tlog.ProveTree(int64(newSize), int64(oldSize), dbReader(ctx, l.db, l.d))
	if err != nil {
		return nil, fmt.Errorf("prove consistency %d..%d: %w", oldSize, newSize, err)
	}
	return hashBytes(p), nil
}

// VerifyEvidence checks merkle evidence with nothing but the ledger's
// checkpoint verifier key: the checkpoint note's signature, that the note
// says the evidence's size and root, that the entry decodes and names the
// evidence's seq and transaction, that the leaf hash is SHA-256(0x00 ||
// entry) and that the inclusion proof leads from it to the root. Failures
// wrap models.ErrTampered. (The organization's signature inside the entry
// needs its certificate; Verify checks those.)
func VerifyEvidence(ev ledger.Evidence, verifierKey string) error {
	if ev.Kind != ledger.EvidenceMerkle {
		return fmt.Errorf("evidence kind %q is not %q: %w", ev.Kind, ledger.EvidenceMerkle, models.ErrTampered)
	}
	cp, err := ParseCheckpoint(ev.Checkpoint.Note, verifierKey)
	if err != nil {
		return err
	}
	if cp.Size != ev.Checkpoint.Size || !bytes.Equal(cp.Root, ev.Checkpoint.Root) {
		return fmt.Errorf("evidence checkpoint (size %d, root %x) differs from its signed note (size %d, root %x): %w",
			ev.Checkpoint.Size, ev.Checkpoint.Root, cp.Size, cp.Root, models.ErrTampered)
	}
	e, err := DecodeEntry(ev.Entry)
	if err != nil {
		return fmt.Errorf("evidence entry: %v: %w", err, models.ErrTampered)
	}
	if e.Seq != ev.Seq || ev.Seq == 0 || ev.LeafIndex != ev.Seq-1 || e.Tx.TxID != ev.TxID {
		return fmt.Errorf("evidence names seq %d (leaf %d) tx %s but its entry is seq %d tx %s: %w",
			ev.Seq, ev.LeafIndex, ev.TxID, e.Seq, e.Tx.TxID, models.ErrTampered)
	}
	leaf := tlog.RecordHash(ev.Entry)
	if !bytes.Equal(leaf[:], ev.LeafHash) {
		return fmt.Errorf("leaf hash %x is not the hash of the entry: %w", ev.LeafHash, models.ErrTampered)
	}
	proof, err := toHashes(ev.Proof)
	if err != nil {
		return err
	}
	if err := tlog.CheckRecord(proof, int64(cp.Size), tlog.Hash(cp.Root), int64(ev.LeafIndex), leaf); err != nil {
		return fmt.Errorf("inclusion proof of seq %d: %v: %w", ev.Seq, err, models.ErrTampered)
	}
	return nil
}

// VerifyConsistency checks that newer extends older: both signed notes
// verify with verifierKey and proof (from ConsistencyProof) leads from the
// older root to the newer one. Failures wrap models.ErrTampered.
func VerifyConsistency(older, newer ledger.Checkpoint, proof [][]byte, verifierKey string) error {
	o, err := ParseCheckpoint(older.Note, verifierKey)
	if err != nil {
		return err
	}
	n, err := ParseCheckpoint(newer.Note, verifierKey)
	if err != nil {
		return err
	}
	if o.Size > n.Size {
		return fmt.Errorf("older checkpoint size %d exceeds newer %d: %w", o.Size, n.Size, models.ErrTampered)
	}
	if o.Size == 0 {
		return nil // the empty tree is a prefix of every tree
	}
	p, err := toHashes(proof)
	if err != nil {
		return err
	}
	if err := tlog.CheckTree(p, int64(n.Size), tlog.Hash(n.Root), int64(o.Size), tlog.Hash(o.Root)); err != nil {
		return fmt.Errorf("consistency %d..%d: %v: %w", o.Size, n.Size, err, models.ErrTampered)
	}
	return nil
}

func hashBytes(hs []tlog.Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = append([]byte(nil), hs[i][:]...)
	}
	return out
}

func toHashes(bs [][]byte) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(bs))
	for i, b := range bs {
		if len(b) != tlog.HashSize {
			return nil, fmt.Errorf("proof hash %d has %d bytes: %w", i, len(b), models.ErrTampered)
		}
		out[i] = tlog.Hash(b)
	}
	return out, nil
}

// VerifyEvent is VerifyEvidence plus a check that the evidence's entry
// records exactly the event e (the form ledgertest.Suite.VerifyEvidence
// takes): for a v2 entry, its fields and the digest of e's writes.
func VerifyEvent(ev ledger.Evidence, e ledger.Event, verifierKey string) error {
	if err := VerifyEvidence(ev, verifierKey); err != nil {
		return err
	}
	en, err := DecodeEntry(ev.Entry)
	if err != nil {
		return fmt.Errorf("evidence entry: %v: %w", err, models.ErrTampered)
	}
	got := EventOf(en)
	same := got.Seq == e.Seq && got.TxID == e.TxID && got.Type == e.Type && got.Org == e.Org &&
		got.User == e.User && got.Role == e.Role && got.Time.Equal(e.Time)
	if en.Tx.Format == FormatV2 {
		// A v2 entry holds its writes by a salted digest and its private
		// fields by commitment: both need the openings (Openings).
		// (The writes digest is salted with a salt kept with the openings,
		// so without them the writes cannot be compared.)
	} else {
		same = same && bytes.Equal(got.Args, e.Args) && len(got.Writes) == len(e.Writes)
		for i := 0; same && i < len(got.Writes); i++ {
			same = got.Writes[i].Key == e.Writes[i].Key && bytes.Equal(got.Writes[i].Value, e.Writes[i].Value)
		}
	}
	if !same {
		return fmt.Errorf("evidence entry seq %d tx %s does not record event seq %d tx %s: %w", got.Seq, got.TxID, e.Seq, e.TxID, models.ErrTampered)
	}
	return nil
}

var _ ledger.CertificateSource = (*Ledger)(nil)

// EntryCertificate implements ledger.CertificateSource: the certificate
// whose fingerprint the evidence's entry names (Entry.CertFingerprint).
func (l *Ledger) EntryCertificate(ctx context.Context, ev ledger.Evidence) (*x509.Certificate, error) {
	if ev.Kind != ledger.EvidenceMerkle || len(ev.Entry) == 0 {
		return nil, models.Invalid("evidence", "%q evidence without an entry names no certificate; merkle evidence with its entry does", ev.Kind)
	}
	e, err := DecodeEntry(ev.Entry)
	if err != nil {
		return nil, models.Invalid("evidence.entry", "cannot be read as an entry of this ledger: %v", err)
	}
	return l.Certificate(ctx, e.CertFingerprint)
}

// Certificate returns the stored certificate with the given SHA-256
// fingerprint (Entry.CertFingerprint), so that a verifier holding the CA
// certificate can check an entry's organization signature itself:
// ECDSA-P256-SHA256 over Entry.TxRaw.
func (l *Ledger) Certificate(ctx context.Context, fingerprint [32]byte) (*x509.Certificate, error) {
	var der []byte
	err := l.db.QueryRowContext(ctx, `SELECT der FROM ledger_certs WHERE fingerprint = `+l.d.ph(1), hex.EncodeToString(fingerprint[:])).Scan(&der)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, models.NotFound("fingerprint", "no certificate %x", fingerprint[:])
	}
	if err != nil {
		return nil, fmt.Errorf("read certificate %x: %w", fingerprint[:], err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("certificate %x: %v: %w", fingerprint[:], err, models.ErrTampered)
	}
	return cert, nil
}

// Entries returns the entries index·256+1 … index·256+width of the latest
// checkpoint's tree, for an entry bundle (C2SP tlog-tiles).
func (l *Ledger) Entries(ctx context.Context, index int64, width int) ([][]byte, error) {
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	first := index<<ledger.TileHeight + 1
	last := first + int64(width) - 1
	if index < 0 || width < 1 || width > 1<<ledger.TileHeight || last > int64(cp.Size) {
		return nil, models.NotFound("tile", "entry bundle %d of width %d is not in the tree of %d entries", index, width, cp.Size)
	}
	rows, err := l.db.QueryContext(ctx, `SELECT seq, data FROM ledger_entries WHERE seq >= `+l.d.ph(1)+` AND seq <= `+l.d.ph(2)+` ORDER BY seq`, first, last)
	if err != nil {
		return nil, fmt.Errorf("read entries: %w", err)
	}
	defer rows.Close()
	out := make([][]byte, 0, width)
	for rows.Next() {
		var seq int64
		var data []byte
		if err := rows.Scan(&seq, &data); err != nil {
			return nil, fmt.Errorf("read entries: %w", err)
		}
		if seq != first+int64(len(out)) {
			return nil, fmt.Errorf("entry %d is missing below checkpoint size %d: %w", first+int64(len(out)), cp.Size, models.ErrTampered)
		}
		out = append(out, data)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read entries: %w", err)
	}
	if len(out) != width {
		return nil, fmt.Errorf("entries %d..%d are missing below checkpoint size %d: %w", first+int64(len(out)), last, cp.Size, models.ErrTampered)
	}
	return out, nil
}
