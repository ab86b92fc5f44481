package embedded

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/models"
)

// edgeIndexes returns the stored-hash indexes of the complete subtrees
// that make up a tree of n records, largest first: the right edge of the
// tree, which is every stored hash that later appends (tlog.StoredHashes)
// and the root (tlog.TreeHash) read.
func edgeIndexes(n int64) []int64 {
	var out []int64
	var start int64
	for level := 62; level >= 0; level-- {
		if n&(1<<level) != 0 {
			out = append(out, tlog.StoredHashIndex(level, start>>level))
			start += 1 << level
		}
	}
	return out
}

// loadEdge fills the edge cache from the database.
func (l *Ledger) loadEdge(ctx context.Context) error {
	idx := edgeIndexes(int64(l.size))
	hs, err := l.readHashes(ctx, idx)
	if err != nil {
		return err
	}
	for i, x := range idx {
		l.hashes[x] = hs[i]
	}
	return nil
}

// pruneEdge drops cached hashes that are no longer on the right edge.
func (l *Ledger) pruneEdge() {
	keep := map[int64]tlog.Hash{}
	for _, x := range edgeIndexes(int64(l.size)) {
		h, ok := l.hashes[x]
		if !ok {
			return // should not happen; keep everything rather than lose the edge
		}
		keep[x] = h
	}
	l.hashes = keep
}

// edgeReader reads hashes from the edge cache only.
func (l *Ledger) edgeReader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			h, ok := l.hashes[x]
			if !ok {
				return nil, fmt.Errorf("stored hash %d is not on the cached edge of a tree of %d", x, l.size)
			}
			out[i] = h
		}
		return out, nil
	})
}

// groupReader reads hashes first from a group's pending hashes, then from
// the committed edge.
func (l *Ledger) groupReader(pending map[int64]tlog.Hash) tlog.HashReader {
	edge := l.edgeReader()
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if h, ok := pending[x]; ok {
				out[i] = h
				continue
			}
			h, err := edge.ReadHashes([]int64{x})
			if err != nil {
				return nil, err
			}
			out[i] = h[0]
		}
		return out, nil
	})
}

// readHashes reads stored hashes by index from the database.
func (l *Ledger) readHashes(ctx context.Context, idx []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, l.db, l.d, idx)
}

func readHashes(ctx context.Context, db querier, d dialect, idx []int64) ([]tlog.Hash, error) {
	if len(idx) == 0 {
		return nil, nil
	}
	got := make(map[int64]tlog.Hash, len(idx))
	for start := 0; start < len(idx); start += 500 {
		chunk := idx[start:min(len(idx), start+500)]
		ph := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, x := range chunk {
			ph[i] = d.ph(i + 1)
			args[i] = x
		}
		rows, err := db.QueryContext(ctx, `SELECT id, hash FROM ledger_hashes WHERE id IN (`+strings.Join(ph, ",")+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("read stored hashes: %w", err)
		}
		for rows.Next() {
			var id int64
			var h []byte
			if err := rows.Scan(&id, &h); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read stored hashes: %w", err)
			}
			if len(h) != tlog.HashSize {
				rows.Close()
				return nil, fmt.Errorf("stored hash %d has %d bytes: %w", id, len(h), models.ErrTampered)
			}
			got[id] = tlog.Hash(h)
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("read stored hashes: %w", err)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read stored hashes: %w", err)
		}
	}
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		h, ok := got[x]
		if !ok {
			return nil, fmt.Errorf("stored hash %d is missing: %w", x, models.ErrTampered)
		}
		out[i] = h
	}
	return out, nil
}

// dbReader is a tlog.HashReader over the database (or a transaction or
// snapshot of it), for proofs.
func dbReader(ctx context.Context, db querier, d dialect) tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		return readHashes(ctx, db, d, idx)
	})
}
