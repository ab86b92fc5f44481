package server

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// Notifications are per organization (every user of an affected
// organization sees them); whether one was read is per user and off the
// ledger (internal/store/notify.go).

// notificationsPage is what templates/notifications.html gets.
type notificationsPage struct {
	Items []store.Notification
	Next  string
	Names names
}

// notificationsList serves GET /notifications.
func (a *caseArea) notificationsList(c *gin.Context) {
	u := currentUser(c)
	before, err := beforeID(c)
	if err != nil {
		a.s.failPage(c, err)
		return
	}
	p, err := a.s.opTables.Notifications(c.Request.Context(), u.OrgID, u.ID, before, 0)
	if err != nil {
		a.s.failPage(c, err)
		return
	}
	n, err := a.s.app.NamesIn(c.Request.Context(), lang(c))
	if err != nil {
		a.s.failPage(c, err)
		return
	}
	a.s.page(c, http.StatusOK, "notifications", a.s.view(c, "notifications", &notificationsPage{Items: p.Items, Next: p.Next, Names: n}))
}

// beforeID reads the ?after= cursor of a list paged by descending row ID.
func beforeID(c *gin.Context) (int64, error) {
	v := c.Query("after")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, models.Invalid("after", "%q is not a cursor of this list", v)
	}
	return n, nil
}

// markRead serves POST /notifications/read: id marks one notification
// read (and goes to its case), none marks every one.
func (a *caseArea) markRead(c *gin.Context) {
	u := currentUser(c)
	var id int64
	if v := c.PostForm("id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			a.s.failPage(c, models.Invalid("id", "%q is not a notification", v))
			return
		}
		id = n
	}
	ctx := c.Request.Context()
	if _, err := run(a.s, c, func(ctx context.Context, act app.Actor) (any, error) { return nil, a.s.app.MarkRead(ctx, act, id) }); err != nil {
		a.s.failPage(c, err)
		return
	}
	if id != 0 {
		if n, err := a.s.opTables.Notification(ctx, u.OrgID, id); err == nil && n.Case != "" {
			c.Redirect(http.StatusSeeOther, "/cases/"+n.Case)
			return
		}
	}
	c.Redirect(http.StatusSeeOther, "/notifications")
}

// apiNotifications serves GET /api/v1/notifications.
func (a *caseArea) apiNotifications(c *gin.Context) {
	u := currentUser(c)
	before, err := beforeID(c)
	if err != nil {
		a.s.fail(c, err)
		return
	}
	limit, err := pageSize(c)
	if err != nil {
		a.s.fail(c, err)
		return
	}
	p, err := a.s.opTables.Notifications(c.Request.Context(), u.OrgID, u.ID, before, limit)
	if err != nil {
		a.s.fail(c, err)
		return
	}
	if p.Items == nil {
		p.Items = []store.Notification{}
	}
	c.JSON(http.StatusOK, p)
}

// readRequest is POST /api/v1/notifications/read.
type readRequest struct {
	ID int64 `json:"id,omitempty"` // 0 or absent: every notification
}

// apiMarkRead serves POST /api/v1/notifications/read.
func (a *caseArea) apiMarkRead(c *gin.Context) {
	var req readRequest
	if err := bindJSON(c, &req); err != nil {
		a.s.fail(c, err)
		return
	}
	u := currentUser(c)
	if req.ID < 0 {
		a.s.fail(c, models.Invalid("id", "must be a notification's ID, or 0 for all"))
		return
	}
	if _, err := run(a.s, c, func(ctx context.Context, act app.Actor) (any, error) { return nil, a.s.app.MarkRead(ctx, act, req.ID) }); err != nil {
		a.s.fail(c, err)
		return
	}
	n, err := a.s.opTables.Unread(c.Request.Context(), u.OrgID, u.ID)
	if err != nil {
		a.s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"unread": n})
}
