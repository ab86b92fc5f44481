package contract

import (
	"github.com/plumbline/plumbline/models"
)

// Recall severities.
const (
	SeverityLow      = "low"
	SeverityMedium   = "medium"
	SeverityHigh     = "high"
	SeverityCritical = "critical"
)

// RecallBatchArgs recalls a batch and everything made from it (EPCIS
// disposition recalled).
type RecallBatchArgs struct {
	Batch    string `json:"batch"`
	Reason   string `json:"reason"`
	Severity string `json:"severity"` // low, medium, high or critical
}

// Validate implements validator.
func (a *RecallBatchArgs) Validate() error {
	var v models.Collect
	v.Add(models.ValidateID("batch", a.Batch))
	v.Add(requireNote("reason", a.Reason, maxText))
	switch a.Severity {
	case SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical:
		return v.Err()
	}
	v.Add(models.Invalid("severity", "%q is not one of low, medium, high, critical", a.Severity))
	return v.Err()
}

func init() {
	register("RecallBatch", recallBatch)
}

// recallBatch withdraws a batch and every batch made from it. The batch's
// producer (admin or operator), an authority (admin) or an inspection
// agency (inspector or admin) may recall.
func recallBatch(tc *txc, a *RecallBatchArgs) error {
	org, err := tc.submitter()
	if err != nil {
		return err
	}
	b, err := tc.batch("batch", a.Batch)
	if err != nil {
		return err
	}
	if p, ok := RecallRule(org.Kind, org.ID == b.Producer); ok {
		err = tc.role(p.Action, p.Roles...)
	} else {
		err = models.Forbidden("only the producer of batch %s (%s), an authority or an inspection agency may recall it", b.Code, b.Producer)
	}
	if err != nil {
		return err
	}
	if b.Status == models.StatusRecalled {
		return models.Conflict("batch", "batch %s is already recalled: %s", b.Code, b.HoldReason)
	}
	rc := models.Recall{
		ID:        tc.call.TxID,
		BatchCode: b.Code,
		Reason:    a.Reason,
		Severity:  a.Severity,
		Org:       org.ID,
		User:      tc.call.User,
		TxID:      tc.call.TxID,
		At:        tc.now(),
	}
	reason := "recalled (" + a.Severity + ", recall of " + b.Code + "): " + a.Reason
	seen := map[string]bool{}
	var walk func(code string) error
	walk = func(code string) error {
		if seen[code] {
			return nil
		}
		seen[code] = true
		d, err := tc.batch("batch", code)
		if err != nil {
			return err
		}
		if d.Status != models.StatusRecalled {
			d.Status = models.StatusRecalled
			d.HoldReason = reason
			if err := tc.putBatch(d); err != nil {
				return err
			}
			rc.Affected = append(rc.Affected, d.Code)
		}
		for _, c := range d.Children {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(b.Code); err != nil {
		return err
	}
	return tc.putJSON(models.PrefixRecall, rc.ID, rc)
}
