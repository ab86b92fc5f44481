// Package witness is a transparency-log witness (c2sp.org/tlog-witness):
// it cosigns a log's checkpoint only when the checkpoint is signed by one
// of the log's keys and is consistent with the latest checkpoint it
// cosigned for that log, so it never signs two views of one log that
// disagree, nor takes a log back to an older size.
//
// The witness keeps its Ed25519 key in a file (OpenKey) and, per log, the
// latest cosigned size and root hash and the log's verifier keys in SQLite
// (OpenStore). Witness is its HTTP handler, POST /add-checkpoint, with the
// status codes and bodies of litewitness v0.6.1 (filippo.io/torchwood),
// the reference implementation, and like it answers an unknown origin
// with 403 and a checkpoint of the known size with another root with 422
// (the spec now says 404 and 409). It differs where litewitness is more
// lenient than the spec (an old size with a leading zero or a sign, a
// proof from size 0: 400 here) or answers a client's mistake with a 500
// (a malformed note, text that is not a canonical checkpoint: 400 here;
// a body over MaxBodySize: 413).
package witness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// MaxBodySize caps an add-checkpoint request body, as litewitness does.
const MaxBodySize = 10 << 10

// maxProofLines is the most consistency proof lines a client may send
// (c2sp.org/tlog-witness).
const maxProofLines = 63

// Witness serves POST /add-checkpoint for the logs in its store, cosigning
// with its key.
type Witness struct {
	store *Store
	key   *Key
	log   *slog.Logger
	mux   *http.ServeMux

	// beforeCommit, when set, runs after a request's checks and before its
	// checkpoint is recorded; tests use it to race two requests.
	beforeCommit func()
}

// New returns the witness serving the logs in store with key. A nil
// logger discards the log.
func New(store *Store, key *Key, logger *slog.Logger) *Witness {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &Witness{store: store, key: key, log: logger, mux: http.NewServeMux()}
	w.mux.HandleFunc("POST /add-checkpoint", w.serveAddCheckpoint)
	return w
}

// ServeHTTP serves POST /add-checkpoint; other paths are 404 and other
// methods 405.
func (w *Witness) ServeHTTP(rw http.ResponseWriter, r *http.Request) { w.mux.ServeHTTP(rw, r) }

// requestError is a request the witness refuses: the HTTP status and the
// body litewitness answers with.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

// The refusals, with litewitness's messages.
var (
	errBadRequest = &requestError{http.StatusBadRequest, "invalid input"}
	errForbidden  = &requestError{http.StatusForbidden, "invalid signature"}
	errNoLog      = &requestError{http.StatusForbidden, errUnknownLog.Error()}
	errProof      = &requestError{http.StatusUnprocessableEntity, "bad consistency proof"}
	errTooLarge   = &requestError{http.StatusRequestEntityTooLarge, "request body too large"}
)

// conflictError is a request whose old size is not the size the witness
// cosigned last; known is that size.
type conflictError struct{ known int64 }

func (e *conflictError) Error() string {
	return fmt.Sprintf("old size is not the known size %d", e.known)
}

func (w *Witness) serveAddCheckpoint(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, MaxBodySize))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			err = errTooLarge
		}
		w.log.DebugContext(r.Context(), "add-checkpoint: reading the body", "err", err)
	} else {
		var cosig []byte
		if cosig, err = w.addCheckpoint(r.Context(), body); err == nil {
			rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = rw.Write(cosig)
			return
		}
	}
	if c, ok := errors.AsType[*conflictError](err); ok {
		rw.Header().Set("Content-Type", "text/x.tlog.size")
		rw.WriteHeader(http.StatusConflict)
		fmt.Fprintf(rw, "%d\n", c.known)
		return
	}
	if re, ok := errors.AsType[*requestError](err); ok {
		http.Error(rw, re.msg, re.status)
		return
	}
	w.log.ErrorContext(r.Context(), "add-checkpoint", "err", err)
	http.Error(rw, "internal error", http.StatusInternalServerError)
}

