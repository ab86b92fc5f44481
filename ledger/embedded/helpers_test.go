package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// clock is an injected test clock that ticks one second per reading.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// env is one test's database and key folder, reopenable.
type env struct {
	t      testing.TB
	url    string
	keyDir string
	clock  *clock
	db     *gorm.DB
}

func newEnv(t testing.TB, dialect string) *env {
	t.Helper()
	return &env{t: t, url: dbtest.URL(t, dialect), keyDir: t.TempDir() + "/keys", clock: newClock()}
}

// open opens (or reopens) the ledger; it is closed when the test ends.
func (e *env) open(opts ...func(*Options)) *Ledger {
	e.t.Helper()
	if e.db == nil {
		db, err := dbx.Open(e.url)
		if err != nil {
			e.t.Fatalf("open database: %v", err)
		}
		e.db = db
		e.t.Cleanup(func() { _ = dbx.Close(db) })
	}
	o := Options{DB: e.db, KeyDir: e.keyDir, Now: e.clock.Now}
	for _, f := range opts {
		f(&o)
	}
	l, err := Open(context.Background(), o)
	if err != nil {
		e.t.Fatalf("Open: %v", err)
	}
	e.t.Cleanup(func() { _ = l.Close() })
	return l
}

func orgTx(org, id string, kind models.OrgKind) ledger.Tx {
	b, _ := json.Marshal(map[string]any{"organization": models.Organization{ID: id, Name: "Org " + id, Kind: kind}})
	return ledger.Tx{Type: "RegisterOrganization", Args: b, Org: org, User: org + "-admin", Role: models.RoleAdmin}
}

func productTx(org, id string) ledger.Tx {
	b, _ := json.Marshal(map[string]any{"product": map[string]any{
		"id": id, "name": "Product " + id, "manufacturer": org, "category": "cement", "unit": "t", "standard": "GB 175-2023",
	}})
	return ledger.Tx{Type: "RegisterProduct", Args: b, Org: org, User: org + "-op", Role: models.RoleOperator}
}

func mustSubmit(t testing.TB, l *Ledger, tx ledger.Tx) ledger.Receipt {
	t.Helper()
	r, err := l.Submit(context.Background(), tx)
	if err != nil {
		t.Fatalf("Submit %s by %s: %v", tx.Type, tx.Org, err)
	}
	return r
}

// seed registers an authority and n manufacturers.
func seed(t testing.TB, l *Ledger, n int) {
	t.Helper()
	mustSubmit(t, l, orgTx("bureau", "bureau", models.KindAuthority))
	for i := range n {
		mustSubmit(t, l, orgTx("bureau", fmt.Sprintf("mill-%d", i), models.KindManufacturer))
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
