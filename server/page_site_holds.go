package server

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// holdFilter is the holds the organization may see: every hold for
// authorities and agencies, else those of batches it produced, owns or
// holds.
func holdFilter(org *models.Organization, after string, limit int) store.HoldFilter {
	f := store.HoldFilter{After: after, Limit: limit}
	if !access.SeesAll(org) {
		f.Org = org.ID
	}
	return f
}

// holdView is one open hold as the list shows it.
type holdView struct {
	store.Hold
	Days, Hours int // how long it has been on hold
}

// holdsData is the holds page's data.
type holdsData struct {
	Holds      []holdView
	Next       string
	Orgs       map[string]string
	CanRelease bool
}

func (s *Server) holdAge(since time.Time) (days, hours int) {
	if since.IsZero() {
		return 0, 0
	}
	d := max(s.opts.Now().Sub(since), 0)
	return int(d / (24 * time.Hour)), int(d / time.Hour)
}

// holds lists the open holds visible to the user's organization, most
// recent first, with how long each has been on hold.
func (s *Server) holds(c *gin.Context) {
	v := s.view(c, "holds", nil)
	u, org, err := s.userOrg(c)
	if err != nil {
		s.failPage(c, err)
		return
	}
	p, err := s.opts.Store.OpenHolds(c.Request.Context(), holdFilter(org, c.Query("after"), 50))
	if err != nil {
		s.failPage(c, err)
		return
	}
	d := &holdsData{Next: p.Next, Orgs: s.orgNames(c.Request.Context()), CanRelease: may(u, org, "ReleaseHold")}
	for _, h := range p.Items {
		hv := holdView{Hold: h}
		hv.Days, hv.Hours = s.holdAge(h.Since)
		d.Holds = append(d.Holds, hv)
	}
	v.Data = d
	s.page(c, http.StatusOK, "site_holds", v)
}

// releaseData is the release form's data.
type releaseData struct {
	Batch      models.Batch
	Orgs       map[string]string
	CanRelease bool
}

func (s *Server) releaseView(c *gin.Context) (*view, *releaseData, error) {
	v := s.view(c, "holds", nil)
	u, org, err := s.userOrg(c)
	if err != nil {
		return v, nil, err
	}
	b, err := s.siteBatch(c.Request.Context(), org, "batch", c.Param("code"))
	if err != nil {
		return v, nil, err
	}
	d := &releaseData{Batch: b, Orgs: s.orgNames(c.Request.Context()),
		CanRelease: b.Status == models.StatusOnHold && may(u, org, "ReleaseHold")}
	v.Data = d
	return v, d, nil
}

// releasePage shows a held batch and the form to release it.
func (s *Server) releasePage(c *gin.Context) {
	v, _, err := s.releaseView(c)
	if err != nil {
		s.failPage(c, err)
		return
	}
	s.page(c, http.StatusOK, "site_hold_release", v)
}

// releaseForm releases the hold with the form's reason (ReleaseHold).
func (s *Server) releaseForm(c *gin.Context) {
	v, d, err := s.releaseView(c)
	if err != nil {
		s.failPage(c, err)
		return
	}
	act, err := s.actor(c)
	if err == nil {
		_, err = s.app.ReleaseHold(c.Request.Context(), act, d.Batch.Code, c.PostForm("reason"))
	}
	if err != nil {
		s.formFail(c, "site_hold_release", v, err)
		return
	}
	s.flash(c, v.L.T("site.hold_released", "Batch", d.Batch.Code))
	c.Redirect(http.StatusSeeOther, "/holds")
}
