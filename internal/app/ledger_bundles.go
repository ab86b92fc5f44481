package app

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/internal/cosign"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/tlogproof"
	"github.com/plumbline/plumbline/models"
)

// Offline proofs: an entry's C2SP tlog-proof (ledger/tlogproof) holds the
// entry's bytes on its extra line, so that the file alone gives the leaf
// hash, SHA-256(0x00 || entry), which its inclusion proof binds to a
// signed checkpoint. The checkpoint is the newest one a quorum of
// witnesses cosigned when witnesses are configured and it covers the
// entry, else the latest, with whatever cosignatures it has. A batch's
// proofs download as a zip of one file per entry. Entries the viewer may
// not read (access.Checker.ReadEntry, as the proof API redacts them) are
// never put in a proof: such an entry gets no file, and the zip's
// README.txt lists it as withheld.

// MaxArchiveProofs bounds how many entries of a batch's timeline one
// download proves.
const MaxArchiveProofs = 1000

// ProofFile is one entry's offline proof.
type ProofFile struct {
	Seq  uint64
	Type string // the entry's transaction type
	Text []byte // the tlog-proof
	// Public is set when anyone may read the entry (PublicEntry).
	Public bool
	// Size is the size of the checkpoint the proof is against;
	// Cosignatures how many configured witnesses cosigned it, and
	// Witnessed whether they are a quorum.
	Size         uint64
	Cosignatures int
	Witnessed    bool
	// LeafHash is the entry's leaf hash, SHA-256(0x00 || entry); Entry
	// its length in bytes.
	LeafHash []byte
	Entry    int
}

// Name is the proof's file name, <seq>.tlog-proof.
func (f ProofFile) Name() string { return strconv.FormatUint(f.Seq, 10) + tlogproof.Extension }

// EntryProof returns the offline proof of entry seq for the viewer of
// chk: a forbidden error when the viewer may not read the entry, a
// not-found one when it is not on the ledger or not yet in the read
// model, or when the ledger keeps no Merkle log (Fabric).
func (a *App) EntryProof(ctx context.Context, chk *access.Checker, seq uint64) (ProofFile, error) {
	e, err := a.opts.Store.Event(ctx, seq)
	if errors.Is(err, models.ErrNotFound) {
		head, herr := a.opts.Ledger.Head(ctx)
		if herr == nil && seq <= head {
			return ProofFile{}, models.NotFound("seq", "entry %d is not in the read model yet; ask again in a moment", seq)
		}
		return ProofFile{}, models.NotFound("seq", "entry %d is not on the ledger (%d entries)", seq, head)
	}
	if err != nil {
		return ProofFile{}, err
	}
	if !a.ReadEntryBytes(ctx, chk, e) {
		return ProofFile{}, models.Forbidden("entry %d (%s) is private to the organizations involved with its batches; an offline proof carries the whole entry, so only they may download it (the proof API gives everyone its inclusion proof without the entry)", seq, e.Type)
	}
	ps, err := a.newProver(ctx)
	if err != nil {
		return ProofFile{}, err
	}
	return ps.prove(ctx, e, true)
}

// ProofArchive is the offline proofs of a batch's timeline that the
// viewer may read, and what was left out.
type ProofArchive struct {
	Batch    string
	Files    []ProofFile
	Withheld []store.Event // entries the viewer may not read: no file
	More     bool          // the timeline goes on past MaxArchiveProofs entries
	// LogKeys are the log's note verifier keys, one per line;
	// WitnessKeys the configured witnesses' keys and Quorum their quorum.
	LogKeys     string
	WitnessKeys []string
	Quorum      int
	Generated   time.Time
}

// BatchProofs returns the offline proofs of batch code's timeline for the
// viewer of chk.
func (a *App) BatchProofs(ctx context.Context, chk *access.Checker, code string) (ProofArchive, error) {
	r := ProofArchive{Batch: code, Generated: a.opts.Now()}
	tl, err := a.opts.Store.Timeline(ctx, code, 0, MaxArchiveProofs)
	if err != nil {
		return r, err
	}
	if len(tl) == MaxArchiveProofs {
		more, err := a.opts.Store.Timeline(ctx, code, tl[len(tl)-1].Seq, 1)
		if err != nil {
			return r, err
		}
		r.More = len(more) > 0
	}
	ps, err := a.newProver(ctx)
	if err != nil {
		return r, err
	}
	for _, e := range tl {
		if !a.ReadEntryBytes(ctx, chk, e) {
			r.Withheld = append(r.Withheld, e)
			continue
		}
		f, err := ps.prove(ctx, e, true)
		if err != nil {
			return r, err
		}
		r.Files = append(r.Files, f)
	}
	r.LogKeys, r.WitnessKeys, r.Quorum = a.proofKeys()
	return r, nil
}

