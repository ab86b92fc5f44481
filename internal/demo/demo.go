// Package demo writes Plumbline's demo consortium through the ledger: a
// 30-storey residential tower and a metro station in Hangzhou, built with
// cement, rebar, ready-mix concrete, aggregate and tempered glass from ten
// organizations, with purchase orders, partial dispatches, receipts with
// discrepancies, inspections and hold points, transformations, usages floor
// by floor and one recall that reaches concrete already placed.
//
// Every record is a contract transaction submitted by a realistic user, on a
// simulated clock. The history is planned first, from the seed alone
// (math/rand/v2, never the wall clock), so the same seed always gives the
// same transactions; each carries an idempotency key derived from the seed
// and its position, so a run interrupted and started again does not
// duplicate anything.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
)

// Options configures Generate.
type Options struct {
	// Seed selects the history; the same seed gives the same transactions.
	Seed int64
	// Events is 0 for the standard demo (16 weeks); otherwise the history
	// runs on, week after week, until it has at least about Events
	// transactions, for benchmarks.
	Events int
	// Progress, when set, is called after each transaction with how many
	// of the total are done.
	Progress func(done, total int)
	// Start is the Monday the history begins; zero means Start (2 March
	// 2026). serve --demo uses RecentStart, so the history ends this week.
	Start time.Time
	// ContractVersion is the contract version the ledger runs, zero for
	// contract.Latest. Below contract.V4 the demo leaves out the names in
	// other languages that version refuses.
	ContractVersion int
	// Files, when set, receives the bytes of every document the demo
	// attaches (certificates, test reports, photos) before the ledger
	// records it, so that each can be downloaded and checked against the
	// SHA-256 on the ledger. Without it only the ledger records them.
	Files FileStore
}

// Summary counts what Generate wrote.
type Summary struct {
	Seed         int64          `json:"seed"`
	Transactions int            `json:"transactions"` // committed or replayed
	Replayed     int            `json:"replayed"`     // already on the ledger from an earlier run
	Types        map[string]int `json:"types"`        // transactions per type
	From         time.Time      `json:"from"`         // first transaction time
	To           time.Time      `json:"to"`           // last transaction time
	Days         int            `json:"days"`         // simulated days

	Organizations     int `json:"organizations"`
	Products          int `json:"products"`
	Batches           int `json:"batches"` // including parts split off and transformation outputs
	PurchaseOrders    int `json:"purchase_orders"`
	Shipments         int `json:"shipments"`
	Discrepancies     int `json:"discrepancies"` // receipt lines with a rejected quantity
	Inspections       int `json:"inspections"`
	FailedInspections int `json:"failed_inspections"`
	Released          int `json:"released"` // holds released after a passing retest
	Rejected          int `json:"rejected"` // held batches whose retest failed too
	Returned          int `json:"returned"` // held batches shipped back to their producer
	Transformations   int `json:"transformations"`
	Usages            int `json:"usages"`
	Documents         int `json:"documents"`
	Corrections       int `json:"corrections"`
	Recalls           int `json:"recalls"`

	// RecallBatch is the recalled cement lot, RecalledBatches how many
	// batches the recall reached and RecalledUsages how many usages (concrete
	// already placed) used them.
	RecallBatch     string `json:"recall_batch,omitempty"`
	RecalledBatches int    `json:"recalled_batches"`
	RecalledUsages  int    `json:"recalled_usages"`

	// Cases are the non-conformance cases opened from failing 28-day cube
	// results of concrete already placed; ClosedCases of them were closed.
	Cases       int `json:"cases"`
	ClosedCases int `json:"closed_cases"`
}

// Plan returns the transactions Generate would submit for opts, in order,
// without their idempotency keys, and the summary of what they do.
func Plan(opts Options) ([]ledger.Tx, Summary) {
	p := planFor(opts)
	return p.txs, p.sum
}

// PlanTxID is the transaction ID Plan assumes for the transaction at plan
// position i when a later transaction names it (a case lists usages by
// their transaction IDs); Generate puts in the IDs the ledger gave.
func PlanTxID(i int) string { return fmt.Sprintf("demo%07d", i) }

// PlanWithIDs is Plan for a caller that runs the transactions under its
// own transaction IDs: id(i) is the ID of the transaction at position i,
// and transactions that name earlier ones name them by it.
func PlanWithIDs(opts Options, id func(i int) string) ([]ledger.Tx, Summary) {
	p := planFor(opts)
	for i, ref := range p.refs {
		p.txs[i].Args = mustJSON(ref(id))
	}
	return p.txs, p.sum
}

func planFor(opts Options) *planner {
	start := opts.Start
	if start.IsZero() {
		start = Start
	}
	p := newPlanner(opts.Seed, start)
	p.noLocalNames = opts.ContractVersion != 0 && opts.ContractVersion < contract.V4
	p.plan(opts.Events)
	p.sum.Seed = opts.Seed
	if n := len(p.txs); n > 0 {
		p.sum.From, p.sum.To = p.txs[0].Time, p.txs[n-1].Time
	}
	for i, ref := range p.refs {
		p.txs[i].Args = mustJSON(ref(PlanTxID))
	}
	return p
}

// IdempotencyKey is the key of the i-th (0-based) transaction of the demo
// with seed.
func IdempotencyKey(seed int64, i int) string { return fmt.Sprintf("demo-%d-%07d", seed, i) }

// Generate plans the demo for opts and submits it through l, one
// transaction after another, in plan order.
func Generate(ctx context.Context, l ledger.Ledger, opts Options) (Summary, error) {
	p := planFor(opts)
	txs, sum := p.txs, p.sum
	ids := make([]string, len(txs))
	for i, tx := range txs {
		tx.IdempotencyKey = IdempotencyKey(opts.Seed, i)
		if ref := p.refs[i]; ref != nil {
			tx.Args = mustJSON(ref(func(j int) string { return ids[j] }))
		}
		if d, ok := p.docs[i]; ok && opts.Files != nil {
			if err := storeDocument(opts.Files, d); err != nil {
				return sum, err
			}
		}
		r, err := l.Submit(ctx, tx)
		if err != nil {
			return sum, fmt.Errorf("demo transaction %d of %d (%s by %s): %w", i+1, len(txs), tx.Type, tx.User, err)
		}
		ids[i] = r.TxID
		sum.Transactions++
		if r.Replayed {
			sum.Replayed++
		}
		if opts.Progress != nil {
			opts.Progress(i+1, len(txs))
		}
	}
	return sum, nil
}

// String summarises the run in one line.
func (s Summary) String() string {
	return fmt.Sprintf("%d transactions (%d already on the ledger): %d organizations, %d products, %d batches, %d shipments, %d inspections (%d failed), %d usages, %d recall reaching %d batches and %d usages",
		s.Transactions, s.Replayed, s.Organizations, s.Products, s.Batches, s.Shipments, s.Inspections, s.FailedInspections, s.Usages, s.Recalls, s.RecalledBatches, s.RecalledUsages)
}
