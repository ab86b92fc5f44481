package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/ledger/embedded"
	"github.com/plumbline/plumbline/models"
)

// TestEntryBundles: an independent client (filippo.io/torchwood's tlog
// client, fetching /ledger/tile/… anonymously over HTTP) reads every entry
// of the demo ledger from the entry bundles and checks each against the
// signed checkpoint's tree; the entries are the ledger's, and none shows a
// private value (v2 entries commit to them).
func TestEntryBundles(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
	// The largest transaction the contract takes fits an entry: a split
	// into 150 batches, each with the longest origin and lot number.
	largest := largestSplit(t, f)
	cp, err := f.ledger.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fetcher, err := torchwood.NewTileFetcher(f.URL + "/ledger/")
	if err != nil {
		t.Fatal(err)
	}
	client, err := torchwood.NewClient(fetcher)
	if err != nil {
		t.Fatal(err)
	}
	tree := tlog.Tree{N: int64(cp.Size), Hash: tlog.Hash(cp.Root)}
	// The client stops before a trailing partial bundle; resuming reads it.
	n := int64(0)
	for n < int64(cp.Size) {
		before := n
		for i, entry := range client.Entries(ctx, tree, n) {
			ev, err := f.ledger.Evidence(ctx, uint64(i)+1)
			if err != nil || !bytes.Equal(ev.Entry, entry) || i != n {
				t.Fatalf("entry %d from the bundles differs from the ledger's (%v)", i+1, err)
			}
			if bytes.Contains(entry, []byte("mortar")) {
				t.Fatalf("entry %d in a public bundle shows inspection notes", i+1)
			}
			if i+1 == int64(largest) && len(entry) < 40_000 {
				t.Errorf("the largest entry read from the bundles has only %d bytes", len(entry))
			}
			n++
		}
		if err := client.Err(); err != nil || n == before {
			t.Fatalf("read %d of %d entries: %v", n, cp.Size, err)
		}
	}
	// Full bundles are immutable, a partial one is not; bad paths are 404.
	for path, want := range map[string]string{
		"/ledger/tile/entries/000":                       "immutable",
		"/ledger/tile/entries/" + partialBundle(cp.Size): "no-cache",
		"/ledger/tile/entries/x999/999":                  "",
		"/ledger/tile/entries/000.p/0":                   "",
		"/ledger/tile/entries/abc":                       "",
	} {
		resp, err := http.Get(f.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want == "" {
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", path, resp.StatusCode)
			}
			continue
		}
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Cache-Control"), want) {
			t.Errorf("%s: %d %q, want 200 %s", path, resp.StatusCode, resp.Header.Get("Cache-Control"), want)
		}
	}
}

// largestSplit commissions a batch and splits it into 150 with the
// longest origins and lot numbers, returning the split's seq; the entry
// is close to the 64 KiB an entry bundle allows.
func largestSplit(t *testing.T, f *fixture) uint64 {
	t.Helper()
	ctx := context.Background()
	tx := func(typ, args string) ledger.Tx {
		return ledger.Tx{Type: typ, Org: demo.OrgQuarry, User: demo.OrgQuarry + ".operator", Role: models.RoleOperator, Args: []byte(args)}
	}
	if _, err := f.ledger.Submit(ctx, tx("CommissionBatch", `{"code":"BIG-1","product_id":"crushed-5-25","quantity":"150","produced_on":"2026-03-01"}`)); err != nil {
		t.Fatal(err)
	}
	outs := make([]string, 150)
	for i := range outs {
		outs[i] = fmt.Sprintf(`{"code":"BIG-1.%03d","product_id":"crushed-5-25","quantity":"1","produced_on":"2026-03-01","origin":%q,"lot_number":%q}`,
			i, strings.Repeat("o", 200), strings.Repeat("L", 64))
	}
	r, err := f.ledger.Submit(ctx, tx("TransformBatches", `{"kind":"split","inputs":[{"code":"BIG-1","quantity":"150"}],"outputs":[`+strings.Join(outs, ",")+`]}`))
	if err != nil {
		t.Fatalf("the largest split: %v", err)
	}
	ev, err := f.ledger.Evidence(ctx, r.Seq)
	if err != nil || len(ev.Entry) > embedded.MaxEntry || len(ev.Entry) < 40_000 {
		t.Fatalf("the largest split's entry: %d bytes, %v", len(ev.Entry), err)
	}
	return r.Seq
}

// partialBundle names the last, partial entry bundle of a tree of size
// entries.
func partialBundle(size uint64) string {
	t := tlog.Tile{H: 8, L: -1, N: int64(size / 256), W: int(size % 256)}
	return strings.TrimPrefix(torchwood.TilePath(t), "tile/entries/")
}

// TestEntryBundlesOfV1Entries: a ledger written before entry v2 holds
// private values in its entries; a bundle holding one is given to
// auditors only, and refused, naming the entry, to the anonymous and to
// an uninvolved organization.
func TestEntryBundlesOfV1Entries(t *testing.T) {
	f := newFixtureOn(t, "sqlite", false, withLedger(func(o *embedded.Options) { o.EntryFormat = 1 }))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := demo.Generate(ctx, f.ledger, demo.Options{Seed: 7, ContractVersion: contract.V1}); err != nil {
		t.Fatal(err)
	}
	head, _ := f.ledger.Head(ctx)
	if err := f.proj.WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	const path = "/ledger/tile/entries/001"
	for who, token := range map[string]string{"anonymous": "", "uninvolved": f.token(t, "qiantang-glass.operator")} {
		code, _, body := f.fetch(t, token, path)
		if code != http.StatusForbidden || !strings.Contains(string(body), "auditors") {
			t.Errorf("%s: a bundle of v1 entries with private ones: %d %s", who, code, body)
		}
	}
	code, h, body := f.fetch(t, f.token(t, "hz-construction-bureau.viewer"), path)
	if code != http.StatusOK || len(body) == 0 || h.Get("Cache-Control") != "private, no-store" {
		t.Errorf("the authority: %d %q (%d bytes)", code, h.Get("Cache-Control"), len(body))
	}
}
