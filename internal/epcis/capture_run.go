package epcis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// A capture checks a document's events and commits them. Every event is
// translated into its contract transaction and run on an overlay of the
// ledger's state (a dry run, in document order, each event seeing the
// ones before it), and only then committed.
//
// All-or-nothing: with GS1-Capture-Error-Behaviour rollback (the
// default), a document with any event that would be rejected commits
// nothing; every event's result says why it was rejected or that it was
// not applied. The commit is one atomic group on the embedded ledger
// (ledger.BatchSubmitter), so a change between dry run and commit (another
// user's write) rejects the whole group, which the results say, never half
// of it. With proceed, the events that pass commit in groups and the
// others are reported. Each event's idempotency key comes from its
// eventID, so capturing a document again commits nothing twice: its
// events come back "replayed".
//
// A capture stops when its context is cancelled at the next event it
// checks or the next group it commits, never inside one: a group once
// submitted is finished and recorded. The events not committed are then
// "not_applied", and capturing the document again finishes it.

// Capture phases (CaptureProgress.Phase).
const (
	PhaseChecking   = "checking"
	PhaseCommitting = "committing"
)

// Event outcomes (Outcome.Status).
const (
	EventCommitted  = "committed"
	EventReplayed   = "replayed"
	EventRejected   = "rejected"
	EventNotApplied = "not_applied"
	EventPending    = "pending"
)

// Error behaviours (GS1-Capture-Error-Behaviour).
const (
	BehaviourRollback = "rollback"
	BehaviourProceed  = "proceed"
)

// MaxFutureSkew is how far in the future an event's time may lie.
const MaxFutureSkew = 5 * time.Minute

// captureChunk is how many events a proceed capture commits per group.
const captureChunk = 2000

// CaptureDoc is a document checked against the schema: its events and
// their raw bytes.
type CaptureDoc struct {
	Events []Event
	Raws   [][]byte
	Bad    map[int]error // events that did not decode
}

// Outcome is one event's result.
type Outcome struct {
	Index       int    `json:"index"`
	EventID     string `json:"event_id,omitempty"`
	Transaction string `json:"transaction,omitempty"` // the contract type it became
	Status      string `json:"status"`                // committed, replayed, rejected, not_applied, pending
	Seq         uint64 `json:"seq,omitempty"`
	TxID        string `json:"tx_id,omitempty"`
	Code        string `json:"code,omitempty"`    // why rejected: invalid, not_found, conflict, forbidden
	Pointer     string `json:"pointer,omitempty"` // JSON pointer into the document
	Field       string `json:"field,omitempty"`   // the transaction's field the contract named
	Message     string `json:"message,omitempty"`
	// Err is why the event was rejected, for whoever gives it its Code;
	// never sent.
	Err error `json:"-"`
}

// CaptureProgress is a capture's progress.
type CaptureProgress struct {
	Phase      string // checking, committing
	Behaviour  string // rollback or proceed
	Checked    int    // events translated and dry-run
	Committed  int
	Replayed   int // committed by an earlier capture
	Rejected   int
	NotApplied int
	Head       uint64 // ledger sequence the read model shows it at
	Events     []Outcome
	User       string
}

// NewCaptureProgress is the progress of doc's capture before it starts:
// every event pending.
func NewCaptureProgress(doc CaptureDoc, behaviour, user string) CaptureProgress {
	p := CaptureProgress{Phase: PhaseChecking, Behaviour: behaviour, Events: make([]Outcome, len(doc.Events)), User: user}
	for i := range p.Events {
		p.Events[i] = Outcome{Index: i, EventID: doc.Events[i].EventID, Status: EventPending}
	}
	return p
}

// Capturer runs captures against a ledger. Ledger, Catalog and Projection
// are required.
type Capturer struct {
	Ledger  ledger.Ledger
	Catalog Catalog
	// Projection waits for the read model to show a committed entry.
	Projection interface {
		WaitFor(ctx context.Context, seq uint64) error
	}
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// WriteTimeout bounds one commit (plus a millisecond per event of a
	// group) and the wait for the read model; zero means 15 s.
	WriteTimeout time.Duration
	// Chunk is how many events a proceed capture commits per group; zero
	// means 2000.
	Chunk int
}

func (c *Capturer) defaults() {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = 15 * time.Second
	}
	if c.Chunk <= 0 {
		c.Chunk = captureChunk
	}
}

// Update is how a capture reports progress: it calls the function it is
// given with the capture's progress, under whatever lock guards it.
type Update func(func(p *CaptureProgress))

// pending is an event translated into its transaction, waiting for its
// commit.
type pending struct {
	index   int
	tx      ledger.Tx
	checked bool // the dry run executed it
	dropped bool // the dry run rejected it
}

