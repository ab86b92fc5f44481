package models

// Verdict is the outcome of an inspection.
type Verdict string

// Verdicts.
const (
	VerdictPass        Verdict = "pass"
	VerdictFail        Verdict = "fail"
	VerdictConditional Verdict = "conditional"
)

// Valid reports whether v is a known verdict.
func (v Verdict) Valid() bool {
	return v == VerdictPass || v == VerdictFail || v == VerdictConditional
}

// Measurement is one measured value checked against the product's spec limit.
type Measurement struct {
	Property string   `json:"property"`
	Value    Decimal  `json:"value"`
	Unit     string   `json:"unit,omitempty"`
	Min      *Decimal `json:"min,omitempty"` // copied from the spec limit at the time
	Max      *Decimal `json:"max,omitempty"`
	Pass     bool     `json:"pass"`
}

// Inspection is a recorded inspection or test of a batch.
type Inspection struct {
	ID          string        `json:"id"`
	BatchCode   string        `json:"batch_code"`
	Type        string        `json:"type"` // incoming, sampling, mill_test, strength_28d, visual, …
	Results     []Measurement `json:"results,omitempty"`
	Verdict     Verdict       `json:"verdict"`
	Condition   string        `json:"condition,omitempty"`
	Notes       string        `json:"notes,omitempty"`
	Documents   []string      `json:"documents,omitempty"` // SHA-256 hex
	Agency      string        `json:"agency"`
	Inspector   string        `json:"inspector"`
	InspectedAt string        `json:"inspected_at"`
	TxID        string        `json:"tx_id"`
	OutOfSpec   []string      `json:"out_of_spec,omitempty"` // properties outside their limits
}

// DocumentKind is what a document is.
type DocumentKind string

// Document kinds.
const (
	DocCertificate  DocumentKind = "certificate"
	DocMillTest     DocumentKind = "mill_test_certificate"
	DocDeclaration  DocumentKind = "declaration_of_performance"
	DocTestReport   DocumentKind = "test_report"
	DocPhoto        DocumentKind = "photo"
	DocDeliveryNote DocumentKind = "delivery_note"
)

// DocumentKinds lists every document kind.
var DocumentKinds = []DocumentKind{DocCertificate, DocMillTest, DocDeclaration, DocTestReport, DocPhoto, DocDeliveryNote}

// Visibility says who may read a document.
type Visibility string

// Visibilities.
const (
	Public  Visibility = "public"  // anyone who scans the batch
	Private Visibility = "private" // organizations involved with the batch
)

// Document is a file whose bytes stay off the ledger; its SHA-256 is on it.
type Document struct {
	SHA256     string       `json:"sha256"` // lowercase hex
	Name       string       `json:"name"`
	MediaType  string       `json:"media_type"`
	Size       int64        `json:"size"`
	Kind       DocumentKind `json:"kind"`
	Visibility Visibility   `json:"visibility"`
	BatchCode  string       `json:"batch_code,omitempty"`
	Owner      string       `json:"owner"` // organization that attached it
	TxID       string       `json:"tx_id"`
	AttachedAt string       `json:"attached_at"`
}

// Correction is an append-only correction of a descriptive field of an
// earlier record; the original entry stays on the ledger untouched.
type Correction struct {
	ID         string `json:"id"`
	TargetKind string `json:"target_kind"` // batch, usage, inspection, shipment
	TargetID   string `json:"target_id"`
	TargetTxID string `json:"target_tx_id"` // the entry being corrected
	Field      string `json:"field"`
	OldValue   string `json:"old_value"`
	NewValue   string `json:"new_value"`
	Reason     string `json:"reason"`
	Org        string `json:"org"`
	User       string `json:"user"`
	TxID       string `json:"tx_id"`
	At         string `json:"at"`
}

// Recall withdraws a batch and everything made from it.
type Recall struct {
	ID        string   `json:"id"`
	BatchCode string   `json:"batch_code"`
	Reason    string   `json:"reason"`
	Severity  string   `json:"severity"` // low, medium, high, critical
	Affected  []string `json:"affected"` // every batch recalled with it, the batch itself first
	Org       string   `json:"org"`
	User      string   `json:"user"`
	TxID      string   `json:"tx_id"`
	At        string   `json:"at"`
}
