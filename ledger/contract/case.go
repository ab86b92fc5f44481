package contract

import (
	"errors"
	"sort"

	"github.com/plumbline/plumbline/models"
)

// OpenCaseArgs raises a non-conformance or a recall on a batch (a Trace-X
// style quality alert). Usages lists every usage of the batch and of the
// batches made from it: the contract checks that each one exists and
// belongs to an affected batch, but it cannot prove the list complete
// (world state has no index of usages by batch, and a range read over all
// usages would conflict with every usage recorded meanwhile on Fabric), so
// the server fills it from the read model's forward trace.
type OpenCaseArgs struct {
	Kind             models.CaseKind `json:"kind"`
	Batch            string          `json:"batch"`
	Severity         string          `json:"severity"`
	Reason           string          `json:"reason"`
	TargetDate       string          `json:"target_date"`
	SourceInspection string          `json:"source_inspection,omitempty"`
	Usages           []string        `json:"usages,omitempty"`
}

// Validate implements validator.
func (a *OpenCaseArgs) Validate() error {
	var v models.Collect
	if !a.Kind.Valid() {
		v.Add(models.Invalid("kind", "%q is not one of non_conformance, recall", a.Kind))
	}
	v.Add(models.ValidateID("batch", a.Batch))
	v.Add(validSeverity(a.Severity))
	v.Add(requireNote("reason", a.Reason, maxText))
	v.Add(models.ValidateDate("target_date", a.TargetDate))
	if a.SourceInspection != "" {
		v.Add(models.ValidateID("source_inspection", a.SourceInspection))
	}
	if len(a.Usages) > models.MaxCaseUsages {
		v.Add(models.Invalid("usages", "has %d entries; at most %d are accepted in one case", len(a.Usages), models.MaxCaseUsages))
	}
	seen := map[string]bool{}
	for i, u := range a.Usages {
		f := idx("usages", i)
		v.Add(models.ValidateID(f, u))
		if seen[u] {
			return models.All(v.Err(), models.Invalid(f, "usage %s is listed twice", u))
		}
		seen[u] = true
	}
	return v.Err()
}

func validSeverity(s string) error {
	switch s {
	case SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical:
		return nil
	}
	return models.Invalid("severity", "%q is not one of low, medium, high, critical", s)
}

// AcknowledgeCaseArgs acknowledges a case on behalf of an affected
// organization.
type AcknowledgeCaseArgs struct {
	Case string `json:"case"`
	Note string `json:"note,omitempty"`
}

// Validate implements validator.
func (a *AcknowledgeCaseArgs) Validate() error {
	var v models.Collect
	v.Add(models.ValidateID("case", a.Case))
	v.Add(optionalNote("note", a.Note, maxText))
	return v.Err()
}

// UsageDisposition is the disposition of one affected usage.
type UsageDisposition struct {
	Usage         string             `json:"usage"`
	Disposition   models.Disposition `json:"disposition"`
	Justification string             `json:"justification,omitempty"` // required for accept_as_is
}

// RecordDispositionArgs records the dispositions of one or more usages of a
// case, all or none.
type RecordDispositionArgs struct {
	Case  string             `json:"case"`
	Items []UsageDisposition `json:"items"`
}

// Validate implements validator.
func (a *RecordDispositionArgs) Validate() error {
	var v models.Collect
	v.Add(models.ValidateID("case", a.Case))
	if len(a.Items) == 0 {
		v.Add(models.Invalid("items", "name at least one usage and its disposition"))
	}
	if err := maxList("items", len(a.Items)); err != nil {
		return models.All(v.Err(), err)
	}
	seen := map[string]bool{}
	for i, it := range a.Items {
		f := idx("items", i)
		v.Add(models.ValidateID(f+".usage", it.Usage))
		if seen[it.Usage] {
			return models.All(v.Err(), models.Invalid(f+".usage", "usage %s is listed twice", it.Usage))
		}
		seen[it.Usage] = true
		if !it.Disposition.Valid() {
			return models.All(v.Err(), models.Invalid(f+".disposition", "%q is not one of replace, rework, accept_as_is", it.Disposition))
		}
		if it.Disposition == models.DispositionAcceptAsIs {
			if err := requireNote(f+".justification", it.Justification, maxText); err != nil {
				return models.All(v.Err(), models.Invalid(f+".justification", "is required to accept a usage as is: say why it is safe (e.g. a core test result)"))
			}
		} else if err := optionalNote(f+".justification", it.Justification, maxText); err != nil {
			return models.All(v.Err(), err)
		}
	}
	return v.Err()
}

func init() {
	register("OpenCase", openCase)
	register("AcknowledgeCase", acknowledgeCase)
	register("RecordDisposition", recordDisposition)
}

