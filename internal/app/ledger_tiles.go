package app

import (
	"context"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// HashTile returns the hash tile at path, as C2SP tlog-tiles names it
// below /ledger/tile/ ("<L>/<N>" or "<L>/<N>.p/<W>", N in groups of three
// digits: x001/234), and whether it is full (and so never changes).
// Entry bundles ("entries/…") are not served yet.
func (a *App) HashTile(ctx context.Context, path string) ([]byte, bool, error) {
	tiler, ok := a.opts.Ledger.(ledger.HashTiler)
	if !ok {
		return nil, false, models.NotFound("", "this ledger serves no Merkle tiles (on Fabric the peers validate every block)")
	}
	path = strings.TrimPrefix(path, "/")
	if strings.HasPrefix(path, "entries/") || strings.HasPrefix(path, "data/") {
		return nil, false, models.NotFound("tile", "entry bundles are not served yet; hash tiles are")
	}
	t, err := tlog.ParseTilePath("tile/8/" + path)
	if err != nil || t.H != ledger.TileHeight || t.L < 0 {
		return nil, false, models.NotFound("tile", "%q is not a hash tile path such as 0/x001/234 or 1/005.p/7", path)
	}
	data, err := tiler.HashTile(ctx, t.L, t.N, t.W)
	return data, t.W == 1<<ledger.TileHeight, err
}
