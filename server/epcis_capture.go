package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/epcis"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// An EPCIS capture runs as a job in the server's memory, like a CSV
// import: the document is checked against the schema in the request, then
// every event is translated into its contract transaction and run on an
// overlay of the ledger's state (a dry run, in document order, each event
// seeing the ones before it), and only then committed.
//
// All-or-nothing: with GS1-Capture-Error-Behaviour rollback (the
// default), a document with any event that would be rejected commits
// nothing; every event's result says why it was rejected or that it was
// not applied. The commit is one atomic group on the embedded ledger
// (ledger.BatchSubmitter), so a change between dry run and commit (another
// user's write) rejects the whole group, which the results say, never half
// of it. With proceed, the events that pass commit and the others are
// reported. Each event's idempotency key comes from its eventID, so
// posting a document again commits nothing twice: its events come back
// "replayed".
const (
	maxCaptureBody   = 64 << 20 // bytes of a capture document
	maxCaptureEvents = 100_000  // events of a capture document
	maxCaptureJobs   = 16       // jobs kept; the oldest finished one makes room
	captureWait      = 500      // documents up to this many events are answered when done
	captureChunk     = 2000     // proceed commits in groups of this many
	maxFutureSkew    = 5 * time.Minute
)

// Capture states and event outcomes.
const (
	captureChecking   = "checking"
	captureCommitting = "committing"
	captureDone       = "done"

	evCommitted  = "committed"
	evReplayed   = "replayed"
	evRejected   = "rejected"
	evNotApplied = "not_applied"
	evPending    = "pending"
)

// Error behaviours (GS1-Capture-Error-Behaviour).
const (
	behaviourRollback = "rollback"
	behaviourProceed  = "proceed"
)

// captureJob is one capture and its progress.
type captureJob struct {
	ID         string         `json:"id"`
	State      string         `json:"state"`           // checking, committing, done
	Behaviour  string         `json:"error_behaviour"` // rollback or proceed
	Total      int            `json:"total"`
	Checked    int            `json:"checked"` // events translated and dry-run
	Committed  int            `json:"committed"`
	Replayed   int            `json:"replayed"` // committed by an earlier capture
	Rejected   int            `json:"rejected"`
	NotApplied int            `json:"not_applied"`
	Head       uint64         `json:"head,omitempty"` // ledger sequence the read model shows it at
	Events     []eventOutcome `json:"events"`
	Created    time.Time      `json:"created_at"`
	Finished   *time.Time     `json:"finished_at,omitempty"`
	Org        string         `json:"org"`
	User       string         `json:"user"`
}

// Success reports whether every event is on the ledger.
func (j captureJob) Success() bool {
	return j.State == captureDone && j.Committed+j.Replayed == j.Total
}

// Percent is the progress for the page's bar.
func (j captureJob) Percent() int {
	if j.Total == 0 || j.State == captureDone {
		return 100
	}
	return j.Checked * 90 / j.Total
}

// eventOutcome is one event's result.
type eventOutcome struct {
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
}

// capturer runs capture jobs.
type capturer struct {
	e    *epcisArea
	mu   sync.Mutex
	jobs map[string]*captureJob
}

// captured is a checked document: its events and their raw bytes.
type captured struct {
	events []epcis.Event
	raws   [][]byte
	bad    map[int]error // events that did not decode
}

// captureID derives a job's ID from who sends which document how.
func captureID(u *auth.User, behaviour string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(u.ID + "\n" + behaviour + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))[:20]
}

// snapshot returns a copy of a job that is safe to read.
func (cp *capturer) snapshot(id string) (captureJob, bool) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	j, ok := cp.jobs[id]
	if !ok {
		return captureJob{}, false
	}
	c := *j
	c.Events = append([]eventOutcome{}, j.Events...)
	return c, true
}

