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
	entryVersion = 1
	txVersion    = 1
)

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
	Args           []byte // contract.Canonical of the arguments
}

// Entry is one decoded ledger entry: the leaf of the Merkle log.
type Entry struct {
	Seq    uint64
	Tx     TxPart
	TxRaw  []byte // the exact signed bytes of Tx (EncodeTx)
	Writes []contract.Write
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
func EncodeTx(t TxPart) []byte {
	n := 5 + 8 + 4*7 + len(t.TxID) + len(t.Org) + len(t.User) + len(t.Role) + len(t.Type) + len(t.IdempotencyKey) + len(t.Args)
	b := make([]byte, 0, n)
	b = append(b, txMagic...)
	b = append(b, txVersion)
	b = appendStr(b, t.TxID)
	b = binary.BigEndian.AppendUint64(b, uint64(t.Time.UnixNano()))
	b = appendStr(b, t.Org)
	b = appendStr(b, t.User)
	b = appendStr(b, string(t.Role))
	b = appendStr(b, t.Type)
	b = appendStr(b, t.IdempotencyKey)
	b = appendBytes(b, t.Args)
	return b
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
	if string(r.next(4)) != entryMagic || r.byte() != entryVersion {
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

// DecodeTx parses EncodeTx's bytes.
func DecodeTx(b []byte) (TxPart, error) {
	var t TxPart
	r := reader{b: b}
	if string(r.next(4)) != txMagic || r.byte() != txVersion {
		return t, errors.New("entry tx: bad magic or version")
	}
	t.TxID = string(r.bytes())
	t.Time = time.Unix(0, int64(r.u64())).UTC()
	t.Org = string(r.bytes())
	t.User = string(r.bytes())
	t.Role = models.Role(r.bytes())
	t.Type = string(r.bytes())
	t.IdempotencyKey = string(r.bytes())
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
