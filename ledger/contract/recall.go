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
	if err := models.ValidateID("batch", a.Batch); err != nil {
		return err
	}
	if err := requireText("reason", a.Reason, maxText); err != nil {
		return err
	}
	switch a.Severity {
	case SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical:
		return nil
	}
	return models.Invalid("severity", "%q is not one of low, medium, high, critical", a.Severity)
}

func init() {
	register("RecallBatch", recallBatch)
}

func recallBatch(tc *txc, a *RecallBatchArgs) error { return notYet() }
