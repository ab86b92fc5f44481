package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// checkpointResponse is GET /api/v1/ledger/checkpoint: the latest signed
// checkpoint and what is needed to check it.
type checkpointResponse struct {
	Checkpoint ledger.Checkpoint `json:"checkpoint"`
	// VerifierKey is the checkpoint signer's note verifier key (embedded
	// ledger); empty on Fabric.
	VerifierKey string `json:"verifier_key,omitempty"`
	// LedgerKind is "embedded" (a signed Merkle log) or "fabric".
	LedgerKind string `json:"ledger_kind"`
}

// proofResponse is GET /api/v1/ledger/entries/{seq}/proof: ledger.Evidence
// as Go marshals it, plus the signing organization's certificate.
//
// Privacy: an entry's bytes hold the whole transaction and the records it
// wrote, which for an inspection include its notes and measurements. So
// the entry (and the certificate) is given only to those who may read it
// (access.Checker.ReadEntry): anyone for public entries (commissioning, public
// documents, transformations, recalls, registrations), and otherwise
// logged-in users of organizations involved with a batch the entry
// touched, authorities, inspection agencies and the submitter's
// organization. Everyone else gets the evidence redacted: leaf hash,
// audit path and signed checkpoint, without the entry, and "redacted":
// true — still proof that a leaf is at that position in the signed tree.
type proofResponse struct {
	ledger.Evidence
	// OrgCertificate is the DER X.509 certificate of the organization that
	// signed the entry (embedded ledger, whole entries only).
	OrgCertificate []byte `json:"org_certificate,omitempty"`
	// Redacted is set when the entry was withheld (see above).
	Redacted bool `json:"redacted,omitempty"`
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

func (t *traceArea) checkpoint(c *gin.Context) {
	cp, err := t.s.opts.Ledger.Checkpoint(c.Request.Context())
	if err != nil {
		t.s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-cache")
	c.JSON(http.StatusOK, checkpointResponse{Checkpoint: cp, VerifierKey: t.s.opts.VerifierKey, LedgerKind: t.ledgerKind()})
}

// evidence returns the whole evidence of entry seq, with the certificate
// when the ledger keeps certificates, from the cache when the checkpoint
// has not moved.
func (t *traceArea) evidence(ctx context.Context, seq uint64) (proofResponse, error) {
	cp, err := t.s.opts.Ledger.Checkpoint(ctx)
	if err != nil {
		return proofResponse{}, err
	}
	pc := t.proofs
	pc.mu.Lock()
	r, ok := pc.entries[seq]
	pc.mu.Unlock()
	if ok && r.Checkpoint.Size == cp.Size {
		return r, nil
	}
	ev, err := t.s.opts.Ledger.Evidence(ctx, seq)
	if err != nil {
		return proofResponse{}, err
	}
	r = proofResponse{Evidence: ev}
	if cs, ok := t.s.opts.Ledger.(ledger.CertificateSource); ok && ev.Kind == ledger.EvidenceMerkle {
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

func (t *traceArea) proof(c *gin.Context) {
	ctx := c.Request.Context()
	seq, err := parseSeq(c.Param("seq"))
	if err != nil {
		t.s.fail(c, err)
		return
	}
	r, err := t.evidence(ctx, seq)
	if err != nil {
		t.s.fail(c, err)
		return
	}
	public := r.Kind != ledger.EvidenceMerkle // Fabric evidence holds no transaction content
	if !public {
		ev, err := t.s.opts.Store.Event(ctx, seq)
		switch {
		case err == nil:
			public = access.PublicEntry(ev.Type, ev.Args)
			if !public && t.checker(c).ReadEntry(ctx, ev) {
				c.Header("Cache-Control", "private, no-store")
				c.JSON(http.StatusOK, r)
				return
			}
		case !errors.Is(err, models.ErrNotFound): // not yet in the read model: withheld until it is
			t.s.fail(c, err)
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
func (t *traceArea) ledgerKind() string {
	if t.s.opts.LedgerKind == ledger.EvidenceFabric {
		return ledger.EvidenceFabric
	}
	return "embedded"
}
