package server

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/i18n"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// home sends logged-in users to their dashboard and everyone else to the
// public start page (scan or type a batch code, or log in).
func (s *Server) home(c *gin.Context) {
	if currentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, "/dashboard")
		return
	}
	v := s.view(c, "", nil)
	v.Public = true
	s.page(c, http.StatusOK, "home", v)
}

// dashCard is one box of work on the dashboard: a title, how many, where
// to see them all, and the first few.
type dashCard struct {
	ID    string // stable element ID
	Title string // message ID
	Href  string
	Count int
	More  bool // there are more than Items shows
	Items []dashItem
}

// dashItem is one line of a card.
type dashItem struct {
	Text, Sub, Href, Badge, Tone string
}

// dashboardSize is how many items a card lists.
const dashboardSize = 5

// dashboard is the landing page after login: the work waiting for the
// user's organization kind and role, each card linking to its full list.
func (s *Server) dashboard(c *gin.Context) {
	v := s.view(c, "dashboard", nil)
	var cards []dashCard
	if v.Org != nil {
		var err error
		if cards, err = s.dashCards(c.Request.Context(), v.Org); err != nil {
			s.failPage(c, err)
			return
		}
	}
	if u := currentUser(c); v.Org != nil && (u.Role == models.RoleAdmin || u.Role == models.RoleViewer) {
		card, err := s.figuresCard(c.Request.Context(), v.Org, v.L)
		if err != nil {
			s.failPage(c, err)
			return
		}
		cards = append([]dashCard{card}, cards...)
	}
	v.Data = cards
	s.page(c, http.StatusOK, "dashboard", v)
}

// figuresCard is the dashboard's glance at /manager's figures for the
// organization (admins and viewers, who have the manager link): on-time
// delivery and inspection failures over the default weeks, the oldest open
// hold and the last ledger verification.
func (s *Server) figuresCard(ctx context.Context, org *models.Organization, L *i18n.Localizer) (dashCard, error) {
	q := app.NewDashQuery(org, s.opts.Now())
	card := dashCard{ID: "dash-figures", Title: "fig.card.title", Href: "/manager"}
	ot, err := s.app.OnTime(ctx, q)
	if err != nil {
		return card, err
	}
	lines, onTime := 0, 0
	for _, o := range ot.Items {
		lines, onTime = lines+o.Lines, onTime+o.OnTime.OnTime
	}
	if lines > 0 {
		card.Items = append(card.Items, dashItem{Text: ftoa(percent(onTime, lines)) + "%", Href: "/manager#chart-on-time",
			Sub: L.T("fig.card.on_time", "Count", lines, "Weeks", q.Weeks)})
	}
	q.By = store.BySupplier
	ir, err := s.app.Inspections(ctx, q)
	if err != nil {
		return card, err
	}
	n, failed := 0, 0
	for _, r := range ir.Items {
		n, failed = n+r.Inspections, failed+r.Failed
	}
	if n > 0 {
		card.Items = append(card.Items, dashItem{Text: ftoa(percent(failed, n)) + "%", Href: "/manager#chart-inspections",
			Sub: L.T("fig.card.failed", "Count", n, "Weeks", q.Weeks)})
	}
	hs, err := s.app.Holds(ctx, q)
	if err != nil {
		return card, err
	}
	holds := hs.Items
	if len(holds) > 0 {
		days := int(max(q.Now.Sub(holds[0].Since), 0).Hours() / 24)
		card.Items = append(card.Items, dashItem{Text: holds[0].Code, Href: "/b/" + holds[0].Code,
			Sub: L.T("fig.card.oldest_hold", "Count", days, "Holds", len(holds))})
	}
	runs, err := s.opTables.VerifyRuns(ctx, 1)
	if err != nil {
		return card, err
	}
	if len(runs) > 0 {
		it := dashItem{Text: L.T("fig.ledger.last_verify"), Href: "/operations#chart-ledger", Sub: date10(runs[0].StartedAt.Format(time.RFC3339))}
		if runs[0].OK {
			it.Badge, it.Tone = "verified", "ok"
		} else {
			it.Badge, it.Tone = "verify_failed", "bad"
		}
		card.Items = append(card.Items, it)
	}
	card.Count = len(card.Items)
	return card, nil
}

