package server

import (
	"bytes"
	"net/http"

	"github.com/gin-gonic/gin"
)

// Offline proofs in the C2SP tlog-proof format (app.EntryProof,
// app.BatchProofs): one entry's proof as a text file, and a batch's as a
// zip. A proof carries the whole entry, so only those who may read the
// entry (access.Checker.ReadEntry) get it: others are refused one entry's
// proof and find a batch's private entries listed as withheld.

// entryTLogProof serves GET /api/v1/ledger/entries/{seq}/tlog-proof.
func (e *evidenceArea) entryTLogProof(c *gin.Context) {
	seq, err := parseSeq(c.Param("seq"))
	if err != nil {
		e.s.fail(c, err)
		return
	}
	f, err := e.s.app.EntryProof(c.Request.Context(), e.s.viewerChecker(c), seq)
	if err != nil {
		e.s.fail(c, err)
		return
	}
	if f.Public {
		c.Header("Cache-Control", "public, max-age=60")
	} else {
		c.Header("Cache-Control", "private, no-store")
	}
	c.Header("Content-Disposition", `attachment; filename="`+f.Name()+`"`)
	c.Data(http.StatusOK, "text/plain; charset=utf-8", f.Text)
}

// batchTLogProofs serves GET /api/v1/batches/{code}/tlog-proofs: a zip of
// the proofs of the batch's timeline the viewer may read.
func (e *evidenceArea) batchTLogProofs(c *gin.Context) {
	code := c.Param("code")
	r, err := e.s.app.BatchProofs(c.Request.Context(), e.s.viewerChecker(c), code)
	if err != nil {
		e.s.fail(c, err)
		return
	}
	var buf bytes.Buffer
	if err := r.WriteZip(&buf); err != nil {
		e.s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Header("Content-Disposition", `attachment; filename="`+safeName(code)+`-tlog-proofs.zip"`)
	c.Data(http.StatusOK, "application/zip", buf.Bytes())
}
