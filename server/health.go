package server

import (
	"context"
	"net/http"
	"time"

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
	c.JSON(http.StatusOK, gin.H{"status": "ok", "ledger_head": head, "projected": s.opts.Projector.Applied()})
}

// readyLag is how far the read model may trail the ledger and still serve.
const readyLag = 1000

// readyz answers 200 when the server can take traffic: the ledger and the
// read model's database answer, the ledger takes writes (witnesses have
// not shown it rolled back or forked) and the read model is nearly caught
// up.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	head, err := s.opts.Ledger.Head(ctx)
	if err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "not ready", "reason": "ledger unreadable: " + err.Error()})
		return
	}
	if _, err := s.opts.Store.Checkpoint(ctx); err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "not ready", "reason": "read model unreadable: " + err.Error()})
		return
	}
	if err := s.app.WritesStopped(); err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "not ready", "reason": "writes stopped: " + err.Error(), "ledger_head": head})
		return
	}
	applied := s.opts.Projector.Applied()
	if head > applied+readyLag {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "not ready", "reason": "read model catching up", "ledger_head": head, "projected": applied})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "ledger_head": head, "projected": applied})
}
