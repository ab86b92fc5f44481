package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/models"
)

// apiError is the one error body shape of the JSON API.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// status maps an error to its HTTP status and machine code. It is the only
// place where errors become statuses.
func status(err error) (int, string) {
	switch {
	case errors.Is(err, models.ErrInvalid):
		return http.StatusUnprocessableEntity, "invalid"
	case errors.Is(err, models.ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, models.ErrConflict):
		return http.StatusConflict, "conflict"
	case errors.Is(err, models.ErrForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, "timeout"
	}
	return http.StatusInternalServerError, "internal"
}

// fail writes err as the API error body. Internal errors are logged and
// shown without their details.
func (s *Server) fail(c *gin.Context, err error) {
	code, kind := status(err)
	body := apiError{Code: kind, Message: err.Error()}
	var me *models.Error
	if errors.As(err, &me) {
		body.Message, body.Field = me.Message, me.Field
	}
	if code == http.StatusInternalServerError {
		s.opts.Logger.Error("request failed", "path", c.Request.URL.Path, "err", err)
		body.Message = "internal error; the server log has details"
	}
	c.AbortWithStatusJSON(code, gin.H{"error": body})
}
