// Package jobs keeps the long-running work that a request starts — CSV
// imports, EPCIS captures, the dashboard's ledger verification — in one
// bounded table in memory.
//
// Every job runs on the table's owner context, created with the table and
// cancelled only when the table shuts down, so no job outlives the process
// on context.Background(). Shutdown gives running jobs a grace period to
// finish, then cancels the owner context and waits for them to stop; a job
// stopped that way ends Interrupted, and its runner stops at a safe
// boundary (a row, a group of events) so that starting the same work again
// finishes it.
//
// A table holds several kinds of jobs, each with its own progress type P
// (Kind[P]) and its own bound: when a kind is full, its oldest finished
// job makes room, and when every job of the kind is still running a new
// one is refused with ErrFull.
package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// State is where a job is.
type State string

// Job states.
const (
	// Running: the job's function has not returned yet.
	Running State = "running"
	// Done: the function returned nil.
	Done State = "done"
	// Failed: the function returned an error of its own.
	Failed State = "failed"
	// Interrupted: the table shut down and cancelled the job before it
	// finished.
	Interrupted State = "interrupted"
)

// DefaultGrace is how long Close lets running jobs finish when it is given
// no grace period.
const DefaultGrace = 10 * time.Second

// DefaultMax bounds a kind that does not say how many jobs it keeps.
const DefaultMax = 64

var (
	// ErrFull is returned by Start when every job the kind may keep is
	// still running.
	ErrFull = errors.New("every place in the job table holds a running job")
	// ErrClosed is returned by Start once the table is shutting down.
	ErrClosed = errors.New("the job table is shutting down")
)

// Job is a copy of one job, safe to read: its identity, state and
// progress. Data is the kind's own progress.
type Job[P any] struct {
	ID    string
	Kind  string
	Owner string // who may see it: an organization, a user
	State State
	Total int // units of work (rows, events, entries)
	Done  int // units finished
	// Err says why the job failed (Failed only).
	Err      string
	Created  time.Time
	Finished time.Time // zero while running
	Data     P
}

// Options configures a table.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Table is the job table. The zero value is not usable; call New.
type Table struct {
	now func() time.Time
	// owner is the context every job runs on. It belongs to the table,
	// not to a request: it lives from New until Shutdown cancels it.
	owner  context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	jobs   map[key]*entry
	closed bool
}

type key struct{ kind, id string }

// entry is one job in the table; every field is guarded by Table.mu.
type entry struct {
	job     Job[any]
	stopped chan struct{} // closed when the job's function returned
}

// New returns an empty table whose owner context is live until Shutdown.
func New(opts Options) *Table {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Table{now: opts.Now, owner: ctx, cancel: cancel, jobs: map[key]*entry{}}
}

// Shutdown refuses new jobs and waits for the running ones until ctx is
// done; then it cancels the owner context, so the rest stop at their next
// boundary, and waits for them. It returns nil when every job finished in
// time, and otherwise an error saying how many were interrupted.
func (t *Table) Shutdown(ctx context.Context) error {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	idle := make(chan struct{})
	go func() { t.wg.Wait(); close(idle) }()
	select {
	case <-idle:
		t.cancel()
		return nil
	case <-ctx.Done():
	}
	t.cancel()
	<-idle
	t.mu.Lock()
	n := 0
	for _, e := range t.jobs {
		if e.job.State == Interrupted {
			n++
		}
	}
	t.mu.Unlock()
	return fmt.Errorf("%d jobs interrupted after the grace period: %w", n, ctx.Err())
}

// Close is Shutdown with a grace period; zero or less means DefaultGrace.
func (t *Table) Close(grace time.Duration) error {
	if grace <= 0 {
		grace = DefaultGrace
	}
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	return t.Shutdown(ctx)
}

// Config describes one kind of job.
type Config[P any] struct {
	// Name tells the kind's jobs apart from other kinds' in the table;
	// IDs are unique within a kind.
	Name string
	// Max bounds how many jobs of the kind the table keeps, running or
	// finished; zero means DefaultMax.
	Max int
	// Clone copies a job's data for a reader; nil copies P by value,
	// which is enough when P holds no slices or maps that the job
	// changes.
	Clone func(P) P
	// Brief copies a job's data for List; nil means Clone.
	Brief func(P) P
	// Keep says whether a finished job stands when its ID is started
	// again (Start then returns it instead of running the work again);
	// nil means a finished job is always run again.
	Keep func(Job[P]) bool
}

// Kind is the table seen through one kind of job, whose progress is P.
type Kind[P any] struct {
	t *Table
	c Config[P]
}

// NewKind returns the kind described by c on table t.
func NewKind[P any](t *Table, c Config[P]) *Kind[P] {
	if c.Max <= 0 {
		c.Max = DefaultMax
	}
	if c.Clone == nil {
		c.Clone = func(p P) P { return p }
	}
	if c.Brief == nil {
		c.Brief = c.Clone
	}
	return &Kind[P]{t: t, c: c}
}

// Func is a job's work. It runs on the table's owner context: when ctx is
// cancelled (the table is shutting down) it stops at its next safe
// boundary and returns ctx.Err(). It reports progress through h.
type Func[P any] func(ctx context.Context, h *Handle[P]) error

