package embedded

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/plumbline/plumbline/internal/dbx"
)

// TestVerifySince: from a trusted checkpoint, the incremental check reads
// only the entries after it, and finds what is wrong there (a flipped
// byte, a deleted writes row, an edited checkpoint). (A ledger that does
// not extend the trusted checkpoint fails in CheckTrusted: TestCheckTrusted.)
func TestVerifySince(t *testing.T) {
	ctx := context.Background()
	build := func(t *testing.T) (*Ledger, string) {
		l := newEnv(t, dbx.SQLite).open()
		seed(t, l, 2)
		for i := range 10 {
			mustSubmit(t, l, productTx("mill-0", fmt.Sprintf("p-%d", i)))
		}
		trusted, err := l.CheckpointAt(ctx, 8)
		if err != nil {
			t.Fatal(err)
		}
		return l, trusted.Note
	}
	l, trusted := build(t)
	rep, err := l.VerifySince(ctx, trusted, VerifyOptions{})
	if err != nil || rep.Entries != 5 || rep.Checkpoint.Size != 13 {
		t.Fatalf("VerifySince from 8 of 13: %+v, %v; want 5 entries checked up to 13", rep, err)
	}
	latest, _ := l.Checkpoint(ctx)
	if rep, err := l.VerifySince(ctx, latest.Note, VerifyOptions{}); err != nil || rep.Entries != 0 {
		t.Fatalf("VerifySince from the latest: %+v, %v", rep, err)
	}
	// An entry before the trusted checkpoint is not read again: its bytes
	// changed without its hashes go unnoticed here (a full verify finds it).
	flip := func(seq int, table string) {
		b := storedData(t, l.db, l.d, table, seq)
		b[len(b)/2] ^= 1
		if _, err := l.db.ExecContext(ctx, `UPDATE `+table+` SET data = ? WHERE seq = ?`, b, seq); err != nil {
			t.Fatal(err)
		}
	}
	flip(4, "ledger_entries")
	if _, err := l.VerifySince(ctx, trusted, VerifyOptions{}); err != nil {
		t.Errorf("a change before the trusted checkpoint failed the incremental check: %v", err)
	}
	for _, c := range []struct {
		name   string
		tamper func(l *Ledger)
		table  string
	}{
		{"entry byte after the trusted checkpoint", func(l *Ledger) {
			b := storedData(t, l.db, l.d, "ledger_entries", 11)
			i := bytes.Index(b, []byte("Product p-"))
			b[i+1] ^= 1
			if _, err := l.db.ExecContext(ctx, `UPDATE ledger_entries SET data = ? WHERE seq = 11`, b); err != nil {
				t.Fatal(err)
			}
		}, "ledger_entries"},
		{"writes row deleted", func(l *Ledger) {
			if _, err := l.db.ExecContext(ctx, `DELETE FROM ledger_writes WHERE seq = 12`); err != nil {
				t.Fatal(err)
			}
		}, "ledger_writes"},
		{"checkpoint root edited", func(l *Ledger) {
			if _, err := l.db.ExecContext(ctx, `UPDATE ledger_checkpoints SET root = ? WHERE size = 10`, bytes.Repeat([]byte{7}, 32)); err != nil {
				t.Fatal(err)
			}
		}, "ledger_checkpoints"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, trusted := build(t)
			c.tamper(l)
			_, err := l.VerifySince(ctx, trusted, VerifyOptions{})
			var ve *VerifyError
			if !errors.As(err, &ve) || ve.Table != c.table || ve.Seq <= 8 {
				t.Fatalf("VerifySince after %s: %v; want a VerifyError in %s after entry 8", c.name, err, c.table)
			}
		})
	}
}
