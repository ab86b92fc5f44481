package epcis

import (
	"github.com/plumbline/plumbline/models"
)

// Context is the EPCIS 2.0 JSON-LD context every document names first.
const Context = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"

// Namespace is the IRI of Plumbline's extension fields, prefix "plb". It is
// fixed (not the instance's base URL) so that documents exported by one
// instance are understood by another.
const Namespace = "https://github.com/plumbline/plumbline/ns/epcis#"

// Media types of EPCIS documents.
const (
	MediaType     = "application/ld+json"
	MediaTypeJSON = "application/json"
)

// Event types.
const (
	ObjectEvent         = "ObjectEvent"
	TransactionEvent    = "TransactionEvent"
	TransformationEvent = "TransformationEvent"
)

// Document is an EPCISDocument.
type Document struct {
	Context       []any     `json:"@context"`
	Type          string    `json:"type"`
	SchemaVersion string    `json:"schemaVersion"`
	CreationDate  string    `json:"creationDate"`
	Sender        string    `json:"sender,omitempty"`
	Header        *Header   `json:"epcisHeader,omitempty"`
	Body          Body      `json:"epcisBody"`
	NextPageToken string    `json:"plb:nextPageToken,omitempty"`
	Redacted      *Redacted `json:"plb:redacted,omitempty"`
}

// Redacted says how many events carried private data the reader may not
// see, which was left out.
type Redacted struct {
	Events int    `json:"plb:events"`
	Why    string `json:"plb:why"`
}

// Header is the EPCIS header: master data of what the events name.
type Header struct {
	MasterData *MasterData `json:"epcisMasterData,omitempty"`
}

// MasterData is the epcisMasterData of a header.
type MasterData struct {
	VocabularyList []Vocabulary `json:"vocabularyList"`
}

// Vocabulary is one vocabulary type and its elements.
type Vocabulary struct {
	Type     string              `json:"type"`
	Elements []VocabularyElement `json:"vocabularyElementList"`
}

// VocabularyElement is one element of a vocabulary with its attributes.
type VocabularyElement struct {
	ID         string      `json:"id"`
	Attributes []Attribute `json:"attributes,omitempty"`
}

// Attribute is one master data attribute.
type Attribute struct {
	ID    string `json:"id"`
	Value any    `json:"attribute"`
}

// Body is the epcisBody.
type Body struct {
	EventList []Event `json:"eventList"`
}

// Quantity is an EPCIS quantityElement.
type Quantity struct {
	EPCClass string          `json:"epcClass"`
	Quantity *models.Decimal `json:"quantity,omitempty"`
	UOM      string          `json:"uom,omitempty"`
}

// BizTransaction is a business transaction an event belongs to.
type BizTransaction struct {
	Type           string `json:"type,omitempty"`
	BizTransaction string `json:"bizTransaction"`
}

// Source is an entry of a sourceList.
type Source struct {
	Type   string `json:"type"`
	Source string `json:"source"`
}

// Destination is an entry of a destinationList.
type Destination struct {
	Type        string `json:"type"`
	Destination string `json:"destination"`
}

// ID is a readPoint or bizLocation.
type ID struct {
	ID string `json:"id"`
}

// SensorElement is an entry of a sensorElementList.
type SensorElement struct {
	Report []SensorReport `json:"sensorReport"`
}

// SensorReport is one measured value. Type is a URI naming the property
// (Plumbline's property names, e.g. plb:compressive_strength_28d); Min and
// Max are the product's spec limits at the time, Pass whether the value
// met them.
type SensorReport struct {
	Type  string          `json:"type"`
	Value models.Decimal  `json:"value"`
	UOM   string          `json:"uom,omitempty"`
	Min   *models.Decimal `json:"plb:specMin,omitempty"`
	Max   *models.Decimal `json:"plb:specMax,omitempty"`
	Pass  *bool           `json:"plb:pass,omitempty"`
}

// PersistentDisposition sets or unsets dispositions that stay until
// unset.
type PersistentDisposition struct {
	Set   []string `json:"set,omitempty"`
	Unset []string `json:"unset,omitempty"`
}

