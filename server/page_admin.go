package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/models"
)

// Organization admins manage their own organization's accounts and API
// tokens here. Accounts are off the ledger (the ledger records each
// transaction's user and role, vouched for by the organization's
// signature), so these pages call internal/auth directly.

// requireAdmin lets only an organization's admins through.
func (s *Server) requireAdmin(c *gin.Context) {
	if u := currentUser(c); u == nil || u.Role != models.RoleAdmin {
		err := models.Forbidden("only your organization's admins manage users and tokens")
		if u == nil {
			err = unauthorized("log in or send 'Authorization: Bearer <token>'")
		}
		if isAPI(c) {
			s.fail(c, err)
		} else {
			s.failPage(c, err)
		}
		return
	}
	c.Next()
}

// adminUsersData is the users page's data.
type adminUsersData struct {
	Users  []auth.User
	Roles  []models.Role
	Secret string // a token secret just created, shown once
}

func (s *Server) adminUsers(c *gin.Context) {
	v := s.view(c, "users", nil)
	d, err := s.adminUsersData(c.Request.Context(), currentUser(c).OrgID)
	if err != nil {
		s.failPage(c, err)
		return
	}
	v.Data = d
	s.page(c, http.StatusOK, "admin_users", v)
}

func (s *Server) adminUsersData(ctx context.Context, org string) (*adminUsersData, error) {
	us, err := s.opts.Accounts.Users(ctx, org)
	if err != nil {
		return nil, err
	}
	return &adminUsersData{Users: us, Roles: models.Roles}, nil
}

// The account requests are the use cases'.
type (
	newUserRequest = app.NewUserRequest
	userChange     = app.UserChange
)

func (s *Server) adminCreateUser(c *gin.Context) {
	v := s.view(c, "users", nil)
	admin := currentUser(c)
	d, err := s.adminUsersData(c.Request.Context(), admin.OrgID)
	if err != nil {
		s.failPage(c, err)
		return
	}
	v.Data = d
	u, err := s.app.CreateUser(c.Request.Context(), admin, newUserRequest{
		Name: c.PostForm("name"), FullName: c.PostForm("fullname"), Role: models.Role(c.PostForm("role")), Password: c.PostForm("password"),
	})
	if err != nil {
		s.formFail(c, "admin_users", v, err)
		return
	}
	s.flash(c, v.L.T("admin.user_created", "Login", u.ID))
	c.Redirect(http.StatusSeeOther, "/admin/users")
}

func (s *Server) adminChangeUser(c *gin.Context) {
	v := s.view(c, "users", nil)
	admin := currentUser(c)
	d, err := s.adminUsersData(c.Request.Context(), admin.OrgID)
	if err != nil {
		s.failPage(c, err)
		return
	}
	v.Data = d
	ch := userChange{Role: models.Role(c.PostForm("role")), Password: c.PostForm("password")}
	switch c.PostForm("action") {
	case "disable":
		t := true
		ch.Disabled = &t
	case "enable":
		f := false
		ch.Disabled = &f
	}
	if _, err := s.app.ChangeUser(c.Request.Context(), admin, c.Param("id"), ch); err != nil {
		s.formFail(c, "admin_users", v, err)
		return
	}
	s.flash(c, v.L.T("form.saved"))
	c.Redirect(http.StatusSeeOther, "/admin/users")
}

// adminTokensData is the tokens page's data.
type adminTokensData struct {
	Tokens []auth.Token
	Secret string // a secret just created, shown once
	Now    time.Time
}

func (s *Server) adminTokens(c *gin.Context) {
	v := s.view(c, "tokens", nil)
	ts, err := s.opts.Accounts.Tokens(c.Request.Context(), currentUser(c).OrgID)
	if err != nil {
		s.failPage(c, err)
		return
	}
	v.Data = &adminTokensData{Tokens: ts, Now: s.opts.Now()}
	s.page(c, http.StatusOK, "admin_tokens", v)
}

func (s *Server) adminCreateToken(c *gin.Context) {
	v := s.view(c, "tokens", nil)
	u := currentUser(c)
	ctx := c.Request.Context()
	days := 0
	switch c.PostForm("ttl") {
	case "30":
		days = 30
	case "90":
		days = 90
	case "365":
		days = 365
	case "0":
	default:
		days = -1
	}
	ts, err := s.opts.Accounts.Tokens(ctx, u.OrgID)
	if err != nil {
		s.failPage(c, err)
		return
	}
	d := &adminTokensData{Tokens: ts, Now: s.opts.Now()}
	v.Data = d
	if days < 0 {
		s.formFail(c, "admin_tokens", v, models.Invalid("ttl", "choose 30, 90 or 365 days, or no expiry"))
		return
	}
	secret, _, err := s.opts.Accounts.NewToken(ctx, u.ID, strings.TrimSpace(c.PostForm("name")), time.Duration(days)*24*time.Hour)
	if err != nil {
		s.formFail(c, "admin_tokens", v, err)
		return
	}
	// The secret is shown on this response only; no redirect, so it is
	// never stored in a cookie or a URL.
	if d.Tokens, err = s.opts.Accounts.Tokens(ctx, u.OrgID); err != nil {
		s.failPage(c, err)
		return
	}
	d.Secret = secret
	s.page(c, http.StatusCreated, "admin_tokens", v)
}

func (s *Server) adminRevokeToken(c *gin.Context) {
	if err := s.opts.Accounts.RevokeToken(c.Request.Context(), currentUser(c).OrgID, c.Param("id")); err != nil {
		s.failPage(c, err)
		return
	}
	s.flash(c, s.loc(c).T("admin.token_revoked"))
	c.Redirect(http.StatusSeeOther, "/admin/tokens")
}
