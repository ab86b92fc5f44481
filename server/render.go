package server

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/i18n"
	"github.com/plumbline/plumbline/models"
)

// view is what every page template gets: the common frame (language, user,
// CSRF token, navigation, errors) and the page's own Data.
type view struct {
	L      *i18n.Localizer
	Lang   string
	Langs  []i18n.Language
	User   *auth.User
	Org    *models.Organization
	CSRF   string
	Path   string // the request URI, for the language switch
	Nav    string // the active navigation item
	Flash  string
	Errors map[string]string // form field → message; "" for the form as a whole
	// ErrorCodes are the message codes of Errors (form field → code), for a
	// form that asks more when a field fails in a given way.
	ErrorCodes map[string]string
	Form       url.Values // submitted values, to refill a form
	Idem       string     // a fresh idempotency key for forms that write
	Public     bool       // a page for people who are not logged in
	Unread     int64      // the user's unread notifications
	Data       any
}

// view builds the common frame for a page.
func (s *Server) view(c *gin.Context, nav string, data any) *view {
	v := &view{
		L: s.loc(c), Lang: lang(c), Langs: i18n.Languages, User: currentUser(c),
		Path: c.Request.URL.RequestURI(), Nav: nav, Data: data, Form: url.Values{}, Idem: newKey(),
	}
	if sess := currentSession(c); sess != nil {
		v.CSRF = sess.CSRF
	}
	if v.User != nil {
		if _, o, err := s.userOrg(c); err == nil {
			v.Org = o
		}
		v.Unread, _ = s.opTables.Unread(c.Request.Context(), v.User.OrgID, v.User.ID) // a count, not worth failing a page for
	}
	if f, err := c.Cookie("plumbline_flash"); err == nil && f != "" {
		v.Flash = f
		s.clearCookie(c, "plumbline_flash")
	}
	return v
}

// formFail shows a form page again with err next to its field (or above
// the form when it names none), the submitted values kept, and the error's
// status: a form's bad input is a 4xx, never a 500.
func (s *Server) formFail(c *gin.Context, name string, v *view, err error) {
	code, body := s.describe(c, err)
	if v.Errors == nil {
		v.Errors = map[string]string{}
	}
	v.Errors[body.Field] = body.Message
	v.ErrorCodes = map[string]string{body.Field: body.MessageCode}
	for _, e := range body.Errors[min(1, len(body.Errors)):] {
		if _, dup := v.Errors[e.Field]; !dup {
			v.Errors[e.Field], v.ErrorCodes[e.Field] = e.Message, e.MessageCode
		}
	}
	if c.Request.PostForm == nil {
		_ = c.Request.ParseForm()
	}
	v.Form = c.Request.PostForm
	if v.Form == nil {
		v.Form = url.Values{}
	}
	s.page(c, code, name, v)
}

