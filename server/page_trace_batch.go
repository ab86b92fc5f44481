package server

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/label"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// batchPage is what templates/trace_batch.html gets: the batch's data and
// what this viewer may see and do with it.
type batchPage struct {
	*traceData
	Orgs     map[string]models.Organization
	Involved bool // the viewer's organization sees the private tier
	Banner   banner
	// PublicDocs everyone sees; PrivateDocs only the involved.
	PublicDocs, PrivateDocs []models.Document
	Events                  []eventRow
	Passed, Failed          int // inspections by verdict (conditional counts as passed)
	Checkpoint              ledger.Checkpoint
	VerifierKey             string
	LedgerKind              string
	ProofAttrs              template.HTMLAttr // localised data-msg-*/data-reason-*/data-label-* of proof.js
	// Witnesses cosign the checkpoints (names and keys shown, checked by
	// witness.js); Quorum of them make a checkpoint witnessed.
	Witnesses []witnessKey
	Quorum    int
	Can       batchActions
	Verify    *verifyResult
}

// witnessKey is a configured witness as the trace page shows it.
type witnessKey = app.WitnessKey

// eventRow is a timeline entry; Proof says whether the viewer may read the
// entry whole, and so check its proof in the browser.
type eventRow struct {
	store.Event
	Proof bool
}

// banner is the batch's status as one coloured line.
type banner struct {
	Class  string // ok, warn, bad or "" (neutral)
	Key    string // message ID
	Detail string
}

// batchActions are the links to actions the viewer's role could take; the
// contract still decides.
type batchActions struct{ Inspect, Use, Release, Recall, Case bool }

// OrgName returns the organization's name, or its ID when unknown.
func (p *batchPage) OrgName(id string) string {
	if o, ok := p.Orgs[id]; ok && o.Name != "" {
		return o.Name
	}
	return id
}

// batchPage serves GET /b/{code}, the batch's trace page; no login needed.
func (t *traceArea) batchPage(c *gin.Context) {
	t.showBatch(c, http.StatusOK, nil)
}

func (t *traceArea) showBatch(c *gin.Context, code int, vr *verifyResult) {
	ctx := c.Request.Context()
	if vr == nil && t.servePublicCopy(c) {
		return
	}
	d, err := t.s.app.Trace(ctx, c.Param("code"))
	if errors.Is(err, models.ErrNotFound) {
		// A code typed in another case: send the browser to the batch.
		if fold, ferr := t.s.opts.Store.BatchCodeFold(ctx, c.Param("code")); ferr == nil && fold != c.Param("code") {
			c.Redirect(http.StatusSeeOther, "/b/"+url.PathEscape(fold))
			return
		}
		t.unknown(c, c.Param("code"))
		return
	}
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	p, err := t.batchView(c, d)
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	p.Verify = vr
	v := t.s.view(c, "", p)
	v.Public = v.User == nil
	if vr != nil && vr.Err != "" {
		v.Errors = map[string]string{"file": vr.Err}
	}
	if vr == nil && v.Public && v.Flash == "" {
		t.keepPublicCopy(c, v)
		return
	}
	t.s.page(c, code, "trace_batch", v)
}

// publicKey is the key of the anonymous trace page for this request: the
// page depends on nothing else than the language, the URL (the language
// links repeat it), the read model (the cache's position) and the ledger's
// checkpoint, whose size is part of the key.
func (t *traceArea) publicKey(c *gin.Context) (string, bool) {
	if currentUser(c) != nil || c.Request.Method != http.MethodGet {
		return "", false
	}
	if f, err := c.Cookie("plumbline_flash"); err == nil && f != "" {
		return "", false
	}
	cp, err := t.s.opts.Ledger.Checkpoint(c.Request.Context())
	if err != nil {
		return "", false
	}
	return lang(c) + "|" + strconv.FormatUint(cp.Size, 10) + "|" + c.Request.URL.RequestURI(), true
}

