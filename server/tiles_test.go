package server

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// httpTiles reads the server's hash tiles as a monitor would: over plain
// HTTP, below /ledger/tile/, with the C2SP tlog-tiles paths (x/mod's
// tile paths without their height).
type httpTiles struct {
	t    *testing.T
	base string
	got  int
}

func (h *httpTiles) Height() int { return 8 }

func (h *httpTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, tile := range tiles {
		resp, err := http.Get(h.base + "/ledger/tile/" + strings.TrimPrefix(tile.Path(), "tile/8/"))
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("tile %s: %d %s", tile.Path(), resp.StatusCode, b)
		}
		full := tile.W == 256
		if cc := resp.Header.Get("Cache-Control"); full != strings.Contains(cc, "immutable") {
			h.t.Errorf("tile %s (full %v) has Cache-Control %q", tile.Path(), full, cc)
		}
		out[i] = b
		h.got++
	}
	return out, nil
}

func (h *httpTiles) SaveTiles([]tlog.Tile, [][]byte) {}

// TestHashTiles checks inclusion and consistency from the hash tiles
// alone, with golang.org/x/mod/sumdb/tlog's tile reader (not code of
// ours): the tiles are checked against the signed checkpoint's root.
func TestHashTiles(t *testing.T) {
	f := newFixture(t, true)
	var cp checkpointResponse
	if st := f.call(t, "", http.MethodGet, "/api/v1/ledger/checkpoint", nil, &cp); st != http.StatusOK {
		t.Fatalf("checkpoint: %d", st)
	}
	v, err := note.NewVerifier(cp.VerifierKey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open([]byte(cp.Checkpoint.Note), note.VerifierList(v))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(n.Text, "\n")
	size, _ := strconv.ParseInt(lines[1], 10, 64)
	root, err := tlog.ParseHash(lines[2])
	if err != nil || size < 300 {
		t.Fatalf("checkpoint %q: %v (the demo should hold more than one full tile)", n.Text, err)
	}
	tiles := &httpTiles{t: t, base: f.URL}
	hr := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, tiles)

	// Inclusion of an entry, from the tiles: its leaf hash from the proof
	// endpoint, the path from the tiles.
	const seq = 5
	var ev proofResponse
	if st := f.call(t, "", http.MethodGet, fmt.Sprintf("/api/v1/ledger/entries/%d/proof", seq), nil, &ev); st != http.StatusOK {
		t.Fatalf("proof: %d", st)
	}
	proof, err := tlog.ProveRecord(size, seq-1, hr)
	if err != nil {
		t.Fatalf("proof from the tiles: %v", err)
	}
	if err := tlog.CheckRecord(proof, size, root, seq-1, tlog.Hash(ev.LeafHash)); err != nil {
		t.Fatalf("inclusion from the tiles does not check: %v", err)
	}
	// Consistency with an older tree, from the tiles.
	old := size - 37
	oldRoot, err := tlog.TreeHash(old, hr)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := tlog.ProveTree(size, old, hr)
	if err != nil || tlog.CheckTree(tp, size, root, old, oldRoot) != nil {
		t.Fatalf("consistency from the tiles: %v", err)
	}
	if tiles.got == 0 {
		t.Fatal("no tile was read")
	}

	// Paths that name no tile of this tree are 404, never a 5xx (entry
	// bundles: bundles_test.go).
	for _, p := range []string{"0/x999/999", "9/000", "0/000.p/0", "0/000.p/999", "abc", "entries/x999/999", "0/001.p/x", "-1/000"} {
		resp, err := http.Get(f.URL + "/ledger/tile/" + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("tile %q: %d, want 404", p, resp.StatusCode)
		}
	}
	// A tile altered in transit is caught by the reader.
	bad := &tamperedTiles{httpTiles: tiles}
	if _, err := tlog.ProveRecord(size, seq-1, tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, bad)); err == nil {
		t.Fatal("a flipped byte in a tile went unnoticed")
	}
}

// tamperedTiles flips a byte of every tile it reads.
type tamperedTiles struct{ *httpTiles }

func (b *tamperedTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	data, err := b.httpTiles.ReadTiles(tiles)
	for _, d := range data {
		if len(d) > 0 {
			d[0] ^= 1
		}
	}
	return data, err
}
