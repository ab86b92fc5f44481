package fabric

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/chaincode/wire"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// maxIdemKey bounds an idempotency key, as the chaincode does.
const maxIdemKey = 200

// errMVCC marks an attempt that lost an MVCC or phantom read conflict; it
// is a models.ErrConflict, which is what the caller sees if no attempt wins.
var errMVCC = fmt.Errorf("read conflict with a concurrent transaction: %w", models.ErrConflict)

// Submit sends tx to the chaincode, has it endorsed, ordered and committed,
// and returns its receipt once the transaction is committed and numbered.
// An MVCC read conflict, or an orderer briefly without a leader, endorses
// the transaction again (at most Config.MaxAttempts times, with backoff).
// A rejection is the contract's *models.Error; a known idempotency key
// returns the first receipt with Replayed set, without ordering anything.
func (l *Ledger) Submit(ctx context.Context, tx ledger.Tx) (ledger.Receipt, error) {
	if l.isClosed() {
		return ledger.Receipt{}, ledger.ErrClosed
	}
	ctx, cancel := mergeDone(ctx, l.ctx)
	defer cancel()
	body, err := l.envelope(tx)
	if err != nil {
		return ledger.Receipt{}, err
	}
	var last error
	conflicted := false
	defer func() {
		if conflicted {
			l.count(func(s *Stats) { s.Conflicted++ })
		}
	}()
	for attempt := 1; attempt <= l.cfg.MaxAttempts; attempt++ {
		if attempt > 1 {
			if err := sleep(ctx, backoff(attempt)); err != nil {
				return ledger.Receipt{}, l.ctxErr(fmt.Errorf("%w (after: %v)", err, last))
			}
		}
		l.count(func(s *Stats) { s.Attempts++ })
		r, retry, err := l.attempt(ctx, body)
		if retry && errors.Is(err, errMVCC) {
			conflicted = true
		}
		if !retry {
			if err == nil {
				l.mu.Lock()
				if !r.Replayed {
					l.stats.Submitted++
				}
				l.mu.Unlock()
			}
			return r, l.ctxErr(err)
		}
		last = err
	}
	return ledger.Receipt{}, fmt.Errorf("gave up after %d attempts: %w", l.cfg.MaxAttempts, last)
}

// ctxErr turns errors after Close into ledger.ErrClosed.
func (l *Ledger) ctxErr(err error) error {
	if err != nil && l.isClosed() && !errors.Is(err, ledger.ErrClosed) {
		return fmt.Errorf("%w: %w", ledger.ErrClosed, err)
	}
	return err
}

// envelope checks tx as far as can be done here and encodes it.
func (l *Ledger) envelope(tx ledger.Tx) ([]byte, error) {
	args, err := contract.Canonical(tx.Type, tx.Args)
	if err != nil {
		return nil, err
	}
	if err := models.ValidateID("org", tx.Org); err != nil {
		return nil, err
	}
	if tx.IdempotencyKey != "" {
		if err := models.ValidateLine("idempotency_key", tx.IdempotencyKey, maxIdemKey); err != nil {
			return nil, err
		}
	}
	env := wire.Envelope{
		Namespace: l.cfg.Namespace, Type: tx.Type, Args: args, Org: tx.Org, User: tx.User, Role: tx.Role,
		IdempotencyKey: tx.IdempotencyKey,
	}
	if !tx.Time.IsZero() {
		env.Time = time.Unix(0, tx.Time.UnixNano()).UTC()
	}
	if tx.Type == "RegisterOrganization" {
		var reg struct {
			Organization struct {
				ID string `json:"id"`
			} `json:"organization"`
		}
		if json.Unmarshal(args, &reg) == nil {
			env.NewOrgMSP = l.cfg.OrgMSPs[reg.Organization.ID]
		}
	}
	return json.Marshal(env)
}

