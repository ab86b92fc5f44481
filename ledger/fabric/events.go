package fabric

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/plumbline/plumbline/ledger"
)

// Events calls fn for every committed event with Seq > after, in order,
// then waits for more until ctx is done or fn fails. It reads the blocks
// itself, starting at the block that holds after+1, and numbers what it
// reads with the index, so it never skips or repeats an event; when the
// peer goes away it reconnects from where it stopped.
func (l *Ledger) Events(ctx context.Context, after uint64, fn func(ledger.Event) error) error {
	if l.isClosed() {
		return ledger.ErrClosed
	}
	ctx, cancel := mergeDone(ctx, l.ctx)
	defer cancel()
	want := after + 1 // the next sequence number to deliver
	pause := 100 * time.Millisecond
	for {
		start, err := l.startBlock(ctx, want)
		if err == nil {
			var progressed bool
			progressed, err = l.eventsFrom(ctx, start, &want, fn)
			if progressed {
				pause = 100 * time.Millisecond
			}
		}
		if l.isClosed() {
			return ledger.ErrClosed
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var fnErr fnError
		if errors.As(err, &fnErr) {
			return fnErr.err
		}
		if err != nil && !errors.Is(err, ledger.ErrUnavailable) && !errors.Is(err, errStreamEnded) {
			return err
		}
		if err := sleep(ctx, pause); err != nil {
			if l.isClosed() {
				return ledger.ErrClosed
			}
			return err
		}
		pause = min(2*pause, 2*time.Second)
	}
}

// fnError carries the callback's own error out of eventsFrom.
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

var errStreamEnded = fmt.Errorf("block stream ended: %w", ledger.ErrUnavailable)

// startBlock returns the block to read from to find sequence number want:
// its own block when indexed, otherwise the index's next block (every
// later event is in a block not yet indexed).
func (l *Ledger) startBlock(ctx context.Context, want uint64) (uint64, error) {
	if e, _, ok := l.idx.entry(want); ok {
		return e.block, nil
	}
	_, next, _, _ := l.idx.snapshot()
	if want > 1 {
		// The previous event, if indexed, bounds the start from below and
		// spares a scan from the index's next block backwards.
		if e, _, ok := l.idx.entry(want - 1); ok {
			return e.block, nil
		}
	}
	return next, nil
}

// eventsFrom streams blocks from start and delivers events numbered want
// and up, advancing *want. It returns when the stream ends or fn fails.
func (l *Ledger) eventsFrom(ctx context.Context, start uint64, want *uint64, fn func(ledger.Event) error) (bool, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	blocks, err := l.network.BlockEvents(ctx, client.WithStartBlock(start))
	if err != nil {
		return false, classify(err)
	}
	progressed := false
	for b := range blocks {
		number := b.GetHeader().GetNumber()
		txs, err := parseBlock(b, l.cfg.Chaincode, l.cfg.Namespace)
		if err != nil {
			return progressed, err
		}
		for _, t := range txs {
			// The indexer reads the same blocks; wait for it so that
			// this event gets exactly the number its receipt has.
			seq, err := l.idx.waitTx(ctx, t.ev.TxID)
			if err != nil {
				return progressed, err
			}
			if seq < *want {
				continue
			}
			if seq != *want {
				return progressed, fmt.Errorf("event stream at block %d found seq %d while expecting %d", number, seq, *want)
			}
			e := ledger.Event{
				Seq: seq, TxID: t.ev.TxID, Type: t.ev.Type, Args: t.ev.Args,
				Org: t.ev.Org, User: t.ev.User, Role: t.ev.Role, Time: t.ev.Time,
				Block: number, Writes: make([]ledger.Write, len(t.ev.Writes)),
			}
			for i, w := range t.ev.Writes {
				e.Writes[i] = ledger.Write{Key: w.Key, Value: w.Value}
			}
			if err := fn(e); err != nil {
				return progressed, fnError{err}
			}
			*want = seq + 1
			progressed = true
		}
	}
	return progressed, errStreamEnded
}
