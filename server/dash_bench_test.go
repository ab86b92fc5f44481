package server

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkManagerPage renders /manager (five charts, their tables, the
// week's lists) for the authority over the whole demo project, one request
// at a time, and reports p50 and p99 latency.
//
//	go test -run '^$' -bench ManagerPage -benchtime 200x ./server
func BenchmarkManagerPage(b *testing.B) {
	f := newFixture(b, true)
	end := time.Now()
	if ev, err := f.store.Event(b.Context(), f.proj.Applied()); err == nil {
		end = ev.Time.Add(time.Hour)
	}
	f.srv.opts.Now = func() time.Time { return end }
	c := f.login(b, "hz-construction-bureau.viewer")
	for _, path := range []string{"/manager?weeks=16", "/dashboard"} {
		b.Run(path, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				if code, _ := c.get(b, path); code != http.StatusOK {
					b.Fatalf("GET %s: %d", path, code)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(lat)
			ms := func(q float64) float64 {
				return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
			}
			b.ReportMetric(ms(0.5), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
		})
	}
}
