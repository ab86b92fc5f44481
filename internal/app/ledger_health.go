package app

import (
	"context"
	"encoding/hex"
	"errors"
	"math"
	"sync"
	"time"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// Ledger health: from the ledger, the verify runs recorded beside the read
// model and the window of recent commits the ledger reports
// (ledger.CommitObserver).

// CheckpointJSON is a checkpoint as the ledger health shows it.
type CheckpointJSON struct {
	Size uint64    `json:"size"`
	Root string    `json:"root"` // hexadecimal
	Time time.Time `json:"time"`
}

// DashLedger is the ledger health figure: the seed's yardsticks —
// security (the last verification and the signed checkpoint), transaction
// speed (commit latency) and efficiency (group size, throughput).
type DashLedger struct {
	Kind       string          `json:"kind"` // embedded or fabric
	Entries    uint64          `json:"entries"`
	Checkpoint *CheckpointJSON `json:"checkpoint,omitempty"`
	// LastVerify is the latest recorded verification, if any.
	LastVerify *store.VerifyRun `json:"last_verify,omitempty"`
	// Running is the verification under way on this server, if any.
	Running *VerifyProgress `json:"running,omitempty"`
	// Last5 and Last60 sum the commits of the last 5 and 60 minutes on
	// this server (since it started); Minutes has the last 60 one by one.
	// Witnessing is the witnesses' progress (absent without witnesses);
	// WritesStopped says why the ledger refuses writes, if it does.
	Witnessing    *WitnessReport `json:"witnessing,omitempty"`
	WritesStopped string         `json:"writes_stopped,omitempty"`
	Last5         CommitStats    `json:"last_5_minutes"`
	Last60        CommitStats    `json:"last_60_minutes"`
	Minutes       []CommitStats  `json:"minutes"`
}

// DashLedger reports on the ledger of kind (embedded or fabric).
func (a *App) DashLedger(ctx context.Context, kind string) (DashLedger, error) {
	r := DashLedger{Kind: kind}
	var err error
	if r.Entries, err = a.opts.Ledger.Head(ctx); err != nil {
		return r, err
	}
	if cp, err := a.opts.Ledger.Checkpoint(ctx); err == nil {
		r.Checkpoint = &CheckpointJSON{Size: cp.Size, Root: hex.EncodeToString(cp.Root), Time: cp.Time.UTC()}
	} else if !errors.Is(err, models.ErrNotFound) {
		return r, err
	}
	if w, ok, err := a.Witnesses(ctx); err != nil {
		return r, err
	} else if ok {
		r.Witnessing = &w
	}
	if err := a.WritesStopped(); err != nil {
		r.WritesStopped = err.Error()
	}
	runs, err := a.ops.VerifyRuns(ctx, 1)
	if err != nil {
		return r, err
	}
	if len(runs) > 0 {
		r.LastVerify = &runs[0]
	}
	if p, ok := a.RunningVerify(); ok {
		r.Running = &p
	}
	now := a.opts.Now()
	r.Last5, _ = a.commits.Stats(now, 5, false)
	r.Last60, r.Minutes = a.commits.Stats(now, 60, true)
	return r, nil
}

// ObserveCommit records a committed group of size transactions that took
// d (ledger.CommitObserver calls it through the server's observer).
func (a *App) ObserveCommit(size int, d time.Duration) { a.commits.Add(a.opts.Now(), size, d) }

// CommitWindow keeps the last hour of committed ledger groups in one
// bucket per minute, for the dashboard's ledger health: throughput, group
// size and commit latency over the last 5 and 60 minutes. Latencies go
// into logarithmic buckets 10% wide, so a percentile is exact to within
// 10% whatever the load, in constant memory.
type CommitWindow struct {
	mu      sync.Mutex
	minutes [windowMinutes]commitMinute
}

const (
	windowMinutes = 60
	// latency buckets: bucket i holds durations up to latencyBase·1.1^i;
	// 220 buckets reach from 10 µs to beyond a minute.
	latencyBase    = 10 * time.Microsecond
	latencyGrowth  = 1.1
	latencyBuckets = 220
)

// commitMinute is what was committed in one wall-clock minute.
type commitMinute struct {
	start   int64 // Unix minute; 0 when unused
	groups  int
	txs     int
	maxSize int
	total   time.Duration
	hist    [latencyBuckets]uint32
}

func latencyBucket(d time.Duration) int {
	if d <= latencyBase {
		return 0
	}
	i := int(math.Ceil(math.Log(float64(d)/float64(latencyBase)) / math.Log(latencyGrowth)))
	return min(i, latencyBuckets-1)
}

func latencyBound(i int) time.Duration {
	return time.Duration(float64(latencyBase) * math.Pow(latencyGrowth, float64(i)))
}

// Add records one committed group of size transactions that took d, at now.
func (w *CommitWindow) Add(now time.Time, size int, d time.Duration) {
	m := now.Unix() / 60
	w.mu.Lock()
	defer w.mu.Unlock()
	b := &w.minutes[m%windowMinutes]
	if b.start != m {
		*b = commitMinute{start: m}
	}
	b.groups++
	b.txs += size
	b.maxSize = max(b.maxSize, size)
	b.total += d
	b.hist[latencyBucket(d)]++
}

// CommitStats sums the committed groups of a span of minutes.
type CommitStats struct {
	Minutes int `json:"minutes"` // how many minutes the figures cover
	Groups  int `json:"groups"`
	Txs     int `json:"transactions"`
	// TxPerSecond is Txs over the whole span.
	TxPerSecond float64 `json:"tx_per_second"`
	// MeanGroup and MaxGroup are transactions per committed group.
	MeanGroup float64 `json:"mean_group_size"`
	MaxGroup  int     `json:"max_group_size"`
	// P50 and P99 are commit latencies in milliseconds (upper bounds of
	// 10%-wide buckets), 0 when nothing was committed.
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
	// Start is the first minute the figures cover (UTC).
	Start time.Time `json:"start"`
}

// Stats sums the last n minutes up to and including now's minute; with
// perMinute it also returns one CommitStats per minute, oldest first.
func (w *CommitWindow) Stats(now time.Time, n int, perMinute bool) (CommitStats, []CommitStats) {
	n = max(1, min(n, windowMinutes))
	cur := now.Unix() / 60
	var all commitMinute
	var per []CommitStats
	w.mu.Lock()
	defer w.mu.Unlock()
	for m := cur - int64(n) + 1; m <= cur; m++ {
		b := w.minutes[((m%windowMinutes)+windowMinutes)%windowMinutes]
		if b.start != m {
			b = commitMinute{start: m}
		}
		all.groups += b.groups
		all.txs += b.txs
		all.maxSize = max(all.maxSize, b.maxSize)
		all.total += b.total
		for i, c := range b.hist {
			all.hist[i] += c
		}
		if perMinute {
			per = append(per, b.summary(1))
		}
	}
	all.start = cur - int64(n) + 1
	return all.summary(n), per
}

func (b *commitMinute) summary(minutes int) CommitStats {
	s := CommitStats{Minutes: minutes, Groups: b.groups, Txs: b.txs, MaxGroup: b.maxSize, Start: time.Unix(b.start*60, 0).UTC()}
	s.TxPerSecond = float64(b.txs) / float64(minutes*60)
	if b.groups > 0 {
		s.MeanGroup = float64(b.txs) / float64(b.groups)
		s.P50 = b.percentile(0.50)
		s.P99 = b.percentile(0.99)
	}
	return s
}

// percentile is the upper bound, in milliseconds, of the bucket holding
// the q-quantile of the recorded latencies.
func (b *commitMinute) percentile(q float64) float64 {
	rank := uint32(math.Ceil(q * float64(b.groups)))
	var seen uint32
	for i, c := range b.hist {
		seen += c
		if seen >= rank && c > 0 {
			return float64(latencyBound(i)) / float64(time.Millisecond)
		}
	}
	return 0
}
