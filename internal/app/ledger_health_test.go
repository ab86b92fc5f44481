package app

import (
	"testing"
	"time"
)

// TestCommitWindow checks the rolling window of commits behind the ledger
// health figures: per-minute buckets, spans, expiry and percentiles
// within the 10% bucket width.
func TestCommitWindow(t *testing.T) {
	var w CommitWindow
	t0 := time.Date(2026, 3, 2, 8, 0, 30, 0, time.UTC)
	for i := 0; i < 98; i++ {
		w.Add(t0, 4, time.Millisecond)
	}
	w.Add(t0, 10, 100*time.Millisecond)
	w.Add(t0, 10, 100*time.Millisecond)
	w.Add(t0.Add(10*time.Minute), 2, 5*time.Millisecond)

	near := func(got, want float64) bool { return got >= want && got <= want*1.1 }
	all, per := w.Stats(t0.Add(10*time.Minute), 60, true)
	if all.Groups != 101 || all.Txs != 98*4+20+2 || all.MaxGroup != 10 || len(per) != 60 {
		t.Fatalf("last hour %+v, %d minutes", all, len(per))
	}
	if !near(all.P50, 1) || !near(all.P99, 100) {
		t.Errorf("p50 %v p99 %v, want about 1 and 100 ms", all.P50, all.P99)
	}
	if want := float64(all.Txs) / 3600; all.TxPerSecond != want {
		t.Errorf("tx/s %v, want %v", all.TxPerSecond, want)
	}
	if first, last := per[49], per[59]; first.Groups != 100 || last.Groups != 1 || !near(last.P50, 5) || !first.Start.Equal(t0.Truncate(time.Minute)) {
		t.Errorf("minutes: %+v … %+v", first, last)
	}
	last5, _ := w.Stats(t0.Add(10*time.Minute), 5, false)
	if last5.Groups != 1 || last5.Txs != 2 || last5.MeanGroup != 2 {
		t.Errorf("last 5 minutes %+v", last5)
	}
	// An hour later the first minute has left the window, even though its
	// bucket was never reused.
	later, _ := w.Stats(t0.Add(65*time.Minute), 60, false)
	if later.Groups != 1 {
		t.Errorf("an hour later: %+v", later)
	}
	// A minute that reuses a bucket starts it afresh.
	w.Add(t0.Add(60*time.Minute), 1, time.Millisecond)
	again, _ := w.Stats(t0.Add(60*time.Minute), 1, false)
	if again.Groups != 1 || again.Txs != 1 {
		t.Errorf("reused bucket: %+v", again)
	}
	empty, _ := (&CommitWindow{}).Stats(t0, 5, false)
	if empty.P50 != 0 || empty.P99 != 0 || empty.TxPerSecond != 0 || empty.MeanGroup != 0 {
		t.Errorf("empty window: %+v", empty)
	}
}
