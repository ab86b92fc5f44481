package server

import (
	"context"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/models"
)

// Who may see a batch's private tier (test reports and private documents,
// inspection notes and measurements, shipments, usage locations) is decided
// here, once, for pages, API, downloads and proofs alike.

// seesAll reports whether the organization kind is involved with every
// batch: authorities oversee them and inspection agencies inspect them.
func seesAll(o *models.Organization) bool {
	return o != nil && (o.Kind == models.KindAuthority || o.Kind == models.KindInspection)
}

// batchParties returns the organizations involved with batch b: its
// producer, owner and custodian, the sender, receiver and carrier of every
// shipment that carried it, and every organization that submitted one of
// its ledger entries.
func (s *Server) batchParties(ctx context.Context, b *models.Batch) (map[string]bool, error) {
	parties := map[string]bool{b.Producer: true, b.Owner: true, b.Custodian: true}
	ships, err := s.opts.Store.BatchShipments(ctx, b.Code)
	if err != nil {
		return nil, err
	}
	for _, sh := range ships {
		parties[sh.From], parties[sh.To], parties[sh.Carrier] = true, true, true
	}
	const page = 1000
	for after := uint64(0); ; {
		evs, err := s.opts.Store.Timeline(ctx, b.Code, after, page)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			parties[e.Org] = true
			after = e.Seq
		}
		if len(evs) < page {
			break
		}
	}
	delete(parties, "")
	return parties, nil
}

// involvedWith reports whether organization org may see batch b's
// private tier.
func (s *Server) involvedWith(ctx context.Context, org *models.Organization, b *models.Batch) (bool, error) {
	if org == nil {
		return false, nil
	}
	if seesAll(org) || org.ID == b.Producer || org.ID == b.Owner || org.ID == b.Custodian {
		return true, nil
	}
	parties, err := s.batchParties(ctx, b)
	if err != nil {
		return false, err
	}
	return parties[org.ID], nil
}

// involved reports whether the logged-in user's organization may see
// batch b's private tier.
func (s *Server) involved(c *gin.Context, b *models.Batch) (bool, error) {
	if currentUser(c) == nil {
		return false, nil
	}
	_, o, err := s.userOrg(c)
	if err != nil {
		return false, err
	}
	return s.involvedWith(c.Request.Context(), o, b)
}

// publicBatch returns b as organizations not involved with it may see it:
// the hold reason only when it is a recall's (the contract copies a failed
// inspection's notes and a rejection's reason into it), and only the
// hashes of its public documents.
func publicBatch(b models.Batch, docs []models.Document) models.Batch {
	if b.Status != models.StatusRecalled {
		b.HoldReason = ""
	}
	public := make([]string, 0, len(b.Documents))
	for _, h := range b.Documents {
		for _, doc := range docs {
			if doc.SHA256 == h && doc.Visibility == models.Public {
				public = append(public, h)
				break
			}
		}
	}
	b.Documents = public
	return b
}
