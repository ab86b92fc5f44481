package server

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/files"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// The site and inspector API: the same actions as the pages, as JSON.

// stockResponse is the stock list: totals per site and product, then one
// page of batches.
type stockResponse struct {
	Summary []store.StockLine `json:"summary"`
	Items   []models.Batch    `json:"items"`
	Next    string            `json:"next,omitempty"`
}

// inspectionRequest records an inspection. Photos are SHA-256 hashes
// returned by POST /api/v1/batches/{code}/photos; each is recorded on the
// inspection and attached to the batch as a private photo. Documents are
// hashes of documents already attached (test reports), recorded as is.
type inspectionRequest struct {
	Batch     string                      `json:"batch"`
	Type      string                      `json:"type"`
	Results   []contract.InspectionResult `json:"results,omitempty"`
	Verdict   models.Verdict              `json:"verdict"`
	Condition string                      `json:"condition,omitempty"`
	Notes     string                      `json:"notes,omitempty"`
	Photos    []string                    `json:"photos,omitempty"`
	Documents []string                    `json:"documents,omitempty"`
}

// inspectionResponse is the recorded inspection and any photo that could
// not be attached to the batch.
type inspectionResponse struct {
	models.Inspection
	PhotosNotAttached []string `json:"photos_not_attached,omitempty"`
}

// releaseRequest releases a hold.
type releaseRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) apiIncoming(c *gin.Context) {
	status := c.DefaultQuery("status", models.ShipmentInTransit)
	switch status {
	case models.ShipmentInTransit, models.ShipmentReceived:
	case "all":
		status = ""
	default:
		s.fail(c, models.Invalid("status", "%q is not one of in_transit, received, all", status))
		return
	}
	p, err := s.opts.Store.Shipments(c.Request.Context(), store.ShipmentFilter{To: currentUser(c).OrgID, Status: status, After: c.Query("after")})
	if err != nil {
		s.fail(c, err)
		return
	}
	if p.Items == nil {
		p.Items = []models.Shipment{}
	}
	c.JSON(http.StatusOK, p)
}

func (s *Server) apiReceive(c *gin.Context) {
	act, sh, err := s.incomingOf(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req receiveRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if sh, err = s.app.Receive(c.Request.Context(), act, sh, req); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sh)
}

func (s *Server) apiStock(c *gin.Context) {
	ctx := c.Request.Context()
	org := currentUser(c).OrgID
	sum, err := s.opts.Store.StockSummary(ctx, org)
	if err != nil {
		s.fail(c, err)
		return
	}
	site, product := c.Query("site"), c.Query("product")
	out := stockResponse{Summary: []store.StockLine{}, Items: []models.Batch{}}
	for _, l := range sum {
		if (site == "" || l.Site == site) && (product == "" || l.ProductID == product) {
			out.Summary = append(out.Summary, l)
		}
	}
	p, err := s.opts.Store.Stock(ctx, store.StockFilter{Custodian: org, Site: site, ProductID: product, After: c.Query("after")})
	if err != nil {
		s.fail(c, err)
		return
	}
	out.Items = append(out.Items, p.Items...)
	out.Next = p.Next
	c.JSON(http.StatusOK, out)
}

func (s *Server) apiCreateUsage(c *gin.Context) {
	var req contract.RecordUsageArgs
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	act, err := s.actor(c)
	var u models.Usage
	if err == nil {
		u, err = s.app.RecordUsage(c.Request.Context(), act, req)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, u)
}

func (s *Server) apiBatchUsages(c *gin.Context) {
	b, ok := s.apiSiteBatch(c)
	if !ok {
		return
	}
	us, err := s.opts.Store.Usages(c.Request.Context(), b.Code)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, listJSON[models.Usage]{Items: append([]models.Usage{}, us...)})
}

func (s *Server) apiBatchInspections(c *gin.Context) {
	b, ok := s.apiSiteBatch(c)
	if !ok {
		return
	}
	ins, err := s.opts.Store.Inspections(c.Request.Context(), b.Code)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, listJSON[models.Inspection]{Items: append([]models.Inspection{}, ins...)})
}