// proofKeys returns the keys that check offline proofs, as this server
// states them: the log's note verifier keys (one per line: every origin
// it signed under), the configured witnesses' keys and their quorum.
func (a *App) proofKeys() (logKeys string, witnesses []string, quorum int) {
	if k, ok := a.opts.Ledger.(interface{ VerifierKeys() string }); ok {
		logKeys = k.VerifierKeys()
	} else if k, ok := a.opts.Ledger.(ledger.VerifierKeyer); ok {
		logKeys = k.VerifierKey()
	}
	if c := a.opts.Cosigner; c != nil {
		for _, w := range c.Witnesses() {
			witnesses = append(witnesses, w.Key)
		}
		quorum = c.Quorum()
	}
	return logKeys, witnesses, quorum
}

// prover makes the proofs of one request against the same checkpoints.
type prover struct {
	a         *App
	at        ledger.InclusionProver // nil when the ledger proves against its latest checkpoint only
	witnessed *ledger.Checkpoint     // the newest checkpoint a quorum cosigned, its note with their cosignatures
	cosigs    int                    // how many cosigned it
	notes     map[uint64]noteCosigs  // the latest checkpoints' notes with their cosignatures, by size
}

type noteCosigs struct {
	note string
	n    int
}

func (a *App) newProver(ctx context.Context) (*prover, error) {
	p := &prover{a: a, notes: map[uint64]noteCosigs{}}
	p.at, _ = a.opts.Ledger.(ledger.InclusionProver)
	if c := a.opts.Cosigner; c != nil && p.at != nil {
		cp, k, err := c.Witnessed(ctx)
		switch {
		case err == nil:
			p.witnessed, p.cosigs = &cp, k
		case !errors.Is(err, cosign.ErrNotWitnessed):
			return nil, err
		}
	}
	return p, nil
}

// prove makes the proof of entry e, with the entry on its extra line
// when withEntry is set (only for a viewer who may read it), else without
// (a proof whose leaf hash must come from elsewhere).
func (p *prover) prove(ctx context.Context, e store.Event, withEntry bool) (ProofFile, error) {
	f := ProofFile{Seq: e.Seq, Type: e.Type, Public: access.PublicEntry(e.Type, e.Args)}
	var ev ledger.Evidence
	var signed string
	var err error
	if w := p.witnessed; w != nil && e.Seq <= w.Size {
		if ev, err = p.at.EvidenceAt(ctx, e.Seq, w.Size); err != nil {
			return f, err
		}
		signed, f.Cosignatures, f.Witnessed = w.Note, p.cosigs, true
	} else {
		if ev, err = p.a.opts.Ledger.Evidence(ctx, e.Seq); err != nil {
			return f, err
		}
		if ev.Kind != ledger.EvidenceMerkle {
			return f, models.NotFound("", "this ledger keeps no Merkle log, so it has no offline proofs in the C2SP tlog-proof format (on Fabric the peers validate every block)")
		}
		nc, ok := p.notes[ev.Checkpoint.Size]
		if !ok {
			nc.note = ev.Checkpoint.Note
			if c := p.a.opts.Cosigner; c != nil {
				if nc.note, nc.n, err = c.WithCosignatures(ctx, ev.Checkpoint); err != nil {
					return f, err
				}
			}
			p.notes[ev.Checkpoint.Size] = nc
		}
		signed, f.Cosignatures = nc.note, nc.n
		if c := p.a.opts.Cosigner; c != nil {
			f.Witnessed = nc.n >= c.Quorum()
		}
	}
	f.Size, f.LeafHash, f.Entry = ev.Checkpoint.Size, ev.LeafHash, len(ev.Entry)
	extra := ev.Entry
	if !withEntry {
		extra = nil
	}
	hashes := make(tlog.RecordProof, len(ev.Proof))
	for i, h := range ev.Proof {
		if len(h) != tlog.HashSize {
			return f, fmt.Errorf("proof of entry %d: hash %d has %d bytes: %w", e.Seq, i, len(h), models.ErrTampered)
		}
		hashes[i] = tlog.Hash(h)
	}
	f.Text, err = tlogproof.Encode(tlogproof.Proof{Extra: extra, Index: ev.LeafIndex, Hashes: hashes, Checkpoint: []byte(signed)})
	if err != nil {
		return f, fmt.Errorf("offline proof of entry %d: %w", e.Seq, err)
	}
	return f, nil
}

