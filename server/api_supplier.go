package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/files"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// productList is a page of products.
type productList struct {
	Items []models.Product `json:"items"`
	Next  string           `json:"next,omitempty"`
}

// batchList is a page of batches.
type batchList struct {
	Items []models.Batch `json:"items"`
	Next  string         `json:"next,omitempty"`
}

// orderList is a page of purchase orders.
type orderList struct {
	Items []models.PurchaseOrder `json:"items"`
	Next  string                 `json:"next,omitempty"`
}

// shipmentList is a page of shipments.
type shipmentList struct {
	Items []models.Shipment `json:"items"`
	Next  string            `json:"next,omitempty"`
}

// batchDetail is a batch with the documents the caller may see.
type batchDetail struct {
	models.Batch
	DocumentRecords []models.Document `json:"document_records"`
}

// apiProducts lists products: ?manufacturer= (default: all).
func (s *Server) apiProducts(c *gin.Context) {
	ps, err := s.opts.Store.Products(c.Request.Context(), c.Query("manufacturer"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, productList{Items: append([]models.Product{}, ps...)})
}

// apiProduct returns one product.
func (s *Server) apiProduct(c *gin.Context) {
	p, err := s.opts.Store.Product(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

// apiCreateProduct registers a product of the caller's organization.
func (s *Server) apiCreateProduct(c *gin.Context) {
	var a contract.RegisterProductArgs
	if err := bindJSON(c, &a); err != nil {
		s.fail(c, err)
		return
	}
	s.created(c, func(ctx context.Context, act app.Actor) (any, error) { return s.app.RegisterProduct(ctx, act, a) })
}

// created runs a write use case for the logged-in user and answers 201
// with the record as the read model has it afterwards.
func (s *Server) created(c *gin.Context, write func(context.Context, app.Actor) (any, error)) {
	act, err := s.actor(c)
	var v any
	if err == nil {
		v, err = write(c.Request.Context(), act)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, v)
}

// apiBatches lists the batches the caller's organization produced, owns
// or holds: ?status=&product_id=&q=&after=&limit=.
func (s *Server) apiBatches(c *gin.Context) {
	f, err := orgBatchFilter(c, currentUser(c).OrgID)
	if err == nil {
		f.Limit, err = pageSize(c)
	}
	var p store.Page[models.Batch]
	if err == nil {
		p, err = s.opts.Store.OrgBatches(c.Request.Context(), f)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, batchList{Items: append([]models.Batch{}, p.Items...), Next: p.Next})
}

// apiBatch returns one batch with its documents; private documents only
// for organizations involved with it.
func (s *Server) apiBatch(c *gin.Context) {
	ctx := c.Request.Context()
	b, err := s.opts.Store.Batch(ctx, c.Param("code"))
	if err != nil {
		s.fail(c, err)
		return
	}
	docs, err := s.opts.Store.Documents(ctx, b.Code)
	if err != nil {
		s.fail(c, err)
		return
	}
	chk, err := s.userChecker(c)
	private := false
	if err == nil {
		private, err = chk.Involved(ctx, &b)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if !private {
		b = access.PublicBatch(b, docs)
	}
	d := batchDetail{Batch: b, DocumentRecords: []models.Document{}}
	for _, doc := range docs {
		if access.Document(doc, private) {
			d.DocumentRecords = append(d.DocumentRecords, doc)
		}
	}
	c.JSON(http.StatusOK, d)
}

// apiCommission commissions a batch (CommissionBatch arguments as JSON);
// certificates follow with POST /api/v1/batches/{code}/documents.
func (s *Server) apiCommission(c *gin.Context) {
	var a contract.CommissionBatchArgs
	if err := bindJSON(c, &a); err != nil {
		s.fail(c, err)
		return
	}
	s.created(c, func(ctx context.Context, act app.Actor) (any, error) { return s.app.CommissionBatch(ctx, act, a) })
}

// documentUpload documents the multipart form of a document upload.
type documentUpload struct {
	File       []byte `json:"file"`                 // the file (multipart file field)
	Name       string `json:"name,omitempty"`       // default: the uploaded file's name
	Kind       string `json:"kind,omitempty"`       // default certificate
	Visibility string `json:"visibility,omitempty"` // public or private; default private
}

// apiAttach stores an uploaded file and attaches it to the batch
// (AttachDocument with its SHA-256, name, sniffed type and size).
func (s *Server) apiAttach(c *gin.Context) {
	// Refuse before reading the upload whoever the contract will refuse
	// anyway — viewers, and organizations not involved with the batch — so
	// nobody can fill the disk with files no ledger entry will ever name.
	chk, _ := s.userChecker(c) // a user of no registered organization is the public: involved with nothing
	if err := chk.MayAttach(c.Request.Context(), c.Param("code")); err != nil {
		s.fail(c, err)
		return
	}
	max := files.Documents.MaxBytes + 1<<20
	if err := capBody(c, max); err != nil {
		s.fail(c, err)
		return
	}
	if _, err := c.MultipartForm(); err != nil {
		s.fail(c, multipartError(err, max))
		return
	}
	fh, err := c.FormFile("file")
	if err != nil {
		s.fail(c, models.Invalid("file", "send the document in the multipart field \"file\""))
		return
	}
	d := contract.DocumentArgs{Name: strings.TrimSpace(c.PostForm("name")), Kind: models.DocumentKind(c.DefaultPostForm("kind", string(models.DocCertificate))),
		Visibility: models.Visibility(c.DefaultPostForm("visibility", string(models.Private)))}
	if d.Name == "" {
		d.Name = docName(fh.Filename)
	}
	// Check the record before storing the file.
	probe := contract.AttachDocumentArgs{Batch: c.Param("code"), Document: d}
	probe.Document.SHA256, probe.Document.MediaType, probe.Document.Size = strings.Repeat("0", 64), "application/pdf", 1
	if err := probe.Validate(); err != nil {
		s.fail(c, formError(err, "document.", nil))
		return
	}
	f, err := fh.Open()
	if err != nil {
		s.fail(c, models.Invalid("file", "the file could not be read: %v", err))
		return
	}
	st, err := s.opts.Files.Put("file", f, files.Documents)
	f.Close()
	if err != nil {
		s.fail(c, err)
		return
	}
	d.SHA256, d.MediaType, d.Size = st.SHA256, st.Type, st.Size
	s.created(c, func(ctx context.Context, act app.Actor) (any, error) {
		doc, err := s.app.AttachDocument(ctx, act, c.Param("code"), d)
		return doc, formError(err, "document.", nil)
	})
}

// apiOrders lists the purchase orders the caller's organization placed or
// received: ?status=&after=&limit=.
func (s *Server) apiOrders(c *gin.Context) {
	n, err := pageSize(c)
	var p store.Page[models.PurchaseOrder]
	if err == nil {
		p, err = s.opts.Store.OrgPurchaseOrders(c.Request.Context(), currentUser(c).OrgID, c.Query("status"), c.Query("after"), n)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, orderList{Items: append([]models.PurchaseOrder{}, p.Items...), Next: p.Next})
}

// apiCreateOrder places a purchase order (CreatePurchaseOrder).
func (s *Server) apiCreateOrder(c *gin.Context) {
	var a contract.CreatePurchaseOrderArgs
	if err := bindJSON(c, &a); err != nil {
		s.fail(c, err)
		return
	}
	s.created(c, func(ctx context.Context, act app.Actor) (any, error) { return s.app.CreatePurchaseOrder(ctx, act, a) })
}

// apiShipments lists the shipments the caller's organization sends,
// receives or carries: ?direction=&status=&after=&limit=.
func (s *Server) apiShipments(c *gin.Context) {
	f := store.OrgShipmentFilter{Org: currentUser(c).OrgID, Direction: c.Query("direction"), Status: c.Query("status"), After: c.Query("after")}
	var err error
	f.Limit, err = pageSize(c)
	var p store.Page[models.Shipment]
	if err == nil {
		p, err = s.opts.Store.OrgShipments(c.Request.Context(), f)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, shipmentList{Items: append([]models.Shipment{}, p.Items...), Next: p.Next})
}

// apiShipment returns one shipment to its parties, authorities and
// inspection agencies.
func (s *Server) apiShipment(c *gin.Context) {
	sh, err := s.opts.Store.Shipment(c.Request.Context(), c.Param("code"))
	if chk, _ := s.userChecker(c); err == nil && !chk.Shipment(&sh) {
		err = models.NotFound("", "shipment %q does not exist or is not visible to your organization", c.Param("code"))
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sh)
}

// apiDispatch dispatches a shipment (DispatchShipment).
func (s *Server) apiDispatch(c *gin.Context) {
	var a contract.DispatchShipmentArgs
	if err := bindJSON(c, &a); err != nil {
		s.fail(c, err)
		return
	}
	s.created(c, func(ctx context.Context, act app.Actor) (any, error) { return s.app.DispatchShipment(ctx, act, a) })
}
