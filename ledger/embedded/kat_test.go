package embedded

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"testing"
)

// Known-answer vectors of the entry encoding and the RFC 6962 hashing.
// They change only with an intentional format change; regenerate with
//
//	go run ./ledger/embedded/internal/katgen
const (
	katTx = "504c42540100000040353435356663336662393463663164356361633439373932623363373962653433373636373161" +
		"316331666666616633656466363330643631383430653833381898f755824300000000000b636974792d627572656175" +
		"0000000c6275726561752d61646d696e0000000561646d696e0000001452656769737465724f7267616e697a6174696f" +
		"6e000000036b2d310000004d7b226f7267616e697a6174696f6e223a7b226964223a22636974792d627572656175222c" +
		"226e616d65223a224369747920427572656175222c226b696e64223a22617574686f72697479227d7d"
	katEntry = "504c4245010000000000000001000000e9504c4254010000004035343535666333666239346366316435636163343937" +
		"3932623363373962653433373636373161316331666666616633656466363330643631383430653833381898f7558243" +
		"00000000000b636974792d6275726561750000000c6275726561752d61646d696e0000000561646d696e000000145265" +
		"6769737465724f7267616e697a6174696f6e000000036b2d310000004d7b226f7267616e697a6174696f6e223a7b2269" +
		"64223a22636974792d627572656175222c226e616d65223a224369747920427572656175222c226b696e64223a226175" +
		"74686f72697479227d7d000000010000000f6f72672f636974792d627572656175000000147b226964223a2263697479" +
		"2d627572656175227d0000002006298432e8066b29e2223bcc23aa9504b56ae508fabf3435508869b9c3190e22000000" +
		"097369676e6174757265"
	katLeaf  = "07d94ca8fb9283bb6ed0fdd3dee933e8306fe77b00e8deb24ba9fd237ddeec22"
	katNode  = "441be6c9c4a5eb40bcbe2e8c1ba79d29a5156d84bf2d333a090e02364593d87a"
	katRoot3 = "4542924dbbb0c6eed55ac7cd8c134c29e08a0ad6fef7fdce6676d298dbeac7d6"
	// Entry v2: the same transaction under contract version 2, its writes by
	// digest, and one private-field commitment.
	katTxV2 = "504c42540200000040353435356663336662393463663164356361633439373932623363373962653433373636373161" +
		"316331666666616633656466363330643631383430653833381898f755824300000000000b636974792d627572656175" +
		"0000000c6275726561752d61646d696e0000000561646d696e0000001452656769737465724f7267616e697a6174696f" +
		"6e000000036b2d31020000004d7b226f7267616e697a6174696f6e223a7b226964223a22636974792d62757265617522" +
		"2c226e616d65223a224369747920427572656175222c226b696e64223a22617574686f72697479227d7d"
	katEntryV2 = "504c4245020000000000000001000000ea504c4254020000004035343535666333666239346366316435636163343937" +
		"3932623363373962653433373636373161316331666666616633656466363330643631383430653833381898f7558243" +
		"00000000000b636974792d6275726561750000000c6275726561752d61646d696e0000000561646d696e000000145265" +
		"6769737465724f7267616e697a6174696f6e000000036b2d31020000004d7b226f7267616e697a6174696f6e223a7b22" +
		"6964223a22636974792d627572656175222c226e616d65223a224369747920427572656175222c226b696e64223a2261" +
		"7574686f72697479227d7d26e58c7cb0476a5bc70c015619ef0f03ad0ed64df0686c1a3f5a916022180fa906298432e8" +
		"066b29e2223bcc23aa9504b56ae508fabf3435508869b9c3190e22000000097369676e6174757265"
	katWrites = "504c425701000000010000000f6f72672f636974792d627572656175000000147b226964223a22636974792d62757265" +
		"6175227d"
	katCommitment = "f367389cad84496dee26f40aca25f18bfd9f43dbbc3b44bc1082eb9b7b412ec7"
)

func TestKnownAnswers(t *testing.T) {
	v := KnownAnswers()
	for _, c := range []struct{ name, got, want string }{
		{"tx", hex.EncodeToString(v.Tx), katTx},
		{"entry", hex.EncodeToString(v.Entries[0]), katEntry},
		{"leaf", hex.EncodeToString(v.Leaf[:]), katLeaf},
		{"node", hex.EncodeToString(v.Node[:]), katNode},
		{"root3", hex.EncodeToString(v.Root3[:]), katRoot3},
		{"tx v2", hex.EncodeToString(v.TxV2), katTxV2},
		{"entry v2", hex.EncodeToString(v.EntryV2), katEntryV2},
		{"writes", hex.EncodeToString(v.Writes), katWrites},
		{"commitment", hex.EncodeToString(v.Commitment[:]), katCommitment},
	} {
		if c.got != c.want {
			t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
		}
	}
	// The hashing, recomputed from RFC 6962's definition without tlog.
	leaf := func(b []byte) []byte { h := sha256.Sum256(append([]byte{0}, b...)); return h[:] }
	node := func(l, r []byte) []byte { h := sha256.Sum256(append(append([]byte{1}, l...), r...)); return h[:] }
	l1, l2, l3 := leaf(v.Entries[0]), leaf(v.Entries[1]), leaf(v.Entries[2])
	if !bytes.Equal(l1, v.Leaf[:]) || !bytes.Equal(node(l1, l2), v.Node[:]) || !bytes.Equal(node(node(l1, l2), l3), v.Root3[:]) {
		t.Errorf("tlog hashing differs from RFC 6962's definition")
	}
}

func TestEntryRoundTrip(t *testing.T) {
	v := KnownAnswers()
	e, err := DecodeEntry(v.Entries[1])
	if err != nil {
		t.Fatal(err)
	}
	if e.Seq != 2 || e.Tx.Org != "city-bureau" || e.Tx.IdempotencyKey != "k-1" || len(e.Writes) != 1 || string(e.Signature) != "signature" {
		t.Fatalf("decoded %+v", e)
	}
	again := EncodeEntry(e.Seq, EncodeTx(e.Tx), e.Writes, e.CertFingerprint, e.Signature)
	if !bytes.Equal(again, v.Entries[1]) {
		t.Fatalf("re-encoding differs")
	}
	if tx, err := DecodeTx(e.TxRaw); err != nil || !reflect.DeepEqual(tx, e.Tx) {
		t.Fatalf("DecodeTx = %+v, %v", tx, err)
	}
	// Every truncation and any trailing byte is rejected.
	for n := range len(v.Entries[1]) {
		if _, err := DecodeEntry(v.Entries[1][:n]); err == nil {
			t.Fatalf("DecodeEntry accepted the first %d bytes", n)
		}
	}
	if _, err := DecodeEntry(append(bytes.Clone(v.Entries[1]), 0)); err == nil {
		t.Fatalf("DecodeEntry accepted a trailing byte")
	}
}
