package store

import "time"

// The read-model tables. Every table is prefixed rm_; none embeds
// gorm.Model, so nothing is ever soft-deleted. Hot tables (written by most
// events) use a sequential integer row ID as their primary key and a unique
// index on the record's own key: sequential keys insert about three times
// faster than random text keys. Every record table keeps Seq, the ledger
// sequence number of the event that last changed the record.
//
// Text columns that hold record keys are compared byte-wise (see
// Store.orderKey), so that their order is the world state's key order on
// both SQLite and PostgreSQL.

// orgRow is an organization (world-state key org/ID).
type orgRow struct {
	ID      string `gorm:"primaryKey"`
	Name    string
	Kind    string `gorm:"index"`
	Country string
	City    string
	Address string
	Sites   string // JSON array of site IDs; "" when none
	Names   string // JSON object: language → name; "" when none
	// SiteNames is a JSON object: site ID → language → name; "" when none.
	SiteNames string
	TxID      string
	Seq       uint64
}

func (orgRow) TableName() string { return "rm_organizations" }

// productRow is a product (product/ID).
type productRow struct {
	ID                 string `gorm:"primaryKey"`
	Name               string
	Category           string `gorm:"index"`
	Standard           string
	Unit               string
	GTIN               string `gorm:"column:gtin;index"`
	InspectionRequired bool
	SpecLimits         string // JSON array of models.SpecLimit; "" when none
	Manufacturer       string `gorm:"index"`
	Names              string // JSON object: language → name; "" when none
	TxID               string
	Seq                uint64
}

func (productRow) TableName() string { return "rm_products" }

// batchRow is a batch (batch/CODE). Parents live in rm_lineage_edges and
// Documents in rm_batch_documents.
type batchRow struct {
	RID        int64  `gorm:"column:rid;primaryKey;autoIncrement"`
	Code       string `gorm:"uniqueIndex"`
	ProductID  string `gorm:"index"`
	Producer   string `gorm:"index"`
	Quantity   int64
	Remaining  int64
	Unit       string
	ProducedOn string `gorm:"index"` // where-used searches by production date
	Origin     string
	HeatNumber string `gorm:"index"`
	LotNumber  string
	Owner      string
	Custodian  string `gorm:"index:rm_batches_custodian_status,priority:1"`
	Site       string
	Status     string `gorm:"index:rm_batches_custodian_status,priority:2;index"`
	HoldReason string
	Inspection string `gorm:"index"`
	Condition  string `gorm:"column:condition_text"`
	Lineage    string
	Children   string // JSON array of child codes, in ledger order; "" when none
	Shipment   string
	TxID       string
	CreatedAt  string
	UpdatedTx  string
	Seq        uint64 `gorm:"index"`
}

func (batchRow) TableName() string { return "rm_batches" }

// edgeRow is one lineage edge: Quantity of Parent went into Child. Pos is
// the parent's place in the child's Parents list.
type edgeRow struct {
	RID      int64  `gorm:"column:rid;primaryKey;autoIncrement"`
	Parent   string `gorm:"index:rm_edges_parent_child,priority:1"`
	Child    string `gorm:"index:rm_edges_child_parent,priority:1"`
	Pos      int
	Quantity int64
	Kind     string
	Seq      uint64
}

func (edgeRow) TableName() string { return "rm_lineage_edges" }

// batchDocRow links a batch to a document hash; Pos keeps Batch.Documents' order.
type batchDocRow struct {
	RID       int64  `gorm:"column:rid;primaryKey;autoIncrement"`
	BatchCode string `gorm:"index:rm_batch_docs_batch,priority:1"`
	Pos       int    `gorm:"index:rm_batch_docs_batch,priority:2"`
	SHA256    string `gorm:"column:sha256;index"`
	Seq       uint64
}

func (batchDocRow) TableName() string { return "rm_batch_documents" }

