package embedded

import (
	"context"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/tlog"
	"gorm.io/gorm"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/embedded/keys"
	"github.com/plumbline/plumbline/models"
)

// DefaultMaxBatch is the largest group the sequencer commits at once when
// Options.MaxBatch is zero.
const DefaultMaxBatch = 256

// Options configures Open.
type Options struct {
	// DB is the database the ledger_ tables live in (SQLite or PostgreSQL,
	// opened by internal/dbx). Required.
	DB *gorm.DB
	// KeyDir is the private folder of the ledger's keys (see package keys);
	// created on first start. Required.
	KeyDir string
	// Origin names the log: its checkpoints' first line and their signer's
	// key name, e.g. "plumbline.example.com/ledger" (C2SP tlog-checkpoint).
	// It is fixed when the ledger is created; a ledger written before
	// origins existed adopts it once. Open fails with ErrOriginChanged when
	// the ledger has another, unless ChangeOrigin is set. Empty means the
	// ledger's own, or DefaultOrigin for a new one.
	Origin string
	// DefaultOrigin is the origin of a new (or adopting) ledger when Origin
	// is empty; it never changes an existing one. Empty means the key
	// folder's checkpoint key name ("plumbline/local").
	DefaultOrigin string
	// EntryFormat 1 keeps a ledger that has not switched to v2 entries on
	// v1 (for tests of ledgers written before); zero means v2, which a
	// ledger adopts once, from its next entry.
	EntryFormat int
	// ChangeOrigin lets Origin replace the ledger's origin: the latest
	// checkpoint is re-signed under it, older ones keep verifying under
	// their names. Stop every server of the ledger first.
	ChangeOrigin bool
	// Now is the clock for transaction and checkpoint times; nil means time.Now.
	Now func() time.Time
	// MaxBatch bounds the transactions committed in one group; zero means
	// DefaultMaxBatch.
	MaxBatch int
	// StateCache bounds the world-state values the sequencer keeps in
	// memory; zero means 100,000.
	StateCache int
	// Logger receives operational messages; nil means slog.Default().
	Logger *slog.Logger
}

// Ledger is the embedded ledger: a sequencer that runs the contract and
// appends signed entries to an RFC 6962 Merkle log stored through gorm's
// database connection, with a signed checkpoint after every group.
type Ledger struct {
	db       *sql.DB
	d        dialect
	keys     *keys.Store
	now      func() time.Time
	maxBatch int
	log      *slog.Logger
	signer   *keys.NamedSigner // signs checkpoints under the current origin
	origins  []string          // every origin signed under, oldest first
	v2From   uint64            // the first v2 entry's seq; 0: the ledger writes v1
	// v2Recorded says ledger_meta records v2From; until then the first v2
	// entry's commit records it (owned by the sequencer).
	v2Recorded bool
	vkeys      string // their verifier keys, one per line

	queue chan *request
	stop  chan struct{}
	done  chan struct{}

	mu     sync.RWMutex // guards closed against concurrent sends to queue
	closed bool

	// Owned by the sequencer goroutine.
	size   uint64
	hashes map[int64]tlog.Hash // the right edge of the tree (stored-hash index → hash)
	cache  *stateCache

	head   atomic.Uint64
	latest atomic.Pointer[ledger.Checkpoint]
	broken atomic.Pointer[error] // set when the stored log is inconsistent
	halted atomic.Pointer[error] // set by Halt: writes are refused

	notifyMu sync.Mutex
	notify   chan struct{} // closed and replaced after every commit

	certMu    sync.Mutex
	certsInDB map[[32]byte]bool

	// observer, when set, hears about every committed group.
	observer atomic.Pointer[func(size int, d time.Duration)]
	// testBeforeGroup, set only by tests, runs after the sequencer takes a
	// group's first request and before it takes the rest.
	testBeforeGroup atomic.Pointer[func()]
}

var _ ledger.Ledger = (*Ledger)(nil)

