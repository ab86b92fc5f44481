package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/plumbline/plumbline/models"
)

// Notifications and webhook deliveries are an outbox, not a projection:
// Apply writes them in the same database transaction as the events they
// come from, keyed by (event sequence, transaction ID, recipient, kind),
// and skips keys that exist. Reset does not drop their tables, so a
// reindex re-applies every event without notifying anyone twice or
// queueing a webhook delivery again; a crash between commit and delivery
// loses nothing, since the deliveries wait in the database.

// Notification kinds.
const (
	NoteCaseOpened       = "case_opened"       // to every affected organization
	NoteCaseAcknowledged = "case_acknowledged" // to the opener
	NoteCaseDisposition  = "case_disposition"  // to the opener
	NoteCaseClosed       = "case_closed"       // to the opener
)

// Notification is a message to an organization about a ledger event.
type Notification struct {
	ID     int64           `json:"id"`
	Seq    uint64          `json:"seq"`   // the ledger event
	TxID   string          `json:"tx_id"` // its transaction
	Org    string          `json:"org"`   // the recipient organization
	Kind   string          `json:"kind"`  // one of the Note* kinds
	Case   string          `json:"case"`
	Batch  string          `json:"batch"`
	Actor  string          `json:"actor"`            // the organization whose step it was
	Detail json.RawMessage `json:"detail,omitempty"` // kind-specific facts, JSON
	At     time.Time       `json:"at"`               // the event's time
	Read   bool            `json:"read"`             // read by the asking user
}

// notificationRow is a notification; the unique index makes it once per
// event, recipient and kind.
type notificationRow struct {
	ID     int64  `gorm:"primaryKey;autoIncrement"`
	Seq    uint64 `gorm:"uniqueIndex:nt_notifications_event,priority:1"`
	TxID   string `gorm:"uniqueIndex:nt_notifications_event,priority:2"`
	OrgID  string `gorm:"uniqueIndex:nt_notifications_event,priority:3;index:nt_notifications_org,priority:1"`
	Kind   string `gorm:"uniqueIndex:nt_notifications_event,priority:4"`
	CaseID string `gorm:"index"`
	Batch  string
	Actor  string
	Detail string
	At     time.Time `gorm:"column:at_time;index:nt_notifications_org,priority:2"`
}

func (notificationRow) TableName() string { return "nt_notifications" }

// readRow says that a user has read a notification.
type readRow struct {
	NotificationID int64  `gorm:"primaryKey;autoIncrement:false"`
	UserID         string `gorm:"primaryKey"`
	At             time.Time
}

func (readRow) TableName() string { return "nt_reads" }

// outboxTables are the tables Reset keeps.
func outboxTables() []any {
	return []any{&notificationRow{}, &readRow{}, &endpointRow{}, &deliveryRow{}}
}

// AddNotification adds a notification that event n.Seq causes; Apply
// writes it unless it was written before.
func (c *Changeset) AddNotification(n Notification) {
	c.notes = append(c.notes, n)
}

func noteKey(seq uint64, tx, org, kind string) string {
	return fmt.Sprintf("%d\x00%s\x00%s\x00%s", seq, tx, org, kind)
}

