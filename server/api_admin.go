package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/auth"
)

// userJSON is an account as the API shows it.
type userJSON struct {
	ID       string `json:"id"`
	Org      string `json:"org"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Disabled bool   `json:"disabled"`
}

func toUserJSON(u auth.User) userJSON {
	return userJSON{ID: u.ID, Org: u.OrgID, Name: u.Name, Role: string(u.Role), Disabled: u.Disabled}
}

// listJSON is the API's list shape; Next is the cursor of the next page
// (empty on the last).
type listJSON[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

func (s *Server) apiUsers(c *gin.Context) {
	us, err := s.opts.Accounts.Users(c.Request.Context(), currentUser(c).OrgID)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := listJSON[userJSON]{Items: []userJSON{}}
	for _, u := range us {
		out.Items = append(out.Items, toUserJSON(u))
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) apiCreateUser(c *gin.Context) {
	var req newUserRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.app.CreateUser(c.Request.Context(), currentUser(c), req)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toUserJSON(u))
}

func (s *Server) apiChangeUser(c *gin.Context) {
	var req userChange
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.app.ChangeUser(c.Request.Context(), currentUser(c), c.Param("id"), req)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toUserJSON(u))
}

// tokenJSON describes a token, never its secret.
type tokenJSON struct {
	ID      string  `json:"id"`
	User    string  `json:"user"`
	Name    string  `json:"name"`
	Created string  `json:"created_at"`
	Expires *string `json:"expires_at,omitempty"`
	Revoked bool    `json:"revoked"`
}

func (s *Server) apiTokens(c *gin.Context) {
	ts, err := s.opts.Accounts.Tokens(c.Request.Context(), currentUser(c).OrgID)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := listJSON[tokenJSON]{Items: []tokenJSON{}}
	for _, t := range ts {
		j := tokenJSON{ID: t.ID, User: t.UserID, Name: t.Name, Created: t.CreatedAt.Format("2006-01-02T15:04:05Z07:00"), Revoked: t.Revoked}
		if t.ExpiresAt != nil {
			e := t.ExpiresAt.Format("2006-01-02T15:04:05Z07:00")
			j.Expires = &e
		}
		out.Items = append(out.Items, j)
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) apiRevokeToken(c *gin.Context) {
	if err := s.opts.Accounts.RevokeToken(c.Request.Context(), currentUser(c).OrgID, c.Param("id")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