// addCheckpoint checks one add-checkpoint request body and, when the
// checkpoint may be cosigned, records it and returns the cosignature
// lines.
func (w *Witness) addCheckpoint(ctx context.Context, body []byte) (cosig []byte, err error) {
	oldSize, proof, signed, err := parseRequest(body)
	if err != nil {
		w.log.DebugContext(ctx, "add-checkpoint: malformed request", "err", err, "body", string(body))
		return nil, errBadRequest
	}
	origin, _, _ := strings.Cut(string(signed), "\n")
	l := w.log.With("origin", origin, "old", oldSize)
	verifiers, err := w.store.verifiers(ctx, origin)
	if errors.Is(err, errUnknownLog) {
		l.DebugContext(ctx, "add-checkpoint: unknown log")
		return nil, errNoLog
	} else if err != nil {
		return nil, err
	}
	n, err := note.Open(signed, verifiers)
	if err != nil {
		l.DebugContext(ctx, "add-checkpoint: checkpoint not signed by the log", "err", err)
		if _, ok := errors.AsType[*note.UnverifiedNoteError](err); ok {
			return nil, errForbidden
		}
		if _, ok := errors.AsType[*note.InvalidSignatureError](err); ok {
			return nil, errForbidden
		}
		return nil, errBadRequest // not a signed note
	}
	c, err := torchwood.ParseCheckpoint(n.Text)
	if err != nil || c.String() != n.Text || c.Origin != origin {
		// A checkpoint cosigned must be in canonical form (a cosignature
		// signs its exact text).
		l.DebugContext(ctx, "add-checkpoint: not a checkpoint", "err", err, "text", n.Text)
		return nil, errBadRequest
	}
	l = l.With("size", c.N)
	if oldSize > c.N {
		l.DebugContext(ctx, "add-checkpoint: old size above the checkpoint's")
		return nil, errBadRequest
	}
	knownSize, knownRoot, err := w.store.state(ctx, origin)
	if err != nil {
		return nil, err
	}
	if oldSize != knownSize {
		l.DebugContext(ctx, "add-checkpoint: old size is not the known size", "known", knownSize)
		return nil, &conflictError{knownSize}
	}
	if oldSize == 0 && len(proof) > 0 {
		l.DebugContext(ctx, "add-checkpoint: a consistency proof from size 0")
		return nil, errBadRequest
	}
	if oldSize > 0 {
		if err := tlog.CheckTree(proof, c.N, c.Hash, oldSize, knownRoot); err != nil {
			// Signed by the log yet inconsistent with what the witness
			// cosigned: possible evidence of a fork, so logged in full.
			l.WarnContext(ctx, "add-checkpoint: checkpoint inconsistent with the cosigned one; not cosigned",
				"known_root", knownRoot.String(), "err", err, "request", string(body))
			return nil, errProof
		}
	}
	if w.beforeCommit != nil {
		w.beforeCommit()
	}
	moved, err := w.store.advance(ctx, origin, oldSize, knownRoot, c.N, c.Hash)
	if err != nil {
		return nil, err
	}
	if !moved {
		// Another request moved the log since it was read.
		size, _, err := w.store.state(ctx, origin)
		if err != nil {
			return nil, err
		}
		l.InfoContext(ctx, "add-checkpoint: log moved by a concurrent request", "known", size)
		return nil, &conflictError{size}
	}
	signedByUs, err := note.Sign(&note.Note{Text: n.Text}, w.key.signer)
	if err != nil {
		return nil, err
	}
	_, sigs, ok := bytes.Cut(signedByUs, []byte("\n\n"))
	if !ok || len(sigs) == 0 {
		return nil, errors.New("note.Sign returned no signature")
	}
	l.InfoContext(ctx, "add-checkpoint: cosigned", "root", c.Hash.String())
	return sigs, nil
}

// parseRequest splits an add-checkpoint body: the line "old N", zero or
// more base64 proof hashes one a line, an empty line, and the signed
// checkpoint. Numbers must be canonical decimals.
func parseRequest(body []byte) (oldSize int64, proof tlog.TreeProof, signed []byte, err error) {
	head, signed, ok := bytes.Cut(body, []byte("\n\n"))
	if !ok {
		return 0, nil, nil, errors.New("no empty line before the checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	size, ok := strings.CutPrefix(lines[0], "old ")
	if !ok {
		return 0, nil, nil, errors.New(`the first line is not "old N"`)
	}
	oldSize, err = strconv.ParseInt(size, 10, 64)
	if err != nil || oldSize < 0 || strconv.FormatInt(oldSize, 10) != size {
		return 0, nil, nil, fmt.Errorf("old size %q is not a decimal size", size)
	}
	if len(lines)-1 > maxProofLines {
		return 0, nil, nil, fmt.Errorf("%d proof lines, more than %d", len(lines)-1, maxProofLines)
	}
	for _, line := range lines[1:] {
		h, err := tlog.ParseHash(line)
		if err != nil {
			return 0, nil, nil, fmt.Errorf("proof line %q: %w", line, err)
		}
		proof = append(proof, h)
	}
	return oldSize, proof, signed, nil
}
