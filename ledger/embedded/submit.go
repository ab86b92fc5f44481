package embedded

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/ledger/embedded/keys"
	"github.com/plumbline/plumbline/models"
)

// request is one signed transaction waiting for the sequencer.
type request struct {
	ctx  context.Context
	part TxPart
	raw  []byte // EncodeTx(part), the signed bytes
	// args are the full canonical arguments the contract runs on (in a v2
	// transaction part.Args is their committed form) and openings the
	// stored openings (EncodeOpenings: the writes salt and the private
	// fields'; nil for a v1 transaction).
	args       []byte
	openings   []byte
	writesSalt [16]byte // salts a v2 entry's writes digest
	fp         [32]byte
	sig        []byte
	res        chan result
	// batch, set on a carrier request, is a whole batch (SubmitBatch) that
	// the sequencer commits as one group of its own.
	batch *batch
	// preload, set on a carrier request, are keys to read into the state
	// cache (Preload).
	preload []string
}

// batch is a SubmitBatch's requests, in order.
type batch struct {
	reqs   []*request
	atomic bool
}

type result struct {
	r   ledger.Receipt
	err error
}

// Times a transaction may carry: what fits in int64 Unix nanoseconds.
var (
	minTime = time.Unix(0, 0).Add(-292 * 365 * 24 * time.Hour)
	maxTime = time.Unix(0, 0).Add(292 * 365 * 24 * time.Hour)
)

// maxIdemKey bounds an idempotency key, in characters: it is a primary-key
// column, and PostgreSQL's index rows have a size limit.
const maxIdemKey = 200

// Submit canonicalises and signs tx with its organization's key, queues it
// for the sequencer and returns its receipt once the group it joined is
// durably committed. Rejections are *models.Error values; a retry with a
// known idempotency key returns the first receipt with Replayed set.
func (l *Ledger) Submit(ctx context.Context, tx ledger.Tx) (ledger.Receipt, error) {
	req, err := l.prepare(ctx, tx)
	if err != nil {
		return ledger.Receipt{}, err
	}
	if err := l.enqueue(ctx, req); err != nil {
		return ledger.Receipt{}, err
	}
	select {
	case res := <-req.res:
		return res.r, res.err
	case <-ctx.Done():
		return ledger.Receipt{}, fmt.Errorf("waiting for commit (the transaction may still commit; retry with the same idempotency key): %w", ctx.Err())
	}
}

// prepare checks, canonicalises and signs tx into a request for the
// sequencer.
func (l *Ledger) prepare(ctx context.Context, tx ledger.Tx) (*request, error) {
	if l.isClosed() {
		return nil, ledger.ErrClosed
	}
	if b := l.broken.Load(); b != nil {
		return nil, *b
	}
	if err := l.haltedErr(); err != nil {
		return nil, err
	}
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
	if tx.Time.IsZero() {
		tx.Time = l.now()
	}
	if tx.Time.Before(minTime) || tx.Time.After(maxTime) {
		return nil, models.Invalid("time", "%s is outside the years 1678-2262", tx.Time.Format(time.RFC3339))
	}
	// A retry with a known idempotency key is answered by the sequencer,
	// which looks keys up for a whole group in one query; looking each up
	// here first would cost every new transaction a query of its own.
	key, err := l.orgKey(ctx, tx.Org)
	if err != nil {
		return nil, err
	}
	part := TxPart{
		Time: time.Unix(0, tx.Time.UnixNano()).UTC(),
		Org:  tx.Org, User: tx.User, Role: tx.Role, Type: tx.Type,
		IdempotencyKey: tx.IdempotencyKey, Args: args,
	}
	req := &request{ctx: ctx, args: args, res: make(chan result, 1)}
	if l.v2From > 0 {
		committed, openings, err := commitArgs(tx.Type, args)
		if err != nil {
			return nil, err
		}
		part.Format, part.ContractVersion, part.Args = FormatV2, contract.Latest, committed
		o := Openings{Fields: openings}
		if _, err := rand.Read(o.WritesSalt[:]); err != nil {
			return nil, err
		}
		req.openings, req.writesSalt = EncodeOpenings(o), o.WritesSalt
	}
	part.TxID = newTxID(part)
	raw := EncodeTx(part)
	if l.v2From > 0 && len(raw)+5+8+4+64+4+80 > MaxEntry {
		return nil, models.Invalid("args", "the transaction takes %d bytes; an entry holds at most %d", len(raw), MaxEntry-165)
	}
	digest := TxDigest(raw)
	sig, err := key.Sign(digest[:])
	if err != nil {
		return nil, fmt.Errorf("sign transaction: %w", err)
	}
	req.part, req.raw, req.fp, req.sig = part, raw, key.Fingerprint, sig
	return req, nil
}

