package server

import (
	"errors"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/models"
)

// Cookie names.
const (
	sessionCookie = "plumbline_session"
	langCookie    = "plumbline_lang"
	preCSRFCookie = "plumbline_csrf" // double-submit token for forms shown before login
)

// csp allows nothing from other origins and no inline script or style, and
// forbids framing. The camera is used by the scanner and photo inputs.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

func (s *Server) securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		c.Next()
	}
}

// recover turns a panic into a logged 500, never a dropped connection.
func (s *Server) recover() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if err, ok := r.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(r)
				}
				s.opts.Logger.Error("panic", "path", c.Request.URL.Path, "panic", r, "stack", string(debug.Stack()))
				s.fail(c, errors.New("panic in handler"))
			}
		}()
		c.Next()
	}
}

// observe logs each request and records its latency.
func (s *Server) observe() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		d := time.Since(start)
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		s.metrics.observe(c.Request.Method, route, c.Writer.Status(), d)
		level := s.opts.Logger.Debug
		if c.Writer.Status() >= 500 {
			level = s.opts.Logger.Error
		}
		level("request", "method", c.Request.Method, "route", route, "status", c.Writer.Status(), "ms", float64(d.Microseconds())/1000, "user", userID(c))
	}
}

// rejectNUL refuses a query string with a NUL character: no field may
// contain one, and PostgreSQL cannot even compare against one.
func (s *Server) rejectNUL() gin.HandlerFunc {
	return func(c *gin.Context) {
		for k, vs := range c.Request.URL.Query() {
			for _, v := range vs {
				if strings.ContainsRune(k+v, 0) {
					err := models.Invalid(k, "contains a NUL character")
					if isAPI(c) {
						s.fail(c, err)
					} else {
						s.failPage(c, err)
					}
					return
				}
			}
		}
		c.Next()
	}
}

// identify finds who is asking (a Bearer token or a session cookie) and in
// which language to answer. It never rejects; requireUser does.
func (s *Server) identify() gin.HandlerFunc {
	return func(c *gin.Context) {
		s.pickLanguage(c)
		ctx := c.Request.Context()
		if h := c.GetHeader("Authorization"); h != "" {
			secret, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				s.fail(c, unauthorized("the Authorization header must be 'Bearer <token>'"))
				return
			}
			u, _, err := s.opts.Accounts.TokenUser(ctx, strings.TrimSpace(secret))
			if err != nil {
				s.fail(c, unauthorized("the API token is unknown, expired or revoked"))
				return
			}
			c.Set(ctxUser, &u)
			c.Set(ctxBearer, true)
		} else if ck, err := c.Cookie(sessionCookie); err == nil && ck != "" {
			sess, u, err := s.opts.Accounts.Session(ctx, ck)
			if err == nil {
				c.Set(ctxUser, &u)
				c.Set(ctxSession, &sess)
			} else {
				s.clearCookie(c, sessionCookie)
			}
		}
		c.Next()
	}
}

// Context keys.
const (
	ctxUser    = "plumbline.user"
	ctxSession = "plumbline.session"
	ctxBearer  = "plumbline.bearer"
	ctxLang    = "plumbline.lang"
	ctxOrg     = "plumbline.org" // the user's organization, once looked up
	// ctxBodyCapped is set once the request body has a size limit.
	ctxBodyCapped = "plumbline.body_capped"
)

func (s *Server) pickLanguage(c *gin.Context) {
	choice := c.Query("lang")
	if choice != "" {
		lang := s.cat.Match(choice, "")
		http.SetCookie(c.Writer, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
		c.Set(ctxLang, lang)
		return
	}
	ck, _ := c.Cookie(langCookie)
	c.Set(ctxLang, s.cat.Match(ck, c.GetHeader("Accept-Language")))
}

// currentUser returns the authenticated user, or nil.
func currentUser(c *gin.Context) *auth.User {
	if v, ok := c.Get(ctxUser); ok {
		return v.(*auth.User)
	}
	return nil
}

func userID(c *gin.Context) string {
	if u := currentUser(c); u != nil {
		return u.ID
	}
	return ""
}

func currentSession(c *gin.Context) *auth.Session {
	if v, ok := c.Get(ctxSession); ok {
		return v.(*auth.Session)
	}
	return nil
}

// requirePage lets logged-in users through and sends everyone else to the
// login page, coming back afterwards. It checks the CSRF token of every
// form post.
func (s *Server) requirePage(c *gin.Context) {
	if currentUser(c) == nil {
		c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
		c.Abort()
		return
	}
	if !s.checkCSRF(c) {
		s.page(c, http.StatusForbidden, "error", s.view(c, "", s.loc(c).T("login.csrf")))
		c.Abort()
		return
	}
	c.Next()
}

// requireAPI lets token holders and logged-in browsers through; a browser
// session must send its CSRF token (X-CSRF-Token) on writes.
func (s *Server) requireAPI(c *gin.Context) {
	if currentUser(c) == nil {
		s.fail(c, unauthorized("log in or send 'Authorization: Bearer <token>' (POST /api/v1/tokens issues one)"))
		return
	}
	if !s.checkCSRF(c) {
		s.fail(c, models.Forbidden("missing or wrong X-CSRF-Token header for a cookie-authenticated write"))
		return
	}
	c.Next()
}

// checkCSRF reports whether an unsafe request carries the session's CSRF
// token. Bearer-token requests are not exposed to CSRF and pass.
func (s *Server) checkCSRF(c *gin.Context) bool {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	if c.GetBool(ctxBearer) {
		return true
	}
	sess := currentSession(c)
	if sess == nil {
		return false
	}
	got := c.GetHeader("X-CSRF-Token")
	if got == "" {
		if capForm(c) != nil {
			return false
		}
		got = c.PostForm("csrf")
	}
	return auth.CSRFEqual(got, sess.CSRF)
}

func (s *Server) clearCookie(c *gin.Context, name string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}
