package embedded

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/internal/cosign"
	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/tlogproof"
	"github.com/plumbline/plumbline/models"
)

// TestEvidenceAtOlderCheckpoint proves an entry against a checkpoint the
// ledger signed before it grew on (the one a witness cosigned): the proof
// names that checkpoint, differs from the proof against the latest, and
// both VerifyEvidence and, as a C2SP tlog-proof carrying a witness's
// cosignature, VerifyProof accept it.
func TestEvidenceAtOlderCheckpoint(t *testing.T) {
	l := newEnv(t, dbx.SQLite).open()
	seed(t, l, 3) // 4 entries
	ctx := context.Background()
	older, err := l.Checkpoint(ctx)
	if err != nil || older.Size != 4 {
		t.Fatalf("checkpoint: %+v %v", older, err)
	}
	for i := range 5 {
		mustSubmit(t, l, orgTx("bureau", "later-"+string(rune('a'+i)), models.KindManufacturer))
	}
	var p ledger.InclusionProver = l
	ev, err := p.EvidenceAt(ctx, 2, older.Size)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Checkpoint.Size != 4 || ev.Checkpoint.Note != older.Note || ev.Seq != 2 || ev.LeafIndex != 1 {
		t.Fatalf("EvidenceAt(2, 4) = seq %d leaf %d against size %d", ev.Seq, ev.LeafIndex, ev.Checkpoint.Size)
	}
	if err := VerifyEvidence(ev, l.VerifierKey()); err != nil {
		t.Fatalf("VerifyEvidence of the proof against size 4: %v", err)
	}
	latest, err := l.Evidence(ctx, 2)
	if err != nil || latest.Checkpoint.Size != 9 || len(latest.Proof) == len(ev.Proof) {
		t.Fatalf("Evidence(2) against the latest: size %d, %d hashes (older: %d), %v", latest.Checkpoint.Size, len(latest.Proof), len(ev.Proof), err)
	}

	// A witness cosigns the older checkpoint (cosignature/v1, torchwood's
	// signer), the tlog-proof carries it, and VerifyProof counts it.
	_, wk, _ := ed25519.GenerateKey(rand.Reader)
	ws, err := torchwood.NewCosignatureSigner("witness.example", wk)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open([]byte(older.Note), note.VerifierList(mustVerifier(t, l.VerifierKey())))
	if err != nil {
		t.Fatal(err)
	}
	cosigned, err := note.Sign(&note.Note{Text: n.Text}, ws)
	if err != nil {
		t.Fatal(err)
	}
	_, cosig, _ := strings.Cut(string(cosigned), "\n\n")
	hashes := make(tlog.RecordProof, len(ev.Proof))
	for i, h := range ev.Proof {
		hashes[i] = tlog.Hash(h)
	}
	text, err := tlogproof.Encode(tlogproof.Proof{Extra: ev.Entry, Index: ev.LeafIndex, Hashes: hashes, Checkpoint: []byte(older.Note + cosig)})
	if err != nil {
		t.Fatal(err)
	}
	wv, err := cosign.NewVerifier(ws.Verifier().String())
	if err != nil {
		t.Fatal(err)
	}
	r, err := VerifyProof(text, l.VerifierKey(), []note.Verifier{wv}, 1)
	if err != nil {
		t.Fatalf("VerifyProof: %v\n%s", err, text)
	}
	if r.Entry.Seq != 2 || r.Size != 4 || r.Origin != l.Origin() || len(r.Cosigned) != 1 || r.Cosigned[0] != "witness.example" || r.Entry.Tx.Type != "RegisterOrganization" {
		t.Fatalf("VerifyProof = %+v", r)
	}

	// Refusals: no entry, another log's key, a checkpoint never signed,
	// an entry outside the checkpoint's tree.
	noEntry, err := tlogproof.Encode(tlogproof.Proof{Index: ev.LeafIndex, Hashes: hashes, Checkpoint: []byte(older.Note)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyProof(noEntry, l.VerifierKey(), nil, 0); !errors.Is(err, models.ErrTampered) || !strings.Contains(err.Error(), "carries no entry") {
		t.Errorf("a proof without its entry: %v", err)
	}
	other := newEnv(t, dbx.SQLite).open()
	if _, err := VerifyProof(text, other.VerifierKey(), nil, 0); !errors.Is(err, models.ErrTampered) {
		t.Errorf("another log's key: %v", err)
	}
	if _, err := p.EvidenceAt(ctx, 2, 100); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("EvidenceAt a size never signed: %v", err)
	}
	if _, err := p.EvidenceAt(ctx, 6, 4); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("EvidenceAt an entry past the checkpoint: %v", err)
	}
}