// list returns the organization's jobs, newest first, without events.
func (cp *capturer) list(org string) []captureJob {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	var out []captureJob
	for _, j := range cp.jobs {
		if j.Org == org {
			c := *j
			c.Events = nil
			out = append(out, c)
		}
	}
	for i := 1; i < len(out); i++ {
		for k := i; k > 0 && out[k].Created.After(out[k-1].Created); k-- {
			out[k], out[k-1] = out[k-1], out[k]
		}
	}
	return out
}

// start runs doc for u as job id; a job with that ID still running is
// returned as it stands.
func (cp *capturer) start(u *auth.User, id, behaviour string, doc captured) (captureJob, <-chan struct{}, error) {
	cp.mu.Lock()
	if j, ok := cp.jobs[id]; ok && j.State != captureDone {
		cp.mu.Unlock()
		j, _ := cp.snapshot(id)
		return j, nil, nil
	}
	if _, ok := cp.jobs[id]; !ok && len(cp.jobs) >= maxCaptureJobs {
		var oldest *captureJob
		for _, j := range cp.jobs {
			if j.State == captureDone && (oldest == nil || j.Created.Before(oldest.Created)) {
				oldest = j
			}
		}
		if oldest == nil {
			cp.mu.Unlock()
			return captureJob{}, nil, models.Conflict("", "%d captures are running; try again when one has finished", maxCaptureJobs)
		}
		delete(cp.jobs, oldest.ID)
	}
	j := &captureJob{ID: id, State: captureChecking, Behaviour: behaviour, Total: len(doc.events), Events: make([]eventOutcome, len(doc.events)),
		Created: cp.e.s.opts.Now().UTC(), Org: u.OrgID, User: u.ID}
	for i := range j.Events {
		j.Events[i] = eventOutcome{Index: i, EventID: doc.events[i].EventID, Status: evPending}
	}
	cp.jobs[id] = j
	cp.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		cp.run(*u, j, doc)
	}()
	out, _ := cp.snapshot(id)
	return out, done, nil
}

// pending is an event translated into its transaction, waiting for its
// commit.
type pending struct {
	index   int
	tx      ledger.Tx
	checked bool // the dry run executed it
	dropped bool // the dry run rejected it
}

