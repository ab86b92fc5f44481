package server

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/internal/files"
	"github.com/plumbline/plumbline/internal/label"
	"github.com/plumbline/plumbline/models"
)

// digitalLink serves GS1 Digital Link URIs, /01/{gtin}/10/{lot}[/…][?…],
// the form printed in QR codes of products with a GTIN: it answers 303 to
// the batch's trace page, 422 for a malformed link (e.g. a wrong check
// digit) and the friendly 404 page for a link to no batch.
func (t *traceArea) digitalLink(c *gin.Context) {
	gtin, lot, err := label.ParseDigitalLink(c.Request.URL.EscapedPath())
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	t.resolve(c, gtin, lot)
}

// resolve redirects to the batch that /01/{gtin14}/10/{lot} names.
func (t *traceArea) resolve(c *gin.Context, gtin14, lot string) {
	ctx := c.Request.Context()
	// Products keep the GTIN as registered (8, 12, 13 or 14 digits); the
	// link carries it padded to 14.
	for _, n := range []int{14, 13, 12, 8} {
		g := gtin14[14-n:]
		if strings.Trim(gtin14[:14-n], "0") != "" {
			continue
		}
		p, err := t.s.opts.Store.ProductByGTIN(ctx, g)
		if errors.Is(err, models.ErrNotFound) {
			continue
		}
		if err != nil {
			t.s.failPage(c, err)
			return
		}
		bs, err := t.s.opts.Store.BatchesByLot(ctx, p.ID, lot)
		if err != nil {
			t.s.failPage(c, err)
			return
		}
		for _, b := range bs {
			if label.Matches(b, p, gtin14, lot) {
				c.Redirect(http.StatusSeeOther, "/b/"+url.PathEscape(b.Code))
				return
			}
		}
	}
	t.unknown(c, lot)
}

// verifyResult is the answer to "verify a file".
type verifyResult struct {
	Name   string // the uploaded file's name
	SHA256 string
	Size   int64
	Match  bool
	// Doc is the matching document when the viewer may see it; a match
	// with a private document the viewer may not see leaves it nil.
	Doc *models.Document
	Err string // why nothing could be checked
}

// maxVerifyBytes bounds a file to verify: the largest document accepted.
const maxVerifyBytes = 20 << 20

// verifyFile serves POST /b/{code}/verify: the uploaded file ("file") is
// hashed as it streams in, never stored, and compared with the documents
// recorded on the ledger for the batch. Public; it changes nothing.
func (t *traceArea) verifyFile(c *gin.Context) {
	ctx := c.Request.Context()
	d, err := t.s.app.Trace(ctx, c.Param("code"))
	if errors.Is(err, models.ErrNotFound) {
		t.unknown(c, c.Param("code"))
		return
	}
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	vr := &verifyResult{}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxVerifyBytes+1<<20)
	if err := readUpload(c, vr); err != nil {
		vr.Err = t.s.loc(c).T("trace.verify.no_file")
		var me *models.Error
		if errors.As(err, &me) && me.Message != "" {
			vr.Err = t.s.say(t.s.loc(c), me)
		}
		t.showBatch(c, http.StatusUnprocessableEntity, vr)
		return
	}
	involved, err := t.s.viewerChecker(c).Involved(c.Request.Context(), &d.Batch)
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	for i, doc := range d.Documents {
		if doc.SHA256 == vr.SHA256 {
			vr.Match = true
			if access.Document(doc, involved) {
				vr.Doc = &d.Documents[i]
			}
		}
	}
	for _, in := range d.Inspections {
		for _, h := range in.Documents {
			if h == vr.SHA256 {
				vr.Match = true
			}
		}
	}
	for _, h := range d.Batch.Documents {
		if h == vr.SHA256 {
			vr.Match = true
		}
	}
	t.showBatch(c, http.StatusOK, vr)
}

// readUpload hashes the multipart part "file" as it streams in.
func readUpload(c *gin.Context, vr *verifyResult) error {
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return models.Invalid("file", "")
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return models.Invalid("file", "")
		}
		if err != nil {
			return models.Invalid("file", "")
		}
		if part.FormName() != "file" || part.FileName() == "" {
			continue
		}
		vr.Name = part.FileName()
		vr.SHA256, vr.Size, err = files.Hash(part, maxVerifyBytes)
		if err != nil {
			return err
		}
		if vr.Size == 0 {
			return models.Invalid("file", "")
		}
		return nil
	}
}

// download serves GET /files/{sha256}: a stored document, to anyone when
// it is public and to involved organizations when it is private.
// ?batch=CODE names the batch whose page linked it, for documents a batch
// inherited from the batch it was split from.
func (t *traceArea) download(c *gin.Context) {
	ctx := c.Request.Context()
	sha := strings.ToLower(c.Param("sha256"))
	doc, err := t.s.opts.Store.Document(ctx, sha)
	if err != nil {
		t.s.failPage(c, err)
		return
	}
	if !access.Document(doc, false) {
		chk := t.s.viewerChecker(c)
		ok := false
		for _, code := range uniq([]string{doc.BatchCode, c.Query("batch")}) {
			d, err := t.s.app.Trace(ctx, code)
			if err != nil {
				continue
			}
			if involved, err := chk.Involved(ctx, &d.Batch); err == nil && involved && (code == doc.BatchCode || hasDoc(d, sha)) {
				ok = true
			}
		}
		if !ok {
			if currentUser(c) == nil {
				c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
				return
			}
			t.s.failPage(c, models.Forbidden("this document is private to the organizations involved with batch %s", doc.BatchCode))
			return
		}
	}
	f, err := t.s.opts.Files.Open(sha)
	if err != nil {
		t.s.failPage(c, models.NotFound("", "the file is recorded on the ledger, but its bytes are not stored on this server"))
		return
	}
	defer f.Close()
	cache := "private, max-age=3600"
	if access.Document(doc, false) { // anyone may see it, so anyone may keep it
		cache = immutable
	}
	c.Header("Cache-Control", cache)
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": doc.Name}))
	c.Header("Content-Type", doc.MediaType)
	http.ServeContent(c.Writer, c.Request, "", parseTime(doc.AttachedAt), f)
}

func hasDoc(d *traceData, sha string) bool {
	for _, doc := range d.Documents {
		if doc.SHA256 == sha {
			return true
		}
	}
	return false
}

// parseTime reads an RFC 3339 timestamp of the read model; zero when it
// is not one.
func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