// openCase raises a case on a batch. Who may:
//   - a recall: exactly who may RecallBatch (the producer's admin or
//     operator, an authority's admin, an inspection agency's inspector or
//     admin); it marks every affected batch recalled as RecallBatch does;
//   - a non-conformance: any authority or inspection agency (admin,
//     operator or inspector), and the admins, operators and inspectors of an
//     organization involved with the batch: the producer, owner or
//     custodian of the batch or of any batch made from it, or the
//     contractor of a listed usage. Viewers never.
//
// The affected organizations are the contractors of the usages and the
// owners and custodians of affected batches that still hold stock.
func openCase(tc *txc, a *OpenCaseArgs) error {
	org, err := tc.allow("OpenCase")
	if err != nil {
		return err
	}
	root, err := tc.batch("batch", a.Batch)
	if err != nil {
		return err
	}
	day := tc.call.Time.UTC().Format(models.DateLayout)
	if a.TargetDate < day {
		return models.Invalid("target_date", "%s is before today (%s); choose a date from today on", a.TargetDate, day)
	}
	if a.SourceInspection != "" {
		if err := tc.caseSource(a); err != nil {
			return err
		}
	}
	// The batch and every batch made from it, depth first in ledger order.
	var batches []*models.Batch
	byCode := map[string]*models.Batch{}
	var walk func(b *models.Batch) error
	walk = func(b *models.Batch) error {
		if byCode[b.Code] != nil {
			return nil
		}
		byCode[b.Code] = b
		batches = append(batches, b)
		for _, c := range b.Children {
			d, err := tc.batch("batch", c)
			if err != nil {
				return err
			}
			if err := walk(d); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root); err != nil {
		return err
	}
	c := models.Case{
		ID: tc.call.TxID, Kind: a.Kind, BatchCode: root.Code, Severity: a.Severity, Reason: a.Reason,
		TargetDate: a.TargetDate, SourceInspection: a.SourceInspection, Status: models.CaseOpen,
		Org: org.ID, User: tc.call.User, TxID: tc.call.TxID, At: tc.now(), UpdatedTx: tc.call.TxID,
		Usages: []models.CaseUsage{},
	}
	affected := map[string]bool{}
	involved := map[string]bool{}
	for _, b := range batches {
		c.Batches = append(c.Batches, b.Code)
		involved[b.Producer], involved[b.Owner], involved[b.Custodian] = true, true, true
		if b.Remaining > 0 {
			affected[b.Owner], affected[b.Custodian] = true, true
		}
	}
	for i, id := range a.Usages {
		f := idx("usages", i)
		var u struct { // what a case needs of models.Usage
			ID         string `json:"id"`
			BatchCode  string `json:"batch_code"`
			Contractor string `json:"contractor"`
		}
		if err := tc.getJSON(f, "usage", models.PrefixUsage, id, &u); err != nil {
			return err
		}
		if byCode[u.BatchCode] == nil {
			return models.Invalid(f, "usage %s used batch %s, which is not %s nor made from it", id, u.BatchCode, root.Code)
		}
		c.Usages = append(c.Usages, models.CaseUsage{Usage: u.ID, BatchCode: u.BatchCode, Contractor: u.Contractor})
		affected[u.Contractor], involved[u.Contractor] = true, true
	}
	if err := tc.mayOpen(org, a.Kind, root, involved); err != nil {
		return err
	}
	delete(affected, "")
	if len(affected) == 0 {
		return models.Conflict("batch", "nothing is affected: no organization holds stock of batch %s or of a batch made from it, and no usage is listed", root.Code)
	}
	for o := range affected {
		c.Orgs = append(c.Orgs, models.CaseOrg{Org: o})
	}
	sort.Slice(c.Orgs, func(i, j int) bool { return c.Orgs[i].Org < c.Orgs[j].Org })
	if a.Kind == models.CaseRecall {
		reason := "recalled (" + a.Severity + ", recall case " + c.ID + " on " + root.Code + "): " + a.Reason
		for _, b := range batches {
			if b.Status == models.StatusRecalled {
				continue
			}
			b.Status, b.HoldReason = models.StatusRecalled, reason
			if err := tc.putBatch(b); err != nil {
				return err
			}
		}
	}
	if a.SourceInspection != "" {
		tc.buf[models.Key(models.PrefixCaseSource, a.SourceInspection)] = []byte(c.ID)
	}
	return tc.putJSON(models.PrefixCase, c.ID, c)
}

// mayOpen applies openCase's permission rules.
func (tc *txc) mayOpen(org *models.Organization, kind models.CaseKind, root *models.Batch, involved map[string]bool) error {
	if kind == models.CaseRecall {
		if p, ok := RecallRule(org.Kind, org.ID == root.Producer); ok {
			return tc.role("open recall cases", p.Roles...)
		}
		return models.Forbidden("only the producer of batch %s (%s), an authority or an inspection agency may recall it", root.Code, root.Producer)
	}
	if org.Kind == models.KindAuthority || org.Kind == models.KindInspection || involved[org.ID] {
		return tc.role("open non-conformance cases", models.RoleOperator, models.RoleInspector)
	}
	return models.Forbidden("organization %s is not involved with batch %s (not its producer, owner, custodian or a contractor that used it) and is neither an authority nor an inspection agency, so it may not open a non-conformance on it", org.ID, root.Code)
}

// caseSource checks a case's source inspection: it exists, failed, is of
// the case's batch, and no case was opened from it yet.
func (tc *txc) caseSource(a *OpenCaseArgs) error {
	var in models.Inspection
	if err := tc.getJSON("source_inspection", "inspection", models.PrefixInspection, a.SourceInspection, &in); err != nil {
		return err
	}
	if in.BatchCode != a.Batch {
		return models.Invalid("source_inspection", "inspection %s is of batch %s, not %s", in.ID, in.BatchCode, a.Batch)
	}
	if in.Verdict != models.VerdictFail {
		return models.Invalid("source_inspection", "inspection %s has verdict %s; a case comes from a failing inspection", in.ID, in.Verdict)
	}
	prev, err := tc.get(models.Key(models.PrefixCaseSource, in.ID))
	switch {
	case err == nil:
		return models.Conflict("source_inspection", "case %s was already opened from inspection %s", prev, in.ID)
	case !errors.Is(err, models.ErrNotFound):
		return err
	}
	return nil
}

// loadCase loads an open case for a step.
func (tc *txc) loadCase(id string) (*models.Case, error) {
	var c models.Case
	if err := tc.getJSON("case", "case", models.PrefixCase, id, &c); err != nil {
		return nil, err
	}
	if c.Status == models.CaseClosed {
		return nil, models.Conflict("case", "case %s was closed at %s (transaction %s); it takes no more steps", c.ID, c.ClosedAt, c.ClosedTx)
	}
	return &c, nil
}

// putCase stores c after a step, closing it when the step completed it.
func (tc *txc) putCase(c *models.Case) error {
	c.UpdatedTx = tc.call.TxID
	if c.Complete() {
		c.Status, c.ClosedTx, c.ClosedAt = models.CaseClosed, tc.call.TxID, tc.now()
	}
	return tc.putJSON(models.PrefixCase, c.ID, c)
}

// acknowledgeCase: an affected organization (admin, operator or
// inspector) acknowledges a case, once.
func acknowledgeCase(tc *txc, a *AcknowledgeCaseArgs) error {
	org, err := tc.allow("AcknowledgeCase")
	if err != nil {
		return err
	}
	c, err := tc.loadCase(a.Case)
	if err != nil {
		return err
	}
	for i := range c.Orgs {
		o := &c.Orgs[i]
		if o.Org != org.ID {
			continue
		}
		if o.Acked() {
			return models.Conflict("case", "%s already acknowledged case %s at %s (transaction %s)", org.ID, c.ID, o.AckAt, o.AckTx)
		}
		o.AckTx, o.AckUser, o.AckAt, o.Note = tc.call.TxID, tc.call.User, tc.now(), a.Note
		return tc.putCase(c)
	}
	return models.Forbidden("organization %s is not affected by case %s, so it has nothing to acknowledge", org.ID, c.ID)
}

// recordDisposition: the contractor of a usage (admin or operator, after
// acknowledging the case) or an authority (admin or operator) records what
// is done about it. Each usage gets one disposition.
func recordDisposition(tc *txc, a *RecordDispositionArgs) error {
	org, err := tc.allow("RecordDisposition")
	if err != nil {
		return err
	}
	c, err := tc.loadCase(a.Case)
	if err != nil {
		return err
	}
	pos := make(map[string]int, len(c.Usages))
	for i, u := range c.Usages {
		pos[u.Usage] = i
	}
	authority := org.Kind == models.KindAuthority
	if !authority {
		acked := false
		for _, o := range c.Orgs {
			acked = acked || o.Org == org.ID && o.Acked()
		}
		if !acked {
			for _, it := range a.Items {
				if i, ok := pos[it.Usage]; ok && c.Usages[i].Contractor == org.ID {
					return models.Conflict("case", "acknowledge case %s before recording dispositions", c.ID)
				}
			}
		}
	}
	for n, it := range a.Items {
		f := idx("items", n) + ".usage"
		i, ok := pos[it.Usage]
		if !ok {
			return models.NotFound(f, "usage %s is not affected by case %s", it.Usage, c.ID)
		}
		u := &c.Usages[i]
		if !authority && u.Contractor != org.ID {
			return models.Forbidden("usage %s was recorded by %s; only that contractor or an authority may record its disposition, not %s", u.Usage, u.Contractor, org.ID)
		}
		if u.Disposition != "" {
			return models.Conflict(f, "usage %s already has disposition %s, recorded by %s at %s", u.Usage, u.Disposition, u.Org, u.At)
		}
		u.Disposition, u.Justification = it.Disposition, it.Justification
		u.Org, u.User, u.TxID, u.At = org.ID, tc.call.User, tc.call.TxID, tc.now()
	}
	return tc.putCase(c)
}
