// Package server is Plumbline's HTTP face: the gin engine, the one route
// table, the handlers, and the one place where errors become HTTP statuses.
// So far it serves the health check; the web app and API build on it.
package server

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
)

// LedgerHead is what the health check needs of the ledger.
type LedgerHead interface {
	Head(ctx context.Context) (uint64, error)
}

// Projection is what the health check needs of the projector.
type Projection interface {
	Applied() uint64
}

// Options wires the server to its dependencies.
type Options struct {
	Ledger    LedgerHead
	Projector Projection
	Logger    *slog.Logger
}

// Server holds the HTTP handler and its dependencies.
type Server struct {
	opts   Options
	engine *gin.Engine
}

// New builds the server and its routes.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	gin.SetMode(gin.ReleaseMode)
	s := &Server{opts: opts, engine: gin.New()}
	s.engine.Use(gin.Recovery(), s.logRequests())
	s.routes()
	return s
}

// Handler returns the http.Handler to serve.
func (s *Server) Handler() http.Handler { return s.engine }

func (s *Server) logRequests() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		s.opts.Logger.Debug("request", "method", c.Request.Method, "path", c.Request.URL.Path, "status", c.Writer.Status())
	}
}
