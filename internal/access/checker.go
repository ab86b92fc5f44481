package access

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// Checker answers what one viewer may see. Make one per request: it
// remembers each batch's parties for as long as it lives. It is not safe
// for concurrent use.
type Checker struct {
	src     Source
	viewer  Viewer
	parties map[string]Parties // batch code → parties, looked up once
}

// New returns a Checker for viewer v reading src.
func New(src Source, v Viewer) *Checker {
	return &Checker{src: src, viewer: v, parties: map[string]Parties{}}
}

// Viewer returns who the checker answers for.
func (c *Checker) Viewer() Viewer { return c.viewer }

// partiesOf returns batch code's parties, once per Checker.
func (c *Checker) partiesOf(ctx context.Context, code string) (Parties, error) {
	if p, ok := c.parties[code]; ok {
		return p, nil
	}
	p, err := c.src.Parties(ctx, code)
	if err != nil {
		return nil, err
	}
	c.parties[code] = p
	return p, nil
}

// Involved reports whether the viewer may see batch b's private tier: it
// sees every batch, or it is b's producer, owner or custodian, or it took
// part otherwise (a shipment's sender, receiver or carrier, a submitter of
// one of b's ledger entries). The public never is.
func (c *Checker) Involved(ctx context.Context, b *models.Batch) (bool, error) {
	v := c.viewer
	if v.Public() {
		return false, nil
	}
	if v.SeesAll() || v.Org == b.Producer || v.Org == b.Owner || v.Org == b.Custodian {
		return true, nil
	}
	return c.InvolvedIn(ctx, b.Code)
}

// InvolvedIn is Involved for the batch with code; a batch that does not
// exist is an error wrapping models.ErrNotFound (except for viewers that
// see every batch, who are not asked about it).
func (c *Checker) InvolvedIn(ctx context.Context, code string) (bool, error) {
	v := c.viewer
	if v.Public() {
		return false, nil
	}
	if v.SeesAll() {
		return true, nil
	}
	p, err := c.partiesOf(ctx, code)
	if err != nil {
		return false, err
	}
	return p[v.Org], nil
}