// Run checks every event of doc, then commits them for u with behaviour,
// reporting through update. It returns ctx.Err() when ctx was cancelled
// before the capture finished; the events not committed are then
// not_applied.
func (c *Capturer) Run(ctx context.Context, u models.User, behaviour string, doc CaptureDoc, update Update) error {
	c.defaults()
	// What is started — a read, a group's commit — is finished even when
	// ctx is cancelled; ctx is looked at between events and groups.
	rctx := context.WithoutCancel(ctx)
	keys := make([]string, len(doc.Events))
	for i, ev := range doc.Events {
		keys[i] = IdempotencyKey(ev, doc.Raws[i])
	}
	bs, batched := c.Ledger.(ledger.BatchSubmitter)
	known := map[string]ledger.Receipt{}
	if batched {
		var err error
		if known, err = bs.Committed(rctx, u.OrgID, keys); err != nil {
			c.failAll(update, len(doc.Events), err)
			return nil
		}
	}
	facts := &LedgerFacts{l: c.Ledger, cache: map[string][]byte{}, absent: map[string]bool{}}
	todo, rejected, stopped := c.check(ctx, facts, batched, u, behaviour, doc, keys, known, update)
	if stopped {
		interrupt(update)
		return ctx.Err()
	}
	update(func(p *CaptureProgress) { p.Phase = PhaseCommitting })
	var last uint64
	interrupted := false
	switch {
	case rejected && behaviour == BehaviourRollback:
		settle(update, todo, nil, nil, ledger.ErrNotApplied)
	case len(todo) == 0:
	case batched:
		if pl, ok := c.Ledger.(BulkState); ok {
			// The sequencer will read what the dry run read: in bulk, now.
			if err := pl.Preload(rctx, facts.read); err != nil {
				c.Logger.Warn("capture: preload", "err", err)
			}
		}
		atomic := behaviour == BehaviourRollback
		size := len(todo)
		if !atomic {
			size = c.Chunk
		}
		for start := 0; start < len(todo); start += size {
			if ctx.Err() != nil {
				interrupt(update)
				interrupted = true
				break
			}
			chunk := todo[start:min(len(todo), start+size)]
			txs := make([]ledger.Tx, len(chunk))
			for i, p := range chunk {
				txs[i] = p.tx
			}
			wctx, cancel := context.WithTimeout(rctx, c.WriteTimeout+time.Duration(len(txs))*time.Millisecond)
			recs, errs, err := bs.SubmitBatch(wctx, txs, atomic)
			cancel()
			if err != nil {
				settle(update, chunk, nil, nil, err)
				continue
			}
			last = max(last, settle(update, chunk, recs, errs, nil))
		}
	default:
		// A ledger without batches (Fabric): one transaction at a time, in
		// order, each with its idempotency key. A rollback document passed
		// the dry run whole, but a later event may still be rejected at
		// commit; the results then say which committed.
		for _, p := range todo {
			if ctx.Err() != nil {
				interrupt(update)
				interrupted = true
				break
			}
			wctx, cancel := context.WithTimeout(rctx, c.WriteTimeout)
			rec, err := c.Ledger.Submit(wctx, p.tx)
			cancel()
			last = max(last, settle(update, []pending{p}, []ledger.Receipt{rec}, []error{err}, nil))
		}
	}
	if last > 0 {
		wctx, cancel := context.WithTimeout(rctx, c.WriteTimeout)
		if err := c.Projection.WaitFor(wctx, last); err != nil {
			c.Logger.Warn("capture committed but the read model is behind", "seq", last, "err", err)
		}
		cancel()
	}
	update(func(p *CaptureProgress) { p.Head = last })
	if interrupted {
		return ctx.Err()
	}
	return nil
}

