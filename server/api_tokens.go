package server

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/models"
)

// tokenRequest asks for an API token with a login and password.
type tokenRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
	Name     string `json:"name,omitempty"`      // what the token is for, e.g. "ERP import"
	TTLHours int    `json:"ttl_hours,omitempty"` // 0 means 30 days; at most 8760
}

// tokenResponse carries a new token; the secret is shown only once.
type tokenResponse struct {
	Token     string     `json:"token"`
	ID        string     `json:"id"`
	User      string     `json:"user"`
	Org       string     `json:"org"`
	Role      string     `json:"role"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// createToken exchanges a login and password for a Bearer token.
func (s *Server) createToken(c *gin.Context) {
	var req tokenRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if strings.TrimSpace(req.Login) == "" {
		s.fail(c, models.Invalid("login", "is required"))
		return
	}
	if req.TTLHours < 0 || req.TTLHours > 8760 {
		s.fail(c, models.Invalid("ttl_hours", "must be from 1 to 8760 hours (0 means 30 days)"))
		return
	}
	ttl := time.Duration(req.TTLHours) * time.Hour
	if ttl == 0 {
		ttl = 30 * 24 * time.Hour
	}
	if req.Name == "" {
		req.Name = "API token"
	}
	u, err := s.opts.Accounts.Authenticate(c.Request.Context(), req.Login, req.Password, c.ClientIP())
	if err != nil {
		if !errors.Is(err, auth.ErrRateLimited) {
			err = unauthorized("wrong login or password")
		}
		s.fail(c, err)
		return
	}
	secret, tok, err := s.opts.Accounts.NewToken(c.Request.Context(), u.ID, req.Name, ttl)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, tokenResponse{Token: secret, ID: tok.ID, User: u.ID, Org: u.OrgID, Role: string(u.Role), ExpiresAt: tok.ExpiresAt})
}

// maxJSONBody bounds a JSON request body.
const maxJSONBody = 4 << 20

// bindJSON decodes a JSON body strictly: unknown fields and trailing data
// are errors a client can act on.
func bindJSON(c *gin.Context, v any) error {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody)
	dec := newStrictDecoder(c.Request.Body)
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return models.Invalid("", "the body has data after the JSON object")
	}
	return nil
}
