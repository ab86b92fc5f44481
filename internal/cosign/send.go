package cosign

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/plumbline/plumbline/ledger"
)

// maxAnswer bounds what is read of a witness's answer.
const maxAnswer = 64 << 10

// recheck is how often a witness that is up to date is asked again, so
// that a ledger taking no writes still learns of a witness that holds more
// (a restored backup).
const recheck = 5 * time.Minute

// runWitness keeps one witness up to date with the log: it sends the latest
// checkpoint at start, whenever the log has grown past what the witness
// cosigned (one request at a time) and every recheck; it waits for the
// next commit otherwise.
func (c *Cosigner) runWitness(ctx context.Context, w *witness, known uint64) {
	backoff := time.Duration(0)
	asked := time.Time{} // when the witness last cosigned the latest checkpoint
	retried := false     // the last request was a retry at the size the witness named
	for {
		commits := c.log.Commits()
		if commits == nil {
			return // the ledger closed
		}
		cp, err := c.log.Checkpoint(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			c.opts.Logger.Warn("witnessing: read the latest checkpoint", "err", err)
			backoff = c.wait(ctx, backoff)
			continue
		}
		if wait := c.opts.Interval - time.Since(asked); !asked.IsZero() && wait > 0 {
			// Coalesce: at most one round per Interval, so that witnessing
			// takes little from the writes it follows.
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			continue
		}
		if cp.Size == 0 || (!asked.IsZero() && cp.Size == known && c.hasCosignature(ctx, w, cp.Size)) {
			wait := recheck
			if !asked.IsZero() {
				wait = max(0, recheck-time.Since(asked))
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-commits:
			case <-t.C:
				asked = time.Time{}
			}
			t.Stop()
			continue
		}
		next, retry, err := c.send(ctx, w, known, cp)
		if ctx.Err() != nil {
			return
		}
		w.mu.Lock()
		if err != nil {
			w.status.LastError = err.Error()
		} else {
			w.status.LastError = ""
		}
		w.mu.Unlock()
		known = next
		switch {
		case err == nil:
			backoff, asked, retried = 0, time.Now(), false
		case retry && !retried:
			// The witness told us its size: ask again at once from there
			// (a second mismatch in a row waits).
			retried = true
		default:
			if !retry {
				c.opts.Logger.Warn("witnessing failed", "witness", w.name, "err", err)
			}
			retried = false
			backoff = c.wait(ctx, backoff)
		}
	}
}

// wait sleeps for the next backoff step (or until ctx is done) and
// returns it. A commit does not cut the wait short.
func (c *Cosigner) wait(ctx context.Context, backoff time.Duration) time.Duration {
	backoff = min(max(2*backoff, c.opts.MinBackoff), c.opts.MaxBackoff)
	t := time.NewTimer(backoff)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	return backoff
}

// hasCosignature reports whether w's cosignature of the checkpoint at size
// is stored.
func (c *Cosigner) hasCosignature(ctx context.Context, w *witness, size uint64) bool {
	lines, err := c.log.Cosignatures(ctx, size)
	return err == nil && lines[w.name] != ""
}

// send asks w to cosign cp, given that w last cosigned a checkpoint of
// known entries. It returns the size w is now known to hold and whether
// to retry at once (w named another size than known).
func (c *Cosigner) send(ctx context.Context, w *witness, known uint64, cp ledger.Checkpoint) (uint64, bool, error) {
	var body bytes.Buffer
	fmt.Fprintf(&body, "old %d\n", known)
	if known > 0 && known < cp.Size {
		proof, err := c.log.ConsistencyProof(ctx, known, cp.Size)
		if err != nil {
			return known, false, fmt.Errorf("consistency proof from %d to %d: %w", known, cp.Size, err)
		}
		for _, h := range proof {
			body.WriteString(base64.StdEncoding.EncodeToString(h) + "\n")
		}
	}
	if known > cp.Size {
		// The witness holds more than the log: report, and send nothing
		// that could not be consistent.
		c.claim(w, fmt.Sprintf("it has cosigned a checkpoint of %d entries; this ledger's latest has %d", known, cp.Size))
		return known, false, fmt.Errorf("the witness holds %d entries, the ledger %d", known, cp.Size)
	}
	body.WriteString("\n")
	body.WriteString(cp.Note)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url+"/add-checkpoint", &body)
	if err != nil {
		return known, false, err
	}
	resp, err := c.opts.Client.Do(req)
	if err != nil {
		return known, false, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return known, false, err
	}
	w.mu.Lock()
	w.status.LastContact = c.opts.Now().UTC()
	w.mu.Unlock()
	switch resp.StatusCode {
	case http.StatusOK:
		line, err := cosignatureLine(cp.Note, answer, w.v)
		if err != nil {
			return known, false, err
		}
		if err := c.log.AddCosignature(ctx, cp.Size, w.name, line); err != nil {
			return known, false, err
		}
		w.mu.Lock()
		w.status.Cosigned = cp.Size
		w.mu.Unlock()
		c.claim(w, "")
		c.prune(ctx)
		return cp.Size, false, nil
	case http.StatusConflict:
		size, err := strconv.ParseUint(strings.TrimSpace(string(answer)), 10, 64)
		if mt, _, merr := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || merr != nil || mt != "text/x.tlog.size" {
			return known, false, fmt.Errorf("witness answered 409 without a tree size (%q)", truncate(answer))
		}
		if size > cp.Size {
			c.claim(w, fmt.Sprintf("it has cosigned a checkpoint of %d entries; this ledger's latest has %d", size, cp.Size))
			return size, false, fmt.Errorf("the witness holds %d entries, the ledger %d: rolled back?", size, cp.Size)
		}
		return size, true, fmt.Errorf("the witness holds %d entries, not %d", size, known)
	case http.StatusUnprocessableEntity:
		c.claim(w, fmt.Sprintf("this ledger's checkpoint of %d entries is not consistent with the one of %d entries it cosigned", cp.Size, known))
		return known, false, fmt.Errorf("the witness refused the consistency proof from %d to %d entries: forked?", known, cp.Size)
	default:
		return known, false, fmt.Errorf("witness answered %s: %s", resp.Status, truncate(answer))
	}
}

// prune drops cosignatures older than the newest witnessed checkpoint.
func (c *Cosigner) prune(ctx context.Context) {
	sizes, err := c.log.WitnessedSizes(ctx, c.opts.Quorum, 1)
	if err == nil && len(sizes) == 1 {
		err = c.log.PruneCosignatures(ctx, sizes[0])
	}
	if err != nil {
		c.opts.Logger.Warn("witnessing: prune old cosignatures", "err", err)
	}
}

func truncate(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
