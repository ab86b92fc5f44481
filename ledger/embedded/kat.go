package embedded

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// KATVectors are the known-answer vectors of the entry encoding and the
// tree hashing, computed from fixed inputs (see KnownAnswers). They let
// another implementation (the trace page's JavaScript) check itself:
//
//	leaf  = SHA-256(0x00 || entry)
//	node  = SHA-256(0x01 || left || right)
//	root  = RFC 6962 Merkle tree hash over the leaves in seq order
type KATVectors struct {
	Tx      []byte   // EncodeTx of the fixed transaction
	Entries [][]byte // EncodeEntry of it at seq 1, 2, 3
	Leaf    tlog.Hash
	Node    tlog.Hash // NodeHash(leaf 1, leaf 2)
	Root3   tlog.Hash // the root of the tree of the three entries
	// TxV2 and EntryV2 are the same transaction as a v2 entry (contract
	// version 2) at seq 1; Writes its stored writes (EncodeWrites).
	TxV2, EntryV2, Writes []byte
	// Commitment is the commitment of a fixed opening (salt 0x00…0x0f,
	// pointer "/notes", value "\"wet\"").
	Commitment [32]byte
}

// KnownAnswers computes the known-answer vectors from fixed inputs. The
// signature and fingerprint are fixed bytes, not real ones: the vectors
// pin the encoding, not the keys.
func KnownAnswers() KATVectors {
	id := sha256.Sum256([]byte("kat"))
	part := TxPart{
		TxID:           hex.EncodeToString(id[:]),
		Time:           time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC),
		Org:            "city-bureau",
		User:           "bureau-admin",
		Role:           models.RoleAdmin,
		Type:           "RegisterOrganization",
		IdempotencyKey: "k-1",
		Args:           []byte(`{"organization":{"id":"city-bureau","name":"City Bureau","kind":"authority"}}`),
	}
	tx := EncodeTx(part)
	writes := []contract.Write{{Key: "org/city-bureau", Value: []byte(`{"id":"city-bureau"}`)}}
	fp := sha256.Sum256([]byte("cert"))
	sig := []byte("signature")
	v := KATVectors{Tx: tx}
	var leaves []tlog.Hash
	for seq := uint64(1); seq <= 3; seq++ {
		e := EncodeEntry(seq, tx, writes, fp, sig)
		v.Entries = append(v.Entries, e)
		leaves = append(leaves, tlog.RecordHash(e))
	}
	p2 := part
	p2.Format, p2.ContractVersion = FormatV2, contract.V2
	v.TxV2 = EncodeTx(p2)
	v.Writes = EncodeWrites(writes)
	var writesSalt [16]byte // zeros: the vectors pin the encoding
	v.EntryV2 = EncodeEntryV2(1, v.TxV2, WritesDigestOf(writesSalt, v.Writes), fp, sig)
	o := Opening{Pointer: "/notes", Value: []byte(`"wet"`)}
	for i := range o.Salt {
		o.Salt[i] = byte(i)
	}
	v.Commitment = o.commitment()
	v.Leaf = leaves[0]
	v.Node = tlog.NodeHash(leaves[0], leaves[1])
	v.Root3 = tlog.NodeHash(v.Node, leaves[2])
	return v
}
