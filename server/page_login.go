package server

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/models"
)

// loginPage shows the login form. The form carries a double-submit CSRF
// token (a cookie and a hidden field), since there is no session yet.
func (s *Server) loginPage(c *gin.Context) {
	if currentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, safeNext(c.Query("next")))
		return
	}
	v := s.view(c, "", nil)
	v.CSRF = s.preCSRF(c)
	v.Form.Set("next", c.Query("next"))
	s.page(c, http.StatusOK, "login", v)
}

// login checks the credentials, starts a session and goes where the user
// was heading.
func (s *Server) login(c *gin.Context) {
	if err := capForm(c); err != nil {
		s.failPage(c, err)
		return
	}
	v := s.view(c, "", nil)
	v.CSRF = s.preCSRF(c)
	if ck, err := c.Cookie(preCSRFCookie); err != nil || !auth.CSRFEqual(ck, c.PostForm("csrf")) {
		s.formFail(c, "login", v, models.Forbidden("%s", v.L.T("login.csrf")))
		return
	}
	login := strings.TrimSpace(c.PostForm("login"))
	if login == "" {
		s.formFail(c, "login", v, models.Invalid("login", "%s", v.L.T("form.required")))
		return
	}
	u, err := s.opts.Accounts.Authenticate(c.Request.Context(), login, c.PostForm("password"), c.ClientIP())
	if err != nil {
		var rl *auth.RateLimitError
		switch {
		case errors.As(err, &rl):
			v.Errors = map[string]string{"": v.L.T("login.rate_limited", "Minutes", int(math.Ceil(rl.RetryAfter.Minutes())))}
			code, _ := s.describe(c, err)
			v.Form = c.Request.PostForm
			s.page(c, code, "login", v)
		case errors.Is(err, models.ErrForbidden), errors.Is(err, models.ErrNotFound), errors.Is(err, models.ErrInvalid):
			s.formFail(c, "login", v, models.Invalid("password", "%s", v.L.T("login.failed")))
		default:
			s.formFail(c, "login", v, err)
		}
		return
	}
	token, sess, err := s.opts.Accounts.NewSession(c.Request.Context(), u.ID)
	if err != nil {
		s.formFail(c, "login", v, err)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", Expires: sess.ExpiresAt,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
	s.clearCookie(c, preCSRFCookie)
	c.Redirect(http.StatusSeeOther, safeNext(c.PostForm("next")))
}

// logout ends the session.
func (s *Server) logout(c *gin.Context) {
	if ck, err := c.Cookie(sessionCookie); err == nil {
		if err := s.opts.Accounts.EndSession(c.Request.Context(), ck); err != nil {
			s.opts.Logger.Warn("end session", "err", err)
		}
	}
	s.clearCookie(c, sessionCookie)
	c.Redirect(http.StatusSeeOther, "/login")
}

// preCSRF returns the pre-session CSRF token, setting its cookie if needed.
func (s *Server) preCSRF(c *gin.Context) string {
	if ck, err := c.Cookie(preCSRFCookie); err == nil && len(ck) >= 32 {
		return ck
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(c.Writer, &http.Cookie{Name: preCSRFCookie, Value: tok, Path: "/", MaxAge: 3600, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
	return tok
}

// safeNext keeps redirects on this site: a path on it, never "//host",
// and nothing a browser would turn into one — it drops tabs and newlines
// anywhere in a URL and reads a backslash as a slash, so "/\t/evil" and
// "/\\evil" leave the site (url.Parse refuses control characters).
func safeNext(next string) string {
	u, err := url.Parse(next)
	if next == "" || err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(next, "/") ||
		strings.HasPrefix(next, "//") || strings.Contains(next, "\\") || strings.HasPrefix(next, "/login") {
		return "/dashboard"
	}
	return next
}