// poRow is a purchase order (po/ID).
type poRow struct {
	ID       string `gorm:"primaryKey"`
	Buyer    string `gorm:"index"`
	Supplier string `gorm:"index"`
	Site     string
	Status   string
	TxID     string
	IssuedAt string
	// DeliverBy is the due date (YYYY-MM-DD), "" when none.
	DeliverBy string
	Seq       uint64
}

func (poRow) TableName() string { return "rm_purchase_orders" }

// poLineRow is one line of a purchase order.
type poLineRow struct {
	RID           int64  `gorm:"column:rid;primaryKey;autoIncrement"`
	POID          string `gorm:"column:po_id;index:rm_po_lines_po,priority:1"`
	Line          int    `gorm:"index:rm_po_lines_po,priority:2"`
	ProductID     string
	Quantity      int64
	Unit          string
	Dispatched    int64
	Accepted      int64
	OverDelivered bool
}

func (poLineRow) TableName() string { return "rm_po_lines" }

// shipmentRow is a shipment (shipment/CODE).
type shipmentRow struct {
	RID          int64  `gorm:"column:rid;primaryKey;autoIncrement"`
	Code         string `gorm:"uniqueIndex"`
	FromOrg      string `gorm:"index"`
	ToOrg        string `gorm:"index:rm_shipments_to_status,priority:1"`
	Site         string
	Carrier      string `gorm:"index"`
	Vehicle      string
	DeliveryNote string
	Status       string `gorm:"index:rm_shipments_to_status,priority:2"`
	DispatchedAt string
	ReceivedAt   string `gorm:"index"` // the dashboards' weekly windows
	Discrepancy  bool
	TxID         string
	ReceiptTxID  string
	Seq          uint64
}

func (shipmentRow) TableName() string { return "rm_shipments" }

// shipmentLineRow is one line of a shipment.
type shipmentLineRow struct {
	RID         int64  `gorm:"column:rid;primaryKey;autoIncrement"`
	Shipment    string `gorm:"index:rm_shipment_lines_shipment,priority:1"`
	Line        int    `gorm:"index:rm_shipment_lines_shipment,priority:2"`
	Source      string `gorm:"index"`
	Batch       string `gorm:"index"`
	Quantity    int64
	POID        string `gorm:"column:po_id"`
	POLine      int    `gorm:"column:po_line"`
	Accepted    int64
	Rejected    int64
	Reason      string
	ReturnBatch string
}

func (shipmentLineRow) TableName() string { return "rm_shipment_lines" }

// inspectionRow is an inspection (inspection/ID); its results live in rm_measurements.
type inspectionRow struct {
	RID         int64  `gorm:"column:rid;primaryKey;autoIncrement"`
	ID          string `gorm:"column:id;uniqueIndex"`
	BatchCode   string `gorm:"index"`
	Type        string
	Verdict     string `gorm:"index"`
	Condition   string `gorm:"column:condition_text"`
	Notes       string
	Documents   string // JSON array of hashes; "" when none
	Agency      string `gorm:"index"`
	Inspector   string
	InspectedAt string `gorm:"index"` // failure rates and failed inspections over a window
	TxID        string
	OutOfSpec   string // JSON array of properties; "" when none
	Seq         uint64
}

func (inspectionRow) TableName() string { return "rm_inspections" }

// measurementRow is one result of an inspection.
type measurementRow struct {
	RID          int64  `gorm:"column:rid;primaryKey;autoIncrement"`
	InspectionID string `gorm:"index:rm_measurements_inspection,priority:1"`
	Pos          int    `gorm:"index:rm_measurements_inspection,priority:2"`
	Property     string
	Value        int64
	Unit         string
	Min          *int64 `gorm:"column:min_value"`
	Max          *int64 `gorm:"column:max_value"`
	Pass         bool
}

func (measurementRow) TableName() string { return "rm_measurements" }

