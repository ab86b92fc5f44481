package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/epcis"
	"github.com/plumbline/plumbline/internal/jobs"
	"github.com/plumbline/plumbline/models"
)

// commissionDoc is a capture document of n commissioning events of the
// demo's cement, and its bytes.
func commissionDoc(t *testing.T, w *jobsWorld, prefix string, n int) (epcis.CaptureDoc, []byte) {
	t.Helper()
	p, err := w.store.Product(context.Background(), demo.ProdCement)
	if err != nil {
		t.Fatal(err)
	}
	names := epcis.Names{Base: "https://plumbline.example"}
	doc := epcis.CaptureDoc{Bad: map[int]error{}}
	for i := range n {
		q := models.MustDecimal("12.5")
		code := fmt.Sprintf("%s-%03d", prefix, i)
		ev := epcis.Event{Type: epcis.ObjectEvent, Action: "ADD", BizStep: "commissioning", Disposition: "active",
			EventTime: "2026-06-01T08:00:00Z", EventTimeZoneOffset: "+08:00", EventID: "urn:uuid:jobs-" + code,
			QuantityList: []epcis.Quantity{{EPCClass: names.Base + "/b/" + code, Quantity: &q, UOM: "TNE"}},
			ILMD:         map[string]any{"plb:product": names.Product(p), "plb:producedOn": "2026-06-01"},
		}
		raw, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		doc.Events = append(doc.Events, ev)
		doc.Raws = append(doc.Raws, raw)
	}
	body, _ := json.Marshal(doc.Events)
	return doc, body
}

// TestCaptureInterruptedThenCapturedAgain shuts the job table down while
// a capture runs and the grace period is too short for it. The capture
// stops at a boundary — between commit groups (proceed), or before its
// one atomic group (rollback) — and shows interrupted, with every event
// either committed or not applied and the ledger holding exactly the
// committed ones; capturing the same document on a restarted server
// finishes it without committing any event twice.
func TestCaptureInterruptedThenCapturedAgain(t *testing.T) {
	const events, chunk = 60, 5
	for _, c := range []struct {
		name      string
		behaviour string
		slow      func(l *slowLedger) func() // sets l up; returns what to do once the grace period has passed
		stopAfter func(a *App, id string) bool
	}{
		{"proceed stops between commit groups", epcis.BehaviourProceed,
			func(l *slowLedger) func() { l.delay = 100 * time.Millisecond; return func() {} },
			func(a *App, id string) bool { j, _ := a.CaptureJob(id); return j.Data.Committed >= chunk }},
		{"rollback stops before its atomic group", epcis.BehaviourRollback,
			func(l *slowLedger) func() {
				l.readGate = make(chan struct{})
				return func() { close(l.readGate) }
			},
			func(*App, string) bool { return true }},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newJobsWorld(t, false)
			slow := &slowLedger{Ledger: w.ledger}
			afterGrace := c.slow(slow)
			a, tb := w.app(slow)
			a.work.captureChunk = chunk
			h0 := w.head(t)
			doc, body := commissionDoc(t, w, "CAP", events)
			j, _, err := a.StartCapture(Actor{User: operator}, c.behaviour, body, doc)
			if err != nil {
				t.Fatal(err)
			}
			waitUntil(t, "the capture under way", func() bool { return c.stopAfter(a, j.ID) })
			closed := make(chan error, 1)
			go func() { closed <- tb.Close(50 * time.Millisecond) }()
			time.Sleep(200 * time.Millisecond) // past the grace period
			afterGrace()
			if err := <-closed; !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("shutdown: %v, want the grace period exceeded", err)
			}
			first, _ := a.CaptureJob(j.ID)
			p := first.Data
			if first.State != jobs.Interrupted || p.Committed+p.NotApplied != events || p.Rejected != 0 || p.Replayed != 0 || p.Committed%chunk != 0 || p.Committed >= events {
				t.Fatalf("interrupted capture: %s, %d committed, %d not applied, %d rejected", first.State, p.Committed, p.NotApplied, p.Rejected)
			}
			if c.behaviour == epcis.BehaviourRollback && p.Committed != 0 {
				t.Errorf("an all-or-nothing capture committed %d events of %d", p.Committed, events)
			}
			for i, o := range p.Events {
				want := epcis.EventCommitted
				if i >= p.Committed {
					want = epcis.EventNotApplied
				}
				if o.Status != want {
					t.Fatalf("event %d: %s (%s), want %s", i, o.Status, o.Message, want)
				}
			}
			if h := w.head(t); h != h0+uint64(p.Committed) {
				t.Errorf("ledger head %d after the interrupted capture, want %d", h, h0+uint64(p.Committed))
			}

			a2, tb2 := w.app(nil)
			defer tb2.Close(0)
			again, done, err := a2.StartCapture(Actor{User: operator}, c.behaviour, body, doc)
			if err != nil || again.ID != first.ID || done == nil {
				t.Fatalf("second capture %+v: %v", again, err)
			}
			<-done
			final, _ := a2.CaptureJob(again.ID)
			if f := final.Data; final.State != jobs.Done || f.Replayed != p.Committed || f.Committed != events-p.Committed || f.NotApplied != 0 || f.Rejected != 0 {
				t.Fatalf("second run: %s, %d replayed, %d committed, %d not applied; want %d replayed and %d committed",
					final.State, f.Replayed, f.Committed, f.NotApplied, p.Committed, events-p.Committed)
			}
			if h := w.head(t); h != h0+events {
				t.Errorf("ledger head %d, want %d: every event once", h, h0+events)
			}
		})
	}
}
