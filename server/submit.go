package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gin-gonic/gin"

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
	u := currentUser(c)
	if u == nil {
		return ledger.Receipt{}, unauthorized("log in first")
	}
	raw, err := json.Marshal(args)
	if err != nil {
		return ledger.Receipt{}, fmt.Errorf("encode %s arguments: %w", typ, err)
	}
	key := strings.TrimSpace(c.GetHeader("Idempotency-Key"))
	if key == "" {
		key = strings.TrimSpace(c.PostForm("idempotency_key"))
	}
	if len(key) > maxIdempotencyKey {
		return ledger.Receipt{}, models.Invalid("Idempotency-Key", "is %d characters long; use at most %d", len(key), maxIdempotencyKey)
	}
	if key != "" {
		key = u.ID + "/" + key
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.opts.WriteTimeout)
	defer cancel()
	rec, err := s.opts.Ledger.Submit(ctx, ledger.Tx{Type: typ, Args: raw, Org: u.OrgID, User: u.ID, Role: u.Role, IdempotencyKey: key})
	if err != nil {
		return rec, err
	}
	if rec.Replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	if err := s.opts.Projector.WaitFor(ctx, rec.Seq); err != nil {
		return rec, fmt.Errorf("committed as entry %d but the read model has not caught up: %w", rec.Seq, err)
	}
	return rec, nil
}
