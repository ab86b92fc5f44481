package embedded

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/embedded/keys"
	"github.com/plumbline/plumbline/models"
)

// tamperLedger builds a ledger of 23 entries, one group (and checkpoint)
// each: an authority, two mills and 20 products, in the given entry format,
// then (both formats) two batches whose certificates' hashes are private:
// entries 24 and 25.
func tamperLedger(t *testing.T, dialect string, format int) (*env, *Ledger, *sql.DB) {
	e := newEnv(t, dialect)
	l := e.open(func(o *Options) { o.EntryFormat = format })
	seed(t, l, 2)
	for i := range 20 {
		mustSubmit(t, l, productTx(fmt.Sprintf("mill-%d", i%2), fmt.Sprintf("p-%d", i)))
	}
	for i := range 2 {
		mustSubmit(t, l, ledger.Tx{Type: "CommissionBatch", Org: "mill-0", User: "mill-0-op", Role: models.RoleOperator,
			Args: []byte(fmt.Sprintf(`{"code":"LOT-%d","product_id":"p-0","quantity":"5","produced_on":"2026-03-01","documents":["%064x"]}`, i, i+1))})
	}
	db, err := e.db.DB()
	if err != nil {
		t.Fatal(err)
	}
	return e, l, db
}

func execSQL(t *testing.T, db *sql.DB, d dialect, q string, args ...any) {
	t.Helper()
	if d.postgres {
		n := 0
		q = string(bytes.Map(func(r rune) rune { return r }, []byte(q)))
		var b bytes.Buffer
		for _, c := range q {
			if c == '?' {
				n++
				fmt.Fprintf(&b, "$%d", n)
				continue
			}
			b.WriteRune(c)
		}
		q = b.String()
	}
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func entryData(t *testing.T, db *sql.DB, d dialect, seq int) []byte {
	t.Helper()
	var b []byte
	if err := db.QueryRow(`SELECT data FROM ledger_entries WHERE seq = `+d.ph(1), seq).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

// tamperCase is one row of the tamper table: an edit and where Verify
// must locate it.
type tamperCase struct {
	name   string
	tamper func(t *testing.T, db *sql.DB, d dialect)
	seq    uint64
	table  string
	key    string
}

// v2TamperCases edit what a v2 entry keeps beside it, and the switch.
var v2TamperCases = []tamperCase{
	{"payload byte in a stored write (v2)", func(t *testing.T, db *sql.DB, d dialect) {
		b := storedData(t, db, d, "ledger_writes", 5)
		i := bytes.LastIndex(b, []byte("Product p-1"))
		b[i+8] ^= 1
		execSQL(t, db, d, `UPDATE ledger_writes SET data = ? WHERE seq = 5`, b)
	}, 5, "ledger_writes", ""},
	{"stored writes deleted (v2)", func(t *testing.T, db *sql.DB, d dialect) {
		execSQL(t, db, d, `DELETE FROM ledger_writes WHERE seq = 6`)
	}, 6, "ledger_writes", ""},
	{"opening's value edited (v2)", func(t *testing.T, db *sql.DB, d dialect) {
		b := storedData(t, db, d, "ledger_openings", 24)
		b[len(b)-3] ^= 1
		execSQL(t, db, d, `UPDATE ledger_openings SET data = ? WHERE seq = 24`, b)
	}, 24, "ledger_openings", ""},
	{"openings swapped between entries (v2)", func(t *testing.T, db *sql.DB, d dialect) {
		a, b := storedData(t, db, d, "ledger_openings", 24), storedData(t, db, d, "ledger_openings", 25)
		execSQL(t, db, d, `UPDATE ledger_openings SET data = ? WHERE seq = 24`, b)
		execSQL(t, db, d, `UPDATE ledger_openings SET data = ? WHERE seq = 25`, a)
	}, 24, "ledger_openings", ""},
	{"opening deleted (v2)", func(t *testing.T, db *sql.DB, d dialect) {
		execSQL(t, db, d, `DELETE FROM ledger_openings WHERE seq = 25`)
	}, 25, "ledger_openings", ""},
	{"writes row beyond the log (v2)", func(t *testing.T, db *sql.DB, d dialect) {
		execSQL(t, db, d, `INSERT INTO ledger_writes (seq, data) VALUES (99, ?)`, []byte("PLBW\x01"))
	}, 25, "ledger_writes", ""},
	{"switch height moved (v2)", func(t *testing.T, db *sql.DB, d dialect) {
		execSQL(t, db, d, `UPDATE ledger_meta SET value = '3' WHERE name = 'entry_v2_from'`)
		// entries 1 and 2 are v2 now below the recorded switch
	}, 1, "ledger_entries", ""},
}

// storedData reads the data column of table at seq.
func storedData(t *testing.T, db *sql.DB, d dialect, table string, seq int) []byte {
	t.Helper()
	var b []byte
	if err := db.QueryRow(`SELECT data FROM `+table+` WHERE seq = `+d.ph(1), seq).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyTamper(t *testing.T) {
	cases := []tamperCase{
		{"payload byte in a write", func(t *testing.T, db *sql.DB, d dialect) {
			b := entryData(t, db, d, 5)
			i := bytes.LastIndex(b, []byte("Product p-1"))
			b[i+8] ^= 1
			execSQL(t, db, d, `UPDATE ledger_entries SET data = ? WHERE seq = 5`, b)
		}, 5, "ledger_entries", ""},
		{"payload byte in the signed args", func(t *testing.T, db *sql.DB, d dialect) {
			b := entryData(t, db, d, 6)
			i := bytes.Index(b, []byte("Product p-2"))
			b[i+8] ^= 1
			execSQL(t, db, d, `UPDATE ledger_entries SET data = ? WHERE seq = 6`, b)
		}, 6, "ledger_entries", ""},
		{"entry deleted", func(t *testing.T, db *sql.DB, d dialect) {
			execSQL(t, db, d, `DELETE FROM ledger_entries WHERE seq = 7`)
		}, 7, "ledger_entries", ""},
		{"two entries swapped", func(t *testing.T, db *sql.DB, d dialect) {
			a, b := entryData(t, db, d, 8), entryData(t, db, d, 9)
			execSQL(t, db, d, `UPDATE ledger_entries SET data = ? WHERE seq = 8`, b)
			execSQL(t, db, d, `UPDATE ledger_entries SET data = ? WHERE seq = 9`, a)
		}, 8, "ledger_entries", ""},
		{"log truncated after a checkpoint", func(t *testing.T, db *sql.DB, d dialect) {
			execSQL(t, db, d, `DELETE FROM ledger_entries WHERE seq > 15`)
			execSQL(t, db, d, `DELETE FROM ledger_hashes WHERE id >= ?`, tlog.StoredHashIndex(0, 15))
		}, 16, "ledger_entries", ""},
		{"world-state row edited", func(t *testing.T, db *sql.DB, d dialect) {
			execSQL(t, db, d, `UPDATE ledger_state SET value = ? WHERE state_key = 'product/p-3'`, []byte(`{"id":"p-3"}`))
		}, 7, "ledger_state", "product/p-3"},
		{"world-state row added", func(t *testing.T, db *sql.DB, d dialect) {
			execSQL(t, db, d, `INSERT INTO ledger_state (state_key, value, seq) VALUES ('product/fake', ?, 3)`, []byte(`{}`))
		}, 3, "ledger_state", "product/fake"},
		{"world-state row deleted", func(t *testing.T, db *sql.DB, d dialect) {
			execSQL(t, db, d, `DELETE FROM ledger_state WHERE state_key = 'product/p-4'`)
		}, 8, "ledger_state", "product/p-4"},
		{"signature byte flipped", func(t *testing.T, db *sql.DB, d dialect) {
			b := entryData(t, db, d, 10)
			b[len(b)-3] ^= 0x40
			execSQL(t, db, d, `UPDATE ledger_entries SET data = ? WHERE seq = 10`, b)
		}, 10, "ledger_entries", ""},
		{"checkpoint root edited", func(t *testing.T, db *sql.DB, d dialect) {
			execSQL(t, db, d, `UPDATE ledger_checkpoints SET root = ? WHERE size = 12`, bytes.Repeat([]byte{7}, 32))
		}, 12, "ledger_checkpoints", "12"},
		{"entry's tx_id column edited", func(t *testing.T, db *sql.DB, d dialect) {
			execSQL(t, db, d, `UPDATE ledger_entries SET tx_id = 'forged' WHERE seq = 7`)
		}, 7, "ledger_entries", ""},
		{"checkpoint time edited", func(t *testing.T, db *sql.DB, d dialect) {
			execSQL(t, db, d, `UPDATE ledger_checkpoints SET time_ns = time_ns - 86400000000000 WHERE size = 9`)
		}, 9, "ledger_checkpoints", "9"},
		{"interior hash edited", func(t *testing.T, db *sql.DB, d dialect) {
			execSQL(t, db, d, `UPDATE ledger_hashes SET hash = ? WHERE id = ?`, bytes.Repeat([]byte{9}, 32), tlog.StoredHashIndex(1, 5))
		}, 12, "ledger_hashes", fmt.Sprint(tlog.StoredHashIndex(1, 5))},
		{"idempotency row moved", func(t *testing.T, db *sql.DB, d dialect) {
			execSQL(t, db, d, `INSERT INTO ledger_idempotency (org, idem_key, seq) VALUES ('mill-0', 'k', 4)`)
		}, 4, "ledger_idempotency", "mill-0/k"},
	}
	dbtest.Each(t, func(t *testing.T, dialect string) {
		type run struct {
			format int
			c      tamperCase
		}
		var runs []run
		for _, c := range cases {
			runs = append(runs, run{1, c}, run{FormatV2, c})
		}
		for _, c := range v2TamperCases {
			runs = append(runs, run{FormatV2, c})
		}
		for _, r := range runs {
			c := r.c
			t.Run(fmt.Sprintf("v%d/%s", r.format, c.name), func(t *testing.T) {
				e, l, db := tamperLedger(t, dialect, r.format)
				ctx := context.Background()
				if _, err := l.Verify(ctx, VerifyOptions{}); err != nil {
					t.Fatalf("Verify before tampering: %v", err)
				}
				c.tamper(t, db, l.d)
				_, err := l.Verify(ctx, VerifyOptions{})
				var ve *VerifyError
				if !errors.As(err, &ve) || !errors.Is(err, models.ErrTampered) {
					t.Fatalf("Verify after tampering = %v, want a *VerifyError wrapping ErrTampered", err)
				}
				if ve.Seq != c.seq || ve.Table != c.table || ve.Key != c.key {
					t.Fatalf("Verify located %q at seq %d table %s key %q; want seq %d table %s key %q", ve.What, ve.Seq, ve.Table, ve.Key, c.seq, c.table, c.key)
				}
				t.Logf("found: %v", err)
				// The standalone verifier, holding only the DB, the CA
				// certificate and the verifier key, finds the same.
				ca, perr := keys.ParseCA(readFile(t, e.keyDir+"/ca.crt"))
				if perr != nil {
					t.Fatal(perr)
				}
				_, err2 := VerifyDB(ctx, e.db, ca, l.VerifierKey(), VerifyOptions{Workers: 1})
				if err2 == nil || err2.Error() != err.Error() {
					t.Fatalf("VerifyDB = %v, want %v", err2, err)
				}
				// A reopened ledger refuses or accepts work, but never
				// hides the damage from Verify.
				l.Close()
				l2 := e.open()
				if _, err := l2.Verify(ctx, VerifyOptions{}); err == nil {
					t.Fatalf("Verify after reopening passed")
				}
			})
		}
	})
}