// run checks every event, then commits.
func (cp *capturer) run(u auth.User, j *captureJob, doc captured) {
	ctx := context.Background()
	s := cp.e.s
	keys := make([]string, len(doc.events))
	for i, ev := range doc.events {
		keys[i] = epcis.IdempotencyKey(ev, doc.raws[i])
	}
	bs, batched := s.opts.Ledger.(ledger.BatchSubmitter)
	known := map[string]ledger.Receipt{}
	if batched {
		var err error
		if known, err = bs.Committed(ctx, u.OrgID, keys); err != nil {
			cp.failAll(j, err)
			return
		}
	}
	facts := &ledgerFacts{ctx: ctx, l: s.opts.Ledger, cache: map[string][]byte{}, absent: map[string]bool{}}
	todo, rejected := cp.check(ctx, facts, batched, u, j, doc, keys, known)
	cp.mu.Lock()
	j.State = captureCommitting
	cp.mu.Unlock()
	var last uint64
	switch {
	case rejected && j.Behaviour == behaviourRollback:
		cp.settle(j, todo, nil, nil, ledger.ErrNotApplied)
	case len(todo) == 0:
	case batched:
		if pl, ok := s.opts.Ledger.(bulkState); ok {
			// The sequencer will read what the dry run read: in bulk, now.
			if err := pl.Preload(ctx, facts.read); err != nil {
				s.opts.Logger.Warn("capture: preload", "job", j.ID, "err", err)
			}
		}
		atomic := j.Behaviour == behaviourRollback
		size := len(todo)
		if !atomic {
			size = captureChunk
		}
		for start := 0; start < len(todo); start += size {
			chunk := todo[start:min(len(todo), start+size)]
			txs := make([]ledger.Tx, len(chunk))
			for i, p := range chunk {
				txs[i] = p.tx
			}
			wctx, cancel := context.WithTimeout(ctx, s.opts.WriteTimeout+time.Duration(len(txs))*time.Millisecond)
			recs, errs, err := bs.SubmitBatch(wctx, txs, atomic)
			cancel()
			if err != nil {
				cp.settle(j, chunk, nil, nil, err)
				continue
			}
			last = max(last, cp.settle(j, chunk, recs, errs, nil))
		}
	default:
		// A ledger without batches (Fabric): one transaction at a time, in
		// order, each with its idempotency key. A rollback document passed
		// the dry run whole, but a later event may still be rejected at
		// commit; the results then say which committed.
		for _, p := range todo {
			wctx, cancel := context.WithTimeout(ctx, s.opts.WriteTimeout)
			rec, err := s.opts.Ledger.Submit(wctx, p.tx)
			cancel()
			var errs []error
			if err != nil {
				errs = []error{err}
			} else {
				errs = []error{nil}
			}
			last = max(last, cp.settle(j, []pending{p}, []ledger.Receipt{rec}, errs, nil))
		}
	}
	if last > 0 {
		wctx, cancel := context.WithTimeout(ctx, s.opts.WriteTimeout)
		if err := s.opts.Projector.WaitFor(wctx, last); err != nil {
			s.opts.Logger.Warn("capture committed but the read model is behind", "job", j.ID, "seq", last, "err", err)
		}
		cancel()
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	now := s.opts.Now().UTC()
	j.State, j.Finished, j.Head = captureDone, &now, last
}

// check translates every event in order, recording rejections and
// replays, and collects the transactions to commit. It reports whether any
// event was rejected.
//
// The dry run executes a transaction on the overlay only when it must: when
// a later event's translation reads the state (a receipt reads the
// shipment an earlier event of the document may have dispatched), or, on
// a ledger without atomic batches, always. On the embedded ledger the
// atomic batch commit runs the contract anyway and answers every
// transaction, so executing each twice would only halve the throughput.
// When an event is rejected and the document is all-or-nothing, the rest is
// dry-run too, so the answer lists every problem at once.
func (cp *capturer) check(ctx context.Context, facts *ledgerFacts, lazy bool, u auth.User, j *captureJob, doc captured, keys []string, known map[string]ledger.Receipt) ([]pending, bool) {
	s := cp.e.s
	if err := facts.prefetch(namedKeys(doc.events)); err != nil {
		s.opts.Logger.Warn("capture: bulk state read", "job", j.ID, "err", err)
	}
	st := &dryState{base: facts, pending: map[string][]byte{}}
	tr := &epcis.Translator{State: st, Lookup: &storeLookup{ctx: ctx, e: cp.e}}
	var todo []pending
	var queued []int // todo entries not executed yet
	firstOf := map[string]int{}
	now := s.opts.Now()
	rejected := false
	reject := func(i int, pointer string, err error) {
		rejected = true
		cp.outcome(j, i, rejection(i, pointer, err))
	}
	flushing := false
	flush := func() {
		if flushing {
			return
		}
		flushing = true
		for _, k := range queued {
			p := &todo[k]
			call := contract.Call{TxID: fmt.Sprintf("dry-run-%d", p.index), Type: p.tx.Type, Args: p.tx.Args, Org: p.tx.Org, User: p.tx.User, Role: p.tx.Role, Time: p.tx.Time}
			if _, err := contract.Execute(st, call); err != nil {
				o := rejection(p.index, "/epcisBody/eventList/"+strconv.Itoa(p.index), err)
				o.Transaction = p.tx.Type
				rejected = true
				p.dropped = true
				cp.outcome(j, p.index, o)
				continue
			}
			p.checked = true
		}
		queued = queued[:0]
		flushing = false
	}
	st.before = flush
	for i, ev := range doc.events {
		if i%200 == 0 {
			cp.mu.Lock()
			j.Checked = i
			cp.mu.Unlock()
		}
		base := "/epcisBody/eventList/" + strconv.Itoa(i)
		if err, bad := doc.bad[i]; bad {
			reject(i, base, err)
			continue
		}
		if k, dup := firstOf[keys[i]]; dup {
			reject(i, base+"/eventID", models.Invalid("", "is the same as event %d's; every event needs its own eventID", k))
			continue
		}
		firstOf[keys[i]] = i
		if rc, ok := known[keys[i]]; ok {
			typ, _ := epcis.Classify(ev)
			cp.outcome(j, i, eventOutcome{Index: i, EventID: ev.EventID, Transaction: typ, Status: evReplayed, Seq: rc.Seq, TxID: rc.TxID})
			continue
		}
		if org, err := epcis.RecordedBy(ev); err != nil {
			reject(i, base, err)
			continue
		} else if org != "" && org != u.OrgID {
			reject(i, base+"/plb:recordedBy", models.Forbidden("the event was recorded by %s; a user of %s captures it (you are %s)", org, org, u.OrgID))
			continue
		}
		t, err := tr.Tx(ev)
		if err != nil {
			reject(i, base, err)
			continue
		}
		if t.Time.After(now.Add(maxFutureSkew)) {
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
		cp.outcome(j, i, eventOutcome{Index: i, EventID: ev.EventID, Transaction: t.Type, Status: evPending})
		todo = append(todo, pending{index: i, tx: ledger.Tx{Type: t.Type, Args: args, Org: u.OrgID, User: u.ID, Role: u.Role, IdempotencyKey: keys[i], Time: t.Time}})
		queued = append(queued, len(todo)-1)
		if !lazy {
			flush()
		}
	}
	if rejected && j.Behaviour == behaviourRollback {
		flush()
	}
	cp.mu.Lock()
	j.Checked = len(doc.events)
	cp.mu.Unlock()
	kept := todo[:0]
	for _, p := range todo {
		if !p.dropped {
			kept = append(kept, p)
		}
	}
	return kept, rejected
}

// rejection describes why event i was rejected. A models.Error's field
// is a JSON pointer within the event when it starts with '/' (the
// translator's), else a field of the transaction (the contract's).
func rejection(i int, base string, err error) eventOutcome {
	o := eventOutcome{Index: i, Status: evRejected, Pointer: base, Message: err.Error()}
	_, o.Code = status(err)
	var me *models.Error
	if errors.As(err, &me) {
		o.Message = me.Message
		if len(me.Field) > 0 && me.Field[0] == '/' {
			o.Pointer = base + me.Field
		} else {
			o.Field = me.Field
		}
	}
	if o.Code == "internal" {
		o.Message = "internal error; the server log has details"
	}
	return o
}

// outcome records event i's outcome, keeping its eventID and counting it.
func (cp *capturer) outcome(j *captureJob, i int, o eventOutcome) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if o.EventID == "" {
		o.EventID = j.Events[i].EventID
	}
	if o.Transaction == "" {
		o.Transaction = j.Events[i].Transaction
	}
	switch j.Events[i].Status {
	case evRejected:
		j.Rejected--
	case evReplayed:
		j.Replayed--
	}
	switch o.Status {
	case evCommitted:
		j.Committed++
	case evReplayed:
		j.Replayed++
	case evRejected:
		j.Rejected++
	case evNotApplied:
		j.NotApplied++
	}
	j.Events[i] = o
}

// settle records the commit results of events, or err for all of them,
// and returns the highest sequence number committed.
func (cp *capturer) settle(j *captureJob, ps []pending, recs []ledger.Receipt, errs []error, err error) uint64 {
	var last uint64
	for k, p := range ps {
		e := err
		if e == nil && errs != nil {
			e = errs[k]
		}
		switch {
		case errors.Is(e, ledger.ErrNotApplied):
			cp.outcome(j, p.index, eventOutcome{Index: p.index, Status: evNotApplied, Message: "not applied: the document is all-or-nothing (GS1-Capture-Error-Behaviour: rollback) and another of its events was rejected"})
		case e != nil:
			o := rejection(p.index, "/epcisBody/eventList/"+strconv.Itoa(p.index), e)
			if p.checked {
				o.Message = "rejected at commit (the ledger changed since the check): " + o.Message
			}
			cp.outcome(j, p.index, o)
		case recs[k].Replayed:
			cp.outcome(j, p.index, eventOutcome{Index: p.index, Status: evReplayed, Seq: recs[k].Seq, TxID: recs[k].TxID})
			last = max(last, recs[k].Seq)
		default:
			cp.outcome(j, p.index, eventOutcome{Index: p.index, Status: evCommitted, Seq: recs[k].Seq, TxID: recs[k].TxID})
			last = max(last, recs[k].Seq)
		}
	}
	return last
}

// failAll ends a job that could not start.
func (cp *capturer) failAll(j *captureJob, err error) {
	cp.e.s.opts.Logger.Error("capture", "job", j.ID, "err", err)
	for i := range j.Events {
		cp.outcome(j, i, eventOutcome{Index: i, Status: evNotApplied, Message: "the ledger could not be read; nothing was applied, try again"})
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	now := cp.e.s.opts.Now().UTC()
	j.State, j.Finished = captureDone, &now
}

// dryState is the world state a capture's dry run executes on: the
// ledger's committed state with the document's own writes on top.
type dryState struct {
	base    epcis.Facts
	pending map[string][]byte
	before  func() // runs before every read: executes what is queued
}

func (d *dryState) Get(key string) ([]byte, error) {
	if d.before != nil {
		d.before()
	}
	if v, ok := d.pending[key]; ok {
		return v, nil
	}
	return d.base.Get(key)
}

func (d *dryState) Put(key string, value []byte) error {
	d.pending[key] = value
	return nil
}

// Range is not needed by any transaction a capture makes (only
// registrations range over the state).
func (d *dryState) Range(prefix string, fn func(key string, value []byte) error) error {
	return fmt.Errorf("range %s: a capture's dry run cannot range over the state", prefix)
}

// storeLookup resolves identifiers through the read model, each once per
// capture.
type storeLookup struct {
	ctx      context.Context
	e        *epcisArea
	products map[string]string
	lots     map[string]string
}

func (l *storeLookup) ProductByGTIN(gtin14 string) (string, error) {
	if id, ok := l.products[gtin14]; ok {
		return id, nil
	}
	id, err := l.productByGTIN(gtin14)
	if err == nil {
		if l.products == nil {
			l.products = map[string]string{}
		}
		l.products[gtin14] = id
	}
	return id, err
}

func (l *storeLookup) productByGTIN(gtin14 string) (string, error) {
	for _, n := range []int{14, 13, 12, 8} {
		if len(gtin14) != 14 || (n < 14 && gtin14[:14-n] != "000000"[:14-n]) {
			continue
		}
		p, err := l.e.s.opts.Store.ProductByGTIN(l.ctx, gtin14[14-n:])
		if errors.Is(err, models.ErrNotFound) {
			continue
		}
		return p.ID, err
	}
	return "", models.NotFound("gtin", "no product has GTIN %s", gtin14)
}

func (l *storeLookup) BatchByLot(gtin14, lot string) (string, error) {
	if code, ok := l.lots[gtin14+"/"+lot]; ok {
		return code, nil
	}
	b, ok, err := l.e.lotBatch(l.ctx, gtin14, lot)
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

// namedKeys are the world-state keys of the batches a document names by
// code (/b/{code}, or the codes it gives new batches), which its dry run
// will read.
func namedKeys(evs []epcis.Event) []string {
	seen := map[string]bool{}
	var keys []string
	add := func(uri string) {
		if id, err := epcis.Parse(uri); err == nil && id.Kind == epcis.IDBatch && !seen[id.Code] {
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
