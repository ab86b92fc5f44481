// Package webhook delivers an organization's notifications to the
// endpoints its admins registered: signed POSTs, retried with exponential
// backoff and jitter, over a dialer that refuses addresses that are not
// public (addr.go).
//
// Every notification to the organization is queued for each of its
// endpoints in the projector's transaction (internal/store/notify.go), and
// the Worker POSTs the queued deliveries. All state is in the database, so
// deliveries survive a restart; a delivery interrupted by a crash is sent
// again (at least once: receivers de-duplicate by X-Plumbline-Delivery).
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/plumbline/plumbline/internal/store"
)

// Options configures webhook delivery.
type Options struct {
	// AllowPrivate allows endpoints on loopback and private addresses.
	AllowPrivate bool
	// MaxAttempts is how many times a delivery is tried before it is
	// marked failed; 0 means 8.
	MaxAttempts int
	// Backoff is the wait after the first failed attempt, doubled after
	// each further one (with ±20% jitter), at most MaxBackoff; 0 means 30 s.
	Backoff time.Duration
	// MaxBackoff caps the wait; 0 means 1 hour.
	MaxBackoff time.Duration
	// Timeout bounds one attempt; 0 means 10 s.
	Timeout time.Duration
	// Poll is how often the worker looks for due deliveries; 0 means 1 s.
	Poll time.Duration
}

func (o Options) withDefaults() Options {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.Backoff <= 0 {
		o.Backoff = 30 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	return o
}

// Webhook headers.
const (
	headerEvent     = "X-Plumbline-Event"
	headerDelivery  = "X-Plumbline-Delivery"
	headerTimestamp = "X-Plumbline-Timestamp"
	headerSignature = "X-Plumbline-Signature"
)

// payload is the JSON body of a delivery.
type payload struct {
	Delivery     int64              `json:"delivery"`
	Event        string             `json:"event"`
	Notification store.Notification `json:"notification"`
	// URL is the case's page.
	URL string `json:"url,omitempty"`
}

// Sign returns the X-Plumbline-Signature value of body sent at timestamp
// (Unix seconds) with secret: "sha256=" and the hex HMAC-SHA256 of
// timestamp + "." + body.
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// NewSecret returns a fresh endpoint secret.
func NewSecret() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return "whsec_" + hex.EncodeToString(b[:])
}

// Worker delivers queued webhooks.
type Worker struct {
	ops     *store.Ops // the deliveries' queue and log, beside the read model
	baseURL string
	now     func() time.Time
	log     *slog.Logger
	opts    Options
	client  *http.Client
}

// NewWorker returns a worker that delivers the deliveries queued in st,
// linking cases to their pages under baseURL. now and log may be nil
// (time.Now, slog.Default).
func NewWorker(st *store.Store, baseURL string, now func() time.Time, log *slog.Logger, opts Options) *Worker {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	o := opts.withDefaults()
	d := &net.Dialer{Timeout: o.Timeout}
	if !o.AllowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return err
			}
			if !publicAddr(ap.Addr()) {
				return fmt.Errorf("refusing to connect to %s: not a public address", ap.Addr())
			}
			if !webhookPort(ap.Port()) {
				return fmt.Errorf("refusing to connect to port %d: webhooks use port 80 or 443", ap.Port())
			}
			return nil
		}
	}
	tr := &http.Transport{DialContext: d.DialContext, TLSHandshakeTimeout: o.Timeout, ResponseHeaderTimeout: o.Timeout,
		MaxIdleConns: 10, IdleConnTimeout: time.Minute, Proxy: nil}
	var ops *store.Ops
	if st != nil {
		ops = st.Ops()
	}
	return &Worker{ops: ops, baseURL: baseURL, now: now, log: log, opts: o, client: &http.Client{Transport: tr, Timeout: o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Run delivers due webhooks until ctx is done.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.opts.Poll)
	defer t.Stop()
	for {
		w.sweep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweep attempts every due delivery once.
func (w *Worker) sweep(ctx context.Context) {
	for ctx.Err() == nil {
		due, err := w.ops.DueWebhooks(ctx, w.now(), 20)
		if err != nil {
			if ctx.Err() == nil {
				w.log.Error("webhooks: read due deliveries", "err", err)
			}
			return
		}
		if len(due) == 0 {
			return
		}
		for _, d := range due {
			if ctx.Err() != nil {
				return
			}
			// An attempt once started is finished and recorded even when
			// the server is stopping (it waits at most Timeout): the
			// receiver may already have it, and the log must say so.
			// Only a kill between the POST and the record repeats one.
			finish := context.WithoutCancel(ctx)
			a := w.attempt(finish, d)
			if err := w.ops.RecordAttempt(finish, d.ID, a); err != nil {
				w.log.Error("webhooks: record attempt", "delivery", d.ID, "err", err)
				return
			}
		}
	}
}

// attempt POSTs one delivery and says what happened and when to retry.
func (w *Worker) attempt(ctx context.Context, d store.DueWebhook) store.Attempt {
	now := w.now()
	a := store.Attempt{At: now}
	body, err := json.Marshal(payload{Delivery: d.ID, Event: d.Event, Notification: d.Notification,
		URL: caseURL(w.baseURL, d.Notification.Case)})
	if err != nil {
		a.Err = err.Error()
		return a
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Endpoint.URL, bytes.NewReader(body))
	if err != nil {
		a.Err = err.Error()
		return a
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Plumbline-Webhook/1")
	req.Header.Set(headerEvent, d.Event)
	req.Header.Set(headerDelivery, strconv.FormatInt(d.ID, 10))
	req.Header.Set(headerTimestamp, ts)
	req.Header.Set(headerSignature, Sign(d.Endpoint.Secret, ts, body))
	resp, err := w.client.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		a.Code = resp.StatusCode
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			a.OK = true
			return a
		}
		a.Err = "HTTP " + resp.Status
	} else {
		a.Err = err.Error()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			a.Err = "timed out after " + w.opts.Timeout.String()
		}
	}
	if len(a.Err) > 500 {
		a.Err = a.Err[:500]
	}
	if d.Attempts+1 < w.opts.MaxAttempts {
		a.NextAt = now.Add(w.backoff(d.Attempts + 1))
	}
	return a
}

// backoff is the wait after the n-th failed attempt: Backoff·2^(n-1),
// at most MaxBackoff, with ±20% jitter so that retries of many deliveries
// do not arrive together.
func (w *Worker) backoff(n int) time.Duration {
	d := w.opts.Backoff
	for i := 1; i < n && d < w.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.opts.MaxBackoff)
	j := time.Duration(float64(d) * (0.8 + 0.4*mrand.Float64()))
	return max(j, time.Millisecond)
}

// caseURL is the page of case id on base.
func caseURL(base, id string) string {
	if id == "" {
		return ""
	}
	return strings.TrimSuffix(base, "/") + "/cases/" + url.PathEscape(id)
}
