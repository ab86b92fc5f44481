package ledgertest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/plumbline/plumbline/ledger"
)

// LeafHash is the RFC 6962 hash of a leaf: SHA-256(0x00 || entry).
func LeafHash(entry []byte) []byte {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(entry)
	return h.Sum(nil)
}

// nodeHash is the RFC 6962 hash of an interior node: SHA-256(0x01 || l || r).
func nodeHash(l, r []byte) []byte {
	h := sha256.New()
	h.Write([]byte{1})
	h.Write(l)
	h.Write(r)
	return h.Sum(nil)
}

// RootHash is the RFC 6962 Merkle tree hash of leaves (entries, not yet
// hashed), computed directly from the definition; tests use it as an
// independent reference for a backend's tree.
func RootHash(entries [][]byte) []byte {
	switch len(entries) {
	case 0:
		h := sha256.Sum256(nil)
		return h[:]
	case 1:
		return LeafHash(entries[0])
	}
	k := 1
	for k*2 < len(entries) {
		k *= 2
	}
	return nodeHash(RootHash(entries[:k]), RootHash(entries[k:]))
}

// VerifyMerkle checks merkle evidence on its own terms: its leaf hash is
// the RFC 6962 hash of its entry, and its inclusion proof leads from that
// leaf at LeafIndex to the checkpoint's root for the checkpoint's size
// (RFC 9162 section 2.1.3.2). It does not check the checkpoint's signature
// or what the entry says; that is the backend's VerifyEvidence.
func VerifyMerkle(ev ledger.Evidence) error {
	if ev.Kind != ledger.EvidenceMerkle {
		return fmt.Errorf("evidence kind %q is not %q", ev.Kind, ledger.EvidenceMerkle)
	}
	if len(ev.Entry) == 0 {
		return errors.New("merkle evidence has no entry")
	}
	if lh := LeafHash(ev.Entry); !bytes.Equal(lh, ev.LeafHash) {
		return fmt.Errorf("leaf hash %x is not the RFC 6962 hash %x of the entry", ev.LeafHash, lh)
	}
	return verifyInclusion(ev.LeafIndex, ev.Checkpoint.Size, ev.LeafHash, ev.Proof, ev.Checkpoint.Root)
}

// verifyInclusion is RFC 9162's inclusion proof verification.
func verifyInclusion(index, size uint64, leaf []byte, proof [][]byte, root []byte) error {
	if index >= size {
		return fmt.Errorf("leaf index %d is outside a tree of size %d", index, size)
	}
	fn, sn := index, size-1
	r := leaf
	for i, p := range proof {
		if sn == 0 {
			return fmt.Errorf("inclusion proof has %d hashes, more than a tree of size %d needs", len(proof), size)
		}
		if len(p) != sha256.Size {
			return fmt.Errorf("inclusion proof hash %d has %d bytes, want %d", i, len(p), sha256.Size)
		}
		if fn&1 == 1 || fn == sn {
			r = nodeHash(p, r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = nodeHash(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 {
		return fmt.Errorf("inclusion proof has %d hashes, too few for leaf %d of %d", len(proof), index, size)
	}
	if !bytes.Equal(r, root) {
		return fmt.Errorf("inclusion proof for leaf %d of %d leads to root %x, not the checkpoint root %x", index, size, r, root)
	}
	return nil
}
