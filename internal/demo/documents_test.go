package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/plumbline/plumbline/internal/files"
	"github.com/plumbline/plumbline/ledger/contract"
)

// TestDocumentsAreStored: every document the demo attaches has its bytes
// in the file store after Generate, and they are what the ledger says —
// the SHA-256, the size and the media type — so each can be downloaded and
// checked under "Verify a file". (The demo once recorded stand-in hashes
// of files that existed nowhere: every download was a 404.)
func TestDocumentsAreStored(t *testing.T) {
	fs, err := files.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	l := openLedger(t)
	sum := generate(t, l, Options{Seed: 7, Files: fs})
	plan, _ := Plan(Options{Seed: 7})
	n := 0
	for i, tx := range plan {
		if tx.Type != "AttachDocument" {
			continue
		}
		n++
		var a contract.AttachDocumentArgs
		if err := json.Unmarshal(tx.Args, &a); err != nil {
			t.Fatal(err)
		}
		d := a.Document
		f, err := fs.Open(d.SHA256)
		if err != nil {
			t.Errorf("transaction %d attaches %s to %s: %v", i, d.Name, a.Batch, err)
			continue
		}
		sha, size, err := files.Hash(f, 20<<20)
		f.Close()
		if err != nil || sha != d.SHA256 || size != d.Size {
			t.Errorf("%s of %s: stored file has SHA-256 %s and %d bytes (%v); the ledger says %s and %d", d.Name, a.Batch, sha, size, err, d.SHA256, d.Size)
		}
		f, _ = fs.Open(d.SHA256)
		head := make([]byte, 512)
		k, _ := io.ReadFull(f, head)
		f.Close()
		policy := files.Documents
		if d.MediaType == "image/jpeg" {
			policy = files.Photos
		}
		// Stored again through the upload path, the file is accepted and
		// sniffed as the type the ledger records.
		st, err := fs.Put("file", bytes.NewReader(head[:k]), policy)
		if err != nil || st.Type != d.MediaType {
			t.Errorf("%s of %s: sniffed %q (%v), the ledger says %s", d.Name, a.Batch, st.Type, err, d.MediaType)
		}
	}
	if n == 0 || n != sum.Documents {
		t.Fatalf("%d documents in the plan, %d in the summary", n, sum.Documents)
	}
	// A second run over the same ledger replays and stores nothing new,
	// without failing on the files already there.
	if _, err := Generate(context.Background(), l, Options{Seed: 7, Files: fs}); err != nil {
		t.Fatalf("Generate again: %v", err)
	}
}