func (s *Server) dashCards(ctx context.Context, org *models.Organization) ([]dashCard, error) {
	st := s.opts.Store
	var cards []dashCard
	ships := func(id, title, href string, f store.ShipmentFilter) error {
		f.Status, f.Limit = models.ShipmentInTransit, dashboardSize+1
		p, err := st.Shipments(ctx, f)
		if err != nil {
			return err
		}
		card := dashCard{ID: id, Title: title, Href: href}
		for i, sh := range p.Items {
			if i == dashboardSize {
				card.More = true
				break
			}
			card.Items = append(card.Items, dashItem{Text: sh.Code, Sub: sh.From + " → " + sh.To + " " + sh.Site, Href: "/shipments/" + sh.Code, Badge: date10(sh.DispatchedAt)}) // a date: no Tone, shown as is
		}
		card.Count = len(card.Items)
		cards = append(cards, card)
		return nil
	}
	batches := func(id, title, href string, items []models.Batch, more bool) {
		card := dashCard{ID: id, Title: title, Href: href, More: more}
		for i, b := range items {
			if i == dashboardSize {
				card.More = true
				break
			}
			tone := "ok"
			switch b.Status {
			case models.StatusOnHold, models.StatusRecalled:
				tone = "bad"
			case models.StatusInTransit:
				tone = "warn"
			}
			card.Items = append(card.Items, dashItem{Text: b.Code, Sub: b.ProductID + " · " + b.Remaining.String() + " " + b.Unit, Href: "/b/" + b.Code, Badge: string(b.Status), Tone: tone})
		}
		card.Count = len(card.Items)
		cards = append(cards, card)
	}
	switch org.Kind {
	case models.KindManufacturer:
		p, err := st.Batches(ctx, store.BatchFilter{Producer: org.ID, Order: store.ByRecent, Limit: dashboardSize + 1})
		if err != nil {
			return nil, err
		}
		batches("dash-batches", "dash.recent_batches", "/batches", p.Items, false)
		if err := ships("dash-outgoing", "dash.outgoing", "/shipments", store.ShipmentFilter{From: org.ID}); err != nil {
			return nil, err
		}
	case models.KindCarrier:
		if err := ships("dash-carrying", "dash.carrying", "/shipments", store.ShipmentFilter{Carrier: org.ID}); err != nil {
			return nil, err
		}
	case models.KindContractor:
		if err := ships("dash-incoming", "dash.incoming", "/shipments/incoming", store.ShipmentFilter{To: org.ID}); err != nil {
			return nil, err
		}
	}
	custodian := org.ID
	if access.SeesAll(org) {
		custodian = "" // agencies and authorities see every hold
	}
	holds, err := st.Holds(ctx, custodian, dashboardSize+1)
	if err != nil {
		return nil, err
	}
	batches("dash-holds", "dash.holds", "/holds", holds, false)
	rs, err := st.Recalls(ctx, dashboardSize+1)
	if err != nil {
		return nil, err
	}
	card := dashCard{ID: "dash-recalls", Title: "dash.recalls", Href: "/recalls"}
	for i, r := range rs {
		if i == dashboardSize {
			card.More = true
			break
		}
		// The recalled batch's page: what was recalled, why, and (for a
		// logged-in reader) a link to the impact list; the card's title
		// links every recall.
		card.Items = append(card.Items, dashItem{Text: r.BatchCode, Sub: r.Reason, Href: "/b/" + url.PathEscape(r.BatchCode), Badge: r.Severity, Tone: "bad"})
	}
	card.Count = len(card.Items)
	cards = append(cards, card)
	return cards, nil
}

func date10(s string) string {
	if len(s) >= 10 {
		return s[:10]
	}
	return s
}
