// Command katgen prints the known-answer vectors pinned in
// ledger/embedded/kat_test.go: the canonical bytes of a fixed transaction
// and entry, the RFC 6962 leaf hash, an interior node hash and the root of
// a three-entry tree. Run it after an intentional format change:
//
//	go run ./ledger/embedded/internal/katgen
package main

import (
	"encoding/hex"
	"fmt"

	"github.com/plumbline/plumbline/ledger/embedded"
)

func main() {
	v := embedded.KnownAnswers()
	fmt.Printf("tx     %s\n", hex.EncodeToString(v.Tx))
	fmt.Printf("entry  %s\n", hex.EncodeToString(v.Entries[0]))
	fmt.Printf("leaf   %s\n", hex.EncodeToString(v.Leaf[:]))
	fmt.Printf("node   %s\n", hex.EncodeToString(v.Node[:]))
	fmt.Printf("root3  %s\n", hex.EncodeToString(v.Root3[:]))
	fmt.Printf("txv2   %s\n", hex.EncodeToString(v.TxV2))
	fmt.Printf("entryv2 %s\n", hex.EncodeToString(v.EntryV2))
	fmt.Printf("writes %s\n", hex.EncodeToString(v.Writes))
	fmt.Printf("commitment %s\n", hex.EncodeToString(v.Commitment[:]))
}
