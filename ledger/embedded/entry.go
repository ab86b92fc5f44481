package embedded

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// Magic prefixes of the two canonical encodings; the byte after each is the
// format version.
const (
	entryMagic   = "PLBE"
	txMagic      = "PLBT"
	writesMagic  = "PLBW"
	entryVersion = 1
	txVersion    = 1
	// FormatV2 is the entry format of this round: the contract version
	// per entry, private fields committed (commit.go), the writes by digest.
	FormatV2 = 2
)

// MaxEntry bounds an entry's bytes: entry bundles (C2SP tlog-tiles)
// length-prefix each entry with 16 bits.
const MaxEntry = 1<<16 - 1

// TxPart is the signed part of an entry: the transaction as submitted, with
// its canonical arguments.
type TxPart struct {
	TxID           string
	Time           time.Time // stored as Unix nanoseconds, returned in UTC
	Org            string
	User           string
	Role           models.Role
	Type           string
	IdempotencyKey string
	Args           []byte // contract.Canonical of the arguments; in a v2 entry their committed form
	// Format is the entry format, 1 or FormatV2 (0 means 1).
	Format int
	// ContractVersion is the contract version the transaction ran under
	// (v2 entries; a v1 entry ran under contract.V1).
	ContractVersion int
}

// Entry is one decoded ledger entry: the leaf of the Merkle log.
type Entry struct {
	Seq   uint64
	Tx    TxPart
	TxRaw []byte // the exact signed bytes of Tx (EncodeTx)
	// Writes are the transaction's writes: in a v1 entry part of it; a v2
	// entry holds only WritesDigest, and Writes are filled in from where
	// they are stored beside it.
	Writes       []contract.Write
	WritesDigest [32]byte // v2
	// Committed is a v2 entry's committed arguments, as signed, once
	// fillV2 has put the full arguments in Tx.Args.
	Committed []byte
	// CertFingerprint is SHA-256 of the DER certificate of Tx.Org's key.
	CertFingerprint [32]byte
	// Signature is the ASN.1 ECDSA P-256 signature over SHA-256(TxRaw).
	Signature []byte
}

// EncodeTx returns the canonical bytes of a transaction part:
//
//	"PLBT" 0x01 str(txid) i64(unix nanos) str(org) str(user) str(role)
//	str(type) str(idempotency key) str(args)
//
// where i64 is 8 bytes big-endian two's complement and str(x) is x's length
// as 4 bytes big-endian followed by x's bytes.
//
// A v2 transaction (t.Format == FormatV2) is
//
//	"PLBT" 0x02 str(txid) i64(unix nanos) str(org) str(user) str(role)
//	str(type) str(idempotency key) u8(contract version) str(committed args)
func EncodeTx(t TxPart) []byte {
	n := 5 + 8 + 4*7 + 1 + len(t.TxID) + len(t.Org) + len(t.User) + len(t.Role) + len(t.Type) + len(t.IdempotencyKey) + len(t.Args)
	b := make([]byte, 0, n)
	b = append(b, txMagic...)
	if t.Format == FormatV2 {
		b = append(b, FormatV2)
	} else {
		b = append(b, txVersion)
	}
	b = appendStr(b, t.TxID)
	b = binary.BigEndian.AppendUint64(b, uint64(t.Time.UnixNano()))
	b = appendStr(b, t.Org)
	b = appendStr(b, t.User)
	b = appendStr(b, string(t.Role))
	b = appendStr(b, t.Type)
	b = appendStr(b, t.IdempotencyKey)
	if t.Format == FormatV2 {
		b = append(b, byte(t.ContractVersion))
	}
	b = appendBytes(b, t.Args)
	return b
}

// EncodeEntryV2 returns the canonical bytes of a v2 entry, the Merkle leaf:
//
//	"PLBE" 0x02 u64(seq) str(tx) writes digest(32) certificate fingerprint(32)
//	str(signature)
//
// where tx is EncodeTx's v2 bytes and the writes digest is WritesDigest's.
func EncodeEntryV2(seq uint64, txRaw []byte, writesDigest, fp [32]byte, sig []byte) []byte {
	b := make([]byte, 0, 5+8+4+len(txRaw)+64+4+len(sig))
	b = append(b, entryMagic...)
	b = append(b, FormatV2)
	b = binary.BigEndian.AppendUint64(b, seq)
	b = appendBytes(b, txRaw)
	b = append(b, writesDigest[:]...)
	b = append(b, fp[:]...)
	b = appendBytes(b, sig)
	return b
}

