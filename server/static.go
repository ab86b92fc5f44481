package server

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// static serves the embedded frontend files. They change only with the
// binary, so browsers may cache them for an hour and revalidate.
func (s *Server) static(fsys fs.FS) gin.HandlerFunc {
	h := http.StripPrefix("/static/", http.FileServer(http.FS(fsys)))
	return func(c *gin.Context) {
		if strings.HasSuffix(c.Request.URL.Path, "/") {
			s.notFound(c)
			return
		}
		c.Header("Cache-Control", "public, max-age=3600")
		if strings.HasSuffix(c.Request.URL.Path, ".webmanifest") {
			c.Header("Content-Type", "application/manifest+json")
		}
		h.ServeHTTP(c.Writer, c.Request)
	}
}
