package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// progress is a job's data with a slice, to check that readers get copies.
type progress struct {
	Rows []int
}

func cloneProgress(p progress) progress { return progress{Rows: slices.Clone(p.Rows)} }

// clock is a settable clock, so Created orders jobs without sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func newTable() *Table {
	c := &clock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	return New(Options{Now: c.now})
}

// blocked is a job that runs until release is closed or ctx is cancelled;
// it reports the context it ran on.
func blocked(release <-chan struct{}, ran chan<- context.Context) Func[progress] {
	return func(ctx context.Context, h *Handle[progress]) error {
		if ran != nil {
			ran <- ctx
		}
		select {
		case <-release:
			h.Update(func(j *Job[progress]) { j.Done = j.Total })
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func wait(t *testing.T, c <-chan struct{}) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(10 * time.Second):
		t.Fatal("the job did not stop within 10 s")
	}
}

func TestJobEnds(t *testing.T) {
	boom := errors.New("boom")
	for _, c := range []struct {
		name    string
		fn      Func[progress]
		want    State
		wantErr string
		done    int
	}{
		{"returns nil", func(_ context.Context, h *Handle[progress]) error {
			for i := range 3 {
				h.Update(func(j *Job[progress]) { j.Done++; j.Data.Rows = append(j.Data.Rows, i) })
			}
			return nil
		}, Done, "", 3},
		{"returns its own error", func(context.Context, *Handle[progress]) error { return fmt.Errorf("step 2: %w", boom) }, Failed, "step 2: boom", 0},
		{"changes only progress", func(_ context.Context, h *Handle[progress]) error {
			h.Update(func(j *Job[progress]) { j.ID, j.Owner, j.State, j.Total, j.Done = "other", "mallory", Done, 7, 5 })
			return nil
		}, Done, "", 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			tb := newTable()
			k := NewKind(tb, Config[progress]{Name: "import", Clone: cloneProgress})
			j, stopped, err := k.Start("j1", "org-a", 3, progress{}, c.fn)
			if err != nil || stopped == nil || j.State != Running || j.ID != "j1" || j.Kind != "import" || j.Owner != "org-a" || j.Created.IsZero() {
				t.Fatalf("start: %+v %v %v", j, stopped, err)
			}
			wait(t, stopped)
			got, ok := k.Get("j1")
			if !ok || got.State != c.want || got.Err != c.wantErr || got.Done != c.done || got.Finished.IsZero() || got.ID != "j1" || got.Owner != "org-a" {
				t.Fatalf("after the run: %+v, want state %s, err %q, done %d", got, c.want, c.wantErr, c.done)
			}
			if err := tb.Close(time.Second); err != nil {
				t.Errorf("close with nothing running: %v", err)
			}
		})
	}
}

func TestStartSameID(t *testing.T) {
	for _, c := range []struct {
		name     string
		keep     func(Job[progress]) bool
		finished bool // the first run ends before the second start
		rerun    bool
	}{
		{"running job stands", nil, false, false},
		{"finished job runs again", nil, true, true},
		{"finished job the kind keeps stands", func(j Job[progress]) bool { return j.State == Done }, true, false},
		{"finished job the kind does not keep runs again", func(j Job[progress]) bool { return j.State == Failed }, true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			tb := newTable()
			defer tb.Close(time.Second)
			k := NewKind(tb, Config[progress]{Name: "import", Clone: cloneProgress, Keep: c.keep})
			release := make(chan struct{})
			if c.finished {
				close(release)
			}
			first, stopped, err := k.Start("same", "org-a", 1, progress{}, blocked(release, nil))
			if err != nil {
				t.Fatal(err)
			}
			if c.finished {
				wait(t, stopped)
			}
			runs := 0
			again, stopped2, err := k.Start("same", "org-a", 1, progress{}, func(context.Context, *Handle[progress]) error { runs++; return nil })
			if err != nil {
				t.Fatal(err)
			}
			if c.rerun {
				wait(t, stopped2)
				if runs != 1 || again.Created.Equal(first.Created) {
					t.Errorf("ran %d times, created %v then %v: want a new run", runs, first.Created, again.Created)
				}
			} else if stopped2 != nil || again.Created != first.Created || runs != 0 {
				t.Errorf("second start %+v (channel %v, %d runs), want the first job as it stands", again, stopped2, runs)
			}
			if !c.finished {
				close(release)
				wait(t, stopped)
			}
		})
	}
}