// apiSiteBatch loads the batch of the path if the user's organization may
// read its private tier, or answers the error.
func (s *Server) apiSiteBatch(c *gin.Context) (models.Batch, bool) {
	_, org, err := s.userOrg(c)
	if err == nil {
		var b models.Batch
		if b, err = s.siteBatch(c.Request.Context(), org, "code", c.Param("code")); err == nil {
			return b, true
		}
	}
	s.fail(c, err)
	return models.Batch{}, false
}

// apiPhotos stores inspection photos (multipart field "photos", repeated)
// and returns their hashes. Only those who may record inspections upload.
func (s *Server) apiPhotos(c *gin.Context) {
	u, org, err := s.userOrg(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !may(u, org, "RecordInspection") {
		s.fail(c, models.Forbidden("only inspectors and admins of an inspection agency upload inspection photos"))
		return
	}
	if _, ok := s.apiSiteBatch(c); !ok {
		return
	}
	mf, err := c.MultipartForm()
	if err != nil {
		s.fail(c, models.Invalid("photos", "send multipart/form-data with one or more files in the field \"photos\": %v", err))
		return
	}
	if len(mf.File["photos"]) == 0 {
		s.fail(c, models.Invalid("photos", "no file in the field \"photos\""))
		return
	}
	stored, err := s.app.StorePhotos(mf.File["photos"])
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, listJSON[storedPhoto]{Items: stored})
}

func (s *Server) apiCreateInspection(c *gin.Context) {
	var req inspectionRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	args := contract.RecordInspectionArgs{Batch: req.Batch, Type: req.Type, Results: req.Results, Verdict: req.Verdict,
		Condition: req.Condition, Notes: req.Notes, Documents: req.Documents}
	if err := args.Validate(); err != nil {
		s.fail(c, err)
		return
	}
	var photos []storedPhoto
	for i, sha := range req.Photos {
		p, err := s.storedPhoto("photos["+strconv.Itoa(i)+"]", strings.ToLower(strings.TrimSpace(sha)))
		if err != nil {
			s.fail(c, err)
			return
		}
		photos = append(photos, p)
	}
	in, failed, err := run2(s, c, func(ctx context.Context, act app.Actor) (models.Inspection, []string, error) {
		return s.app.RecordInspection(ctx, act, args, photos)
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, inspectionResponse{Inspection: in, PhotosNotAttached: failed})
}

// storedPhoto finds an uploaded photo by its hash and checks that it is
// an accepted image.
func (s *Server) storedPhoto(field, sha string) (storedPhoto, error) {
	f, err := s.opts.Files.Open(sha)
	if err != nil {
		return storedPhoto{}, models.Invalid(field, "no uploaded file has SHA-256 %q; upload it with POST /api/v1/batches/{code}/photos first", sha)
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	typ := http.DetectContentType(head[:n])
	if !slices.Contains(files.Photos.Types, typ) {
		return storedPhoto{}, models.Invalid(field, "file %s is %s, not a photo (%s)", sha, typ, strings.Join(files.Photos.Types, ", "))
	}
	st, err := f.Stat()
	if err != nil {
		return storedPhoto{}, err
	}
	return storedPhoto{SHA256: sha, Name: photoName("", sha), Type: typ, Size: st.Size()}, nil
}

func (s *Server) apiHolds(c *gin.Context) {
	_, org, err := s.userOrg(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.opts.Store.OpenHolds(c.Request.Context(), holdFilter(org, c.Query("after"), 0))
	if err != nil {
		s.fail(c, err)
		return
	}
	if p.Items == nil {
		p.Items = []store.Hold{}
	}
	c.JSON(http.StatusOK, p)
}

func (s *Server) apiReleaseHold(c *gin.Context) {
	var req releaseRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if _, ok := s.apiSiteBatch(c); !ok {
		return
	}
	act, err := s.actor(c)
	var b models.Batch
	if err == nil {
		b, err = s.app.ReleaseHold(c.Request.Context(), act, c.Param("code"), req.Reason)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, b)
}
