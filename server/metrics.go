package server

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus instruments.
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.HistogramVec
	groupSize   prometheus.Histogram
	groupTime   prometheus.Histogram
	ledgerTxs   prometheus.Counter
	ledgerGroup prometheus.Counter
	// commits is the last hour of committed groups, for the dashboard.
	commits commitWindow
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	m := &metrics{
		reg: reg,
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "plumbline", Subsystem: "http", Name: "request_duration_seconds",
			Help:    "HTTP request latency by route, method and status code.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"method", "route", "code"}),
		groupSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "plumbline", Subsystem: "ledger", Name: "commit_group_size",
			Help:    "Transactions per committed ledger group (group commit).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512},
		}),
		groupTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "plumbline", Subsystem: "ledger", Name: "commit_duration_seconds",
			Help:    "Time to execute and durably commit one ledger group.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}),
		ledgerTxs: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "plumbline", Subsystem: "ledger", Name: "transactions_total",
			Help: "Transactions processed by the ledger's committed groups.",
		}),
		ledgerGroup: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "plumbline", Subsystem: "ledger", Name: "commit_groups_total",
			Help: "Committed ledger groups.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.groupSize, m.groupTime, m.ledgerTxs, m.ledgerGroup, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := reg.Register(c); err != nil {
			if _, dup := err.(prometheus.AlreadyRegisteredError); !dup {
				return nil, err
			}
		}
	}
	return m, nil
}

func (m *metrics) observe(method, route string, code int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(code)).Observe(d.Seconds())
}

func (s *Server) metricsHandler() gin.HandlerFunc {
	h := promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{Registry: s.metrics.reg})
	return gin.WrapH(h)
}

// CommitObserver returns the function the embedded ledger calls after each
// committed group (ledger.CommitObserver), feeding the
// plumbline_ledger_* metrics and the dashboard's window of recent commits.
func (s *Server) CommitObserver() func(size int, d time.Duration) {
	return func(size int, d time.Duration) {
		s.metrics.groupSize.Observe(float64(size))
		s.metrics.groupTime.Observe(d.Seconds())
		s.metrics.ledgerTxs.Add(float64(size))
		s.metrics.ledgerGroup.Inc()
		s.metrics.commits.add(s.opts.Now(), size, d)
	}
}

// commitWindow keeps the last hour of committed ledger groups in one
// bucket per minute, for the dashboard's ledger health: throughput, group
// size and commit latency over the last 5 and 60 minutes. Latencies go
// into logarithmic buckets 10% wide, so a percentile is exact to within
// 10% whatever the load, in constant memory.
type commitWindow struct {
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

// add records one committed group of size transactions that took d, at now.
func (w *commitWindow) add(now time.Time, size int, d time.Duration) {
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

// stats sums the last n minutes up to and including now's minute; with
// perMinute it also returns one CommitStats per minute, oldest first.
func (w *commitWindow) stats(now time.Time, n int, perMinute bool) (CommitStats, []CommitStats) {
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