// Start runs fn as job id of owner, with total units of work and data as
// its first progress. When a job with that ID is running, or has finished
// and the kind keeps it, Start returns that job and a nil channel instead.
// Otherwise it returns the new job and a channel closed when fn returns.
// It fails with ErrFull when every job the kind keeps is running, and with
// ErrClosed once the table is shutting down.
func (k *Kind[P]) Start(id, owner string, total int, data P, fn Func[P]) (Job[P], <-chan struct{}, error) {
	t := k.t
	t.mu.Lock()
	defer t.mu.Unlock()
	kk := key{k.c.Name, id}
	if e, ok := t.jobs[kk]; ok {
		j := k.copy(e, k.c.Clone)
		if j.State == Running || (k.c.Keep != nil && k.c.Keep(j)) {
			return j, nil, nil
		}
	}
	if t.closed {
		return Job[P]{}, nil, ErrClosed
	}
	if _, ok := t.jobs[kk]; !ok && k.count() >= k.c.Max {
		oldest := k.oldestFinished()
		if oldest == nil {
			return Job[P]{}, nil, ErrFull
		}
		delete(t.jobs, key{k.c.Name, oldest.job.ID})
	}
	e := &entry{job: Job[any]{ID: id, Kind: k.c.Name, Owner: owner, State: Running, Total: total, Created: t.now().UTC(), Data: data},
		stopped: make(chan struct{})}
	t.jobs[kk] = e
	t.wg.Add(1) // under mu and before closed is set: Shutdown's Wait comes after
	go t.run(e, func(ctx context.Context) error { return fn(ctx, &Handle[P]{t: t, e: e}) })
	return k.copy(e, k.c.Clone), e.stopped, nil
}

// run runs a job's function and records how it ended.
func (t *Table) run(e *entry, fn func(context.Context) error) {
	defer t.wg.Done()
	defer close(e.stopped)
	err := fn(t.owner)
	t.mu.Lock()
	defer t.mu.Unlock()
	e.job.Finished = t.now().UTC()
	switch {
	case err == nil:
		e.job.State = Done
	case t.owner.Err() != nil:
		e.job.State = Interrupted
	default:
		e.job.State, e.job.Err = Failed, err.Error()
	}
}

// count is how many jobs of the kind the table holds; t.mu is held.
func (k *Kind[P]) count() int {
	n := 0
	for kk := range k.t.jobs {
		if kk.kind == k.c.Name {
			n++
		}
	}
	return n
}

// oldestFinished is the kind's finished job created first; t.mu is held.
func (k *Kind[P]) oldestFinished() *entry {
	var oldest *entry
	for kk, e := range k.t.jobs {
		if kk.kind == k.c.Name && e.job.State != Running && (oldest == nil || e.job.Created.Before(oldest.job.Created)) {
			oldest = e
		}
	}
	return oldest
}

// copy returns e as a Job[P], its data copied with cp; t.mu is held.
func (k *Kind[P]) copy(e *entry, cp func(P) P) Job[P] {
	j := Job[P]{ID: e.job.ID, Kind: e.job.Kind, Owner: e.job.Owner, State: e.job.State, Total: e.job.Total, Done: e.job.Done,
		Err: e.job.Err, Created: e.job.Created, Finished: e.job.Finished}
	j.Data = cp(e.job.Data.(P))
	return j
}

// Get returns a copy of job id, if the table holds it.
func (k *Kind[P]) Get(id string) (Job[P], bool) {
	k.t.mu.Lock()
	defer k.t.mu.Unlock()
	e, ok := k.t.jobs[key{k.c.Name, id}]
	if !ok {
		return Job[P]{}, false
	}
	return k.copy(e, k.c.Clone), true
}

// List returns owner's jobs of the kind, newest first, their data copied
// with the kind's Brief.
func (k *Kind[P]) List(owner string) []Job[P] {
	k.t.mu.Lock()
	var out []Job[P]
	for kk, e := range k.t.jobs {
		if kk.kind == k.c.Name && e.job.Owner == owner {
			out = append(out, k.copy(e, k.c.Brief))
		}
	}
	k.t.mu.Unlock()
	slices.SortStableFunc(out, func(a, b Job[P]) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// Stopped returns a channel closed once job id is not running: at once
// when it has finished or the table does not hold it.
func (k *Kind[P]) Stopped(id string) <-chan struct{} {
	k.t.mu.Lock()
	defer k.t.mu.Unlock()
	if e, ok := k.t.jobs[key{k.c.Name, id}]; ok {
		return e.stopped
	}
	c := make(chan struct{})
	close(c)
	return c
}

// Handle is a running job's way to report its progress.
type Handle[P any] struct {
	t *Table
	e *entry
}

// ID is the job's ID.
func (h *Handle[P]) ID() string { return h.e.job.ID }

// Update changes the job's progress under the table's lock: fn may change
// the job's Total, Done and Data, and nothing else. Data is the job's own
// copy: fn must not keep a reference to anything in it.
func (h *Handle[P]) Update(fn func(j *Job[P])) {
	h.t.mu.Lock()
	defer h.t.mu.Unlock()
	j := Job[P]{ID: h.e.job.ID, Kind: h.e.job.Kind, Owner: h.e.job.Owner, State: h.e.job.State, Total: h.e.job.Total,
		Done: h.e.job.Done, Err: h.e.job.Err, Created: h.e.job.Created, Finished: h.e.job.Finished, Data: h.e.job.Data.(P)}
	fn(&j)
	h.e.job.Total, h.e.job.Done, h.e.job.Data = j.Total, j.Done, j.Data
}
