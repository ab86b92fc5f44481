package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
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

// dashboard is the landing page after login: what the user's organization
// kind and role can do, with the work waiting for them.
func (s *Server) dashboard(c *gin.Context) {
	v := s.view(c, "dashboard", nil)
	s.page(c, http.StatusOK, "dashboard", v)
}