// WriteZip writes the archive: one <seq>.tlog-proof file per proved
// entry, README.txt (what is in it, what was withheld, how to verify),
// log.vkey and, with witnesses, witnesses.vkey.
func (r ProofArchive) WriteZip(w io.Writer) error {
	z := zip.NewWriter(w)
	put := func(name string, data []byte) error {
		fw, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: r.Generated})
		if err != nil {
			return err
		}
		_, err = fw.Write(data)
		return err
	}
	if err := put("README.txt", []byte(r.readme())); err != nil {
		return fmt.Errorf("write proofs: %w", err)
	}
	if r.LogKeys != "" {
		if err := put("log.vkey", []byte(r.LogKeys+"\n")); err != nil {
			return fmt.Errorf("write proofs: %w", err)
		}
	}
	if len(r.WitnessKeys) > 0 {
		if err := put("witnesses.vkey", []byte(strings.Join(r.WitnessKeys, "\n")+"\n")); err != nil {
			return fmt.Errorf("write proofs: %w", err)
		}
	}
	for _, f := range r.Files {
		if err := put(f.Name(), f.Text); err != nil {
			return fmt.Errorf("write proofs: %w", err)
		}
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("write proofs: %w", err)
	}
	return nil
}

// readme is README.txt of the archive.
func (r ProofArchive) readme() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Offline proofs of batch %s, generated %s\n\n", r.Batch, r.Generated.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "%d ledger entries of the batch, one proof per file, named <entry>.tlog-proof, in the\n", len(r.Files))
	b.WriteString("C2SP tlog-proof format (https://c2sp.org/tlog-proof): the entry's bytes (base64, on the\n" +
		"\"extra\" line), its index in the log (entry number - 1), the RFC 6962 inclusion proof,\n" +
		"and the log's signed checkpoint with the witnesses' cosignatures. The leaf hash is\n" +
		"SHA-256(0x00 || entry); nothing in a file is trusted until the proof binds it to the\n" +
		"checkpoint that the log's key signed.\n\n")
	b.WriteString("Verify one without any server:\n\n  plumbline verify-proof <entry>.tlog-proof --key log.vkey")
	if len(r.WitnessKeys) > 0 {
		fmt.Fprintf(&b, " --witness witnesses.vkey --quorum %d", r.Quorum)
	}
	b.WriteString("\n\nlog.vkey")
	if len(r.WitnessKeys) > 0 {
		b.WriteString(" and witnesses.vkey hold the keys")
	} else {
		b.WriteString(" holds the key")
	}
	b.WriteString(" as this server states them: a proof is only as good as\n" +
		"the keys you check it with, so compare them with keys you obtained from a source you trust.\n")
	for _, f := range r.Files {
		if !f.Witnessed && len(r.WitnessKeys) > 0 {
			b.WriteString("\nSome entries are newer than the newest checkpoint a quorum of witnesses cosigned: their\n" +
				"proofs are against the latest checkpoint, with the cosignatures it has so far.\n")
			break
		}
	}
	if len(r.Withheld) > 0 {
		b.WriteString("\nWithheld: these entries are private to the organizations involved with the batch. A proof\n" +
			"carries the whole entry, so they have no file here; sign in as one of those organizations\n" +
			"to download them. Their inclusion proofs without the entries are public (the proof API).\n\n")
		for _, e := range r.Withheld {
			fmt.Fprintf(&b, "  entry %d  %s\n", e.Seq, e.Type)
		}
	}
	if r.More {
		fmt.Fprintf(&b, "\nThe batch's timeline goes on past these %d entries; download their proofs one by one.\n", MaxArchiveProofs)
	}
	return b.String()
}
