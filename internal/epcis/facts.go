package epcis

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/plumbline/plumbline/internal/label"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// StateFacts reads the facts from a contract.State (the dry run's, a
// test's), which needs no context.
type StateFacts struct{ State contract.State }

// Get reads key from the state.
func (f StateFacts) Get(_ context.Context, key string) ([]byte, error) { return f.State.Get(key) }

// LedgerFacts reads world-state records through the ledger for the mapper
// and the capture's dry run, each key once.
type LedgerFacts struct {
	l      ledger.Ledger
	cache  map[string][]byte
	absent map[string]bool // keys known to be missing; nil: not remembered
	read   []string        // keys read, in order, for BulkState.Preload
}

// NewLedgerFacts returns facts read from l and cached.
func NewLedgerFacts(l ledger.Ledger) *LedgerFacts {
	return &LedgerFacts{l: l, cache: map[string][]byte{}}
}

// BulkState is what a capture uses of a ledger that reads state in bulk
// (embedded.Ledger does).
type BulkState interface {
	States(ctx context.Context, keys []string) (map[string][]byte, error)
	Preload(ctx context.Context, keys []string) error
}

// Get reads key, from the cache when it was read before.
func (f *LedgerFacts) Get(ctx context.Context, key string) ([]byte, error) {
	if v, ok := f.cache[key]; ok {
		return v, nil
	}
	if f.absent[key] {
		return nil, fmt.Errorf("state key %q: %w", key, models.ErrNotFound)
	}
	f.read = append(f.read, key)
	v, err := f.l.State(ctx, key)
	if errors.Is(err, models.ErrNotFound) && f.absent != nil {
		f.absent[key] = true
	}
	if err != nil {
		return nil, err
	}
	f.cache[key] = v
	return v, nil
}

// prefetch reads keys in bulk when the ledger can, remembering the ones
// that are missing.
func (f *LedgerFacts) prefetch(ctx context.Context, keys []string) error {
	bs, ok := f.l.(BulkState)
	if !ok || len(keys) == 0 {
		return nil
	}
	vs, err := bs.States(ctx, keys)
	if err != nil {
		return err
	}
	if f.absent == nil {
		f.absent = map[string]bool{}
	}
	for _, k := range keys {
		if _, seen := f.cache[k]; seen || f.absent[k] {
			continue
		}
		f.read = append(f.read, k)
		if v, ok := vs[k]; ok {
			f.cache[k] = v
		} else {
			f.absent[k] = true
		}
	}
	return nil
}

// Catalog is what a capture reads of the read model: products by GTIN
// and a product's batches of a lot (internal/store satisfies it). Both
// answer models.ErrNotFound errors for what does not exist.
type Catalog interface {
	ProductByGTIN(ctx context.Context, gtin string) (models.Product, error)
	BatchesByLot(ctx context.Context, productID, lot string) ([]models.Batch, error)
}

// LotBatch finds the batch whose GS1 Digital Link is /01/{gtin14}/10/{lot},
// as the Digital Link resolver does; false when there is none.
func LotBatch(ctx context.Context, cat Catalog, gtin14, lot string) (models.Batch, bool, error) {
	for _, n := range []int{14, 13, 12, 8} {
		g := gtin14[14-n:]
		if strings.Trim(gtin14[:14-n], "0") != "" {
			continue
		}
		p, err := cat.ProductByGTIN(ctx, g)
		if errors.Is(err, models.ErrNotFound) {
			continue
		}
		if err != nil {
			return models.Batch{}, false, err
		}
		bs, err := cat.BatchesByLot(ctx, p.ID, lot)
		if err != nil {
			return models.Batch{}, false, err
		}
		for _, b := range bs {
			if label.Matches(b, p, gtin14, lot) {
				return b, true, nil
			}
		}
	}
	return models.Batch{}, false, nil
}

// catalogLookup is the Translator's Lookup over a Catalog, resolving each
// identifier once per capture.
type catalogLookup struct {
	cat      Catalog
	products map[string]string
	lots     map[string]string
}

func (l *catalogLookup) ProductByGTIN(ctx context.Context, gtin14 string) (string, error) {
	if id, ok := l.products[gtin14]; ok {
		return id, nil
	}
	id, err := l.productByGTIN(ctx, gtin14)
	if err == nil {
		if l.products == nil {
			l.products = map[string]string{}
		}
		l.products[gtin14] = id
	}
	return id, err
}

func (l *catalogLookup) productByGTIN(ctx context.Context, gtin14 string) (string, error) {
	for _, n := range []int{14, 13, 12, 8} {
		if len(gtin14) != 14 || (n < 14 && gtin14[:14-n] != "000000"[:14-n]) {
			continue
		}
		p, err := l.cat.ProductByGTIN(ctx, gtin14[14-n:])
		if errors.Is(err, models.ErrNotFound) {
			continue
		}
		return p.ID, err
	}
	return "", models.NotFound("gtin", "no product has GTIN %s", gtin14)
}

func (l *catalogLookup) BatchByLot(ctx context.Context, gtin14, lot string) (string, error) {
	if code, ok := l.lots[gtin14+"/"+lot]; ok {
		return code, nil
	}
	b, ok, err := LotBatch(ctx, l.cat, gtin14, lot)
	if ok {
		if l.lots == nil {
			l.lots = map[string]string{}
		}
		l.lots[gtin14+"/"+lot] = b.Code
	}
	if err != nil {
		return "", err
	}
	if !ok {
		return "", models.NotFound("lot", "no batch is lot %s of GTIN %s", lot, gtin14)
	}
	return b.Code, nil
}