// InvolvedAny reports whether the viewer is involved with any of the
// batches: an EPCIS event that touched them goes to it whole, else
// redacted (epcis.Mapped.Redacted).
func (c *Checker) InvolvedAny(ctx context.Context, codes []string) (bool, error) {
	if c.viewer.SeesAll() {
		return true, nil
	}
	for _, code := range codes {
		ok, err := c.InvolvedIn(ctx, code)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// sees is InvolvedIn with any failure (a batch not in the read model yet)
// counted as not involved.
func (c *Checker) sees(ctx context.Context, code string) bool {
	ok, err := c.InvolvedIn(ctx, code)
	return err == nil && ok
}

// Usages keeps the usages the viewer may see: where material was built
// in belongs to the private tier of the batch used, so a trace, a recall's
// impact or a where-used search shows each place only to organizations
// involved with that batch (every place to authorities and inspection
// agencies, none to the public).
func (c *Checker) Usages(ctx context.Context, us []models.Usage) []models.Usage {
	if c.viewer.SeesAll() {
		return us
	}
	out := []models.Usage{}
	if c.viewer.Public() {
		return out
	}
	may := map[string]bool{}
	for _, u := range us {
		ok, known := may[u.BatchCode]
		if !known {
			ok = c.sees(ctx, u.BatchCode)
			may[u.BatchCode] = ok
		}
		if ok {
			out = append(out, u)
		}
	}
	return out
}

// ReadEntry reports whether the viewer may read the ledger entry of event
// e whole (its bytes, and the submitter's certificate, on a proof): it is
// public (PublicEntry), or the viewer submitted it, sees every batch, may
// see the quality case the entry is a step of, or is involved with a
// batch the entry touched. Others get the proof without the entry.
func (c *Checker) ReadEntry(ctx context.Context, e store.Event) bool {
	if PublicEntry(e.Type, e.Args) {
		return true
	}
	v := c.viewer
	if v.Public() {
		return false
	}
	if v.SeesAll() || e.Org == v.Org {
		return true
	}
	if ok, isCase := c.ReadCaseStep(ctx, e); isCase {
		return ok
	}
	codes, err := c.src.EventBatches(ctx, e.Seq)
	if err != nil {
		return false
	}
	for _, code := range codes {
		if c.sees(ctx, code) {
			return true
		}
	}
	return false
}

// ReadCaseStep reports whether the viewer may read event e, a step of a
// quality case (isCase is false for other events): those who may see the
// case (Case) read its steps whole — they hold usage IDs, notes and
// justifications but no locations — and nobody else does.
func (c *Checker) ReadCaseStep(ctx context.Context, e store.Event) (ok, isCase bool) {
	id := ""
	switch e.Type {
	case "OpenCase":
		id = e.TxID
	case "AcknowledgeCase", "RecordDisposition":
		var args struct {
			Case string `json:"case"`
		}
		if json.Unmarshal(e.Args, &args) != nil {
			return false, true
		}
		id = args.Case
	default:
		return false, false
	}
	cs, err := c.src.Case(ctx, id)
	if err != nil {
		return false, true
	}
	ok, err = c.Case(ctx, &cs)
	return ok && err == nil, true
}

// Case reports whether the viewer may see quality case cs at all (to
// others it does not exist): authorities and inspection agencies, the
// organization that opened it, every organization it affects, and the
// organizations involved with its batch.
func (c *Checker) Case(ctx context.Context, cs *models.Case) (bool, error) {
	v := c.viewer
	if v.Public() {
		return false, nil
	}
	if v.SeesAll() || v.Org == cs.Org || slices.ContainsFunc(cs.Orgs, func(x models.CaseOrg) bool { return x.Org == v.Org }) {
		return true, nil
	}
	return c.InvolvedIn(ctx, cs.BatchCode)
}

// CaseImpact returns what of case cs's impact lines, and of the usages its
// record lists, a viewer who may see the case sees: where a usage went
// (place, amount, time) and a disposition's justification are the private
// tier of the batch used, so they are left out, and hidden[i] set, for
// batches the viewer is not involved with. Whether a usage is decided
// stays. The inputs are not modified.
func (c *Checker) CaseImpact(ctx context.Context, cs models.Case, lines []store.ImpactLine) (shown []store.ImpactLine, hidden []bool, usages []models.CaseUsage) {
	may := map[string]bool{}
	shown, hidden = make([]store.ImpactLine, len(lines)), make([]bool, len(lines))
	for i, l := range lines {
		ok, known := may[l.BatchCode]
		if !known {
			ok = c.sees(ctx, l.BatchCode)
			may[l.BatchCode] = ok
		}
		if !ok {
			l.Location, l.Quantity, l.Unit, l.UsedAt, l.Justification = models.Location{}, 0, "", "", ""
			hidden[i] = true
		}
		shown[i] = l
	}
	usages = slices.Clone(cs.Usages)
	for i := range usages {
		if !may[usages[i].BatchCode] {
			usages[i].Justification = ""
		}
	}
	return shown, hidden, usages
}

// Shipment reports whether the viewer may see shipment sh at all: its
// sender, receiver and carrier, and authorities and inspection agencies,
// which oversee every delivery.
func (c *Checker) Shipment(sh *models.Shipment) bool {
	v := c.viewer
	if v.Public() {
		return false
	}
	return v.Org == sh.From || v.Org == sh.To || v.Org == sh.Carrier || v.SeesAll()
}

// MayAttach checks, before an upload is read, that the viewer could
// attach a document to batch code: not a viewer, and of an organization
// involved with the batch. The contract makes the final decision; this
// only keeps files no ledger entry will ever name off the disk.
func (c *Checker) MayAttach(ctx context.Context, code string) error {
	if c.viewer.Role == models.RoleViewer {
		return models.Forbidden("the viewer role may not attach documents")
	}
	p, err := c.partiesOf(ctx, code)
	if err != nil {
		return asField(err, "batch")
	}
	v := c.viewer
	if v.Public() || !(v.SeesAll() || p[v.Org]) {
		return models.Forbidden("your organization is not involved with batch %s", code)
	}
	return nil
}

// asField gives a field-less classified error the field name.
func asField(err error, field string) error {
	var me *models.Error
	if errors.As(err, &me) && me.Field == "" {
		return models.AtField(err, field)
	}
	return err
}
