// Package access is the one privacy rule: who is involved with a batch,
// and what of the ledger and the read model each viewer may see.
//
// A batch has two tiers. Everyone sees the public one: product, producer
// and origin, status, chain of custody, inspection verdicts, public
// certificates and the ledger's proofs. Organizations involved with the
// batch — its producer, owner and custodian, the senders, receivers and
// carriers of its shipments, every organization that submitted one of its
// ledger entries — and authorities and inspection agencies, which oversee
// every batch, also see the private one: test reports and private
// documents, inspection notes and measurements, shipments, where it was
// used. What of each transaction is private is declared once in the
// contract (contract.PrivacyOf); this package applies it, and the rules
// for the read model's records, for pages, API, downloads, proofs,
// exports, reports and dashboards alike.
//
// A Checker answers for one viewer within one request and looks each
// batch's parties up once. It reads through Source; FromStore makes one
// from the read model.
package access

import (
	"context"

	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// Viewer is who looks: a user of a registered organization, or the public
// (the zero Viewer).
type Viewer struct {
	Org  string         // the organization's ID; "" for the public
	Kind models.OrgKind // the organization's kind
	Role models.Role    // the user's role within it
}

// As returns the viewer that is a user with role in organization o; with
// a nil organization (nobody logged in, or a user whose organization is
// not registered on the ledger) it is the public, in that role.
func As(o *models.Organization, role models.Role) Viewer {
	if o == nil {
		return Viewer{Role: role}
	}
	return Viewer{Org: o.ID, Kind: o.Kind, Role: role}
}

// Public reports whether the viewer is the public (not logged in, or of
// no registered organization).
func (v Viewer) Public() bool { return v.Org == "" }

// SeesAll reports whether the viewer is involved with every batch:
// authorities oversee them and inspection agencies inspect them.
func (v Viewer) SeesAll() bool { return seesAll(v.Kind) }

// SeesAll reports whether organization o (nil for the public) is involved
// with every batch, and so sees the whole project's holds, cases and
// figures.
func SeesAll(o *models.Organization) bool { return o != nil && seesAll(o.Kind) }

func seesAll(k models.OrgKind) bool {
	return k == models.KindAuthority || k == models.KindInspection
}

// Parties are the organizations that took part in a batch, by ID.
type Parties map[string]bool

// Source is what a Checker reads. FromStore reads the read model; a server
// may keep Parties in a cache in front of it.
type Source interface {
	// Parties returns who took part in batch code, or an error wrapping
	// models.ErrNotFound when there is no such batch.
	Parties(ctx context.Context, code string) (Parties, error)
	// EventBatches returns the codes of the batches ledger event seq
	// touched.
	EventBatches(ctx context.Context, seq uint64) ([]string, error)
	// Case returns quality case id.
	Case(ctx context.Context, id string) (models.Case, error)
}

// Store is the read model as access reads it; *store.Store is one.
type Store interface {
	Batch(ctx context.Context, code string) (models.Batch, error)
	BatchShipments(ctx context.Context, code string) ([]models.Shipment, error)
	Timeline(ctx context.Context, code string, after uint64, limit int) ([]store.Event, error)
	EventBatches(ctx context.Context, seq uint64) ([]string, error)
	Case(ctx context.Context, id string) (models.Case, error)
}

// FromStore returns the Source that reads st.
func FromStore(st Store) Source { return storeSource{st} }

type storeSource struct{ st Store }

// timelinePage is how many events a parties lookup reads at once.
const timelinePage = 1000

// Parties is the one parties lookup: the batch's producer, owner and
// custodian, the sender, receiver and carrier of every shipment that
// carried it, and every organization that submitted one of its ledger
// entries.
func (s storeSource) Parties(ctx context.Context, code string) (Parties, error) {
	b, err := s.st.Batch(ctx, code)
	if err != nil {
		return nil, err
	}
	parties := Parties{b.Producer: true, b.Owner: true, b.Custodian: true}
	ships, err := s.st.BatchShipments(ctx, b.Code)
	if err != nil {
		return nil, err
	}
	for _, sh := range ships {
		parties[sh.From], parties[sh.To], parties[sh.Carrier] = true, true, true
	}
	for after := uint64(0); ; {
		evs, err := s.st.Timeline(ctx, b.Code, after, timelinePage)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			parties[e.Org] = true
			after = e.Seq
		}
		if len(evs) < timelinePage {
			break
		}
	}
	delete(parties, "")
	return parties, nil
}

func (s storeSource) EventBatches(ctx context.Context, seq uint64) ([]string, error) {
	return s.st.EventBatches(ctx, seq)
}

func (s storeSource) Case(ctx context.Context, id string) (models.Case, error) {
	return s.st.Case(ctx, id)
}