// servePublicCopy answers an anonymous GET from the rendered-page cache.
func (t *traceArea) servePublicCopy(c *gin.Context) bool {
	key, ok := t.publicKey(c)
	if !ok {
		return false
	}
	page, ok := t.pages.Peek(key, t.s.opts.Projector.Applied())
	if !ok {
		return false
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", page)
	return true
}

// keepPublicCopy renders the anonymous page, keeps it and serves it.
func (t *traceArea) keepPublicCopy(c *gin.Context, v *view) {
	at := t.s.opts.Projector.Applied()
	key, ok := t.publicKey(c)
	var buf bytes.Buffer
	if err := t.s.pages["trace_batch"].ExecuteTemplate(&buf, "layout.html", v); err != nil {
		t.s.failPage(c, err)
		return
	}
	if ok {
		t.pages.Put(key, at, buf.Bytes())
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
}

// batchView decides what the viewer of c sees of d.
func (t *traceArea) batchView(c *gin.Context, d *traceData) (*batchPage, error) {
	ctx := c.Request.Context()
	orgs, err := t.orgMap(ctx)
	if err != nil {
		return nil, err
	}
	cp, err := t.s.opts.Ledger.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	viewer, user := t.s.viewerOrg(c), currentUser(c)
	involved, err := t.s.viewerChecker(c).Involved(ctx, &d.Batch)
	if err != nil {
		return nil, err
	}
	p := &batchPage{
		traceData: d, Orgs: orgs, Involved: involved, Checkpoint: cp,
		VerifierKey: t.s.opts.VerifierKey, LedgerKind: t.ev.ledgerKind(),
		ProofAttrs: t.ev.proofAttrs(t.s.loc(c).Lang(), c),
	}
	p.Witnesses, p.Quorum = t.s.app.WitnessKeys()
	for _, doc := range d.Documents {
		if access.Document(doc, false) { // the template shows the others only to the involved
			p.PublicDocs = append(p.PublicDocs, doc)
		} else {
			p.PrivateDocs = append(p.PrivateDocs, doc)
		}
	}
	fabric := t.ev.ledgerKind() == ledger.EvidenceFabric
	for _, e := range d.Timeline {
		ok := fabric || p.Involved || access.EntryBytesPublic(e.Type, e.Args, t.s.app.Committed(e.Seq)) || (viewer != nil && e.Org == viewer.ID)
		p.Events = append(p.Events, eventRow{Event: e, Proof: ok})
	}
	for _, in := range d.Inspections {
		if in.Verdict == models.VerdictFail {
			p.Failed++
		} else {
			p.Passed++
		}
	}
	p.Banner = statusBanner(d, p.Involved)
	if user != nil && viewer != nil {
		p.Can = actionsFor(viewer, user.Role, &d.Batch)
	}
	return p, nil
}

// statusBanner says where the batch stands: conformant, awaiting
// inspection, on hold, recalled, in transit, used up or rejected. The hold
// reason of a failed inspection carries its notes, so the public sees only
// which inspection failed.
func statusBanner(d *traceData, involved bool) banner {
	b := d.Batch
	switch b.Status {
	case models.StatusRecalled:
		detail := b.HoldReason
		if len(d.Recalls) > 0 {
			detail = d.Recalls[0].Reason
		}
		return banner{"bad", "trace.status.recalled", detail}
	case models.StatusOnHold:
		detail := ""
		for _, in := range d.Inspections {
			if in.Verdict == models.VerdictFail {
				detail = "failed " + in.Type + " inspection" // as the contract says it, without the notes
			}
		}
		if involved {
			detail = b.HoldReason
		}
		return banner{"bad", "trace.status.on_hold", detail}
	case models.StatusRejected:
		return banner{"bad", "trace.status.rejected", ""}
	case models.StatusInTransit:
		return banner{"warn", "trace.status.in_transit", b.Shipment}
	case models.StatusDepleted:
		return banner{"", "trace.status.depleted", ""}
	}
	switch b.Inspection {
	case models.InspPending:
		return banner{"warn", "trace.status.pending", ""}
	case models.InspFailed:
		return banner{"bad", "trace.status.failed", ""}
	case models.InspConditional:
		return banner{"ok", "trace.status.conditional", b.Condition}
	}
	return banner{"ok", "trace.status.conformant", ""}
}

// actionsFor returns which action links a user of org with role sees on
// batch b: those the contract's permissions (contract.Rule, RecallRule)
// allow the organization's kind and the role, when the batch's state
// admits them. Viewers see none.
func actionsFor(org *models.Organization, role models.Role, b *models.Batch) batchActions {
	var a batchActions
	a.Inspect = mayAs(org.Kind, role, "RecordInspection") && b.Status != models.StatusRecalled
	a.Release = mayAs(org.Kind, role, "ReleaseHold") && b.Status == models.StatusOnHold
	a.Use = mayAs(org.Kind, role, "RecordUsage") && b.Custodian == org.ID && b.Status == models.StatusAvailable
	if p, ok := contract.RecallRule(org.Kind, org.ID == b.Producer); ok {
		a.Recall = p.Allows(org.Kind, role) && b.Status != models.StatusRecalled
	}
	// A non-conformance: authorities, inspection agencies and the batch's
	// producer, owner or custodian (the contract also lets contractors that
	// used a batch made from it; they find it on the trace report).
	a.Case = mayAs(org.Kind, role, "OpenCase") && (org.Kind == models.KindAuthority || org.Kind == models.KindInspection ||
		org.ID == b.Producer || org.ID == b.Owner || org.ID == b.Custodian)
	return a
}

// proofMessages are proof.js's message, reason and label keys, each
// localised as trace.proof.<prefix>.<key>.
var proofMessages = map[string][]string{
	"msg":    {"verifying", "verified", "failed", "error", "fabric"},
	"reason": {"fetch", "format", "kind", "unsupported", "verifier-key", "note", "key", "signature", "size", "root", "leaf", "entry", "seq", "tx", "certificate", "org-signature"},
	"label":  {"seq", "leaf-index", "size", "root", "time", "signer", "tx-id", "org", "type", "org-signature", "checked", "block", "block-hash"},
}

// unknown shows the friendly "no such batch" page with the code form.
func (t *traceArea) unknown(c *gin.Context, code string) {
	v := t.s.view(c, "", code)
	v.Public = v.User == nil
	t.s.page(c, http.StatusNotFound, "trace_unknown", v)
}

// openCode serves GET /b?code=…, the home page's form: it sends the
// browser to the batch's page. A pasted trace URL works too.
func (t *traceArea) openCode(c *gin.Context) {
	code := strings.TrimSpace(c.Query("code"))
	if strings.Contains(code, "/") {
		if u, err := url.Parse(code); err == nil {
			if rest, ok := strings.CutPrefix(u.EscapedPath(), "/b/"); ok {
				code, _ = url.PathUnescape(rest)
			} else if gtin, lot, err := label.ParseDigitalLink(u.EscapedPath()); err == nil {
				t.resolve(c, gtin, lot)
				return
			}
		}
	}
	if code == "" || models.ValidateID("code", code) != nil {
		t.unknown(c, code)
		return
	}
	c.Redirect(http.StatusSeeOther, "/b/"+url.PathEscape(code))
}