func (l *Ledger) enqueue(ctx context.Context, req *request) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return ledger.ErrClosed
	}
	select {
	case l.queue <- req:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// newTxID returns hex SHA-256 over a random nonce and the transaction.
func newTxID(p TxPart) string {
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	h := sha256.New()
	h.Write(nonce[:])
	h.Write(EncodeTx(p))
	return hex.EncodeToString(h.Sum(nil))
}

// orgKey returns org's signing key, making sure its certificate is stored
// in ledger_certs before any entry refers to it.
func (l *Ledger) orgKey(ctx context.Context, org string) (*keys.OrgKey, error) {
	k, err := l.keys.Org(org)
	if err != nil {
		return nil, err
	}
	l.certMu.Lock()
	defer l.certMu.Unlock()
	if l.certsInDB[k.Fingerprint] {
		return k, nil
	}
	_, err = l.db.ExecContext(ctx, `INSERT INTO ledger_certs (fingerprint, org, der) VALUES (`+l.d.ph(1)+`,`+l.d.ph(2)+`,`+l.d.ph(3)+`) ON CONFLICT DO NOTHING`,
		hex.EncodeToString(k.Fingerprint[:]), org, k.Cert.Raw)
	if err != nil {
		return nil, fmt.Errorf("store certificate of %s: %w", org, err)
	}
	l.certsInDB[k.Fingerprint] = true
	return k, nil
}

// idemKey is an idempotency key, scoped to its organization.
type idemKey struct{ org, key string }

// lookupIdem returns the receipts (Replayed set) of the committed
// transactions among ks: one indexed IN query per organization and 500
// keys (a long OR chain costs SQLite more to prepare than to run).
func (l *Ledger) lookupIdem(ctx context.Context, ks []idemKey) (map[idemKey]ledger.Receipt, error) {
	out := map[idemKey]ledger.Receipt{}
	byOrg := map[string][]string{}
	var orgs []string
	for _, k := range ks {
		if _, ok := byOrg[k.org]; !ok {
			orgs = append(orgs, k.org)
		}
		byOrg[k.org] = append(byOrg[k.org], k.key)
	}
	for _, org := range orgs {
		keys := byOrg[org]
		for start := 0; start < len(keys); start += 500 {
			chunk := keys[start:min(len(keys), start+500)]
			var b strings.Builder
			args := make([]any, 0, len(chunk)+1)
			args = append(args, org)
			for i, k := range chunk {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(l.d.ph(i + 2))
				args = append(args, k)
			}
			if err := l.receipts(ctx, out, `SELECT e.data FROM ledger_idempotency i JOIN ledger_entries e ON e.seq = i.seq WHERE i.org = `+l.d.ph(1)+` AND i.idem_key IN (`+b.String()+`)`, args); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// receipts adds the receipts of the entries q selects to out.
func (l *Ledger) receipts(ctx context.Context, out map[idemKey]ledger.Receipt, q string, args []any) error {
	rows, err := l.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read idempotency keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return fmt.Errorf("read idempotency keys: %w", err)
		}
		e, err := DecodeEntry(data)
		if err != nil {
			return fmt.Errorf("entry of an idempotency key: %v: %w", err, models.ErrTampered)
		}
		out[idemKey{e.Tx.Org, e.Tx.IdempotencyKey}] = ledger.Receipt{Seq: e.Seq, TxID: e.Tx.TxID, Time: e.Tx.Time, Replayed: true}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read idempotency keys: %w", err)
	}
	return nil
}
