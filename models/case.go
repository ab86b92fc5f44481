package models

// CaseKind is what a quality case is.
type CaseKind string

// Case kinds.
const (
	// CaseNonConformance tracks a batch that does not conform (a failing
	// late test result, a defect found on site) without withdrawing it.
	CaseNonConformance CaseKind = "non_conformance"
	// CaseRecall withdraws the batch and everything made from it, as
	// RecallBatch does, and tracks what happens to every place it went.
	CaseRecall CaseKind = "recall"
)

// Valid reports whether k is a known case kind.
func (k CaseKind) Valid() bool { return k == CaseNonConformance || k == CaseRecall }

// Case statuses.
const (
	CaseOpen   = "open"
	CaseClosed = "closed"
)

// Disposition is what an affected organization decided for one usage.
type Disposition string

// Dispositions.
const (
	DispositionReplace    Disposition = "replace"      // take the element out and build it again
	DispositionRework     Disposition = "rework"       // repair or strengthen it in place
	DispositionAcceptAsIs Disposition = "accept_as_is" // keep it; a justification is required
)

// Valid reports whether d is a known disposition.
func (d Disposition) Valid() bool {
	return d == DispositionReplace || d == DispositionRework || d == DispositionAcceptAsIs
}

// MaxCaseUsages is the most usages one case lists. It is larger than
// MaxListLen because a cement lot can reach hundreds of pours.
const MaxCaseUsages = 2000

// CaseOrg is an organization a case affects and whether it acknowledged.
type CaseOrg struct {
	Org     string `json:"org"`
	AckTx   string `json:"ack_tx,omitempty"` // the acknowledging transaction; "" until acknowledged
	AckUser string `json:"ack_user,omitempty"`
	AckAt   string `json:"ack_at,omitempty"`
	Note    string `json:"note,omitempty"`
}

// Acked reports whether the organization acknowledged the case.
func (o CaseOrg) Acked() bool { return o.AckTx != "" }

// CaseUsage is a place an affected batch went into the works, and the
// disposition recorded for it.
type CaseUsage struct {
	Usage         string      `json:"usage"` // the usage record's ID
	BatchCode     string      `json:"batch_code"`
	Contractor    string      `json:"contractor"`
	Disposition   Disposition `json:"disposition,omitempty"` // "" until recorded
	Justification string      `json:"justification,omitempty"`
	Org           string      `json:"org,omitempty"` // who recorded the disposition
	User          string      `json:"user,omitempty"`
	TxID          string      `json:"tx_id,omitempty"`
	At            string      `json:"at,omitempty"`
}

// Case is a non-conformance or recall raised on a batch: the batches and
// usages it reaches, the organizations that must acknowledge it, and the
// disposition of every usage. It closes in the transaction that records
// the last acknowledgement or disposition.
type Case struct {
	ID               string   `json:"id"` // the opening transaction's ID
	Kind             CaseKind `json:"kind"`
	BatchCode        string   `json:"batch_code"`
	Severity         string   `json:"severity"` // low, medium, high, critical
	Reason           string   `json:"reason"`
	TargetDate       string   `json:"target_date"` // YYYY-MM-DD
	SourceInspection string   `json:"source_inspection,omitempty"`
	// Batches are the batch and every batch made from it, the batch first.
	Batches []string    `json:"batches"`
	Orgs    []CaseOrg   `json:"orgs"`   // by organization ID
	Usages  []CaseUsage `json:"usages"` // as listed when the case was opened
	Status  string      `json:"status"` // open or closed
	Org     string      `json:"org"`    // who opened it
	User    string      `json:"user"`
	TxID    string      `json:"tx_id"`
	At      string      `json:"at"`
	// ClosedTx and ClosedAt are set by the transaction that completed it.
	ClosedTx  string `json:"closed_tx,omitempty"`
	ClosedAt  string `json:"closed_at,omitempty"`
	UpdatedTx string `json:"updated_tx"`
}

// Complete reports whether every organization acknowledged and every
// usage has a disposition.
func (c *Case) Complete() bool {
	for _, o := range c.Orgs {
		if !o.Acked() {
			return false
		}
	}
	for _, u := range c.Usages {
		if u.Disposition == "" {
			return false
		}
	}
	return true
}
