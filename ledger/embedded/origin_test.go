package embedded

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/ledger/embedded/keys"
)

// TestCheckpointsAreC2SP: a new ledger signs exactly origin, size and root
// lines under its origin, which an independent parser (torchwood) reads
// with no extension, and stores its last entry's time beside it.
func TestCheckpointsAreC2SP(t *testing.T) {
	for _, dialect := range []string{dbx.SQLite, dbx.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			l := newEnv(t, dialect).open(func(o *Options) { o.DefaultOrigin = "trace.example.com/ledger" })
			seed(t, l, 2)
			r := mustSubmit(t, l, productTx("mill-0", "p-1"))
			cp, err := l.Checkpoint(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n, err := note.Open([]byte(cp.Note), note.VerifierList(mustVerifier(t, l.VerifierKey())))
			if err != nil {
				t.Fatal(err)
			}
			if n.Sigs[0].Name != "trace.example.com/ledger" || l.Origin() != "trace.example.com/ledger" || cp.Origin != l.Origin() {
				t.Errorf("signed as %q, origin %q / %q; want trace.example.com/ledger", n.Sigs[0].Name, l.Origin(), cp.Origin)
			}
			tc, err := torchwood.ParseCheckpoint(n.Text)
			if err != nil || tc.Origin != l.Origin() || tc.N != int64(cp.Size) || tc.Extension != "" || string(tc.Hash[:]) != string(cp.Root) {
				t.Errorf("torchwood reads %q as %+v, %v", n.Text, tc, err)
			}
			if strings.Count(n.Text, "\n") != 3 {
				t.Errorf("checkpoint text %q has other lines than origin, size and root", n.Text)
			}
			if !cp.Time.Equal(r.Time) {
				t.Errorf("checkpoint time %s, want the last entry's %s", cp.Time, r.Time)
			}
			if _, err := l.Verify(ctx, VerifyOptions{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestOriginAdoptedOnceAndChangedExplicitly: a ledger written before
// origins (legacy checkpoints with a time line, signed under the key's own
// name) adopts the configured origin at upgrade, keeping its key; its old
// checkpoints keep verifying, the head is re-signed under the new origin,
// and a different origin later is refused unless changed explicitly.
func TestOriginAdoptedOnceAndChangedExplicitly(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, dbx.SQLite)
	l := e.open()
	seed(t, l, 3)
	makeLegacy(t, e, l)
	oldKey := l.keys.VerifierKey()
	legacy2, err := l.CheckpointAt(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(legacy2.Note, "plumbline/local\n2\n") || strings.Count(legacy2.Note[:strings.Index(legacy2.Note, "\n\n")], "\n") != 3 {
		t.Fatalf("legacy checkpoint %q", legacy2.Note)
	}
	_ = l.Close()

	l = e.open(func(o *Options) { o.DefaultOrigin = "site7.example.com/ledger" })
	if l.Origin() != "site7.example.com/ledger" {
		t.Fatalf("origin %q after upgrade", l.Origin())
	}
	if got := strings.Split(l.VerifierKeys(), "\n"); len(got) != 2 || got[0] != oldKey || got[1] != l.VerifierKey() {
		t.Errorf("VerifierKeys = %q, want the old key then the new one", got)
	}
	head, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(head.Note, "site7.example.com/ledger\n4\n") {
		t.Errorf("head after upgrade %q, want re-signed under the new origin", head.Note)
	}
	if _, err := ParseCheckpoint(head.Note, l.VerifierKey()); err != nil {
		t.Errorf("head does not verify with the current key: %v", err)
	}
	if _, err := ParseCheckpoint(legacy2.Note, l.VerifierKeys()); err != nil {
		t.Errorf("a legacy checkpoint no longer verifies: %v", err)
	}
	if _, err := ParseCheckpoint(legacy2.Note, l.VerifierKey()); err == nil {
		t.Error("a legacy checkpoint verified with the new origin's key alone")
	}
	mustSubmit(t, l, productTx("mill-0", "p-new"))
	if _, err := l.Verify(ctx, VerifyOptions{}); err != nil {
		t.Fatalf("verify after upgrade: %v", err)
	}
	if err := l.CheckTrusted(ctx, legacy2.Note); err != nil {
		t.Errorf("a kept legacy checkpoint: %v", err)
	}
	// Someone with only the database, the CA and the key folder's
	// checkpoint.pub (the old name) verifies everything.
	if _, err := VerifyDB(ctx, e.db, l.keys.CA(), oldKey, VerifyOptions{}); err != nil {
		t.Errorf("VerifyDB with the pre-upgrade key: %v", err)
	}
	_ = l.Close()

	// The default changes nothing now; another explicit origin is refused.
	if l = e.open(func(o *Options) { o.DefaultOrigin = "elsewhere.example/ledger" }); l.Origin() != "site7.example.com/ledger" {
		t.Errorf("a new default origin changed the ledger's to %q", l.Origin())
	}
	_ = l.Close()
	_, err = Open(ctx, Options{DB: e.db, KeyDir: e.keyDir, Now: e.clock.Now, Origin: "moved.example.com/ledger"})
	if !errors.Is(err, ErrOriginChanged) || !strings.Contains(err.Error(), "set-origin") {
		t.Fatalf("Open with another origin: %v, want ErrOriginChanged naming the command", err)
	}
	if _, err := Open(ctx, Options{DB: e.db, KeyDir: e.keyDir, Origin: "bad origin", ChangeOrigin: true}); err == nil {
		t.Error("an origin with a space was accepted")
	}
	l = e.open(func(o *Options) { o.Origin, o.ChangeOrigin = "moved.example.com/ledger", true })
	if got := strings.Split(l.VerifierKeys(), "\n"); len(got) != 3 || l.Origin() != "moved.example.com/ledger" {
		t.Errorf("after set-origin: origin %q, keys %q", l.Origin(), got)
	}
	if _, err := l.Verify(ctx, VerifyOptions{}); err != nil {
		t.Fatalf("verify after set-origin: %v", err)
	}
}

// makeLegacy rewrites every stored checkpoint of l as the format before
// origins wrote it (a time line, signed under the key file's name) and
// forgets the origin, as a ledger written by that version looks.
func makeLegacy(t *testing.T, e *env, l *Ledger) {
	t.Helper()
	ctx := context.Background()
	rows, err := l.db.QueryContext(ctx, `SELECT size, root FROM ledger_checkpoints`)
	if err != nil {
		t.Fatal(err)
	}
	type cp struct {
		size int64
		root []byte
	}
	var cps []cp
	for rows.Next() {
		var c cp
		if err := rows.Scan(&c.size, &c.root); err != nil {
			t.Fatal(err)
		}
		cps = append(cps, c)
	}
	rows.Close()
	for _, c := range cps {
		at := time.Date(2025, 1, 1, 0, 0, int(c.size), 0, time.UTC)
		msg, err := note.Sign(&note.Note{Text: formatLegacyCheckpoint(l.keys.NoteSigner().Name(), uint64(c.size), tlog.Hash(c.root), at)}, l.keys.NoteSigner())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.db.ExecContext(ctx, `UPDATE ledger_checkpoints SET note = ?, time_ns = ? WHERE size = ?`, string(msg), at.UnixNano(), c.size); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.db.ExecContext(ctx, `DELETE FROM ledger_meta WHERE name = ?`, metaOrigins); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.RenameVerifierKey(l.keys.VerifierKey(), "x"); err != nil {
		t.Fatal(err)
	}
}

func mustVerifier(t *testing.T, vkey string) note.Verifier {
	t.Helper()
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
