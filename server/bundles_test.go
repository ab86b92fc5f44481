package server

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/ledger/embedded"
)

// TestEntryBundles: an independent client (filippo.io/torchwood's tlog
// client, fetching /ledger/tile/… anonymously over HTTP) reads every entry
// of the demo ledger from the entry bundles and checks each against the
// signed checkpoint's tree; the entries are the ledger's, and none shows a
// private value (v2 entries commit to them).
func TestEntryBundles(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
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
	f := newFixtureOn(t, "sqlite", false, func(o *embedded.Options) { o.EntryFormat = 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := demo.Generate(ctx, f.ledger, demo.Options{Seed: 7}); err != nil {
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