func TestBound(t *testing.T) {
	tb := newTable()
	defer tb.Close(time.Second)
	imports := NewKind(tb, Config[progress]{Name: "import", Max: 2, Clone: cloneProgress})
	captures := NewKind(tb, Config[progress]{Name: "capture", Max: 1, Clone: cloneProgress})
	release := map[string]chan struct{}{} // by kind and ID
	stopped := map[string]<-chan struct{}{}
	for _, c := range []struct {
		step    string
		kind    *Kind[progress]
		id      string
		finish  string // an import to let finish first
		wantErr error
		gone    string // the import the start evicted
	}{
		{"first import", imports, "a", "", nil, ""},
		{"second import", imports, "b", "", nil, ""},
		{"third while both run is refused", imports, "c", "", ErrFull, ""},
		{"a capture has its own bound", captures, "a", "", nil, ""},
		{"third once the oldest finished evicts it", imports, "c", "a", nil, "a"},
		{"fourth while b and c run is refused", imports, "d", "", ErrFull, ""},
		{"fourth once b finished evicts b", imports, "d", "b", nil, "b"},
	} {
		if c.finish != "" {
			close(release["import/"+c.finish])
			wait(t, stopped["import/"+c.finish])
		}
		k := c.kind.c.Name + "/" + c.id
		release[k] = make(chan struct{})
		_, s, err := c.kind.Start(c.id, "org-a", 1, progress{}, blocked(release[k], nil))
		if !errors.Is(err, c.wantErr) {
			t.Fatalf("%s: %v, want %v", c.step, err, c.wantErr)
		}
		stopped[k] = s
		if c.gone != "" {
			if _, ok := imports.Get(c.gone); ok {
				t.Errorf("%s: %s is still in the table", c.step, c.gone)
			}
		}
	}
	if j, ok := captures.Get("a"); !ok || j.State != Running {
		t.Errorf("the capture with the ID of an evicted import: %+v %v", j, ok)
	}
	for _, k := range []string{"import/c", "import/d", "capture/a"} {
		close(release[k])
		wait(t, stopped[k])
	}
}

func TestListAndCopies(t *testing.T) {
	tb := newTable()
	defer tb.Close(time.Second)
	k := NewKind(tb, Config[progress]{Name: "capture", Clone: cloneProgress, Brief: func(progress) progress { return progress{} }})
	var hs []*Handle[progress]
	for _, j := range []struct{ id, owner string }{{"1", "org-a"}, {"2", "org-b"}, {"3", "org-a"}} {
		ready := make(chan *Handle[progress])
		_, _, err := k.Start(j.id, j.owner, 1, progress{Rows: []int{0}}, func(ctx context.Context, h *Handle[progress]) error {
			ready <- h
			<-ctx.Done()
			return ctx.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, <-ready)
	}
	got := k.List("org-a")
	if len(got) != 2 || got[0].ID != "3" || got[1].ID != "1" || got[0].Data.Rows != nil {
		t.Fatalf("org-a's list %+v, want 3 then 1, without data", got)
	}
	if l := k.List("org-c"); len(l) != 0 {
		t.Errorf("an owner without jobs sees %+v", l)
	}
	j, _ := k.Get("1")
	j.Data.Rows[0] = 99
	hs[0].Update(func(j *Job[progress]) { j.Data.Rows = append(j.Data.Rows, 1) })
	if again, _ := k.Get("1"); !slices.Equal(again.Data.Rows, []int{0, 1}) || !slices.Equal(j.Data.Rows, []int{99}) {
		t.Errorf("a reader's copy and the job share data: job %v, copy %v", again.Data.Rows, j.Data.Rows)
	}
	if _, ok := k.Get("4"); ok {
		t.Error("Get finds a job never started")
	}
	select {
	case <-k.Stopped("4"):
	default:
		t.Error("Stopped of an unknown job is not closed")
	}
}

// TestShutdown checks the grace period: jobs that finish within it end
// done, the others are cancelled through their context and end
// interrupted, and nothing starts afterwards.
func TestShutdown(t *testing.T) {
	for _, c := range []struct {
		name    string
		takes   time.Duration // how long the job runs when not cancelled
		grace   time.Duration
		want    State
		wantErr bool
	}{
		{"finishes within the grace period", 50 * time.Millisecond, 5 * time.Second, Done, false},
		{"still running after it", time.Hour, 100 * time.Millisecond, Interrupted, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			tb := newTable()
			k := NewKind(tb, Config[progress]{Name: "import", Clone: cloneProgress})
			ran := make(chan context.Context, 1)
			release := make(chan struct{})
			time.AfterFunc(c.takes, func() { close(release) })
			_, stopped, err := k.Start("j", "org-a", 10, progress{}, blocked(release, ran))
			if err != nil {
				t.Fatal(err)
			}
			ctx := <-ran
			if ctx.Err() != nil || ctx == context.Background() {
				t.Fatal("the job does not run on the table's own live context")
			}
			t0 := time.Now()
			err = tb.Close(c.grace)
			took := time.Since(t0)
			if (err != nil) != c.wantErr || (err != nil && !errors.Is(err, context.DeadlineExceeded)) {
				t.Errorf("close: %v, want an error %v", err, c.wantErr)
			}
			select {
			case <-stopped:
			default:
				t.Fatal("Close returned before the job stopped")
			}
			if c.want == Interrupted && (took < c.grace || ctx.Err() == nil) {
				t.Errorf("close took %v with grace %v, context %v: want the grace period, then cancellation", took, c.grace, ctx.Err())
			}
			if c.want == Done && ctx.Err() == nil {
				t.Error("the owner context is still live after Close")
			}
			if j, _ := k.Get("j"); j.State != c.want || j.Finished.IsZero() {
				t.Errorf("job after close: %+v, want %s", j, c.want)
			}
			if _, _, err := k.Start("later", "org-a", 1, progress{}, blocked(release, nil)); !errors.Is(err, ErrClosed) {
				t.Errorf("start after close: %v, want ErrClosed", err)
			}
		})
	}
}
