package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/models"
)

// Webhook endpoints are configuration an organization's admin keeps off the
// ledger; deliveries are the outbox of notifications to them (see
// notify.go). Both survive Reset.

// Delivery statuses.
const (
	DeliveryPending   = "pending"   // waiting for its next attempt
	DeliveryDelivered = "delivered" // the endpoint answered 2xx
	DeliveryFailed    = "failed"    // every attempt failed
)

// Endpoint is a URL an organization receives webhook deliveries at.
type Endpoint struct {
	ID        string    `json:"id"`
	Org       string    `json:"org"`
	URL       string    `json:"url"`
	Secret    string    `json:"-"` // the HMAC key; shown once when created
	Active    bool      `json:"active"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

type endpointRow struct {
	ID        string `gorm:"primaryKey"`
	OrgID     string `gorm:"index"`
	URL       string `gorm:"column:url"`
	Secret    string
	Active    bool
	CreatedBy string
	CreatedAt time.Time
}

func (endpointRow) TableName() string { return "wh_endpoints" }

func endpointFromRow(r *endpointRow) Endpoint {
	return Endpoint{ID: r.ID, Org: r.OrgID, URL: r.URL, Secret: r.Secret, Active: r.Active, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC()}
}

// HookDelivery is one notification sent, or to be sent, to one endpoint.
type HookDelivery struct {
	ID           int64     `json:"id"`
	Notification int64     `json:"notification"`
	Endpoint     string    `json:"endpoint"`
	Org          string    `json:"org"`
	Event        string    `json:"event"`
	Status       string    `json:"status"`
	Attempts     int       `json:"attempts"`
	NextAt       time.Time `json:"next_at"`
	LastCode     int       `json:"last_code,omitempty"`
	LastError    string    `json:"last_error,omitempty"`
	LastAt       time.Time `json:"last_at"`
	CreatedAt    time.Time `json:"created_at"`
}

type deliveryRow struct {
	ID             int64  `gorm:"primaryKey;autoIncrement"`
	NotificationID int64  `gorm:"uniqueIndex:wh_deliveries_once,priority:1"`
	EndpointID     string `gorm:"uniqueIndex:wh_deliveries_once,priority:2;index"`
	OrgID          string `gorm:"index"`
	Event          string
	Status         string    `gorm:"index:wh_deliveries_due,priority:1"`
	NextAt         time.Time `gorm:"index:wh_deliveries_due,priority:2"`
	Attempts       int
	LastCode       int
	LastError      string
	LastAt         time.Time
	CreatedAt      time.Time
}

func (deliveryRow) TableName() string { return "wh_deliveries" }

func deliveryFromRow(r *deliveryRow) HookDelivery {
	return HookDelivery{ID: r.ID, Notification: r.NotificationID, Endpoint: r.EndpointID, Org: r.OrgID, Event: r.Event,
		Status: r.Status, Attempts: r.Attempts, NextAt: r.NextAt.UTC(), LastCode: r.LastCode, LastError: r.LastError,
		LastAt: r.LastAt.UTC(), CreatedAt: r.CreatedAt.UTC()}
}

// write runs fn under the database's writer lock (SQLite has one writer).
func (o *Ops) write(ctx context.Context, fn func(db *gorm.DB) error) error {
	wl := dbx.WriteLock(o.db)
	wl.Lock()
	defer wl.Unlock()
	return fn(o.db.WithContext(ctx))
}

// AddEndpoint registers a webhook endpoint.
func (o *Ops) AddEndpoint(ctx context.Context, e Endpoint) error {
	r := endpointRow{ID: e.ID, OrgID: e.Org, URL: e.URL, Secret: e.Secret, Active: true, CreatedBy: e.CreatedBy, CreatedAt: e.CreatedAt.UTC()}
	return o.write(ctx, func(db *gorm.DB) error {
		if err := db.Create(&r).Error; err != nil {
			return fmt.Errorf("add webhook endpoint: %w", dbErr(err))
		}
		return nil
	})
}

// Endpoints returns org's webhook endpoints, oldest first.
func (o *Ops) Endpoints(ctx context.Context, org string) ([]Endpoint, error) {
	var rs []endpointRow
	if err := o.db.WithContext(ctx).Where("org_id = ?", org).Order("created_at").Order("id").Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("list webhook endpoints: %w", dbErr(err))
	}
	out := make([]Endpoint, len(rs))
	for i := range rs {
		out[i] = endpointFromRow(&rs[i])
	}
	return out, nil
}

// Endpoint returns org's endpoint id.
func (o *Ops) Endpoint(ctx context.Context, org, id string) (Endpoint, error) {
	var r endpointRow
	if err := o.db.WithContext(ctx).Where("id = ? AND org_id = ?", id, org).Take(&r).Error; err != nil {
		return Endpoint{}, notFound(err, "webhook endpoint", id)
	}
	return endpointFromRow(&r), nil
}

// SetEndpointActive turns org's endpoint id on or off; an inactive endpoint
// gets no new deliveries.
func (o *Ops) SetEndpointActive(ctx context.Context, org, id string, active bool) error {
	return o.write(ctx, func(db *gorm.DB) error {
		res := db.Model(&endpointRow{}).Where("id = ? AND org_id = ?", id, org).Update("active", active)
		if res.Error != nil {
			return fmt.Errorf("update webhook endpoint: %w", dbErr(res.Error))
		}
		if res.RowsAffected == 0 {
			return models.NotFound("", "webhook endpoint %q does not exist", id)
		}
		return nil
	})
}

// WebhookDeliveries returns one page of org's deliveries, newest first (endpoint
// "" means every endpoint); before is the last ID of the previous page.
func (o *Ops) WebhookDeliveries(ctx context.Context, org, endpoint string, before int64, limit int) (Page[HookDelivery], error) {
	limit = clampLimit(limit, 50, 500)
	q := where(o.db.WithContext(ctx).Where("org_id = ?", org), "endpoint_id", endpoint)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var rs []deliveryRow
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rs).Error; err != nil {
		return Page[HookDelivery]{}, fmt.Errorf("list webhook deliveries: %w", dbErr(err))
	}
	var p Page[HookDelivery]
	if len(rs) > limit {
		rs = rs[:limit]
		p.Next = fmt.Sprint(rs[limit-1].ID)
	}
	p.Items = make([]HookDelivery, len(rs))
	for i := range rs {
		p.Items[i] = deliveryFromRow(&rs[i])
	}
	return p, nil
}

// DueWebhook is a delivery to attempt, with what it needs.
type DueWebhook struct {
	HookDelivery
	Endpoint     Endpoint
	Notification Notification
}

// DueWebhooks returns up to limit pending deliveries whose next attempt
// is at or before now, to active endpoints, oldest due first.
func (o *Ops) DueWebhooks(ctx context.Context, now time.Time, limit int) ([]DueWebhook, error) {
	db := o.db.WithContext(ctx)
	var rs []deliveryRow
	// Deliveries to deactivated endpoints wait (they go on if it is
	// reactivated) and are left out in SQL, before the limit: otherwise
	// a page of them would hide every other organization's due delivery.
	err := db.Where("status = ? AND next_at <= ?", DeliveryPending, now.UTC()).
		Where("endpoint_id IN (?)", db.Model(&endpointRow{}).Select("id").Where("active = ?", true)).
		Order("next_at").Order("id").Limit(clampLimit(limit, 50, 500)).Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("due webhook deliveries: %w", dbErr(err))
	}
	var out []DueWebhook
	for i := range rs {
		var ep endpointRow
		var n notificationRow
		if err := db.Where("id = ?", rs[i].EndpointID).Take(&ep).Error; err != nil {
			return nil, notFound(err, "webhook endpoint", rs[i].EndpointID)
		}
		if !ep.Active {
			continue
		}
		if err := db.Where("id = ?", rs[i].NotificationID).Take(&n).Error; err != nil {
			return nil, notFound(err, "notification", fmt.Sprint(rs[i].NotificationID))
		}
		out = append(out, DueWebhook{HookDelivery: deliveryFromRow(&rs[i]), Endpoint: endpointFromRow(&ep), Notification: noteFromRow(&n)})
	}
	return out, nil
}

// Attempt is the outcome of one delivery attempt.
type Attempt struct {
	At     time.Time
	Code   int    // HTTP status; 0 when there was no answer
	Err    string // what went wrong; "" on a 2xx
	OK     bool
	NextAt time.Time // when to try again; zero when no attempt is left
}

// RecordAttempt stores the outcome of an attempt of delivery id: delivered
// on success, pending until a.NextAt, or failed when a.NextAt is zero.
func (o *Ops) RecordAttempt(ctx context.Context, id int64, a Attempt) error {
	status := DeliveryPending
	switch {
	case a.OK:
		status = DeliveryDelivered
	case a.NextAt.IsZero():
		status = DeliveryFailed
	}
	next := a.NextAt
	if next.IsZero() {
		next = a.At
	}
	return o.write(ctx, func(db *gorm.DB) error {
		err := db.Model(&deliveryRow{}).Where("id = ?", id).Updates(map[string]any{
			"status": status, "attempts": gorm.Expr("attempts + 1"), "last_code": a.Code, "last_error": a.Err,
			"last_at": a.At.UTC(), "next_at": next.UTC(),
		}).Error
		if err != nil {
			return fmt.Errorf("record webhook attempt: %w", dbErr(err))
		}
		return nil
	})
}

// Redeliver queues org's delivery id again: pending, due now, with its
// attempt count reset so it gets the full number of retries.
func (o *Ops) Redeliver(ctx context.Context, org string, id int64, now time.Time) error {
	return o.write(ctx, func(db *gorm.DB) error {
		res := db.Model(&deliveryRow{}).Where("id = ? AND org_id = ?", id, org).
			Updates(map[string]any{"status": DeliveryPending, "attempts": 0, "next_at": now.UTC()})
		if res.Error != nil {
			return fmt.Errorf("redeliver: %w", dbErr(res.Error))
		}
		if res.RowsAffected == 0 {
			return models.NotFound("", "webhook delivery %d does not exist", id)
		}
		return nil
	})
}

// WebhookDelivery returns org's delivery id.
func (o *Ops) WebhookDelivery(ctx context.Context, org string, id int64) (HookDelivery, error) {
	var r deliveryRow
	err := o.db.WithContext(ctx).Where("id = ? AND org_id = ?", id, org).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return HookDelivery{}, models.NotFound("", "webhook delivery %d does not exist", id)
	}
	if err != nil {
		return HookDelivery{}, fmt.Errorf("read webhook delivery: %w", dbErr(err))
	}
	return deliveryFromRow(&r), nil
}
