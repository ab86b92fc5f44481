package server

import (
	"context"
	"crypto/hmac"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/internal/webhook"
	"github.com/plumbline/plumbline/models"
)

// receiver is a webhook endpoint that checks every delivery's signature
// the way the README tells receivers to, and answers the statuses in
// answers, then 200.
type receiver struct {
	t       *testing.T
	mu      sync.Mutex
	secret  string
	answers []int
	got     []delivery
	srv     *httptest.Server
}

type delivery struct {
	id, event string
	body      string
	status    int
}

func newReceiver(t *testing.T, answers ...int) *receiver {
	r := &receiver{t: t, answers: answers}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	ts := req.Header.Get("X-Plumbline-Timestamp")
	sent, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sent, 0)) > 5*time.Minute {
		r.t.Errorf("delivery with timestamp %q", ts)
	}
	want := webhook.Sign(r.secret, ts, body)
	if !hmac.Equal([]byte(req.Header.Get("X-Plumbline-Signature")), []byte(want)) {
		r.t.Errorf("bad signature %q on %s", req.Header.Get("X-Plumbline-Signature"), body)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	status := http.StatusOK
	if n := len(r.got); n < len(r.answers) {
		status = r.answers[n]
	}
	r.got = append(r.got, delivery{id: req.Header.Get("X-Plumbline-Delivery"), event: req.Header.Get("X-Plumbline-Event"), body: string(body), status: status})
	w.WriteHeader(status)
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// waitFor polls cond until it holds or 20 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWebhookDeliveryRetriesAndSigns(t *testing.T) {
	f := newFixture(t, true)
	admin := f.token(t, user(demo.OrgContractor, models.RoleAdmin))
	operator := f.token(t, user(demo.OrgContractor, models.RoleOperator))
	flaky := newReceiver(t, 500, 500)
	broken := newReceiver(t, 500, 500, 500, 500, 500, 500)

	// Only http(s) URLs, and no private addresses unless allowed.
	for _, c := range []struct {
		token, url string
		status     int
	}{
		{admin, "ftp://example.com/hook", 422},
		{admin, "not a url", 422},
		{admin, "https://user:pw@example.com/hook", 422},
		{admin, flaky.srv.URL, 422}, // 127.0.0.1
		{admin, "http://10.1.2.3/hook", 422},
		{operator, "https://example.com/hook", 403},
	} {
		var e apiErr
		if got := f.call(t, c.token, "POST", "/api/v1/webhooks", endpointRequest{URL: c.url}, &e); got != c.status {
			t.Errorf("register %s: %d %s, want %d", c.url, got, e, c.status)
		}
	}
	f.srv.opts.Webhooks = WebhookOptions{AllowPrivate: true, Backoff: 30 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Poll: 10 * time.Millisecond, MaxAttempts: 4}
	var ep, ep2 endpointCreated
	if got := f.call(t, admin, "POST", "/api/v1/webhooks", endpointRequest{URL: flaky.srv.URL + "/hook"}, &ep); got != http.StatusCreated || ep.Secret == "" {
		t.Fatalf("register: %d %+v", got, ep)
	}
	flaky.secret = ep.Secret
	if got := f.call(t, admin, "POST", "/api/v1/webhooks", endpointRequest{URL: broken.srv.URL}, &ep2); got != http.StatusCreated {
		t.Fatalf("register: %d", got)
	}
	broken.secret = ep2.Secret
	var list listJSON[map[string]any]
	f.call(t, admin, "GET", "/api/v1/webhooks", nil, &list)
	for _, e := range list.Items {
		if _, leaked := e["secret"]; leaked {
			t.Errorf("the endpoint list shows a secret: %v", e)
		}
	}

	var stop context.CancelFunc
	var bgDone chan struct{}
	start := func() {
		var ctx context.Context
		ctx, stop = context.WithCancel(context.Background())
		done := make(chan struct{})
		bgDone = done
		go func() { defer close(done); f.srv.Background(ctx) }()
	}
	start()
	defer func() { stop(); <-bgDone }()

	code, _ := usedBatch(t, f, demo.OrgReadyMix, demo.ProdConcreteC30)
	var v caseView
	insp := f.token(t, user(demo.OrgInspection, models.RoleInspector))
	if got := f.call(t, insp, "POST", "/api/v1/cases", openCaseRequest{Kind: models.CaseNonConformance, Batch: code, Severity: "high",
		Reason: "cubes failed", TargetDate: target(7)}, &v); got != http.StatusCreated {
		t.Fatalf("open: %d", got)
	}

	// The first attempt fails; the worker is stopped and started again
	// (a restart): the delivery waits in the database and goes on.
	waitFor(t, "the first attempt", func() bool { return len(flaky.deliveries()) >= 1 })
	stop()
	<-bgDone
	start()

	deliveryOf := func(endpoint string) store.HookDelivery {
		var p store.Page[store.HookDelivery]
		if got := f.call(t, admin, "GET", "/api/v1/webhooks/deliveries?endpoint="+endpoint, nil, &p); got != 200 || len(p.Items) != 1 {
			t.Fatalf("deliveries of %s: %d %+v", endpoint, got, p)
		}
		return p.Items[0]
	}
	waitFor(t, "delivery after two 500s", func() bool { return deliveryOf(ep.ID).Status == store.DeliveryDelivered })
	d := deliveryOf(ep.ID)
	got := flaky.deliveries()
	if d.Attempts != 3 || d.LastCode != 200 || len(got) != 3 {
		t.Fatalf("delivered after %d attempts (last %d), receiver saw %d", d.Attempts, d.LastCode, len(got))
	}
	for _, g := range got {
		if g.id != strconv.FormatInt(d.ID, 10) || g.event != store.NoteCaseOpened || g.body != got[0].body {
			t.Errorf("attempt %+v differs from the first %+v", g, got[0])
		}
	}
	waitFor(t, "the broken endpoint to fail", func() bool { return deliveryOf(ep2.ID).Status == store.DeliveryFailed })
	if d := deliveryOf(ep2.ID); d.Attempts != 4 || d.LastCode != 500 || len(broken.deliveries()) != 4 {
		t.Errorf("failed delivery: %+v, receiver saw %d", d, len(broken.deliveries()))
	}
	// Redeliver sends it once more (the receiver now answers 500 twice more
	// and then 200).
	var rd store.HookDelivery
	if got := f.call(t, admin, "POST", "/api/v1/webhooks/deliveries/"+strconv.FormatInt(deliveryOf(ep2.ID).ID, 10)+"/redeliver", nil, &rd); got != 200 || rd.Status != store.DeliveryPending {
		t.Fatalf("redeliver: %d %+v", got, rd)
	}
	waitFor(t, "the redelivery", func() bool { return len(broken.deliveries()) >= 5 })
	var e apiErr
	if got := f.call(t, admin, "POST", "/api/v1/webhooks/deliveries/999999/redeliver", nil, &e); got != 404 {
		t.Errorf("redeliver an unknown delivery: %d", got)
	}
}
