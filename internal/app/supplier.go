package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/plumbline/plumbline/internal/files"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// The supplier's use cases: products, batches with their certificates,
// purchase orders and shipments. Each submits the contract transaction and
// returns the record as the read model shows it afterwards.

// RegisterProduct registers a product (RegisterProduct); the actor's
// organization is its manufacturer unless the arguments name one.
func (a *App) RegisterProduct(ctx context.Context, act Actor, args contract.RegisterProductArgs) (models.Product, error) {
	if args.Product.Manufacturer == "" && act.User != nil {
		args.Product.Manufacturer = act.User.OrgID
	}
	if _, err := a.Submit(ctx, act, "RegisterProduct", args); err != nil {
		return models.Product{}, err
	}
	return a.opts.Store.Product(ctx, args.Product.ID)
}

// CommissionBatch commissions a batch without certificates
// (CommissionBatch); they follow with AttachDocument.
func (a *App) CommissionBatch(ctx context.Context, act Actor, args contract.CommissionBatchArgs) (models.Batch, error) {
	if _, err := a.Submit(ctx, act, "CommissionBatch", args); err != nil {
		return models.Batch{}, err
	}
	return a.opts.Store.Batch(ctx, args.Code)
}

// Upload is one certificate that comes with a batch, already in the file
// store.
type Upload struct {
	Field      string // the form field, for errors
	Name       string
	Kind       models.DocumentKind
	Visibility models.Visibility
	Stored     files.Stored
}

// Commission commissions a batch with its certificates: CommissionBatch,
// then one AttachDocument per file (which records the file's name, type,
// size, kind and visibility with its SHA-256). So that nothing is
// half-written, every input is checked before the first transaction, and
// the transactions carry idempotency keys derived from the actor's, so a
// retry of the same request finishes the job without commissioning twice.
func (a *App) Commission(ctx context.Context, act Actor, args contract.CommissionBatchArgs, docs []Upload) (models.Batch, error) {
	if act.User == nil {
		return models.Batch{}, ErrUnauthenticated
	}
	if err := args.Validate(); err != nil {
		return models.Batch{}, err
	}
	seen := map[string]string{}
	attach := make([]contract.AttachDocumentArgs, len(docs))
	for i, d := range docs {
		if other, dup := seen[d.Stored.SHA256]; dup {
			return models.Batch{}, models.Invalid(d.Field, "is the same file as %s; attach each file once", other)
		}
		seen[d.Stored.SHA256] = d.Field
		attach[i] = contract.AttachDocumentArgs{Batch: args.Code, Document: contract.DocumentArgs{
			SHA256: d.Stored.SHA256, Name: d.Name, MediaType: d.Stored.Type, Size: d.Stored.Size, Kind: d.Kind, Visibility: d.Visibility,
		}}
		if err := attach[i].Validate(); err != nil {
			return models.Batch{}, docFieldError(err, d.Field)
		}
	}
	key := act.IdempotencyKey
	if err := checkKey(key); err != nil {
		return models.Batch{}, err
	}
	if key == "" {
		key = newKey()
	}
	if _, err := a.SubmitAs(ctx, act.User, "CommissionBatch", args, key); err != nil {
		return models.Batch{}, err
	}
	for i, d := range docs {
		if _, err := a.SubmitAs(ctx, act.User, "AttachDocument", attach[i], key+"/doc/"+d.Stored.SHA256[:16]); err != nil {
			return models.Batch{}, models.Conflict(d.Field, "batch %s is commissioned, but %s could not be attached (%v); send the same form again to finish, or attach it with POST /api/v1/batches/%s/documents", args.Code, d.Name, err, args.Code)
		}
	}
	return a.opts.Store.Batch(ctx, args.Code)
}

// docFieldError puts a document record's error next to its row: the kind
// and visibility selects (kind_N, visibility_N) or the file input itself.
func docFieldError(err error, field string) error {
	var me *models.Error
	if !errors.As(err, &me) {
		return err
	}
	c := *me
	row := strings.TrimPrefix(field, "document_")
	switch c.Field {
	case "document.kind":
		c.Field = "kind_" + row
	case "document.visibility":
		c.Field = "visibility_" + row
	default:
		c.Message = strings.TrimPrefix(c.Field, "document.") + ": " + c.Message
		c.Field = field
	}
	return &c
}

// AttachDocument records a document already in the file store on a batch
// (AttachDocument) and returns its record.
func (a *App) AttachDocument(ctx context.Context, act Actor, batch string, d contract.DocumentArgs) (models.Document, error) {
	if _, err := a.Submit(ctx, act, "AttachDocument", contract.AttachDocumentArgs{Batch: batch, Document: d}); err != nil {
		return models.Document{}, err
	}
	return a.opts.Store.Document(ctx, d.SHA256)
}

// CreatePurchaseOrder places a purchase order (CreatePurchaseOrder).
func (a *App) CreatePurchaseOrder(ctx context.Context, act Actor, args contract.CreatePurchaseOrderArgs) (models.PurchaseOrder, error) {
	if _, err := a.Submit(ctx, act, "CreatePurchaseOrder", args); err != nil {
		return models.PurchaseOrder{}, err
	}
	return a.opts.Store.PurchaseOrder(ctx, args.ID)
}

// DispatchShipment dispatches a shipment (DispatchShipment).
func (a *App) DispatchShipment(ctx context.Context, act Actor, args contract.DispatchShipmentArgs) (models.Shipment, error) {
	if _, err := a.Submit(ctx, act, "DispatchShipment", args); err != nil {
		return models.Shipment{}, err
	}
	return a.opts.Store.Shipment(ctx, args.Code)
}

// newKey returns a random idempotency key for a request that brought none.
func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
