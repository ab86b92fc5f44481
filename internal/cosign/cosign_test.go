package cosign_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/plumbline/plumbline/internal/cosign"
	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/internal/witness"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/ledger/embedded"
	"github.com/plumbline/plumbline/models"
)

const origin = "plumbline.test/ledger"

// site is one ledger installation: a SQLite file and a key folder.
type site struct {
	t       *testing.T
	path    string
	keyDir  string
	l       *embedded.Ledger
	closeDB func()
	n       int // transactions submitted, for unique IDs
}

func newSite(t *testing.T) *site {
	dir := t.TempDir()
	s := &site{t: t, path: filepath.Join(dir, "ledger.db"), keyDir: filepath.Join(dir, "keys")}
	s.open()
	if _, err := s.l.Submit(context.Background(), orgTx("bureau", models.KindAuthority)); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *site) open() {
	s.t.Helper()
	db, err := dbx.Open("sqlite://" + s.path)
	if err != nil {
		s.t.Fatal(err)
	}
	l, err := embedded.Open(context.Background(), embedded.Options{DB: db, KeyDir: s.keyDir, Origin: origin, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		s.t.Fatal(err)
	}
	s.l = l
	s.closeDB = func() { _ = l.Close(); _ = dbx.Close(db) }
	s.t.Cleanup(s.close)
}

func (s *site) close() {
	if s.closeDB != nil {
		s.closeDB()
		s.closeDB = nil
	}
}

// write submits n registrations, tagged so two copies write different ones.
func (s *site) write(n int, tag string) {
	s.t.Helper()
	for range n {
		s.n++
		if _, err := s.l.Submit(context.Background(), orgTx(fmt.Sprintf("%s-%d", tag, s.n), models.KindManufacturer)); err != nil {
			s.t.Fatal(err)
		}
	}
}

// copyTo and restoreFrom copy the closed database file, as a backup.
func (s *site) copyTo(path string) {
	s.t.Helper()
	s.close()
	copyFile(s.t, s.path, path)
	s.open()
}

func (s *site) restoreFrom(path string) {
	s.t.Helper()
	s.close()
	for _, suffix := range []string{"-wal", "-shm"} {
		_ = os.Remove(s.path + suffix)
	}
	copyFile(s.t, path, s.path)
	s.open()
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func orgTx(id string, kind models.OrgKind) ledger.Tx {
	b, _ := json.Marshal(map[string]any{"organization": models.Organization{ID: id, Name: "Org " + id, Kind: kind}})
	return ledger.Tx{Type: "RegisterOrganization", Args: b, Org: "bureau", User: "bureau-admin", Role: models.RoleAdmin}
}

// startWitness runs a real `plumbline witness` over HTTP that knows the
// site's log.
func startWitness(t *testing.T, name string, logKey string) (url, vkey string) {
	t.Helper()
	dir := t.TempDir()
	st, err := witness.OpenStore(filepath.Join(dir, "witness.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	key, _, err := witness.OpenKey(filepath.Join(dir, "key"), name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddLog(context.Background(), origin, logKey); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(witness.New(st, key, nil))
	t.Cleanup(srv.Close)
	return srv.URL, key.VerifierKey()
}

// run starts witnessing s.l; it stops when the test ends.
func run(t *testing.T, l *embedded.Ledger, quorum int, ws ...cosign.Witness) *cosign.Cosigner {
	t.Helper()
	return runLog(t, l, quorum, ws...)
}

// runLog is run over any cosign.Log.
func runLog(t *testing.T, log cosign.Log, quorum int, ws ...cosign.Witness) *cosign.Cosigner {
	t.Helper()
	c, err := cosign.New(log, cosign.Options{Witnesses: ws, Quorum: quorum, Interval: 10 * time.Millisecond, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return c
}

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting until %s", what)
}

// TestWitnessesCosign: after commits, both witnesses cosign the latest
// checkpoint; the cosigned note verifies with the log's key and each
// witness's, and the newest witnessed checkpoint is the latest.
func TestWitnessesCosign(t *testing.T) {
	ctx := context.Background()
	s := newSite(t)
	url1, key1 := startWitness(t, "w1.test", s.l.VerifierKey())
	url2, key2 := startWitness(t, "w2.test", s.l.VerifierKey())
	c := run(t, s.l, 2, cosign.Witness{Key: key1, URL: url1}, cosign.Witness{Key: key2, URL: url2})
	for round := range 3 {
		s.write(5, fmt.Sprint("r", round))
		cp, _ := s.l.Checkpoint(ctx)
		eventually(t, fmt.Sprintf("a quorum cosigns %d entries", cp.Size), func() bool {
			w, k, err := c.Witnessed(ctx)
			return err == nil && w.Size == cp.Size && k == 2
		})
	}
	w, _, _ := c.Witnessed(ctx)
	vs := []note.Verifier{}
	for _, k := range []string{s.l.VerifierKey(), key1, key2} {
		v, err := cosign.NewVerifier(k)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	n, err := note.Open([]byte(w.Note), note.VerifierList(vs...))
	if err != nil || len(n.Sigs) != 3 {
		t.Fatalf("the witnessed note %q: %v (%d signatures)", w.Note, err, len(n.Sigs))
	}
	for _, st := range c.Status(ctx) {
		if st.Cosigned != w.Size || st.Behind != 0 || st.Claim != "" || st.LastError != "" || st.LastContact.IsZero() {
			t.Errorf("status %+v, want cosigned %d, none behind", st, w.Size)
		}
	}
	if err := s.l.Halted(); err != nil {
		t.Fatal(err)
	}
}

// TestUnreachableWitnessNeverBlocksCommits: with the only witness down,
// writes commit; its status says why it is behind.
func TestUnreachableWitnessNeverBlocksCommits(t *testing.T) {
	ctx := context.Background()
	s := newSite(t)
	url, key := startWitness(t, "w1.test", s.l.VerifierKey())
	dead := httptest.NewServer(nil)
	dead.Close()
	c := run(t, s.l, 1, cosign.Witness{Key: key, URL: dead.URL})
	start := time.Now()
	s.write(20, "x")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("20 writes took %s with the witness down", d)
	}
	eventually(t, "the status names the failure", func() bool {
		st := c.Status(ctx)[0]
		return st.LastError != "" && st.Behind == 21 && st.Cosigned == 0
	})
	if _, _, err := c.Witnessed(ctx); !errors.Is(err, cosign.ErrNotWitnessed) {
		t.Errorf("Witnessed with no cosignature: %v", err)
	}
	_ = url
}

// TestRollbackAndForkStopWrites: a restored backup is smaller than what the
// witness cosigned, and a copy that went its own way is inconsistent with
// it: either way the witness refuses, and with it a quorum, the ledger
// stops taking writes with an error naming both sizes.
func TestRollbackAndForkStopWrites(t *testing.T) {
	for _, c := range []struct {
		name     string
		fork     int // entries the restored copy writes before witnessing again
		wantSays string
	}{
		{"rolled back", 0, "has cosigned a checkpoint of 21 entries; this ledger's latest has 11"},
		{"forked", 15, "this ledger's checkpoint of 26 entries is not consistent with the one of 21 entries it cosigned"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			s := newSite(t)
			url, key := startWitness(t, "w1.test", s.l.VerifierKey())
			s.write(10, "a")
			backup := filepath.Join(t.TempDir(), "backup.db")
			cs := run(t, s.l, 1, cosign.Witness{Key: key, URL: url})
			eventually(t, "the witness cosigns 11", func() bool { return cs.Status(ctx)[0].Cosigned == 11 })
			s.copyTo(backup)
			cs = run(t, s.l, 1, cosign.Witness{Key: key, URL: url})
			s.write(10, "b")
			eventually(t, "the witness cosigns 21", func() bool { return cs.Status(ctx)[0].Cosigned == 21 })

			s.restoreFrom(backup)
			s.write(c.fork, "fork")
			cs = run(t, s.l, 1, cosign.Witness{Key: key, URL: url})
			eventually(t, "writes stop", func() bool { return s.l.Halted() != nil })
			_, err := s.l.Submit(ctx, orgTx("late", models.KindManufacturer))
			if !errors.Is(err, ledger.ErrUnavailable) || !strings.Contains(err.Error(), c.wantSays) {
				t.Fatalf("a write after the witness refused: %v, want unavailable saying %q", err, c.wantSays)
			}
			if st := cs.Status(ctx)[0]; !strings.Contains(st.Claim, c.wantSays) {
				t.Errorf("witness status %+v", st)
			}
		})
	}
}

// TestOneWitnessOfTwoOnlyAlarms: with a quorum of 2, one witness's report
// of a larger log is an alarm (its status), not a stop.
func TestOneWitnessOfTwoOnlyAlarms(t *testing.T) {
	ctx := context.Background()
	s := newSite(t)
	url1, key1 := startWitness(t, "w1.test", s.l.VerifierKey())
	url2, key2 := startWitness(t, "w2.test", s.l.VerifierKey())
	s.write(5, "a")
	backup := filepath.Join(t.TempDir(), "backup.db")
	s.copyTo(backup)
	// Only w1 sees the entries the backup lacks.
	s.write(5, "b")
	cs := run(t, s.l, 1, cosign.Witness{Key: key1, URL: url1})
	eventually(t, "w1 cosigns 11", func() bool { return cs.Status(ctx)[0].Cosigned == 11 })
	s.restoreFrom(backup)
	cs = run(t, s.l, 2, cosign.Witness{Key: key1, URL: url1}, cosign.Witness{Key: key2, URL: url2})
	eventually(t, "w1 reports and w2 cosigns", func() bool {
		st := cs.Status(ctx)
		return st[0].Claim != "" && st[1].Cosigned == 6
	})
	if err := s.l.Halted(); err != nil {
		t.Fatalf("one witness of a quorum of two stopped writes: %v", err)
	}
	s.write(1, "c")
}

// TestEvidenceStopsWrites: a checkpoint kept from before a restore, signed
// by the log and cosigned by a configured witness, is verifiable evidence:
// presented to the restored ledger (whose witness cannot be reached, so
// it learns nothing by itself), it stops writes naming both sizes. The
// same checkpoint without a witness's cosignature proves nothing, and a
// checkpoint the ledger extends is consistent.
func TestEvidenceStopsWrites(t *testing.T) {
	ctx := context.Background()
	s := newSite(t)
	url, key := startWitness(t, "w1.test", s.l.VerifierKey())
	s.write(10, "a")
	backup := filepath.Join(t.TempDir(), "backup.db")
	s.copyTo(backup)
	cs := run(t, s.l, 1, cosign.Witness{Key: key, URL: url})
	s.write(10, "b")
	eventually(t, "the witness cosigns 21", func() bool { return cs.Status(ctx)[0].Cosigned == 21 })
	kept, _, err := cs.Witnessed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := cs.CheckEvidence(ctx, kept.Note); err != nil || !ev.Consistent || ev.Size != 21 || len(ev.Witnesses) != 1 {
		t.Fatalf("the ledger's own witnessed checkpoint: %+v, %v", ev, err)
	}
	bare := kept.Note[:strings.Index(kept.Note, "— w1.test")]
	if _, err := cs.CheckEvidence(ctx, bare); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("a checkpoint without a cosignature: %v, want invalid", err)
	}
	if _, err := cs.CheckEvidence(ctx, "not a checkpoint\n\n— x y\n"); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("garbage: %v, want invalid", err)
	}

	s.restoreFrom(backup)
	dead := httptest.NewServer(nil)
	dead.Close()
	cs = run(t, s.l, 1, cosign.Witness{Key: key, URL: dead.URL})
	if err := s.l.Halted(); err != nil {
		t.Fatalf("halted without evidence: %v", err)
	}
	_, err = cs.CheckEvidence(ctx, kept.Note)
	if !errors.Is(err, cosign.ErrEvidence) || !strings.Contains(err.Error(), "rolled back") {
		t.Fatalf("the kept checkpoint after the restore: %v, want evidence of a rollback", err)
	}
	if _, err := s.l.Submit(ctx, orgTx("late", models.KindManufacturer)); !errors.Is(err, ledger.ErrUnavailable) || !strings.Contains(err.Error(), "21") || !strings.Contains(err.Error(), "11") {
		t.Errorf("a write after the evidence: %v, want unavailable naming 21 and 11", err)
	}
}

// reopenAs reopens the site's ledger under another origin (set-origin).
func (s *site) reopenAs(o string) {
	s.t.Helper()
	s.close()
	db, err := dbx.Open("sqlite://" + s.path)
	if err != nil {
		s.t.Fatal(err)
	}
	l, err := embedded.Open(context.Background(), embedded.Options{DB: db, KeyDir: s.keyDir, Origin: o, ChangeOrigin: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		s.t.Fatal(err)
	}
	s.l = l
	s.closeDB = func() { _ = l.Close(); _ = dbx.Close(db) }
}

// TestRelabeledEvidenceIsRefused: one key signs under every origin the
// log had, so anyone can rename the log's signature line of a genuine
// checkpoint to an older origin and it still verifies; that is no
// evidence of anything, and must not stop writes.
func TestRelabeledEvidenceIsRefused(t *testing.T) {
	ctx := context.Background()
	s := newSite(t)
	s.write(3, "a")
	oldKey := s.l.VerifierKey()
	s.reopenAs("plumbline.test/ledger-2")
	url, key := startWitnessOf(t, "w1.test", s.l.Origin(), s.l.VerifierKey())
	cs := run(t, s.l, 1, cosign.Witness{Key: key, URL: url})
	s.write(2, "b")
	cp, _ := s.l.Checkpoint(ctx)
	eventually(t, "witnessed", func() bool { w, _, err := cs.Witnessed(ctx); return err == nil && w.Size == cp.Size })
	w, _, _ := cs.Witnessed(ctx)
	oldV, _ := note.NewVerifier(oldKey)
	newV, _ := note.NewVerifier(s.l.VerifierKey())
	var out []string
	for _, line := range strings.Split(w.Note, "\n") {
		if prefix := "— " + newV.Name() + " "; strings.HasPrefix(line, prefix) {
			b, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(line, prefix))
			binary.BigEndian.PutUint32(b, oldV.KeyHash())
			line = "— " + oldV.Name() + " " + base64.StdEncoding.EncodeToString(b)
		}
		out = append(out, line)
	}
	if _, err := cs.CheckEvidence(ctx, strings.Join(out, "\n")); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("a relabeled checkpoint: %v, want invalid", err)
	}
	if h := s.l.Halted(); h != nil {
		t.Fatalf("a relabeled copy of a consistent checkpoint stopped writes: %v", h)
	}
}

// TestRecordedLossSupersedesOldCheckpoints: once a ContinueLog records the
// old origin's last witnessed checkpoint, that checkpoint (public, in the
// entry) is no evidence against the continued log; a larger one of the
// old origin still is.
func TestRecordedLossSupersedesOldCheckpoints(t *testing.T) {
	ctx := context.Background()
	s := newSite(t)
	url, key := startWitness(t, "w1.test", s.l.VerifierKey())
	s.write(10, "a")
	backup := filepath.Join(t.TempDir(), "backup.db")
	s.copyTo(backup)
	cs := run(t, s.l, 1, cosign.Witness{Key: key, URL: url})
	s.write(5, "b")
	eventually(t, "the witness cosigns 16", func() bool { return cs.Status(ctx)[0].Cosigned == 16 })
	at16, _, _ := cs.Witnessed(ctx)
	s.write(5, "c")
	eventually(t, "the witness cosigns 21", func() bool { return cs.Status(ctx)[0].Cosigned == 21 })
	at21, _, _ := cs.Witnessed(ctx)

	s.restoreFrom(backup)
	s.reopenAs("plumbline.test/ledger-2")
	args, _ := json.Marshal(contract.ContinueLogArgs{PreviousOrigin: origin, Checkpoint: at16.Note, Reason: "the disk failed"})
	if _, err := s.l.Submit(ctx, ledger.Tx{Type: "ContinueLog", Args: args, Org: "bureau", User: "bureau-admin", Role: models.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	dead := httptest.NewServer(nil)
	dead.Close()
	cs = run(t, s.l, 1, cosign.Witness{Key: key, URL: dead.URL})
	if ev, err := cs.CheckEvidence(ctx, at16.Note); err != nil || !ev.Superseded || s.l.Halted() != nil {
		t.Fatalf("the recorded checkpoint: %+v, %v (halted: %v); want superseded", ev, err, s.l.Halted())
	}
	if _, err := cs.CheckEvidence(ctx, at21.Note); !errors.Is(err, cosign.ErrEvidence) || s.l.Halted() == nil {
		t.Errorf("a larger checkpoint of the old origin than the loss recorded: %v, want evidence", err)
	}
}

// startWitnessOf is startWitness for a log of another origin.
func startWitnessOf(t *testing.T, name, logOrigin, logKey string) (url, vkey string) {
	t.Helper()
	dir := t.TempDir()
	st, err := witness.OpenStore(filepath.Join(dir, "witness.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	key, _, err := witness.OpenKey(filepath.Join(dir, "key"), name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddLog(context.Background(), logOrigin, logKey); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(witness.New(st, key, nil))
	t.Cleanup(srv.Close)
	return srv.URL, key.VerifierKey()
}

// TestNoBusyLoopOnAnEmptyLedger: with nothing to witness, the witnessing
// waits (for a commit or the periodic recheck) instead of asking the
// ledger for its checkpoint over and over.
func TestNoBusyLoopOnAnEmptyLedger(t *testing.T) {
	dir := t.TempDir()
	db, err := dbx.Open("sqlite://" + filepath.Join(dir, "l.db"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := embedded.Open(context.Background(), embedded.Options{DB: db, KeyDir: filepath.Join(dir, "keys"), Origin: origin, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	url, key := startWitness(t, "w1.test", l.VerifierKey())
	cl := &countingLog{Ledger: l}
	runLog(t, cl, 1, cosign.Witness{Key: key, URL: url})
	time.Sleep(300 * time.Millisecond)
	if n := cl.n.Load(); n > 5 {
		t.Errorf("%d checkpoint reads in 300 ms on an empty ledger", n)
	}
}

// countingLog counts the checkpoint reads of witnessing.
type countingLog struct {
	*embedded.Ledger
	n atomic.Int64
}

func (c *countingLog) Checkpoint(ctx context.Context) (ledger.Checkpoint, error) {
	c.n.Add(1)
	return c.Ledger.Checkpoint(ctx)
}