// EncodeWrites returns the stored bytes of a v2 entry's writes:
//
//	"PLBW" 0x01 u32(n) n×(str(key) str(value))   (keys ascending)
func EncodeWrites(writes []contract.Write) []byte {
	n := 9
	for _, w := range writes {
		n += 8 + len(w.Key) + len(w.Value)
	}
	b := make([]byte, 0, n)
	b = append(b, writesMagic...)
	b = append(b, 1)
	b = binary.BigEndian.AppendUint32(b, uint32(len(writes)))
	for _, w := range writes {
		b = appendStr(b, w.Key)
		b = appendBytes(b, w.Value)
	}
	return b
}

// WritesDigestOf is what a v2 entry holds of its writes: SHA-256 of the
// writes salt (kept with the openings) and their stored bytes
// (EncodeWrites).
func WritesDigestOf(salt [16]byte, stored []byte) [32]byte {
	h := sha256.New()
	h.Write(salt[:])
	h.Write(stored)
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// DecodeWrites parses EncodeWrites's bytes.
func DecodeWrites(b []byte) ([]contract.Write, error) {
	r := reader{b: b}
	if string(r.next(4)) != writesMagic || r.byte() != 1 {
		return nil, errors.New("writes: bad magic or version")
	}
	n := r.u32()
	if r.err == nil && uint64(n) > uint64(len(b)) {
		return nil, errors.New("writes: count exceeds size")
	}
	out := make([]contract.Write, 0, min(n, 1024))
	for i := uint32(0); i < n && r.err == nil; i++ {
		k := string(r.bytes())
		out = append(out, contract.Write{Key: k, Value: r.bytes()})
	}
	if r.err != nil {
		return nil, fmt.Errorf("writes: %w", r.err)
	}
	if len(r.b) != 0 {
		return nil, errors.New("writes: trailing bytes")
	}
	return out, nil
}

// EncodeEntry returns the canonical bytes of an entry, the Merkle leaf:
//
//	"PLBE" 0x01 u64(seq) str(tx) u32(number of writes)
//	{str(key) str(value)}… str(certificate fingerprint) str(signature)
//
// where tx is EncodeTx's bytes (the signed message), u64/u32 are big-endian
// and str is as in EncodeTx. Writes are in ascending key order.
func EncodeEntry(seq uint64, txRaw []byte, writes []contract.Write, fp [32]byte, sig []byte) []byte {
	n := 5 + 8 + 4 + len(txRaw) + 4 + 4 + 32 + 4 + len(sig)
	for _, w := range writes {
		n += 8 + len(w.Key) + len(w.Value)
	}
	b := make([]byte, 0, n)
	b = append(b, entryMagic...)
	b = append(b, entryVersion)
	b = binary.BigEndian.AppendUint64(b, seq)
	b = appendBytes(b, txRaw)
	b = binary.BigEndian.AppendUint32(b, uint32(len(writes)))
	for _, w := range writes {
		b = appendStr(b, w.Key)
		b = appendBytes(b, w.Value)
	}
	b = appendBytes(b, fp[:])
	b = appendBytes(b, sig)
	return b
}

// DecodeEntry parses an entry's canonical bytes, rejecting anything that
// EncodeEntry would not have produced.
func DecodeEntry(b []byte) (Entry, error) {
	var e Entry
	r := reader{b: b}
	if string(r.next(4)) != entryMagic {
		return e, errors.New("entry: bad magic or version")
	}
	switch r.byte() {
	case entryVersion:
	case FormatV2:
		return decodeEntryV2(r)
	default:
		return e, errors.New("entry: bad magic or version")
	}
	e.Seq = r.u64()
	e.TxRaw = r.bytes()
	nw := r.u32()
	if r.err == nil && uint64(nw) > uint64(len(b)) {
		return e, errors.New("entry: write count exceeds entry size")
	}
	if r.err == nil {
		e.Writes = make([]contract.Write, 0, nw)
	}
	for i := uint32(0); i < nw && r.err == nil; i++ {
		k := string(r.bytes())
		v := r.bytes()
		e.Writes = append(e.Writes, contract.Write{Key: k, Value: v})
	}
	fp := r.bytes()
	e.Signature = r.bytes()
	if r.err != nil {
		return e, fmt.Errorf("entry: %w", r.err)
	}
	if len(r.b) != 0 {
		return e, errors.New("entry: trailing bytes")
	}
	if len(fp) != 32 {
		return e, errors.New("entry: certificate fingerprint is not 32 bytes")
	}
	copy(e.CertFingerprint[:], fp)
	tx, err := DecodeTx(e.TxRaw)
	if err != nil {
		return e, err
	}
	e.Tx = tx
	return e, nil
}

// decodeEntryV2 parses the rest of a v2 entry after its magic and version.
func decodeEntryV2(r reader) (Entry, error) {
	var e Entry
	e.Seq = r.u64()
	e.TxRaw = r.bytes()
	copy(e.WritesDigest[:], r.next(32))
	copy(e.CertFingerprint[:], r.next(32))
	e.Signature = r.bytes()
	if r.err != nil {
		return e, fmt.Errorf("entry: %w", r.err)
	}
	if len(r.b) != 0 {
		return e, errors.New("entry: trailing bytes")
	}
	tx, err := DecodeTx(e.TxRaw)
	if err != nil {
		return e, err
	}
	if tx.Format != FormatV2 {
		return e, errors.New("entry: a v2 entry holds a v1 transaction")
	}
	e.Tx = tx
	return e, nil
}

// DecodeTx parses EncodeTx's bytes (v1 or v2).
func DecodeTx(b []byte) (TxPart, error) {
	var t TxPart
	r := reader{b: b}
	if string(r.next(4)) != txMagic {
		return t, errors.New("entry tx: bad magic or version")
	}
	switch r.byte() {
	case txVersion:
		t.Format, t.ContractVersion = 1, contract.V1
	case FormatV2:
		t.Format = FormatV2
	default:
		return t, errors.New("entry tx: bad magic or version")
	}
	t.TxID = string(r.bytes())
	t.Time = time.Unix(0, int64(r.u64())).UTC()
	t.Org = string(r.bytes())
	t.User = string(r.bytes())
	t.Role = models.Role(r.bytes())
	t.Type = string(r.bytes())
	t.IdempotencyKey = string(r.bytes())
	if t.Format == FormatV2 {
		t.ContractVersion = int(r.byte())
		if r.err == nil && (t.ContractVersion < contract.V1 || t.ContractVersion > contract.Latest) {
			return t, fmt.Errorf("entry tx: contract version %d is not known", t.ContractVersion)
		}
	}
	t.Args = r.bytes()
	if r.err != nil {
		return t, fmt.Errorf("entry tx: %w", r.err)
	}
	if len(r.b) != 0 {
		return t, errors.New("entry tx: trailing bytes")
	}
	return t, nil
}

// TxDigest is the digest the organization signs: SHA-256 of the tx bytes.
func TxDigest(txRaw []byte) [32]byte { return sha256.Sum256(txRaw) }

func appendStr(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func appendBytes(b, v []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
	return append(b, v...)
}

// reader consumes a byte slice, remembering the first error.
type reader struct {
	b   []byte
	err error
}

var errShort = errors.New("truncated")

func (r *reader) next(n int) []byte {
	if r.err != nil || n < 0 || len(r.b) < n {
		r.err = errShort
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) byte() byte {
	if v := r.next(1); v != nil {
		return v[0]
	}
	return 0
}

func (r *reader) u32() uint32 {
	if v := r.next(4); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if v := r.next(8); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func (r *reader) bytes() []byte {
	n := r.u32()
	if r.err != nil {
		return nil
	}
	if uint64(n) > uint64(len(r.b)) {
		r.err = errShort
		return nil
	}
	return r.next(int(n))
}
