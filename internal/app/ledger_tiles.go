package app

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"

	"filippo.io/torchwood"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// HashTile returns the hash tile at path, as C2SP tlog-tiles names it
// below /ledger/tile/ ("<L>/<N>" or "<L>/<N>.p/<W>", N in groups of three
// digits: x001/234), and whether it is full (and so never changes).
// Entry bundles ("entries/…") are EntryBundle's.
func (a *App) HashTile(ctx context.Context, path string) ([]byte, bool, error) {
	tiler, ok := a.opts.Ledger.(ledger.HashTiler)
	if !ok {
		return nil, false, models.NotFound("", "this ledger serves no Merkle tiles (on Fabric the peers validate every block)")
	}
	path = strings.TrimPrefix(path, "/")
	if strings.HasPrefix(path, "entries/") || strings.HasPrefix(path, "data/") {
		return nil, false, models.NotFound("tile", "%q is an entry bundle, not a hash tile", path)
	}
	t, err := tlog.ParseTilePath("tile/8/" + path)
	if err != nil || t.H != ledger.TileHeight || t.L < 0 {
		return nil, false, models.NotFound("tile", "%q is not a hash tile path such as 0/x001/234 or 1/005.p/7", path)
	}
	data, err := tiler.HashTile(ctx, t.L, t.N, t.W)
	return data, t.W == 1<<ledger.TileHeight, err
}

// EntryBundle returns the entry bundle at path below /ledger/tile/
// ("entries/<N>" or "entries/<N>.p/<W>", C2SP tlog-tiles: each entry
// prefixed with its length in 16 bits), whether it is full, and whether
// anyone may have it (so that it may be cached publicly). v2 entries hold
// their private fields only as commitments, so they are in everyone's
// bundles; a v1 entry the access rule calls private is given only to
// auditors (organizations that see every batch), and a bundle holding one
// is refused to others, naming it.
func (a *App) EntryBundle(ctx context.Context, chk *access.Checker, path string) (data []byte, full, public bool, err error) {
	tiler, ok := a.opts.Ledger.(ledger.HashTiler)
	if !ok {
		return nil, false, false, models.NotFound("", "this ledger serves no Merkle tiles (on Fabric the peers validate every block)")
	}
	t, err := torchwood.ParseTilePath("tile/" + strings.TrimPrefix(path, "/"))
	if err != nil || t.L != -1 {
		return nil, false, false, models.NotFound("tile", "%q is not an entry bundle path such as entries/x001/234 or entries/005.p/7", path)
	}
	entries, err := tiler.Entries(ctx, t.N, t.W)
	if err != nil {
		return nil, false, false, err
	}
	public = true
	first := uint64(t.N)<<ledger.TileHeight + 1
	for i := range entries {
		seq := first + uint64(i)
		if a.Committed(seq) {
			continue
		}
		ev, err := a.opts.Store.Event(ctx, seq)
		if err != nil {
			return nil, false, false, err
		}
		if access.PublicEntry(ev.Type, ev.Args) {
			continue
		}
		public = false
		if !chk.Viewer().SeesAll() {
			return nil, false, false, models.Forbidden("entry %d (%s, written before entries committed to their private fields) is private to the organizations involved with its batches; bundles holding it are given to auditors only", seq, ev.Type)
		}
	}
	for _, e := range entries {
		if len(e) > 1<<16-1 {
			return nil, false, false, fmt.Errorf("entry of %d bytes does not fit an entry bundle", len(e))
		}
		data = binary.BigEndian.AppendUint16(data, uint16(len(e)))
		data = append(data, e...)
	}
	return data, t.W == 1<<ledger.TileHeight, public, nil
}
