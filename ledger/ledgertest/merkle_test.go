package ledgertest

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/plumbline/plumbline/ledger"
)

// inclusionPath is RFC 6962's PATH(m, D[n]), computed from the definition.
func inclusionPath(m int, entries [][]byte) [][]byte {
	n := len(entries)
	if n <= 1 {
		return nil
	}
	k := 1
	for k*2 < n {
		k *= 2
	}
	if m < k {
		return append(inclusionPath(m, entries[:k]), RootHash(entries[k:]))
	}
	return append(inclusionPath(m-k, entries[k:]), RootHash(entries[:k]))
}

func testEntries(n int) [][]byte {
	es := make([][]byte, n)
	for i := range es {
		es[i] = fmt.Appendf(nil, "entry %d", i)
	}
	return es
}

func merkleEvidence(entries [][]byte, i int) ledger.Evidence {
	return ledger.Evidence{
		Kind: ledger.EvidenceMerkle, Entry: entries[i], LeafIndex: uint64(i),
		LeafHash: LeafHash(entries[i]), Proof: inclusionPath(i, entries),
		Checkpoint: ledger.Checkpoint{Size: uint64(len(entries)), Root: RootHash(entries)},
	}
}

func TestVerifyMerkleAccepts(t *testing.T) {
	for n := 1; n <= 33; n++ {
		es := testEntries(n)
		for i := range n {
			if err := VerifyMerkle(merkleEvidence(es, i)); err != nil {
				t.Fatalf("leaf %d of %d: %v", i, n, err)
			}
		}
	}
}

func TestRootHashKnownAnswer(t *testing.T) {
	// RFC 6962 empty tree and the hash of a single empty leaf.
	if got := fmt.Sprintf("%x", RootHash(nil)); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("empty root = %s", got)
	}
	if got := fmt.Sprintf("%x", LeafHash(nil)); got != "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d" {
		t.Errorf("empty leaf hash = %s", got)
	}
}

func TestVerifyMerkleRejectsTampering(t *testing.T) {
	es := testEntries(13)
	tamper := map[string]func(ev *ledger.Evidence){
		"entry byte":      func(ev *ledger.Evidence) { ev.Entry = append([]byte{ev.Entry[0] ^ 1}, ev.Entry[1:]...) },
		"leaf hash":       func(ev *ledger.Evidence) { ev.LeafHash = bytes.Repeat([]byte{1}, 32) },
		"proof byte":      func(ev *ledger.Evidence) { ev.Proof[0] = append([]byte{ev.Proof[0][0] ^ 1}, ev.Proof[0][1:]...) },
		"proof reordered": func(ev *ledger.Evidence) { ev.Proof[0], ev.Proof[1] = ev.Proof[1], ev.Proof[0] },
		"proof truncated": func(ev *ledger.Evidence) { ev.Proof = ev.Proof[:len(ev.Proof)-1] },
		"proof extended":  func(ev *ledger.Evidence) { ev.Proof = append(ev.Proof, ev.Proof[0]) },
		"wrong index":     func(ev *ledger.Evidence) { ev.LeafIndex++ },
		"index past size": func(ev *ledger.Evidence) { ev.LeafIndex = ev.Checkpoint.Size },
		"size too small":  func(ev *ledger.Evidence) { ev.Checkpoint.Size = 4 },
		"wrong root":      func(ev *ledger.Evidence) { ev.Checkpoint.Root = RootHash(es[:12]) },
		"wrong kind":      func(ev *ledger.Evidence) { ev.Kind = ledger.EvidenceFabric },
		"no entry":        func(ev *ledger.Evidence) { ev.Entry = nil },
	}
	for name, fn := range tamper {
		for _, i := range []int{0, 5, 12} {
			ev := merkleEvidence(es, i)
			fn(&ev)
			if err := VerifyMerkle(ev); err == nil {
				t.Errorf("%s at leaf %d: VerifyMerkle accepted it", name, i)
			}
		}
	}
}
