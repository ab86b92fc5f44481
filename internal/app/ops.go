package app

import (
	"context"

	"github.com/plumbline/plumbline/internal/store"
)

// The operational writes: webhook endpoints and redeliveries, and which
// notifications a user has read. They are not ledger transactions; they
// go to the operational tables (store.Ops) beside the read model.

// AddWebhookEndpoint registers endpoint e (its URL already checked) for
// the actor's organization.
func (a *App) AddWebhookEndpoint(ctx context.Context, act Actor, e store.Endpoint) error {
	if act.User == nil {
		return ErrUnauthenticated
	}
	e.Org, e.CreatedBy = act.User.OrgID, act.User.ID
	return a.ops.AddEndpoint(ctx, e)
}

// SetWebhookEndpointActive pauses or resumes one of the actor's
// organization's endpoints.
func (a *App) SetWebhookEndpointActive(ctx context.Context, act Actor, id string, active bool) error {
	if act.User == nil {
		return ErrUnauthenticated
	}
	return a.ops.SetEndpointActive(ctx, act.User.OrgID, id, active)
}

// Redeliver queues one of the actor's organization's webhook deliveries
// again, now.
func (a *App) Redeliver(ctx context.Context, act Actor, id int64) error {
	if act.User == nil {
		return ErrUnauthenticated
	}
	return a.ops.Redeliver(ctx, act.User.OrgID, id, a.opts.Now())
}

// MarkRead marks notification id (0: all) read for the actor.
func (a *App) MarkRead(ctx context.Context, act Actor, id int64) error {
	if act.User == nil {
		return ErrUnauthenticated
	}
	return a.ops.MarkRead(ctx, act.User.OrgID, act.User.ID, id, a.opts.Now())
}