// flash sets a one-time message shown on the next page.
func (s *Server) flash(c *gin.Context, msg string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: "plumbline_flash", Value: url.QueryEscape(msg), Path: "/", MaxAge: 60, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// page renders a page into a buffer first, so a template error becomes a
// clean 500 rather than half a page.
func (s *Server) page(c *gin.Context, code int, name string, v *view) {
	t, ok := s.pages[name]
	if !ok {
		s.fail(c, fmt.Errorf("no page template %q", name))
		return
	}
	if v.Flash != "" {
		if f, err := url.QueryUnescape(v.Flash); err == nil {
			v.Flash = f
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.opts.Logger.Error("render page", "page", name, "err", err)
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(code, "text/html; charset=utf-8", buf.Bytes())
}

func (s *Server) loc(c *gin.Context) *i18n.Localizer { return s.cat.Localizer(lang(c)) }

func lang(c *gin.Context) string {
	if l := c.GetString(ctxLang); l != "" {
		return l
	}
	return i18n.Languages[0].Tag
}

// newKey returns a random idempotency key for a form.
func newKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "form-" + hex.EncodeToString(b)
}

// fieldView is what the _err partial gets.
type fieldView struct{ Name, Message string }

// navItem is one entry of the navigation menu.
type navItem struct{ Key, Href, Label string }

// navGroup is a set of menu entries for one job (supply, site, trace and
// recalls, manage): the desktop header shows every group with its links,
// the phone's menu lists them under the group's name.
type navGroup struct {
	Key, Label string
	Items      []navItem
}

// navGroups lists the menu entries the user's organization kind and role
// can use, grouped by job; groups with nothing in them are left out. The
// route table's access checks are the real guard.
func navGroups(v *view) []navGroup {
	if v.User == nil || v.Org == nil {
		return nil
	}
	kind, role := v.Org.Kind, v.User.Role
	writer := role == models.RoleAdmin || role == models.RoleOperator
	var groups []navGroup
	group := func(key string) { groups = append(groups, navGroup{Key: key, Label: "nav.group." + key}) }
	add := func(ok bool, key, href, label string) {
		if ok {
			g := &groups[len(groups)-1]
			g.Items = append(g.Items, navItem{key, href, label})
		}
	}
	group("supply")
	add(kind == models.KindManufacturer, "products", "/products", "nav.products")
	add(true, "batches", "/batches", "nav.batches")
	add(kind == models.KindManufacturer || kind == models.KindContractor || kind == models.KindAuthority, "orders", "/orders", "nav.orders")
	add(kind != models.KindInspection, "shipments", "/shipments", "nav.shipments")
	add(kind == models.KindManufacturer && writer, "import", "/import", "nav.import")
	add(writer && (kind == models.KindManufacturer || kind == models.KindContractor), "labels", "/labels", "nav.labels")
	group("site")
	add(kind == models.KindContractor, "incoming", "/shipments/incoming", "nav.incoming")
	add(kind == models.KindContractor, "stock", "/stock", "nav.stock")
	add(role == models.RoleInspector || role == models.RoleAdmin || kind == models.KindInspection, "scan", "/scan", "nav.scan")
	add(true, "holds", "/holds", "nav.holds")
	group("trace")
	add(true, "trace", "/trace", "nav.trace")
	add(true, "where-used", "/where-used", "nav.where_used")
	add(true, "recalls", "/recalls", "nav.recalls")
	add(true, "cases", "/cases", "nav.cases")
	group("manage")
	add(role == models.RoleAdmin || role == models.RoleViewer, "manager", "/manager", "nav.manager")
	add(role == models.RoleAdmin || role == models.RoleViewer, "operations", "/operations", "nav.operations")
	add(true, "epcis", "/epcis", "nav.epcis")
	add(role == models.RoleAdmin, "users", "/admin/users", "nav.users")
	add(role == models.RoleAdmin, "tokens", "/admin/tokens", "nav.tokens")
	add(role == models.RoleAdmin, "webhooks", "/admin/webhooks", "nav.webhooks")
	out := groups[:0]
	for _, g := range groups {
		if len(g.Items) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// navItems lists every menu entry of the user, group after group.
func navItems(v *view) []navItem {
	var items []navItem
	for _, g := range navGroups(v) {
		items = append(items, g.Items...)
	}
	return items
}

// pagerView is what the _pager partial gets.
type pagerView struct {
	L    *i18n.Localizer
	Next string
	Href string
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"navItems":   navItems,
		"navGroups":  navGroups,
		"name":       localName,
		"prop":       s.propLabel,
		"inspType":   s.inspTypeLabel,
		"holdReason": s.holdReason,
		"field": func(v *view, name string) fieldView {
			return fieldView{Name: name, Message: v.Errors[name]}
		},
		"invalid": func(v *view, name string) bool { _, ok := v.Errors[name]; return ok },
		"pager": func(v *view, next string) pagerView {
			if next == "" {
				return pagerView{L: v.L}
			}
			u, _ := url.Parse(v.Path)
			q := u.Query()
			q.Set("after", next)
			u.RawQuery = q.Encode()
			return pagerView{L: v.L, Next: next, Href: u.String()}
		},
		"langURL": func(path, tag string) string {
			u, err := url.Parse(path)
			if err != nil {
				return "/?lang=" + url.QueryEscape(tag)
			}
			q := u.Query()
			q.Set("lang", tag)
			u.RawQuery = q.Encode()
			return u.String()
		},
		"date": func(v any) string {
			if p, ok := v.(*time.Time); ok { // an optional time (a token's expiry)
				if p == nil {
					return ""
				}
				v = *p
			}
			switch t := v.(type) {
			case time.Time:
				if t.IsZero() {
					return ""
				}
				return t.Format("2006-01-02")
			case string:
				if len(t) >= 10 {
					return t[:10]
				}
				return t
			}
			return fmt.Sprint(v)
		},
		"datetime": func(v any) string {
			if p, ok := v.(*time.Time); ok {
				if p == nil {
					return ""
				}
				v = *p
			}
			switch t := v.(type) {
			case time.Time:
				if t.IsZero() {
					return ""
				}
				return t.UTC().Format("2006-01-02 15:04 UTC")
			case string:
				if tt, err := time.Parse(time.RFC3339Nano, t); err == nil {
					return tt.UTC().Format("2006-01-02 15:04 UTC")
				}
				return t
			}
			return fmt.Sprint(v)
		},
		"short": func(s string, n int) string {
			if len(s) <= n {
				return s
			}
			return s[:n] + "…"
		},
		"upper":    strings.ToUpper,
		"join":     strings.Join,
		"contains": strings.Contains,
		"add":      func(a, b int) int { return a + b },
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"list": func(xs ...any) []any { return xs },
	}
}

// localName is an organization's or a product's name in lang (its Name
// when it has none in lang); for anything else, what it prints as.
func localName(v any, lang string) string {
	switch r := v.(type) {
	case models.Organization:
		return r.Names.In(lang, r.Name)
	case *models.Organization:
		return r.Names.In(lang, r.Name)
	case models.Product:
		return r.Names.In(lang, r.Name)
	case *models.Product:
		return r.Names.In(lang, r.Name)
	}
	return fmt.Sprint(v)
}

// propLabel is a measured property's name in l's language
// ("compressive_strength_3d" → "3-day compressive strength"), or the
// property itself when the catalogue has no name for it.
func (s *Server) propLabel(l *i18n.Localizer, prop string) string {
	return s.catLabel(l, "site.prop."+prop, prop)
}

// inspTypeLabel is an inspection type's name in l's language ("mill_test"
// → "Mechanical property test"), or the type itself.
func (s *Server) inspTypeLabel(l *i18n.Localizer, typ string) string {
	return s.catLabel(l, "site.type."+typ, typ)
}

func (s *Server) catLabel(l *i18n.Localizer, id, fallback string) string {
	if s.cat.Has(l.Lang(), id) {
		return l.T(id)
	}
	return fallback
}

// The hold reasons the contract writes (ledger/contract holdReason and
// the return of rejected goods), which pages say in the reader's language.
var (
	failedHold   = regexp.MustCompile(`^failed ([a-z0-9_]+) inspection(?:: out of spec ([a-z0-9_, ]+?))?(?:: (.*))?$`)
	rejectedHold = regexp.MustCompile(`^rejected on receipt of shipment (\S+) by (\S+): (.*)$`)
)

// holdReason says a batch's hold reason in l's language when the contract
// wrote it (a failed inspection, goods rejected on receipt), with the
// inspection type and properties by name; a person's own words stay as
// they are.
func (s *Server) holdReason(l *i18n.Localizer, reason string) string {
	if m := failedHold.FindStringSubmatch(reason); m != nil {
		var props []string
		for _, p := range strings.Split(m[2], ", ") {
			if p != "" {
				props = append(props, s.propLabel(l, p))
			}
		}
		out := l.T("hold.failed", "Type", s.inspTypeLabel(l, m[1]))
		if len(props) > 0 {
			out += l.T("hold.out_of_spec", "Props", strings.Join(props, l.T("hold.list_sep")))
		}
		if m[3] != "" {
			out += l.T("hold.notes", "Notes", m[3])
		}
		return out
	}
	if m := rejectedHold.FindStringSubmatch(reason); m != nil {
		return l.T("hold.rejected_on_receipt", "Shipment", m[1], "Org", m[2], "Reason", m[3])
	}
	return reason
}