// Open opens (creating on first use) the embedded ledger in opts.DB with
// the keys in opts.KeyDir and starts its sequencer. An inconsistent stored
// log does not stop Open, so that Verify can say what is wrong, but every
// Submit then fails with an error wrapping models.ErrTampered.
func Open(ctx context.Context, opts Options) (*Ledger, error) {
	if opts.DB == nil {
		return nil, errors.New("embedded ledger: Options.DB is required")
	}
	sqlDB, err := opts.DB.DB()
	if err != nil {
		return nil, fmt.Errorf("embedded ledger: %w", err)
	}
	d := dialect{name: opts.DB.Dialector.Name(), postgres: opts.DB.Dialector.Name() == "postgres"}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	if opts.StateCache <= 0 {
		opts.StateCache = 100_000
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	ks, err := keys.Open(opts.KeyDir, "", opts.Now)
	if err != nil {
		return nil, fmt.Errorf("embedded ledger keys: %w", err)
	}
	if err := migrate(ctx, sqlDB, d); err != nil {
		return nil, err
	}
	l := &Ledger{
		db: sqlDB, d: d, keys: ks, now: opts.Now, maxBatch: opts.MaxBatch,
		log:       opts.Logger,
		queue:     make(chan *request, 4*opts.MaxBatch),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
		cache:     newStateCache(opts.StateCache),
		notify:    make(chan struct{}),
		certsInDB: map[[32]byte]bool{},
	}
	if err := l.setupOrigin(ctx, opts); err != nil {
		return nil, err
	}
	if err := l.setupFormat(ctx, opts); err != nil {
		return nil, err
	}
	if err := l.loadHalt(ctx); err != nil {
		return nil, err
	}
	if err := l.load(ctx); err != nil {
		return nil, err
	}
	go l.run()
	return l, nil
}

// load reads the committed tree size, its right edge and the latest
// checkpoint, and checks that they agree.
func (l *Ledger) load(ctx context.Context) error {
	l.cache.clear()
	var size sql.NullInt64
	if err := l.db.QueryRowContext(ctx, `SELECT MAX(seq) FROM ledger_entries`).Scan(&size); err != nil {
		return fmt.Errorf("read ledger head: %w", err)
	}
	l.size = uint64(size.Int64)
	l.head.Store(l.size)
	l.hashes = map[int64]tlog.Hash{}
	if err := l.loadEdge(ctx); err != nil {
		l.setBroken(err)
		return nil
	}
	cp, err := l.latestCheckpoint(ctx)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	if err == nil {
		l.latest.Store(&cp)
		if err := l.checkHead(cp); err != nil {
			l.setBroken(err)
			return nil
		}
	} else if l.size > 0 {
		l.setBroken(fmt.Errorf("%d entries but no checkpoint: %w", l.size, models.ErrTampered))
		return nil
	}
	l.broken.Store(nil)
	return nil
}

// checkHead checks the latest checkpoint against the stored tree.
func (l *Ledger) checkHead(cp ledger.Checkpoint) error {
	if _, err := ParseCheckpoint(cp.Note, l.vkeys); err != nil {
		return fmt.Errorf("latest checkpoint does not verify with this ledger's key (is KeyDir the one this database was created with?): %v: %w", err, models.ErrTampered)
	}
	if cp.Size != l.size {
		return fmt.Errorf("latest checkpoint covers %d entries but the log holds %d: %w", cp.Size, l.size, models.ErrTampered)
	}
	root, err := tlog.TreeHash(int64(l.size), l.edgeReader())
	if err != nil {
		return err
	}
	if string(root[:]) != string(cp.Root) {
		return fmt.Errorf("stored hashes give root %x but the latest checkpoint says %x: %w", root[:], cp.Root, models.ErrTampered)
	}
	return nil
}

func (l *Ledger) setBroken(err error) {
	l.log.Error("embedded ledger is inconsistent; submissions are refused until it is repaired", "err", err)
	l.broken.Store(&err)
}

// Head returns the sequence number of the last committed entry.
func (l *Ledger) Head(ctx context.Context) (uint64, error) {
	if l.isClosed() {
		return 0, ledger.ErrClosed
	}
	return l.head.Load(), nil
}

// State reads the committed world-state value of key.
func (l *Ledger) State(ctx context.Context, key string) ([]byte, error) {
	if l.isClosed() {
		return nil, ledger.ErrClosed
	}
	var v []byte
	err := l.db.QueryRowContext(ctx, `SELECT value FROM ledger_state WHERE state_key = `+l.d.ph(1), key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("state key %q: %w", key, models.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read state %q: %w", key, err)
	}
	return v, nil
}

var (
	_ ledger.VerifierKeyer  = (*Ledger)(nil)
	_ ledger.CommitObserver = (*Ledger)(nil)
)

// VerifierKey returns the note verifier key that checks this ledger's
// checkpoints under its current origin (golang.org/x/mod/sumdb/note
// format); VerifierKeys adds the origins it signed under before.
func (l *Ledger) VerifierKey() string { return l.signer.VerifierKey() }

// SetCommitObserver registers fn to hear about every committed group: how
// many transactions it held (accepted and rejected) and how long executing
// and committing it took. It is for metrics; fn must be quick.
func (l *Ledger) SetCommitObserver(fn func(size int, d time.Duration)) {
	l.observer.Store(&fn)
}

// CA returns the certificate of the CA that issues organization keys.
func (l *Ledger) CA() *x509.Certificate { return l.keys.CA() }

// Close stops the sequencer; queued transactions fail with
// ledger.ErrClosed. It does not close the database.
func (l *Ledger) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		<-l.done // a concurrent Close returns only once the sequencer has stopped
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	close(l.stop)
	<-l.done
	l.notifyMu.Lock()
	close(l.notify)
	l.notify = nil
	l.notifyMu.Unlock()
	return nil
}

func (l *Ledger) isClosed() bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.closed
}