// check translates every event in order, recording rejections and
// replays, and collects the transactions to commit. It reports whether any
// event was rejected, and whether ctx was cancelled before every event was
// checked (the transactions collected so far are then returned, and the
// events not reached are still pending).
//
// The dry run executes a transaction on the overlay only when it must: when
// a later event's translation reads the state (a receipt reads the
// shipment an earlier event of the document may have dispatched), or, on
// a ledger without atomic batches, always. On the embedded ledger the
// atomic batch commit runs the contract anyway and answers every
// transaction, so executing each twice would only halve the throughput.
// When an event is rejected and the document is all-or-nothing, the rest is
// dry-run too, so the answer lists every problem at once.
func (c *Capturer) check(ctx context.Context, facts *LedgerFacts, lazy bool, u models.User, behaviour string, doc CaptureDoc, keys []string,
	known map[string]ledger.Receipt, update Update) (todo []pending, rejected, stopped bool) {
	rctx := context.WithoutCancel(ctx)
	if err := facts.prefetch(rctx, namedKeys(doc.Events)); err != nil {
		c.Logger.Warn("capture: bulk state read", "err", err)
	}
	st := &dryState{base: facts, pending: map[string][]byte{}}
	tr := &Translator{State: st, Lookup: &catalogLookup{cat: c.Catalog}}
	var queued []int // todo entries not executed yet
	firstOf := map[string]int{}
	now := c.Now()
	reject := func(i int, pointer string, err error) {
		rejected = true
		outcome(update, i, rejection(i, pointer, err))
	}
	flushing := false
	flush := func(ctx context.Context) {
		if flushing {
			return
		}
		flushing = true
		for _, k := range queued {
			p := &todo[k]
			call := contract.Call{TxID: fmt.Sprintf("dry-run-%d", p.index), Type: p.tx.Type, Args: p.tx.Args, Org: p.tx.Org, User: p.tx.User, Role: p.tx.Role, Time: p.tx.Time}
			if _, err := contract.Execute(st.at(ctx), call); err != nil {
				o := rejection(p.index, "/epcisBody/eventList/"+strconv.Itoa(p.index), err)
				o.Transaction = p.tx.Type
				rejected = true
				p.dropped = true
				outcome(update, p.index, o)
				continue
			}
			p.checked = true
		}
		queued = queued[:0]
		flushing = false
	}
	st.before = flush
	for i, ev := range doc.Events {
		if ctx.Err() != nil {
			return kept(todo), rejected, true
		}
		if i%200 == 0 {
			update(func(p *CaptureProgress) { p.Checked = i })
		}
		base := "/epcisBody/eventList/" + strconv.Itoa(i)
		if err, bad := doc.Bad[i]; bad {
			reject(i, base, err)
			continue
		}
		if k, dup := firstOf[keys[i]]; dup {
			reject(i, base+"/eventID", models.Invalid("", "is the same as event %d's; every event needs its own eventID", k))
			continue
		}
		firstOf[keys[i]] = i
		if rc, ok := known[keys[i]]; ok {
			typ, _ := Classify(ev)
			outcome(update, i, Outcome{Index: i, EventID: ev.EventID, Transaction: typ, Status: EventReplayed, Seq: rc.Seq, TxID: rc.TxID})
			continue
		}
		if org, err := RecordedBy(ev); err != nil {
			reject(i, base, err)
			continue
		} else if org != "" && org != u.OrgID {
			reject(i, base+"/plb:recordedBy", models.Forbidden("the event was recorded by %s; a user of %s captures it (you are %s)", org, org, u.OrgID))
			continue
		}
		t, err := tr.Tx(rctx, ev)
		if err != nil {
			reject(i, base, err)
			continue
		}
		if t.Time.After(now.Add(MaxFutureSkew)) {
			reject(i, base+"/eventTime", models.Invalid("", "%s is in the future; events are captured once they happened", ev.EventTime))
			continue
		}
		args, err := json.Marshal(t.Args)
		if err == nil {
			args, err = contract.Canonical(t.Type, args)
		}
		if err != nil {
			reject(i, base, err)
			continue
		}
		outcome(update, i, Outcome{Index: i, EventID: ev.EventID, Transaction: t.Type, Status: EventPending})
		todo = append(todo, pending{index: i, tx: ledger.Tx{Type: t.Type, Args: args, Org: u.OrgID, User: u.ID, Role: u.Role, IdempotencyKey: keys[i], Time: t.Time}})
		queued = append(queued, len(todo)-1)
		if !lazy {
			flush(rctx)
		}
	}
	if rejected && behaviour == BehaviourRollback {
		flush(rctx)
	}
	update(func(p *CaptureProgress) { p.Checked = len(doc.Events) })
	return kept(todo), rejected, false
}

// kept drops the transactions the dry run rejected.
func kept(todo []pending) []pending {
	out := todo[:0]
	for _, p := range todo {
		if !p.dropped {
			out = append(out, p)
		}
	}
	return out
}

// rejection describes why event i was rejected. A models.Error's field
// is a JSON pointer within the event when it starts with '/' (the
// translator's), else a field of the transaction (the contract's).
func rejection(i int, base string, err error) Outcome {
	o := Outcome{Index: i, Status: EventRejected, Pointer: base, Message: err.Error(), Err: err}
	var me *models.Error
	if errors.As(err, &me) {
		o.Message = me.Message
		if len(me.Field) > 0 && me.Field[0] == '/' {
			o.Pointer = base + me.Field
		} else {
			o.Field = me.Field
		}
	}
	return o
}

// outcome records event i's outcome, keeping its eventID and counting it.
func outcome(update Update, i int, o Outcome) {
	update(func(p *CaptureProgress) {
		if o.EventID == "" {
			o.EventID = p.Events[i].EventID
		}
		if o.Transaction == "" {
			o.Transaction = p.Events[i].Transaction
		}
		switch p.Events[i].Status {
		case EventRejected:
			p.Rejected--
		case EventReplayed:
			p.Replayed--
		}
		switch o.Status {
		case EventCommitted:
			p.Committed++
		case EventReplayed:
			p.Replayed++
		case EventRejected:
			p.Rejected++
		case EventNotApplied:
			p.NotApplied++
		}
		p.Events[i] = o
	})
}