// attempt endorses, submits and waits for one transaction. retry says
// whether another attempt may succeed where this one failed.
func (l *Ledger) attempt(ctx context.Context, body []byte) (r ledger.Receipt, retry bool, err error) {
	prop, err := l.contract.NewProposal(wire.FnSubmit, client.WithBytesArguments(body))
	if err != nil {
		return r, false, fmt.Errorf("create proposal: %w", err)
	}
	txn, err := prop.EndorseWithContext(ctx)
	if err != nil {
		// Nothing was ordered, so endorsing again is always safe. It helps
		// when the peers momentarily disagree (one has committed a block
		// the other has not: "ProposalResponsePayloads do not match") or a
		// peer is briefly unreachable.
		cerr := classify(err)
		switch {
		case ctx.Err() != nil:
			return r, false, cerr
		case strings.Contains(errorText(err), "ProposalResponsePayloads do not match"):
			l.count(func(s *Stats) { s.EndorseMismatch++ })
			return r, true, cerr
		case errors.Is(cerr, ledger.ErrUnavailable):
			l.count(func(s *Stats) { s.Unavailable++ })
			return r, true, cerr
		}
		return r, false, cerr
	}
	var res wire.Result
	if err := json.Unmarshal(txn.Result(), &res); err != nil {
		return r, false, fmt.Errorf("read chaincode result %q: %w", txn.Result(), err)
	}
	if res.Replayed {
		seq, err := l.idx.waitTx(ctx, res.TxID)
		if err != nil {
			return r, false, err
		}
		e, _, _ := l.idx.entry(seq)
		return ledger.Receipt{Seq: seq, TxID: res.TxID, Time: res.Time, Replayed: true, Block: e.block, ValidationCode: "VALID"}, false, nil
	}
	commit, err := txn.SubmitWithContext(ctx)
	if err != nil {
		err = classify(err)
		if errors.Is(err, ledger.ErrUnavailable) && ctx.Err() == nil {
			l.count(func(s *Stats) { s.Unavailable++ })
			return r, true, err // not ordered: safe to endorse again
		}
		return r, false, err
	}
	status, err := l.status(ctx, commit)
	if err != nil {
		return r, false, err
	}
	if !status.Successful {
		if isConflict(status.Code) {
			l.count(func(s *Stats) { s.MVCCConflicts++ })
			return r, true, fmt.Errorf("transaction %s: %s: %w", status.TransactionID, status.Code, errMVCC)
		}
		return r, false, fmt.Errorf("transaction %s was not committed: validation code %s", status.TransactionID, status.Code)
	}
	seq, err := l.idx.waitTx(ctx, status.TransactionID)
	if err != nil {
		return r, false, err
	}
	return ledger.Receipt{Seq: seq, TxID: status.TransactionID, Time: res.Time, Block: status.BlockNumber, ValidationCode: status.Code.String()}, false, nil
}

// status waits for commit's status, asking again while the peer cannot
// say (the transaction was ordered and may well commit).
func (l *Ledger) status(ctx context.Context, commit *client.Commit) (*client.Status, error) {
	for i := 1; ; i++ {
		st, err := commit.StatusWithContext(ctx)
		if err == nil {
			return st, nil
		}
		err = classify(err)
		if !errors.Is(err, ledger.ErrUnavailable) || ctx.Err() != nil || i >= l.cfg.MaxAttempts {
			return nil, err
		}
		if err := sleep(ctx, backoff(i+1)); err != nil {
			return nil, err
		}
	}
}

func (l *Ledger) count(f func(*Stats)) {
	l.mu.Lock()
	f(&l.stats)
	l.mu.Unlock()
}

// backoff returns the pause before attempt n (n ≥ 2): exponential from
// 25 ms, capped at 2 s, with jitter so that conflicting submitters spread out.
func backoff(n int) time.Duration {
	d := 25 * time.Millisecond << min(n-2, 7)
	d = min(d, 2*time.Second)
	return d/2 + rand.N(d)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// mergeDone returns a context that ends when either ctx or also ends.
func mergeDone(ctx, also context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(also, cancel)
	return ctx, func() { stop(); cancel() }
}