// insertNotifications writes the notifications of events after cp that do
// not exist yet, and a pending delivery of each new one to every active
// webhook endpoint of its recipient.
func insertNotifications(tx *gorm.DB, notes []Notification, cp uint64) error {
	var fresh []Notification
	var seqs []uint64
	for _, n := range notes {
		if n.Seq > cp {
			fresh = append(fresh, n)
			seqs = append(seqs, n.Seq)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	have := map[string]bool{}
	for start := 0; start < len(seqs); start += inChunk {
		end := min(start+inChunk, len(seqs))
		var rs []notificationRow
		if err := tx.Select("seq", "tx_id", "org_id", "kind").Where("seq IN ?", seqs[start:end]).Find(&rs).Error; err != nil {
			return fmt.Errorf("read notifications: %w", dbErr(err))
		}
		for _, r := range rs {
			have[noteKey(r.Seq, r.TxID, r.OrgID, r.Kind)] = true
		}
	}
	var rows []notificationRow
	orgs := map[string]bool{}
	for _, n := range fresh {
		k := noteKey(n.Seq, n.TxID, n.Org, n.Kind)
		if have[k] {
			continue
		}
		have[k] = true
		rows = append(rows, notificationRow{Seq: n.Seq, TxID: n.TxID, OrgID: n.Org, Kind: n.Kind, CaseID: n.Case,
			Batch: n.Batch, Actor: n.Actor, Detail: string(n.Detail), At: n.At.UTC()})
		orgs[n.Org] = true
	}
	if len(rows) == 0 {
		return nil
	}
	oc := clause.OnConflict{DoNothing: true}
	if err := tx.Clauses(oc).CreateInBatches(rows, insertBatch).Error; err != nil {
		return fmt.Errorf("insert notifications: %w", dbErr(err))
	}
	ids := make([]string, 0, len(orgs))
	for o := range orgs {
		ids = append(ids, o)
	}
	var eps []endpointRow
	if err := tx.Where("active = ? AND org_id IN ?", true, ids).Order("id").Find(&eps).Error; err != nil {
		return fmt.Errorf("read webhook endpoints: %w", dbErr(err))
	}
	if len(eps) == 0 {
		return nil
	}
	var ds []deliveryRow
	for _, r := range rows {
		for _, ep := range eps {
			if ep.OrgID == r.OrgID {
				ds = append(ds, deliveryRow{NotificationID: r.ID, EndpointID: ep.ID, OrgID: r.OrgID, Event: r.Kind,
					Status: DeliveryPending, NextAt: r.At, CreatedAt: r.At})
			}
		}
	}
	if len(ds) == 0 {
		return nil
	}
	if err := tx.Clauses(oc).CreateInBatches(ds, insertBatch).Error; err != nil {
		return fmt.Errorf("queue webhook deliveries: %w", dbErr(err))
	}
	return nil
}

func noteFromRow(r *notificationRow) Notification {
	n := Notification{ID: r.ID, Seq: r.Seq, TxID: r.TxID, Org: r.OrgID, Kind: r.Kind, Case: r.CaseID, Batch: r.Batch,
		Actor: r.Actor, At: r.At.UTC()}
	if r.Detail != "" {
		n.Detail = json.RawMessage(r.Detail)
	}
	return n
}

// Notifications returns one page of org's notifications, newest first,
// marked read or not for user; before is the ID of the last notification
// of the previous page (0 starts at the top), limit 50 when 0, at most 500.
func (o *Ops) Notifications(ctx context.Context, org, user string, before int64, limit int) (Page[Notification], error) {
	limit = clampLimit(limit, 50, 500)
	q := o.db.WithContext(ctx).Where("org_id = ?", org)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var rs []notificationRow
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rs).Error; err != nil {
		return Page[Notification]{}, fmt.Errorf("list notifications: %w", dbErr(err))
	}
	var p Page[Notification]
	if len(rs) > limit {
		rs = rs[:limit]
		p.Next = fmt.Sprint(rs[limit-1].ID)
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	read := map[int64]bool{}
	if len(ids) > 0 {
		var rr []readRow
		if err := o.db.WithContext(ctx).Where("user_id = ? AND notification_id IN ?", user, ids).Find(&rr).Error; err != nil {
			return Page[Notification]{}, fmt.Errorf("read state of notifications: %w", dbErr(err))
		}
		for _, r := range rr {
			read[r.NotificationID] = true
		}
	}
	p.Items = make([]Notification, len(rs))
	for i := range rs {
		p.Items[i] = noteFromRow(&rs[i])
		p.Items[i].Read = read[rs[i].ID]
	}
	return p, nil
}

// Unread counts org's notifications that user has not read.
func (o *Ops) Unread(ctx context.Context, org, user string) (int64, error) {
	db := o.db.WithContext(ctx)
	var n int64
	err := db.Model(&notificationRow{}).Where("org_id = ?", org).
		Where("id NOT IN (?)", db.Model(&readRow{}).Select("notification_id").Where("user_id = ?", user)).
		Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count unread notifications: %w", dbErr(err))
	}
	return n, nil
}

// MarkRead marks notifications of org read for user: the one with id, or
// every one when id is 0. Marking twice changes nothing.
func (o *Ops) MarkRead(ctx context.Context, org, user string, id int64, now time.Time) error {
	db := o.db.WithContext(ctx)
	q := db.Model(&notificationRow{}).Select("id").Where("org_id = ?", org).
		Where("id NOT IN (?)", db.Model(&readRow{}).Select("notification_id").Where("user_id = ?", user))
	if id != 0 {
		var r notificationRow
		if err := db.Where("id = ? AND org_id = ?", id, org).Take(&r).Error; err != nil {
			return notFound(err, "notification", fmt.Sprint(id))
		}
		q = q.Where("id = ?", id)
	}
	var ids []int64
	if err := q.Find(&ids).Error; err != nil {
		return fmt.Errorf("mark notifications read: %w", dbErr(err))
	}
	if len(ids) == 0 {
		return nil
	}
	rows := make([]readRow, len(ids))
	for i, n := range ids {
		rows[i] = readRow{NotificationID: n, UserID: user, At: now.UTC()}
	}
	return o.write(ctx, func(db *gorm.DB) error {
		if err := db.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, insertBatch).Error; err != nil {
			return fmt.Errorf("mark notifications read: %w", dbErr(err))
		}
		return nil
	})
}

// Notification returns org's notification id.
func (o *Ops) Notification(ctx context.Context, org string, id int64) (Notification, error) {
	var r notificationRow
	if err := o.db.WithContext(ctx).Where("id = ? AND org_id = ?", id, org).Take(&r).Error; err != nil {
		return Notification{}, notFound(err, "notification", fmt.Sprint(id))
	}
	return noteFromRow(&r), nil
}

// caseNoteDetail is the Detail of a case notification.
type caseNoteDetail struct {
	Kind     models.CaseKind `json:"kind"`
	Severity string          `json:"severity"`
	Count    int             `json:"count,omitempty"` // dispositions recorded by the step
}

// CaseNote returns a notification about case c for org.
func CaseNote(seq uint64, txID string, at time.Time, org, kind, actor string, c *models.Case, count int) Notification {
	d, _ := json.Marshal(caseNoteDetail{Kind: c.Kind, Severity: c.Severity, Count: count}) // plain values always encode
	return Notification{Seq: seq, TxID: txID, Org: org, Kind: kind, Case: c.ID, Batch: c.BatchCode, Actor: actor, Detail: d, At: at}
}