// Event is an EPCIS event of any of the three types Plumbline uses. The
// plb: fields are Plumbline's extensions; a capture accepts documents
// without them where the standard fields say enough.
type Event struct {
	Type                  string                 `json:"type"`
	EventTime             string                 `json:"eventTime"`
	EventTimeZoneOffset   string                 `json:"eventTimeZoneOffset"`
	EventID               string                 `json:"eventID,omitempty"`
	CertificationInfo     []string               `json:"certificationInfo,omitempty"`
	Action                string                 `json:"action,omitempty"`
	EPCList               []string               `json:"epcList,omitempty"`
	QuantityList          []Quantity             `json:"quantityList,omitempty"`
	InputQuantityList     []Quantity             `json:"inputQuantityList,omitempty"`
	OutputQuantityList    []Quantity             `json:"outputQuantityList,omitempty"`
	TransformationID      string                 `json:"transformationID,omitempty"`
	BizStep               string                 `json:"bizStep,omitempty"`
	Disposition           string                 `json:"disposition,omitempty"`
	PersistentDisposition *PersistentDisposition `json:"persistentDisposition,omitempty"`
	ReadPoint             *ID                    `json:"readPoint,omitempty"`
	BizLocation           *ID                    `json:"bizLocation,omitempty"`
	BizTransactionList    []BizTransaction       `json:"bizTransactionList,omitempty"`
	SourceList            []Source               `json:"sourceList,omitempty"`
	DestinationList       []Destination          `json:"destinationList,omitempty"`
	SensorElementList     []SensorElement        `json:"sensorElementList,omitempty"`
	ILMD                  map[string]any         `json:"ilmd,omitempty"`

	// RecordedBy is the party (organization) that recorded the event; a
	// capture must be made by a user of that organization.
	RecordedBy string `json:"plb:recordedBy,omitempty"`
	// Lines are a shipment's or receipt's lines, for what quantityList
	// cannot say: the batch a part was split from, the purchase order
	// line, rejected quantities and why.
	Lines []Line `json:"plb:lines,omitempty"`
	// Carrier and Vehicle of a shipment.
	Carrier string `json:"plb:carrier,omitempty"`
	Vehicle string `json:"plb:vehicle,omitempty"`
	// InspectionType (e.g. strength_28d), Condition of a conditional
	// pass, Notes of an inspection or Reason of a release, recall or
	// correction.
	InspectionType string `json:"plb:inspectionType,omitempty"`
	Verdict        string `json:"plb:verdict,omitempty"`
	Condition      string `json:"plb:condition,omitempty"`
	Notes          string `json:"plb:notes,omitempty"`
	Reason         string `json:"plb:reason,omitempty"`
	// Severity and Affected batches of a recall.
	Severity string   `json:"plb:severity,omitempty"`
	Affected []string `json:"plb:affected,omitempty"`
	// Location is where material was used (also as bizLocation).
	Location *Location `json:"plb:location,omitempty"`
	// Kind, Yield and Outputs of a transformation.
	Kind    string    `json:"plb:kind,omitempty"`
	Yield   *Quantity `json:"plb:yield,omitempty"`
	Outputs []Output  `json:"plb:outputs,omitempty"`
	// Documents are SHA-256 hashes of files that came with the event;
	// Document is an attached document's metadata.
	Documents []string      `json:"plb:documents,omitempty"`
	Document  *DocumentInfo `json:"plb:document,omitempty"`
	// Correction of an earlier record.
	Correction *Correction `json:"plb:correction,omitempty"`
	// DeliverBy is the date a purchase order's goods are due.
	DeliverBy string `json:"plb:deliverBy,omitempty"`
	// Case is the quality case (non-conformance or recall) an event
	// opens or answers, with its kind, target date, the usages it affects
	// (this instance's usage IDs) and their dispositions.
	Case         string             `json:"plb:case,omitempty"`
	CaseKind     string             `json:"plb:caseKind,omitempty"`
	TargetDate   string             `json:"plb:targetDate,omitempty"`
	Usages       []string           `json:"plb:usages,omitempty"`
	Dispositions []UsageDisposition `json:"plb:dispositions,omitempty"`
}

// Line is one line of a shipment or receipt.
type Line struct {
	EPCClass string          `json:"plb:epcClass"`
	Source   string          `json:"plb:source,omitempty"` // the batch a part was split from
	Quantity models.Decimal  `json:"plb:quantity"`
	PO       string          `json:"plb:po,omitempty"`
	POLine   int             `json:"plb:poLine,omitempty"`
	Accepted *models.Decimal `json:"plb:accepted,omitempty"`
	Rejected *models.Decimal `json:"plb:rejected,omitempty"`
	Reason   string          `json:"plb:reason,omitempty"`
}

// Location is a place in the works.
type Location struct {
	Project  string `json:"plb:project"`
	Building string `json:"plb:building"`
	Floor    string `json:"plb:floor,omitempty"`
	Element  string `json:"plb:element"`
}

// Output is one batch a transformation made, with what EPCIS's
// outputQuantityList cannot say.
type Output struct {
	EPCClass   string `json:"plb:epcClass"`
	Code       string `json:"plb:batchCode"`
	Product    string `json:"plb:product"`
	ProducedOn string `json:"plb:producedOn"`
	LotNumber  string `json:"cbvmda:lotNumber,omitempty"`
	Origin     string `json:"plb:origin,omitempty"`
}

// DocumentInfo is an attached document's metadata.
type DocumentInfo struct {
	SHA256     string `json:"plb:sha256,omitempty"`
	Name       string `json:"plb:name,omitempty"`
	MediaType  string `json:"plb:mediaType,omitempty"`
	Size       int64  `json:"plb:size,omitempty"`
	Kind       string `json:"plb:kind"`
	Visibility string `json:"plb:visibility"`
}

// Correction corrects a field of an earlier record.
type Correction struct {
	TargetKind string `json:"plb:targetKind"`
	TargetID   string `json:"plb:targetID"`
	Field      string `json:"plb:field"`
	Value      string `json:"plb:value,omitempty"`
}

// UsageDisposition is what is done about one usage of a case.
type UsageDisposition struct {
	Usage         string `json:"plb:usage"`
	Disposition   string `json:"plb:disposition"`
	Justification string `json:"plb:justification,omitempty"`
}
