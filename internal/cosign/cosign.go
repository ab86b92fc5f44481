// Package cosign asks witnesses to cosign the embedded ledger's
// checkpoints (C2SP tlog-witness): after commits it sends each witness the
// latest checkpoint with a consistency proof from the last one that
// witness cosigned, one request in flight per witness, retried with
// backoff; it keeps the cosignatures beside the ledger, and it stops the
// ledger's writes on evidence that the ledger was rolled back or forked.
// Witnessing never blocks a commit.
package cosign

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/plumbline/plumbline/ledger"
)

// Log is what witnessing needs of the ledger (embedded.Ledger has it).
type Log interface {
	Checkpoint(ctx context.Context) (ledger.Checkpoint, error)
	CheckpointAt(ctx context.Context, size uint64) (ledger.Checkpoint, error)
	ConsistencyProof(ctx context.Context, oldSize, newSize uint64) ([][]byte, error)
	AddCosignature(ctx context.Context, size uint64, witness, line string) error
	Cosignatures(ctx context.Context, size uint64) (map[string]string, error)
	CosignedSizes(ctx context.Context) (map[string]uint64, error)
	WitnessedSizes(ctx context.Context, quorum, limit int) ([]uint64, error)
	PruneCosignatures(ctx context.Context, size uint64) error
	Commits() <-chan struct{}
	Halt(reason error)
	// HaltDurably is Halt kept across restarts, on verifiable evidence.
	HaltDurably(ctx context.Context, reason error) error
	Halted() error
	// CheckTrusted fails, wrapping ledger.ErrRolledBack or ledger.ErrForked,
	// when the ledger is smaller than or not an extension of a checkpoint
	// it signed.
	CheckTrusted(ctx context.Context, signedNote string) error
	// VerifierKeys returns the log's checkpoint verifier keys, one per line.
	VerifierKeys() string
	// Origin returns the name the log signs under now.
	Origin() string
	// State reads a world-state value (a ContinueLog's record).
	State(ctx context.Context, key string) ([]byte, error)
}

// Witness is one configured witness.
type Witness struct {
	Key string // its cosignature verifier key
	URL string // its base URL; requests go to URL + "/add-checkpoint"
}

// Name returns the witness's name, the first field of its key.
func (w Witness) Name() string {
	name, _, _ := strings.Cut(w.Key, "+")
	return name
}

// Options configures New.
type Options struct {
	Witnesses []Witness
	// Quorum is how many cosignatures make a checkpoint witnessed, and how
	// many witnesses' reports of a larger or different log stop writes.
	Quorum int
	// Client sends the requests; nil means one with a 10 s timeout.
	Client *http.Client
	// Interval is the least time between two rounds with one witness (a
	// round cosigns the latest checkpoint, whatever number of commits it
	// covers); zero means one second.
	Interval time.Duration
	// MinBackoff and MaxBackoff bound the wait before retrying a witness
	// that failed; zero means 250 ms and 30 s.
	MinBackoff, MaxBackoff time.Duration
	Logger                 *slog.Logger
	Now                    func() time.Time
}

// Cosigner runs the witnessing of one log.
type Cosigner struct {
	log       Log
	opts      Options
	witnesses []*witness

	mu     sync.Mutex
	claims map[string]string // witness name → what it reported, while it disagrees with the log
}

// witness is one witness's state, owned by its goroutine but for status.
type witness struct {
	name, url, key string
	v              note.Verifier

	mu     sync.Mutex
	status WitnessStatus
}

