package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// healthz answers 200 when the ledger can be read, 503 otherwise, with the
// ledger head and how far the read model has caught up.
func (s *Server) healthz(c *gin.Context) {
	head, err := s.opts.Ledger.Head(c.Request.Context())
	if err != nil {
		s.opts.Logger.Error("health check", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "error": "ledger unreadable"})
		return
	}
	body := gin.H{"status": "ok", "ledger_head": head}
	if s.opts.Projector != nil {
		body["projected"] = s.opts.Projector.Applied()
	}
	c.JSON(http.StatusOK, body)
}
