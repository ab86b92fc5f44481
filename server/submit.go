package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// maxIdempotencyKey bounds a client's Idempotency-Key; the ledger key adds
// the user's ID in front.
const maxIdempotencyKey = 120

// submit sends one contract transaction for the logged-in user and waits
// until the read model shows it, so the next page or response reads its
// own write. The idempotency key comes from the Idempotency-Key header
// (API) or the form's idempotency_key field (pages), scoped to the user,
// so a retried request or a double-clicked form commits once.
func (s *Server) submit(c *gin.Context, typ string, args any) (ledger.Receipt, error) {
	return s.submitPart(c, "", typ, args)
}

// submitPart is submit for one of several transactions a request makes:
// its idempotency key is the request's key with "/part" appended, so a
// retried request commits each part once and the parts never replay one
// another. An empty part is the request's own key.
func (s *Server) submitPart(c *gin.Context, part, typ string, args any) (ledger.Receipt, error) {
	u := currentUser(c)
	if u == nil {
		return ledger.Receipt{}, unauthorized("log in first")
	}
	key, err := requestKey(c)
	if err != nil {
		return ledger.Receipt{}, err
	}
	if key != "" && part != "" {
		key += "/" + part
	}
	rec, err := s.submitFor(c.Request.Context(), u, typ, args, key)
	if err == nil && rec.Replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	return rec, err
}

// requestKey returns the request's idempotency key: the Idempotency-Key
// header, else the form's idempotency_key field.
func requestKey(c *gin.Context) (string, error) {
	key := strings.TrimSpace(c.GetHeader("Idempotency-Key"))
	if key == "" {
		key = strings.TrimSpace(c.PostForm("idempotency_key"))
	}
	if len(key) > maxIdempotencyKey {
		return "", models.Invalid("Idempotency-Key", "is %d characters long; use at most %d", len(key), maxIdempotencyKey)
	}
	return key, nil
}

// submitFor sends one contract transaction for user u under the
// idempotency key key (scoped to the user as s.submit scopes it; "" for
// none) and waits until the read model shows it. It serves requests that
// need several transactions and imports that run after their request.
func (s *Server) submitFor(ctx context.Context, u *auth.User, typ string, args any, key string) (ledger.Receipt, error) {
	raw, err := json.Marshal(args)
	if err != nil {
		return ledger.Receipt{}, fmt.Errorf("encode %s arguments: %w", typ, err)
	}
	if key != "" {
		key = u.ID + "/" + key
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.WriteTimeout)
	defer cancel()
	rec, err := s.opts.Ledger.Submit(ctx, ledger.Tx{Type: typ, Args: raw, Org: u.OrgID, User: u.ID, Role: u.Role, IdempotencyKey: key})
	if err != nil {
		return rec, err
	}
	if err := s.opts.Projector.WaitFor(ctx, rec.Seq); err != nil {
		return rec, fmt.Errorf("committed as entry %d but the read model has not caught up: %w", rec.Seq, err)
	}
	return rec, nil
}
