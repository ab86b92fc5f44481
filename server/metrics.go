package server

import (
	"strconv"
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
		s.app.ObserveCommit(size, d)
	}
}