// usageRow is material built into the works (usage/ID).
type usageRow struct {
	RID        int64  `gorm:"column:rid;primaryKey;autoIncrement"`
	ID         string `gorm:"column:id;uniqueIndex"`
	BatchCode  string `gorm:"index"`
	Quantity   int64
	Unit       string
	Project    string `gorm:"index:rm_usages_location,priority:1"`
	Building   string `gorm:"index:rm_usages_location,priority:2"`
	Floor      string `gorm:"index:rm_usages_location,priority:3"`
	Element    string
	Contractor string `gorm:"index"`
	UserID     string
	UsedAt     string `gorm:"index"` // where-used searches by date of use
	TxID       string
	Seq        uint64
}

func (usageRow) TableName() string { return "rm_usages" }

// documentRow is a document's metadata (doc/SHA256).
type documentRow struct {
	SHA256     string `gorm:"column:sha256;primaryKey"`
	Name       string
	MediaType  string
	Size       int64
	Kind       string
	Visibility string
	BatchCode  string `gorm:"index"`
	Owner      string
	TxID       string
	AttachedAt string
	Seq        uint64
}

func (documentRow) TableName() string { return "rm_documents" }

// correctionRow is a correction (correction/ID).
type correctionRow struct {
	ID         string `gorm:"primaryKey"`
	TargetKind string `gorm:"index:rm_corrections_target,priority:1"`
	TargetID   string `gorm:"index:rm_corrections_target,priority:2"`
	TargetTxID string
	Field      string
	OldValue   string
	NewValue   string
	Reason     string
	OrgID      string
	UserID     string
	TxID       string
	At         string `gorm:"column:at_time"`
	Seq        uint64
}

func (correctionRow) TableName() string { return "rm_corrections" }

// recallRow is a recall (recall/ID); its affected batches live in rm_recall_affected.
type recallRow struct {
	ID        string `gorm:"primaryKey"`
	BatchCode string `gorm:"index"`
	Reason    string
	Severity  string
	OrgID     string
	UserID    string
	TxID      string
	At        string `gorm:"column:at_time"`
	Seq       uint64
}

func (recallRow) TableName() string { return "rm_recalls" }

// affectedRow is one batch a recall affects; Pos keeps Recall.Affected's order.
type affectedRow struct {
	RID       int64  `gorm:"column:rid;primaryKey;autoIncrement"`
	RecallID  string `gorm:"index:rm_recall_affected_recall,priority:1"`
	Pos       int    `gorm:"index:rm_recall_affected_recall,priority:2"`
	BatchCode string `gorm:"index"`
}

func (affectedRow) TableName() string { return "rm_recall_affected" }

// eventRow is a committed ledger event.
type eventRow struct {
	Seq    uint64 `gorm:"primaryKey;autoIncrement:false"`
	TxID   string `gorm:"index"`
	Type   string
	OrgID  string
	UserID string
	Role   string
	Time   time.Time
	Args   string
	Block  uint64
}

func (eventRow) TableName() string { return "rm_events" }

// eventBatchRow says that event Seq touched batch BatchCode.
type eventBatchRow struct {
	RID       int64  `gorm:"column:rid;primaryKey;autoIncrement"`
	BatchCode string `gorm:"index:rm_event_batches_batch,priority:1"`
	Seq       uint64 `gorm:"index:rm_event_batches_batch,priority:2"`
}

func (eventBatchRow) TableName() string { return "rm_event_batches" }

// checkpointRow holds the last applied ledger sequence number.
type checkpointRow struct {
	Name string `gorm:"primaryKey"`
	Seq  uint64
}

func (checkpointRow) TableName() string { return "rm_checkpoint" }

// allTables lists every read-model table, parents before children.
func allTables() []any {
	return []any{
		&orgRow{}, &productRow{}, &batchRow{}, &edgeRow{}, &batchDocRow{},
		&poRow{}, &poLineRow{}, &shipmentRow{}, &shipmentLineRow{},
		&inspectionRow{}, &measurementRow{}, &usageRow{}, &documentRow{},
		&correctionRow{}, &recallRow{}, &affectedRow{},
		&caseRow{}, &caseOrgRow{}, &caseUsageRow{},
		&eventRow{}, &eventBatchRow{}, &checkpointRow{},
	}
}
