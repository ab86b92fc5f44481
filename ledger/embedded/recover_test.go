package embedded

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
	"gorm.io/gorm"

	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// ledgerTables lists every ledger_ table with its columns (ordered by the
// first ones) and their kinds: i integer, t text, b bytes.
var ledgerTables = []struct {
	name  string
	cols  []string
	kinds string
}{
	{"ledger_meta", []string{"name", "value"}, "tt"},
	{"ledger_entries", []string{"seq", "tx_id", "data"}, "itb"},
	{"ledger_hashes", []string{"id", "hash"}, "ib"},
	{"ledger_state", []string{"state_key", "value", "seq"}, "tbi"},
	{"ledger_idempotency", []string{"org", "idem_key", "seq"}, "tti"},
	{"ledger_checkpoints", []string{"size", "root", "time_ns", "note"}, "ibit"},
	{"ledger_certs", []string{"fingerprint", "org", "der"}, "ttb"},
	{"ledger_cosignatures", []string{"size", "witness", "line"}, "itt"},
	{"ledger_writes", []string{"seq", "data"}, "ib"},
	{"ledger_openings", []string{"seq", "data"}, "ib"},
}

// tableRows reads every row of a ledger_ table in key order.
func tableRows(t *testing.T, db *gorm.DB, table string) [][]any {
	t.Helper()
	for _, tb := range ledgerTables {
		if tb.name != table {
			continue
		}
		rows, err := db.Raw(`SELECT ` + strings.Join(tb.cols, ", ") + ` FROM ` + tb.name + ` ORDER BY ` + strings.Join(tb.cols, ", ")).Rows()
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		defer rows.Close()
		var out [][]any
		for rows.Next() {
			vals := make([]any, len(tb.cols))
			for i, k := range tb.kinds {
				switch k {
				case 'i':
					vals[i] = new(int64)
				case 't':
					vals[i] = new(string)
				default:
					vals[i] = new([]byte)
				}
			}
			if err := rows.Scan(vals...); err != nil {
				t.Fatalf("read %s: %v", table, err)
			}
			row := make([]any, len(vals))
			for i, v := range vals {
				switch v := v.(type) {
				case *int64:
					row[i] = *v
				case *string:
					row[i] = *v
				case *[]byte:
					row[i] = *v
				}
			}
			out = append(out, row)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	t.Fatalf("no table %s", table)
	return nil
}

// dump renders the given ledger tables (all when none is named) as text,
// for comparing two databases or one before and after.
func dump(t *testing.T, e *env, tables ...string) string {
	t.Helper()
	if len(tables) == 0 {
		for _, tb := range ledgerTables {
			tables = append(tables, tb.name)
		}
	}
	var b strings.Builder
	for _, table := range tables {
		fmt.Fprintf(&b, "%s:\n", table)
		for _, row := range tableRows(t, e.db, table) {
			for _, v := range row {
				if bs, ok := v.([]byte); ok {
					v = hex.EncodeToString(bs)
				}
				fmt.Fprintf(&b, " %v", v)
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// clone copies every ledger_ table of from into a fresh database of the
// given dialect that shares from's key folder: a backup of the ledger as
// it is now.
func clone(t *testing.T, from *env, dialect string) *env {
	t.Helper()
	to := &env{t: t, url: dbtest.URL(t, dialect), keyDir: from.keyDir, clock: from.clock}
	db, err := dbx.Open(to.url)
	if err != nil {
		t.Fatal(err)
	}
	to.db = db
	t.Cleanup(func() { _ = dbx.Close(db) })
	sqlDB, d, err := sqlDialect(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(context.Background(), sqlDB, d); err != nil {
		t.Fatal(err)
	}
	for _, tb := range ledgerTables {
		q := `INSERT INTO ` + tb.name + ` (` + strings.Join(tb.cols, ", ") + `) VALUES (?` + strings.Repeat(", ?", len(tb.cols)-1) + `)`
		if tb.name == "ledger_meta" {
			q += ` ON CONFLICT (name) DO UPDATE SET value = excluded.value`
		}
		for _, row := range tableRows(t, from.db, tb.name) {
			if err := db.Exec(q, row...).Error; err != nil {
				t.Fatalf("copy %s: %v", tb.name, err)
			}
		}
	}
	return to
}

// recoverFixture is a log of 25 entries (src) and a backup of its first 10.
type recoverFixture struct {
	src    *env
	backup *env
	keyed  ledger.Tx      // a transaction with an idempotency key, at seq 13
	first  ledger.Receipt // its receipt
}

func newRecoverFixture(t *testing.T, dialect string) *recoverFixture {
	t.Helper()
	ctx := context.Background()
	src := newEnv(t, dialect)
	l := src.open()
	seed(t, l, 9) // the bureau and 9 mills: entries 1..10, all signed by the bureau
	f := &recoverFixture{src: src, backup: clone(t, src, dialect)}
	// Entries 11..20 one group each, signed by the mills (whose
	// certificates the backup lacks), and 21..25 in one group.
	for i := range 10 {
		tx := productTx(fmt.Sprintf("mill-%d", i%9), fmt.Sprintf("p-%d", i))
		tx.IdempotencyKey = fmt.Sprintf("k-%d", i)
		r := mustSubmit(t, l, tx)
		if i == 2 {
			f.keyed, f.first = tx, r
		}
	}
	var txs []ledger.Tx
	for i := 10; i < 15; i++ {
		tx := productTx("mill-0", fmt.Sprintf("p-%d", i))
		tx.IdempotencyKey = fmt.Sprintf("k-%d", i)
		txs = append(txs, tx)
	}
	if _, errs, err := l.SubmitBatch(ctx, txs, true); err != nil || errors.Join(errs...) != nil {
		t.Fatalf("SubmitBatch: %v %v", err, errs)
	}
	if h, _ := l.Head(ctx); h != 25 || f.first.Seq != 13 {
		t.Fatalf("fixture head %d, keyed entry at %d; want 25 and 13", h, f.first.Seq)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return f
}

func otherDialect(d string) string {
	if d == dbx.SQLite {
		return dbx.Postgres
	}
	return dbx.SQLite
}

// TestRecoverRollback: a ledger restored from a backup of 10 entries gets
// entries 11..25 back from a copy that has them, in pages of any size and
// across dialects, and then goes on as if it had never lost them.
func TestRecoverRollback(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		f := newRecoverFixture(t, dialect)
		for _, tc := range []struct {
			name string
			into string // the dialect of the restored ledger
			page int
		}{
			{"same dialect", dialect, 0},
			{"pages of 3 entries", dialect, 3},
			{"into " + otherDialect(dialect), otherDialect(dialect), 4},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if tc.page > 0 {
					defer func(p int) { recoverPage = p }(recoverPage)
					recoverPage = tc.page
				}
				ctx := context.Background()
				local := clone(t, f.backup, tc.into)
				var last [2]uint64
				rep, err := Recover(ctx, RecoverOptions{DB: local.db, KeyDir: local.keyDir, From: f.src.db,
					Progress: func(done, total uint64) { last = [2]uint64{done, total} }})
				if err != nil {
					t.Fatalf("Recover: %v", err)
				}
				var cps int
				for _, row := range tableRows(t, f.src.db, "ledger_checkpoints") {
					if row[0].(int64) > 10 {
						cps++
					}
				}
				if rep.From != 11 || rep.To != 25 || rep.Checkpoints != cps || rep.Certificates != 9 || rep.IdemKeys != 15 || rep.Writes < 15 ||
					rep.Origins != nil || rep.Verify.Entries != 25 || rep.Verify.Checkpoint.Size != 25 || last != [2]uint64{15, 15} {
					t.Fatalf("report %+v, last progress %v; want entries 11..25, %d checkpoints, 9 certificates, 15 idempotency keys, verified 25", rep, last, cps)
				}
				for _, table := range []string{"ledger_entries", "ledger_hashes", "ledger_state", "ledger_idempotency", "ledger_checkpoints", "ledger_certs", "ledger_meta", "ledger_writes", "ledger_openings"} {
					if got, want := dump(t, local, table), dump(t, f.src, table); got != want {
						t.Errorf("%s after recovery differs from the copy's:\n%s\nwant\n%s", table, got, want)
					}
				}

				l := local.open()
				again, err := l.Submit(ctx, f.keyed)
				if err != nil || !again.Replayed || again.Seq != f.first.Seq || again.TxID != f.first.TxID || !again.Time.Equal(f.first.Time) {
					t.Fatalf("resubmitting a recovered idempotency key: %+v, %v; want a replay of %+v", again, err, f.first)
				}
				if r := mustSubmit(t, l, productTx("mill-1", "p-next")); r.Seq != 26 {
					t.Fatalf("the next entry is %d, want 26", r.Seq)
				}
				vr, err := l.Verify(ctx, VerifyOptions{})
				if err != nil || vr.Entries != 26 || vr.Checkpoint.Size != 26 {
					t.Fatalf("Verify after recovery and a new entry: %+v, %v", vr, err)
				}
			})
		}
	})
}

// TestRecoverRefuses: copies that are not this log, have forked from it,
// hold nothing new or are damaged are refused, and the ledger is left
// exactly as it was.
func TestRecoverRefuses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		f := newRecoverFixture(t, dialect)
		ctx := context.Background()
		// fork writes n entries other than the copy's after the backup.
		fork := func(t *testing.T, n int) *env {
			local := clone(t, f.backup, dialect)
			l := local.open()
			for i := range n {
				mustSubmit(t, l, productTx("mill-5", fmt.Sprintf("fork-%d", i)))
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			return local
		}
		// damaged returns a copy of src changed by the statements.
		damaged := func(stmts ...func(db *gorm.DB) error) func(t *testing.T) *env {
			return func(t *testing.T) *env {
				c := clone(t, f.src, dialect)
				for _, s := range stmts {
					if err := s(c.db); err != nil {
						t.Fatal(err)
					}
				}
				return c
			}
		}
		exec := func(q string, args ...any) func(db *gorm.DB) error {
			return func(db *gorm.DB) error { return db.Exec(q, args...).Error }
		}
		flip := func(seq int) func(db *gorm.DB) error {
			return func(db *gorm.DB) error {
				var data []byte
				if err := db.Raw(`SELECT data FROM ledger_entries WHERE seq = ?`, seq).Row().Scan(&data); err != nil {
					return err
				}
				data[len(data)/2] ^= 1
				return db.Exec(`UPDATE ledger_entries SET data = ? WHERE seq = ?`, data, seq).Error
			}
		}
		var cpAbove10 int64
		if err := f.src.db.Raw(`SELECT MIN(size) FROM ledger_checkpoints WHERE size > 10`).Row().Scan(&cpAbove10); err != nil {
			t.Fatal(err)
		}
		same := func(t *testing.T) *env { return f.src }
		for _, tc := range []struct {
			name  string
			local func(t *testing.T) *env // the ledger to recover into
			from  func(t *testing.T) *env // the copy
			is    error
			says  []string
		}{
			{name: "forked, smaller than the copy", local: func(t *testing.T) *env { return fork(t, 3) }, from: same,
				is: ErrForked, says: []string{"forked", "first 13 entries"}},
			{name: "forked, larger than the copy", local: func(t *testing.T) *env { return fork(t, 20) }, from: same,
				is: ErrForked, says: []string{"forked", "first 25 entries"}},
			{name: "signed by another key folder", local: nil, from: func(t *testing.T) *env {
				other := newEnv(t, dialect)
				seed(t, other.open(), 14)
				return other
			}, is: ErrNotThisLog, says: []string{"does not verify with this ledger's checkpoint key"}},
			{name: "copy is the backup", local: func(t *testing.T) *env { return clone(t, f.src, dialect) },
				from: func(t *testing.T) *env { return f.backup }, is: ErrNothingToRecover, says: []string{"has 10 entries and this ledger already has 25"}},
			{name: "copy is as large", local: func(t *testing.T) *env { return clone(t, f.src, dialect) }, from: same,
				is: ErrNothingToRecover, says: []string{"has 25 entries and this ledger already has 25"}},
			{name: "tampered entry byte", from: damaged(flip(17)),
				is: models.ErrTampered, says: []string{"entry 17", "do not hash to the stored leaf hash"}},
			{name: "tampered leaf hash", from: damaged(exec(`UPDATE ledger_hashes SET hash = ? WHERE id = ?`, make([]byte, 32), tlog.StoredHashIndex(0, 16))),
				is: models.ErrTampered, says: []string{"entry 17"}},
			{name: "tampered interior hash", from: damaged(exec(`UPDATE ledger_hashes SET hash = ? WHERE id = ?`, make([]byte, 32), tlog.StoredHashIndex(1, 8))),
				is: models.ErrTampered, says: []string{"entry 18", "ledger_hashes", "differs from the one recomputed"}},
			{name: "entry and its leaf hash rewritten", from: damaged(flip(12), func(db *gorm.DB) error {
				var data []byte
				if err := db.Raw(`SELECT data FROM ledger_entries WHERE seq = 12`).Row().Scan(&data); err != nil {
					return err
				}
				h := tlog.RecordHash(data)
				return db.Exec(`UPDATE ledger_hashes SET hash = ? WHERE id = ?`, h[:], tlog.StoredHashIndex(0, 11)).Error
			}), is: models.ErrTampered, says: []string{"entry 12", "ledger_hashes"}},
			{name: "tampered checkpoint root", from: damaged(exec(`UPDATE ledger_checkpoints SET root = ? WHERE size = ?`, make([]byte, 32), cpAbove10)),
				is: models.ErrTampered, says: []string{fmt.Sprintf("ledger_checkpoints \"%d\"", cpAbove10), "differ from the signed note"}},
			{name: "missing entry", from: damaged(exec(`DELETE FROM ledger_entries WHERE seq = 20`)),
				is: models.ErrTampered, says: []string{"entry 20", "missing"}},
			{name: "missing certificate", from: damaged(exec(`DELETE FROM ledger_certs WHERE org = 'mill-4'`)),
				is: models.ErrTampered, says: []string{"ledger_certs", "neither this ledger nor the copy stores it"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var local *env
				if tc.local != nil {
					local = tc.local(t)
				} else {
					local = clone(t, f.backup, dialect)
				}
				from := tc.from(t)
				before := dump(t, local)
				_, err := Recover(ctx, RecoverOptions{DB: local.db, KeyDir: local.keyDir, From: from.db})
				t.Logf("refused: %v", err)
				if !errors.Is(err, tc.is) {
					t.Fatalf("Recover: %v; want an error wrapping %v", err, tc.is)
				}
				for _, s := range tc.says {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not say %q", err, s)
					}
				}
				if after := dump(t, local); after != before {
					t.Fatalf("the refused recovery changed the ledger:\n%s\nwas\n%s", after, before)
				}
			})
		}
	})
}

// TestRecoverForkNamesBothRoots: the refusal of a forked copy names this
// ledger's root and the copy's root at this ledger's size.
func TestRecoverForkNamesBothRoots(t *testing.T) {
	f := newRecoverFixture(t, dbx.SQLite)
	local := clone(t, f.backup, dbx.SQLite)
	l := local.open()
	mustSubmit(t, l, productTx("mill-5", "fork"))
	mine, err := l.Checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	srcSQL, d, _ := sqlDialect(f.src.db)
	root, err := tlog.TreeHash(11, dbReader(context.Background(), srcSQL, d))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Recover(context.Background(), RecoverOptions{DB: local.db, KeyDir: local.keyDir, From: f.src.db})
	if !errors.Is(err, ErrForked) || !strings.Contains(err.Error(), hex.EncodeToString(mine.Root)) || !strings.Contains(err.Error(), hex.EncodeToString(root[:])) {
		t.Fatalf("Recover from a forked copy: %v; want ErrForked naming %x and %x", err, mine.Root, root[:])
	}
}

// TestRecoverLarge recovers many entries (PLUMBLINE_TEST_RECOVER_LARGE of
// them, e.g. 100000) into a SQLite backup of the first ten, reporting the
// time and the memory it took: the copy's live heap stays under a few MiB
// whatever the number (Verify's replayed state after it does grow). It is
// skipped unless that variable is set.
func TestRecoverLarge(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("PLUMBLINE_TEST_RECOVER_LARGE"))
	if n <= 0 {
		t.Skip("set PLUMBLINE_TEST_RECOVER_LARGE=N to recover N entries")
	}
	ctx := context.Background()
	src := newEnv(t, dbx.SQLite)
	l := src.open()
	seed(t, l, 9)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := dbx.Close(src.db); err != nil {
		t.Fatal(err)
	}
	src.db = nil
	backup := &env{t: t, url: dbtest.URL(t, dbx.SQLite), keyDir: src.keyDir, clock: src.clock}
	if err := os.WriteFile(strings.TrimPrefix(backup.url, "sqlite://"), readFile(t, strings.TrimPrefix(src.url, "sqlite://")), 0o600); err != nil {
		t.Fatal(err)
	}
	l = src.open(func(o *Options) { o.StateCache = 1 }) // keep the heap for Recover's own use
	t0 := time.Now()
	for done := 0; done < n; {
		var txs []ledger.Tx
		for i := 0; i < 1000 && done < n; i, done = i+1, done+1 {
			tx := productTx(fmt.Sprintf("mill-%d", done%9), fmt.Sprintf("p-%d", done))
			tx.IdempotencyKey = fmt.Sprintf("k-%d", done)
			txs = append(txs, tx)
		}
		if _, errs, err := l.SubmitBatch(ctx, txs, true); err != nil || errors.Join(errs...) != nil {
			t.Fatalf("SubmitBatch: %v %v", err, errors.Join(errs...))
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d entries in %s", n, time.Since(t0).Round(time.Millisecond))
	backup.open().Close()
	var peak uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	t0 = time.Now()
	var copied time.Duration
	var copyPeak uint64
	rep, err := Recover(ctx, RecoverOptions{DB: backup.db, KeyDir: backup.keyDir, From: src.db,
		Progress: func(done, total uint64) {
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			copyPeak = max(copyPeak, ms.HeapAlloc)
			if done == total {
				copied = time.Since(t0)
			}
		}})
	close(stop)
	<-sampled
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("recovered %d..%d: copied in %s (live heap at most %d KiB between pages), with verify %s (peak heap in use %d MiB)",
		rep.From, rep.To, copied.Round(time.Millisecond), copyPeak>>10, time.Since(t0).Round(time.Millisecond), peak>>20)
	if rep.To != uint64(n)+10 {
		t.Fatalf("recovered up to %d, want %d", rep.To, n+10)
	}
}

// TestRecoverOrigins: checkpoints the copy signed under origins this
// ledger had not recorded (the log moved to a new origin after the
// backup) come with those origins, so that the ledger verifies and goes
// on under the copy's current origin; a ledger restored into an empty
// database gets the whole log and its origins.
func TestRecoverOrigins(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		src := newEnv(t, dialect)
		l := src.open()
		seed(t, l, 9)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		backup := clone(t, src, dialect)
		l = src.open(func(o *Options) { o.Origin, o.ChangeOrigin = "moved.example.com/ledger", true })
		for i := range 5 {
			mustSubmit(t, l, productTx("mill-1", fmt.Sprintf("p-%d", i)))
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		moved := []string{"plumbline/local", "moved.example.com/ledger"}
		for _, tc := range []struct {
			name     string
			local    func() *env
			from     uint64
			origins  []string
			verified uint64
		}{
			{"a backup from before the move", func() *env { return clone(t, backup, dialect) }, 11, moved, 15},
			{"an empty database", func() *env {
				return &env{t: t, url: dbtest.URL(t, dialect), keyDir: src.keyDir, clock: src.clock}
			}, 1, moved, 15},
		} {
			t.Run(tc.name, func(t *testing.T) {
				local := tc.local()
				if local.db == nil {
					db, err := dbx.Open(local.url)
					if err != nil {
						t.Fatal(err)
					}
					local.db = db
					t.Cleanup(func() { _ = dbx.Close(db) })
				}
				rep, err := Recover(ctx, RecoverOptions{DB: local.db, KeyDir: local.keyDir, From: src.db})
				if err != nil {
					t.Fatalf("Recover: %v", err)
				}
				if rep.From != tc.from || rep.To != 15 || !slices.Equal(rep.Origins, tc.origins) || rep.Verify.Entries != tc.verified {
					t.Fatalf("report %+v; want entries %d..15 and origins %q", rep, tc.from, tc.origins)
				}
				l := local.open()
				if l.Origin() != "moved.example.com/ledger" {
					t.Errorf("the recovered ledger signs as %q, want the copy's current origin", l.Origin())
				}
				if r := mustSubmit(t, l, productTx("mill-2", "p-next")); r.Seq != 16 {
					t.Fatalf("the next entry is %d, want 16", r.Seq)
				}
				if _, err := l.Verify(ctx, VerifyOptions{}); err != nil {
					t.Fatalf("Verify: %v", err)
				}
			})
		}
	})
}

func TestMergeOrigins(t *testing.T) {
	for _, tc := range []struct {
		ours, theirs, want []string
	}{
		{nil, nil, nil},
		{nil, []string{"a"}, []string{"a"}},
		{[]string{"a"}, []string{"a"}, []string{"a"}},
		{[]string{"a"}, []string{"a", "b"}, []string{"a", "b"}},           // the copy moved on: its current origin goes on
		{[]string{"a", "b"}, []string{"a"}, []string{"a", "b"}},           // this ledger moved on
		{[]string{"a", "b"}, []string{"a", "c"}, []string{"a", "c", "b"}}, // both moved: ours stays current
		{[]string{"a"}, nil, []string{"a"}},
	} {
		if got := mergeOrigins(tc.ours, tc.theirs); !slices.Equal(got, tc.want) {
			t.Errorf("mergeOrigins(%q, %q) = %q, want %q", tc.ours, tc.theirs, got, tc.want)
		}
	}
}