// WitnessStatus is what the dashboard shows of one witness.
type WitnessStatus struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
	Key  string `json:"key"`
	// Cosigned is the largest checkpoint size it has cosigned (0: none).
	Cosigned uint64 `json:"cosigned"`
	// Behind is how many entries the ledger's latest checkpoint has beyond.
	Behind uint64 `json:"behind"`
	// LastContact is when it last answered; LastError why it failed last,
	// empty after a success.
	LastContact time.Time `json:"last_contact,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	// Claim is what it reports that the ledger contradicts (a larger or
	// different log), empty when it agrees.
	Claim string `json:"claim,omitempty"`
}

// New checks the witnesses' keys and makes a Cosigner; Run starts it.
func New(log Log, opts Options) (*Cosigner, error) {
	if opts.Quorum < 1 || opts.Quorum > len(opts.Witnesses) {
		return nil, fmt.Errorf("witness quorum %d must be from 1 to the %d witnesses", opts.Quorum, len(opts.Witnesses))
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 250 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}

	c := &Cosigner{log: log, opts: opts, claims: map[string]string{}}
	for _, w := range opts.Witnesses {
		v, err := NewVerifier(w.Key)
		if err != nil {
			return nil, err
		}
		for _, o := range c.witnesses {
			if o.name == v.Name() {
				return nil, fmt.Errorf("witness %q is configured twice", o.name)
			}
		}
		url := strings.TrimRight(w.URL, "/")
		c.witnesses = append(c.witnesses, &witness{name: v.Name(), url: url, key: w.Key, v: v,
			status: WitnessStatus{Name: v.Name(), URL: url, Key: w.Key}})
	}
	return c, nil
}

// Quorum returns how many cosignatures make a checkpoint witnessed.
func (c *Cosigner) Quorum() int { return c.opts.Quorum }

// Run witnesses the log until ctx is done: one goroutine per witness.
func (c *Cosigner) Run(ctx context.Context) {
	known, err := c.log.CosignedSizes(ctx)
	if err != nil {
		c.opts.Logger.Error("witnessing: read stored cosignatures", "err", err)
		known = map[string]uint64{}
	}
	var wg sync.WaitGroup
	for _, w := range c.witnesses {
		w.mu.Lock()
		w.status.Cosigned = known[w.name]
		w.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.runWitness(ctx, w, known[w.name])
		}()
	}
	wg.Wait()
}

// Status returns every witness's status, in configuration order.
func (c *Cosigner) Status(ctx context.Context) []WitnessStatus {
	var latest uint64
	if cp, err := c.log.Checkpoint(ctx); err == nil {
		latest = cp.Size
	}
	out := make([]WitnessStatus, len(c.witnesses))
	for i, w := range c.witnesses {
		w.mu.Lock()
		out[i] = w.status
		w.mu.Unlock()
		if latest > out[i].Cosigned {
			out[i].Behind = latest - out[i].Cosigned
		}
	}
	return out
}

// Witnesses returns the configured witnesses' names and keys, in order.
func (c *Cosigner) Witnesses() []Witness {
	out := make([]Witness, len(c.witnesses))
	for i, w := range c.witnesses {
		out[i] = Witness{Key: w.key, URL: w.url}
	}
	return out
}

// WithCosignatures returns cp's signed note with the cosignature lines
// stored for it appended (C2SP tlog-checkpoint: a checkpoint's signature
// block holds the log's and its witnesses' signatures), and how many of
// the configured witnesses those are.
func (c *Cosigner) WithCosignatures(ctx context.Context, cp ledger.Checkpoint) (string, int, error) {
	lines, err := c.log.Cosignatures(ctx, cp.Size)
	if err != nil {
		return "", 0, err
	}
	note, n := cp.Note, 0
	for _, w := range c.witnesses {
		if line, ok := lines[w.name]; ok && !strings.Contains(note, line+"\n") {
			if _, err := cosignatureLine(cp.Note, []byte(line+"\n"), w.v); err == nil {
				note += line + "\n"
				n++
			}
		}
	}
	return note, n, nil
}

// Witnessed returns the newest checkpoint cosigned by a quorum of the
// configured witnesses, its note carrying their cosignatures; the error
// is ErrNotWitnessed when there is none yet.
func (c *Cosigner) Witnessed(ctx context.Context) (ledger.Checkpoint, int, error) {
	sizes, err := c.log.WitnessedSizes(ctx, c.opts.Quorum, 5)
	if err != nil {
		return ledger.Checkpoint{}, 0, err
	}
	for _, size := range sizes {
		cp, err := c.log.CheckpointAt(ctx, size)
		if err != nil {
			continue // signed under a size no longer stored (a restore): not evidence of this log
		}
		n, k, err := c.WithCosignatures(ctx, cp)
		if err != nil {
			return ledger.Checkpoint{}, 0, err
		}
		if k >= c.opts.Quorum {
			cp.Note = n
			return cp, k, nil
		}
	}
	return ledger.Checkpoint{}, 0, ErrNotWitnessed
}

// ErrNotWitnessed says no checkpoint has a quorum of cosignatures yet.
var ErrNotWitnessed = errors.New("no checkpoint is witnessed yet")

// claim records (or, with what empty, clears) a witness's report that
// contradicts the log, and stops writes once a quorum of witnesses
// report one.
func (c *Cosigner) claim(w *witness, what string) {
	w.mu.Lock()
	w.status.Claim = what
	w.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if what == "" {
		delete(c.claims, w.name)
		return
	}
	c.claims[w.name] = what
	c.opts.Logger.Error("a witness reports a larger or different log than this ledger's: it may have been rolled back (a restored backup) or forked",
		"witness", w.name, "report", what)
	if len(c.claims) >= c.opts.Quorum && c.log.Halted() == nil {
		var names []string
		for n := range c.claims {
			names = append(names, n)
		}
		slices.Sort(names)
		var reports []string
		for _, n := range names {
			reports = append(reports, n+": "+c.claims[n])
		}
		c.log.Halt(fmt.Errorf("%d of %d witnesses report that this ledger was rolled back or forked (%s); "+
			"bring back the missing entries with `plumbline ledger recover`, or start a new log origin (README, Trust)",
			len(c.claims), len(c.witnesses), strings.Join(reports, "; ")))
	}
}
