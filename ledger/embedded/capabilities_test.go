package embedded

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
	"golang.org/x/mod/sumdb/tlog"
)

// TestEntryCertificate: through ledger.CertificateSource, an entry's
// evidence gives the certificate of the organization that signed it,
// issued by the ledger's CA and checking the entry's signature; evidence
// that names no certificate is refused as invalid.
func TestEntryCertificate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		l := newEnv(t, dialect).open()
		ctx := context.Background()
		seed(t, l, 1)                                     // 1: bureau registers itself, 2: bureau registers mill-0
		r := mustSubmit(t, l, productTx("mill-0", "p-1")) // 3: signed by mill-0
		var cs ledger.CertificateSource = l
		for seq, org := range map[uint64]string{2: "bureau", r.Seq: "mill-0"} {
			ev, err := l.Evidence(ctx, seq)
			if err != nil {
				t.Fatal(err)
			}
			cert, err := cs.EntryCertificate(ctx, ev)
			if err != nil {
				t.Fatalf("EntryCertificate(%d): %v", seq, err)
			}
			if cert.Subject.CommonName != org {
				t.Errorf("entry %d: certificate of %q, want %q", seq, cert.Subject.CommonName, org)
			}
			en, err := DecodeEntry(ev.Entry)
			if err != nil {
				t.Fatal(err)
			}
			byFP, err := cs.Certificate(ctx, en.CertFingerprint)
			if err != nil || !bytes.Equal(byFP.Raw, cert.Raw) {
				t.Errorf("entry %d: Certificate by fingerprint %v differs from EntryCertificate", seq, err)
			}
			if d := TxDigest(en.TxRaw); !ecdsa.VerifyASN1(cert.PublicKey.(*ecdsa.PublicKey), d[:], en.Signature) || cert.CheckSignatureFrom(l.CA()) != nil {
				t.Errorf("entry %d: its signature does not verify with its certificate from the CA", seq)
			}
		}
		ev, _ := l.Evidence(ctx, r.Seq)
		for name, bad := range map[string]ledger.Evidence{
			"fabric evidence": {Kind: ledger.EvidenceFabric, Seq: r.Seq, TxID: r.TxID, Block: 7},
			"no entry":        {Kind: ledger.EvidenceMerkle, Seq: r.Seq},
			"garbage entry":   {Kind: ledger.EvidenceMerkle, Seq: r.Seq, Entry: []byte("not an entry")},
			"truncated entry": {Kind: ledger.EvidenceMerkle, Seq: r.Seq, Entry: ev.Entry[:len(ev.Entry)/2]},
		} {
			if _, err := cs.EntryCertificate(ctx, bad); !errors.Is(err, models.ErrInvalid) {
				t.Errorf("%s: %v, want an invalid error", name, err)
			}
		}
	})
}

// TestVerifyAll: ledger.Verifier checks every entry, reporting progress.
func TestVerifyAll(t *testing.T) {
	l := newEnv(t, dbx.SQLite).open()
	seed(t, l, 3)
	var v ledger.Verifier = l
	var last uint64
	rep, err := v.VerifyAll(context.Background(), func(done, total uint64) { last = done })
	cp, n := rep.Checkpoint, rep.Entries
	if err != nil || n != 4 || cp.Size != 4 || last != 4 {
		t.Fatalf("VerifyAll: checkpoint size %d, %d entries, progress %d, %v; want 4 each", cp.Size, n, last, err)
	}
	keys := 0
	for k, v := range rep.State {
		if k == "" || len(v) == 0 {
			t.Fatalf("replayed state has key %q with %d bytes", k, len(v))
		}
		keys++
	}
	if keys == 0 || keys != rep.StateKeys {
		t.Fatalf("replayed state has %d keys, the report says %d compared", keys, rep.StateKeys)
	}
}

// TestCheckpointAt: every checkpoint the ledger signed can be read again
// by its size; a size never signed is not found, naming the nearest.
func TestCheckpointAt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		l := newEnv(t, dialect).open()
		seed(t, l, 3)
		ctx := context.Background()
		var p ledger.ConsistencyProver = l
		latest, err := l.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := p.CheckpointAt(ctx, latest.Size)
		if err != nil || cp.Note != latest.Note || cp.Size != latest.Size {
			t.Fatalf("checkpoint at %d: %+v, %v", latest.Size, cp, err)
		}
		_, err = p.CheckpointAt(ctx, latest.Size+5)
		if !errors.Is(err, models.ErrNotFound) || !strings.Contains(err.Error(), strconv.FormatUint(latest.Size, 10)) {
			t.Fatalf("a size past the end: %v", err)
		}
		proof, err := p.ConsistencyProof(ctx, 1, latest.Size)
		if err != nil {
			t.Fatal(err)
		}
		first, err := p.CheckpointAt(ctx, 1)
		if err != nil {
			t.Fatalf("checkpoint at 1: %v", err)
		}
		if err := VerifyConsistency(first, latest, proof, l.VerifierKey()); err != nil {
			t.Fatalf("consistency 1..%d: %v", latest.Size, err)
		}
	})
}

// TestHashTile: the hash tiles of a small tree are the partial tiles its
// size allows, equal to what tlog reads from the stored hashes; wider or
// further ones are not found.
func TestHashTile(t *testing.T) {
	l := newEnv(t, dbx.SQLite).open()
	seed(t, l, 3) // 4 entries
	ctx := context.Background()
	var tiler ledger.HashTiler = l
	data, err := tiler.HashTile(ctx, 0, 0, 4)
	if err != nil || len(data) != 4*tlog.HashSize {
		t.Fatalf("tile 0/0 of width 4: %d bytes, %v", len(data), err)
	}
	want, err := tlog.ReadTileData(tlog.Tile{H: 8, L: 0, N: 0, W: 4}, dbReader(ctx, l.db, l.d))
	if err != nil || !bytes.Equal(data, want) {
		t.Fatalf("tile 0/0 differs from the stored hashes: %v", err)
	}
	for _, c := range []struct {
		level, width int
		index        int64
	}{{0, 5, 0}, {0, 1, 1}, {1, 1, 0}, {-1, 1, 0}, {0, 0, 0}, {0, 257, 0}} {
		if _, err := tiler.HashTile(ctx, c.level, c.index, c.width); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("tile %d/%d width %d: %v, want not found", c.level, c.index, c.width, err)
		}
	}
}
