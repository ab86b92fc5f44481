package app

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/internal/cosign"
	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/embedded"
	"github.com/plumbline/plumbline/models"
)

// TestEntryProofWitnessedCheckpoint: with a witness configured, an
// entry's offline proof is against the newest checkpoint a quorum
// cosigned, even once the ledger has grown past it, and carries the
// cosignature; an entry newer than that checkpoint is proved against the
// latest one, which then lacks the quorum; without witnesses every proof
// is against the latest checkpoint.
func TestEntryProofWitnessedCheckpoint(t *testing.T) {
	w := newJobsWorld(t, false)
	ctx := context.Background()
	older, err := w.ledger.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A witness (torchwood's cosignature/v1 signer) cosigns it.
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	ws, err := torchwood.NewCosignatureSigner("witness.example", k)
	if err != nil {
		t.Fatal(err)
	}
	logV, err := note.NewVerifier(w.ledger.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open([]byte(older.Note), note.VerifierList(logV))
	if err != nil {
		t.Fatal(err)
	}
	cosigned, err := note.Sign(&note.Note{Text: n.Text}, ws)
	if err != nil {
		t.Fatal(err)
	}
	_, line, _ := strings.Cut(string(cosigned), "\n\n")
	if err := w.ledger.AddCosignature(ctx, older.Size, "witness.example", line); err != nil {
		t.Fatal(err)
	}
	// The ledger grows past the witnessed checkpoint.
	for _, id := range []string{"later-a", "later-b"} {
		args, _ := json.Marshal(map[string]any{"organization": models.Organization{ID: id, Name: "Org " + id, Kind: models.KindManufacturer}})
		if _, err := w.ledger.Submit(ctx, ledger.Tx{Type: "RegisterOrganization", Args: args, Org: demo.OrgBureau, User: "admin", Role: models.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
	}
	w.caughtUp(t)
	head := w.head(t)
	wkey := ws.Verifier().String()
	cs, err := cosign.New(w.ledger, cosign.Options{Witnesses: []cosign.Witness{{Key: wkey, URL: "http://127.0.0.1:9"}}, Quorum: 1})
	if err != nil {
		t.Fatal(err)
	}
	a := New(Options{Ledger: w.ledger, Store: w.store, Projector: w.proj, Logger: w.log, Cosigner: cs})
	public := access.New(access.FromStore(w.store), access.Viewer{})
	wv, err := cosign.NewVerifier(wkey)
	if err != nil {
		t.Fatal(err)
	}

	f, err := a.EntryProof(ctx, public, 2)
	if err != nil {
		t.Fatal(err)
	}
	if f.Size != older.Size || !f.Witnessed || f.Cosignatures != 1 || !f.Public || f.Name() != "2.tlog-proof" {
		t.Fatalf("proof of entry 2: size %d (witnessed %d, latest %d), witnessed %v, %d cosignatures", f.Size, older.Size, head, f.Witnessed, f.Cosignatures)
	}
	r, err := embedded.VerifyProof(f.Text, w.ledger.VerifierKey(), []note.Verifier{wv}, 1)
	if err != nil || r.Size != older.Size || r.Entry.Seq != 2 || len(r.Cosigned) != 1 {
		t.Fatalf("VerifyProof of entry 2 with the witness: %+v %v\n%s", r.Verified, err, f.Text)
	}

	f, err = a.EntryProof(ctx, public, head)
	if err != nil {
		t.Fatal(err)
	}
	if f.Size != head || f.Witnessed || f.Cosignatures != 0 {
		t.Fatalf("proof of entry %d, newer than the witnessed checkpoint: size %d, witnessed %v", head, f.Size, f.Witnessed)
	}
	if _, err := embedded.VerifyProof(f.Text, w.ledger.VerifierKey(), []note.Verifier{wv}, 1); err == nil || !strings.Contains(err.Error(), "cosigned by 0 of the 1 given witnesses") {
		t.Errorf("VerifyProof of an unwitnessed proof with a quorum of 1: %v", err)
	}
	if _, err := embedded.VerifyProof(f.Text, w.ledger.VerifierKey(), nil, 0); err != nil {
		t.Errorf("VerifyProof of entry %d without witnesses: %v", head, err)
	}

	plain, _ := w.app(nil)
	if f, err := plain.EntryProof(ctx, public, 2); err != nil || f.Size != head || f.Witnessed {
		t.Fatalf("without witnesses, the proof of entry 2 is against size %d (want the latest, %d): %v", f.Size, head, err)
	}
	if _, err := plain.EntryProof(ctx, public, head+1); err == nil || !strings.Contains(err.Error(), "not on the ledger") {
		t.Errorf("an entry past the head: %v", err)
	}
}