// settle records the commit results of events, or err for all of them,
// and returns the highest sequence number committed.
func settle(update Update, ps []pending, recs []ledger.Receipt, errs []error, err error) uint64 {
	var last uint64
	for k, p := range ps {
		e := err
		if e == nil && errs != nil {
			e = errs[k]
		}
		switch {
		case errors.Is(e, ledger.ErrNotApplied):
			outcome(update, p.index, Outcome{Index: p.index, Status: EventNotApplied, Message: "not applied: the document is all-or-nothing (GS1-Capture-Error-Behaviour: rollback) and another of its events was rejected"})
		case e != nil:
			o := rejection(p.index, "/epcisBody/eventList/"+strconv.Itoa(p.index), e)
			if p.checked {
				o.Message = "rejected at commit (the ledger changed since the check): " + o.Message
			}
			outcome(update, p.index, o)
		case recs[k].Replayed:
			outcome(update, p.index, Outcome{Index: p.index, Status: EventReplayed, Seq: recs[k].Seq, TxID: recs[k].TxID})
			last = max(last, recs[k].Seq)
		default:
			outcome(update, p.index, Outcome{Index: p.index, Status: EventCommitted, Seq: recs[k].Seq, TxID: recs[k].TxID})
			last = max(last, recs[k].Seq)
		}
	}
	return last
}

// interrupt marks every event still pending as not applied because the
// capture was stopped.
func interrupt(update Update) {
	update(func(p *CaptureProgress) {
		for i := range p.Events {
			if p.Events[i].Status == EventPending {
				p.Events[i].Status = EventNotApplied
				p.Events[i].Message = "not applied: the server stopped before this event was committed; capture the document again to finish it"
				p.NotApplied++
			}
		}
	})
}

// failAll ends a capture that could not start.
func (c *Capturer) failAll(update Update, n int, err error) {
	c.Logger.Error("capture", "err", err)
	for i := range n {
		outcome(update, i, Outcome{Index: i, Status: EventNotApplied, Message: "the ledger could not be read; nothing was applied, try again"})
	}
}

// dryState is the world state a capture's dry run executes on: the
// ledger's committed state with the document's own writes on top.
type dryState struct {
	base    Facts
	pending map[string][]byte
	before  func(ctx context.Context) // runs before every read: executes what is queued
}

// Get reads key as the dry run sees it.
func (d *dryState) Get(ctx context.Context, key string) ([]byte, error) {
	if d.before != nil {
		d.before(ctx)
	}
	if v, ok := d.pending[key]; ok {
		return v, nil
	}
	return d.base.Get(ctx, key)
}

// at is the dry state as the contract reads it, for one contract.Execute.
func (d *dryState) at(ctx context.Context) contract.State { return dryCall{ctx: ctx, d: d} }

// dryCall adapts the dry state to contract.State, whose reads take no
// context (Fabric's stub has none): it lends the context of the one
// contract.Execute it is made for and is dropped when that returns.
type dryCall struct {
	ctx context.Context
	d   *dryState
}

func (s dryCall) Get(key string) ([]byte, error) { return s.d.Get(s.ctx, key) }

func (s dryCall) Put(key string, value []byte) error {
	s.d.pending[key] = value
	return nil
}

// Range is not needed by any transaction a capture makes (only
// registrations range over the state).
func (s dryCall) Range(prefix string, fn func(key string, value []byte) error) error {
	return fmt.Errorf("range %s: a capture's dry run cannot range over the state", prefix)
}

// namedKeys are the world-state keys of the batches a document names by
// code (/b/{code}, or the codes it gives new batches), which its dry run
// will read.
func namedKeys(evs []Event) []string {
	seen := map[string]bool{}
	var keys []string
	add := func(uri string) {
		if id, err := Parse(uri); err == nil && id.Kind == IDBatch && !seen[id.Code] {
			seen[id.Code] = true
			keys = append(keys, models.Key(models.PrefixBatch, id.Code))
		}
	}
	for _, ev := range evs {
		for _, q := range ev.QuantityList {
			add(q.EPCClass)
		}
		for _, q := range ev.InputQuantityList {
			add(q.EPCClass)
		}
		for _, q := range ev.OutputQuantityList {
			add(q.EPCClass)
		}
		if c, ok := ev.ILMD["plb:batchCode"].(string); ok && !seen[c] {
			seen[c] = true
			keys = append(keys, models.Key(models.PrefixBatch, c))
		}
	}
	return keys
}
