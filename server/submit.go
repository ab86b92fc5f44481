package server

import (
	"context"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
)

// actor is the logged-in user as the use cases take them: the user, their
// organization and the request's idempotency key (the Idempotency-Key
// header for the API, the form's idempotency_key field for pages). A write
// that answers a retry sets the Idempotent-Replayed header.
//
// The key is passed on as given: the use case checks its length when it
// submits, after the request's own checks. An organization the read model
// does not know leaves Org nil: use cases that decide by the organization
// refuse it, and the contract rejects what it submits.
func (s *Server) actor(c *gin.Context) (app.Actor, error) {
	u := currentUser(c)
	if u == nil {
		return app.Actor{}, unauthorized("log in first")
	}
	key := strings.TrimSpace(c.GetHeader("Idempotency-Key"))
	if key == "" {
		key = strings.TrimSpace(c.PostForm("idempotency_key"))
	}
	act := app.Actor{User: u, IdempotencyKey: key,
		Replayed: func() { c.Header("Idempotent-Replayed", "true") }}
	if _, org, err := s.userOrg(c); err == nil {
		act.Org = org
	}
	return act, nil
}

// maxIdempotencyKey bounds a client's Idempotency-Key (the OpenAPI document says so).
const maxIdempotencyKey = app.MaxIdempotencyKey

// run runs a write use case for the logged-in user.
func run[T any](s *Server, c *gin.Context, write func(context.Context, app.Actor) (T, error)) (T, error) {
	act, err := s.actor(c)
	if err != nil {
		var zero T
		return zero, err
	}
	return write(c.Request.Context(), act)
}

// run2 is run for a use case with two results.
func run2[T, U any](s *Server, c *gin.Context, write func(context.Context, app.Actor) (T, U, error)) (T, U, error) {
	act, err := s.actor(c)
	if err != nil {
		var t T
		var u U
		return t, u, err
	}
	return write(c.Request.Context(), act)
}
