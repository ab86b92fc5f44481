package server

import (
	"context"
	"errors"
	"html"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// checkpointResponse is GET /api/v1/ledger/checkpoint: the latest signed
// checkpoint (or, with ?size=N, the one signed at N entries) and what is
// needed to check it.
type checkpointResponse struct {
	Checkpoint ledger.Checkpoint `json:"checkpoint"`
	// VerifierKey is the checkpoint signer's note verifier key (embedded
	// ledger); empty on Fabric.
	VerifierKey string `json:"verifier_key,omitempty"`
	// LedgerKind is "embedded" (a signed Merkle log) or "fabric".
	LedgerKind string `json:"ledger_kind"`
	// Witnessing is the witnesses, their progress and the newest
	// checkpoint a quorum of them cosigned (with their cosignatures);
	// absent when no witness is configured.
	Witnessing *app.WitnessReport `json:"witnessing,omitempty"`
}

// proofResponse is GET /api/v1/ledger/entries/{seq}/proof: ledger.Evidence
// as Go marshals it, plus the signing organization's certificate.
//
// Privacy: a v2 entry holds its private fields only as salted commitments
// and its writes by a salted digest, so everyone gets it ("committed":
// true); its openings (the salts and private values) go only to those who
// may read it (access.Checker.ReadEntry): anyone for public entries
// (commissioning, public documents, transformations, recalls,
// registrations), and otherwise logged-in users of organizations involved
// with a batch the entry touched, authorities, inspection agencies and the
// submitter's organization. A v1 entry's bytes hold the whole transaction
// and the records it wrote, so they go only to those same readers;
// everyone else gets its evidence redacted: leaf hash, audit path and
// signed checkpoint, without the entry, and "redacted": true.
type proofResponse struct {
	ledger.Evidence
	// OrgCertificate is the DER X.509 certificate of the organization that
	// signed the entry (embedded ledger, whole entries only).
	OrgCertificate []byte `json:"org_certificate,omitempty"`
	// Redacted is set when the entry was withheld (see above).
	Redacted bool `json:"redacted,omitempty"`
}

// evidenceArea serves the ledger's evidence: the signed checkpoint and
// every entry's inclusion proof (or, on Fabric, its block), which the
// trace pages and reports show too.
type evidenceArea struct {
	s      *Server
	proofs *proofCache
	attrs  sync.Map // language → proof.js attributes (template.HTMLAttr)
}

func newEvidenceArea(s *Server) *evidenceArea {
	return &evidenceArea{s: s, proofs: newProofCache(4096)}
}

// proofCache keeps the evidence of entries, each valid while the ledger's
// latest checkpoint has the size it was proved against (the entry itself
// never changes; only the checkpoint moves on).
type proofCache struct {
	mu      sync.Mutex
	max     int
	entries map[uint64]proofResponse
}

func newProofCache(max int) *proofCache {
	return &proofCache{max: max, entries: map[uint64]proofResponse{}}
}

func (e *evidenceArea) checkpoint(c *gin.Context) {
	cp, err := e.s.opts.Ledger.Checkpoint(c.Request.Context())
	if v, ok := c.GetQuery("size"); ok && err == nil {
		var size uint64
		if size, err = app.ParseSize("size", v); err == nil {
			cp, err = e.s.app.CheckpointAt(c.Request.Context(), size)
		}
	}
	if err != nil {
		e.s.fail(c, err)
		return
	}
	r := checkpointResponse{Checkpoint: cp, VerifierKey: e.s.opts.VerifierKey, LedgerKind: e.ledgerKind()}
	if w, ok, err := e.s.app.Witnesses(c.Request.Context()); err != nil {
		e.s.fail(c, err)
		return
	} else if ok {
		// Public: the witnesses' names, keys, progress and reports, not
		// their addresses or this server's errors reaching them (the
		// dashboard shows those).
		for i := range w.Witnesses {
			w.Witnesses[i].URL, w.Witnesses[i].LastError = "", ""
		}
		r.Witnessing = &w
	}
	c.Header("Cache-Control", "no-cache")
	c.JSON(http.StatusOK, r)
}

// signedCheckpoint serves GET /ledger/checkpoint (C2SP tlog-tiles): the
// latest checkpoint as a signed note, with the witnesses' cosignatures it
// has.
func (e *evidenceArea) signedCheckpoint(c *gin.Context) {
	note, err := e.s.app.CosignedCheckpoint(c.Request.Context())
	if err != nil {
		e.s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(note))
}

// evidence returns the whole evidence of entry seq, with the certificate
// when the ledger keeps certificates, from the cache when the checkpoint
// has not moved.
func (e *evidenceArea) evidence(ctx context.Context, seq uint64) (proofResponse, error) {
	cp, err := e.s.opts.Ledger.Checkpoint(ctx)
	if err != nil {
		return proofResponse{}, err
	}
	pc := e.proofs
	pc.mu.Lock()
	r, ok := pc.entries[seq]
	pc.mu.Unlock()
	if ok && r.Checkpoint.Size == cp.Size {
		return r, nil
	}
	ev, err := e.s.opts.Ledger.Evidence(ctx, seq)
	if err != nil {
		return proofResponse{}, err
	}
	r = proofResponse{Evidence: ev}
	if cs, ok := e.s.opts.Ledger.(ledger.CertificateSource); ok && ev.Kind == ledger.EvidenceMerkle {
		if cert, err := cs.EntryCertificate(ctx, ev); err == nil {
			r.OrgCertificate = cert.Raw
		}
	}
	pc.mu.Lock()
	if len(pc.entries) >= pc.max {
		clear(pc.entries)
	}
	pc.entries[seq] = r
	pc.mu.Unlock()
	return r, nil
}

// parseSeq reads a ledger sequence number from the path.
func parseSeq(s string) (uint64, error) {
	seq, err := strconv.ParseUint(s, 10, 64)
	if err != nil || seq == 0 {
		return 0, models.Invalid("seq", "%q is not an entry sequence number (1, 2, 3, …)", s)
	}
	return seq, nil
}

func (e *evidenceArea) proof(c *gin.Context) {
	ctx := c.Request.Context()
	seq, err := parseSeq(c.Param("seq"))
	if err != nil {
		e.s.fail(c, err)
		return
	}
	r, err := e.evidence(ctx, seq)
	if err != nil {
		e.s.fail(c, err)
		return
	}
	public := r.Kind != ledger.EvidenceMerkle // Fabric evidence holds no transaction content
	if !public {
		ev, err := e.s.opts.Store.Event(ctx, seq)
		switch {
		case err == nil:
			public = access.EntryBytesPublic(ev.Type, ev.Args, r.Committed)
			chk := e.s.viewerChecker(c)
			if r.Committed {
				// The entry is public; its openings (the salt of its writes,
				// its private fields) go to those who may read them.
				if r.Openings, err = e.s.app.Openings(ctx, chk, ev); err != nil {
					e.s.fail(c, err)
					return
				}
				if r.Openings != nil && !access.PublicEntry(ev.Type, ev.Args) {
					public = false
				}
			}
			if !public && (r.Openings != nil || chk.ReadEntry(ctx, ev)) {
				c.Header("Cache-Control", "private, no-store")
				c.JSON(http.StatusOK, r)
				return
			}
		case !errors.Is(err, models.ErrNotFound): // not yet in the read model: withheld until it is
			e.s.fail(c, err)
			return
		}
	}
	if public {
		c.Header("Cache-Control", "public, max-age=60")
		c.JSON(http.StatusOK, r)
		return
	}
	r.Entry, r.OrgCertificate, r.Redacted = nil, nil, true
	c.Header("Cache-Control", "private, no-store")
	c.JSON(http.StatusOK, r)
}

// ledgerKind is the kind of ledger the server shows: "embedded" or
// "fabric" (Options.LedgerKind says "embedded", "fabric" or, by default,
// "merkle" for the embedded ledger).
func (e *evidenceArea) ledgerKind() string {
	if e.s.opts.LedgerKind == ledger.EvidenceFabric {
		return ledger.EvidenceFabric
	}
	return "embedded"
}

// proofAttrs returns the localised data-msg-*, data-reason-* and
// data-label-* attributes of a proof element, built once per language.
func (e *evidenceArea) proofAttrs(lang string, c *gin.Context) template.HTMLAttr {
	if v, ok := e.attrs.Load(lang); ok {
		return v.(template.HTMLAttr)
	}
	l := e.s.loc(c)
	var sb strings.Builder
	for _, prefix := range []string{"msg", "reason", "label"} {
		for _, k := range proofMessages[prefix] {
			sb.WriteString(" data-" + prefix + "-" + k + `="` + html.EscapeString(l.T("trace.proof."+prefix+"."+k)) + `"`)
		}
	}
	a := template.HTMLAttr(sb.String())
	e.attrs.Store(lang, a)
	return a
}

// consistency serves GET /api/v1/ledger/consistency?from=N&to=M: the
// checkpoints signed at N and M entries (M: the latest when left out) and
// the proof that the second extends the first.
func (e *evidenceArea) consistency(c *gin.Context) {
	from, err := app.ParseSize("from", c.Query("from"))
	var to uint64
	if v := c.Query("to"); err == nil && v != "" {
		to, err = app.ParseSize("to", v)
	}
	var r app.Consistency
	if err == nil {
		r, err = e.s.app.Consistency(c.Request.Context(), from, to)
	}
	if err != nil {
		e.s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// tile serves GET /ledger/tile/<L>/<N>[.p/<W>]: a hash tile of the Merkle
// tree (C2SP tlog-tiles). A full tile never changes, so it may be cached
// for good; a partial one grows into a fuller one.
func (e *evidenceArea) tile(c *gin.Context) {
	if strings.HasPrefix(c.Param("path"), "/entries/") {
		e.entryBundle(c)
		return
	}
	data, full, err := e.s.app.HashTile(c.Request.Context(), c.Param("path"))
	if err != nil {
		e.s.fail(c, err)
		return
	}
	if full {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	c.Data(http.StatusOK, "application/octet-stream", data)
}

// entryBundle serves /ledger/tile/entries/… (C2SP tlog-tiles entry
// bundles): full bundles anyone may have are immutable and cached; others
// (partial, or holding a private v1 entry an auditor may see) are not.
func (e *evidenceArea) entryBundle(c *gin.Context) {
	data, full, public, err := e.s.app.EntryBundle(c.Request.Context(), e.s.viewerChecker(c), strings.TrimPrefix(c.Param("path"), "/"))
	if err != nil {
		e.s.fail(c, err)
		return
	}
	switch {
	case !public:
		c.Header("Cache-Control", "private, no-store")
	case full:
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	default:
		c.Header("Cache-Control", "no-cache")
	}
	c.Data(http.StatusOK, "application/octet-stream", data)
}

// evidenceRequest is POST /api/v1/ledger/evidence: a checkpoint someone
// kept from this ledger, with its witnesses' cosignatures.
type evidenceRequest struct {
	// Checkpoint is the signed note, as /ledger/checkpoint served it.
	Checkpoint string `json:"checkpoint"`
}

// evidenceCheck takes a checkpoint kept from this ledger: consistent, it
// says so; signed by this log and cosigned by a configured witness and
// larger than, or not extended by, the ledger, it stops writes (409).
func (e *evidenceArea) evidenceCheck(c *gin.Context) {
	var req evidenceRequest
	if err := bindJSON(c, &req); err != nil {
		e.s.fail(c, err)
		return
	}
	r, err := e.s.app.CheckEvidence(c.Request.Context(), req.Checkpoint)
	if err != nil {
		e.s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}
