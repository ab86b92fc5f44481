package server

import (
	"github.com/gin-gonic/gin"
	"github.com/plumbline/plumbline/internal/app"
)

// Inspection photos: taken with the phone's camera, stored content-addressed
// (files.Photos: JPEG, PNG or WebP up to 15 MB), their SHA-256 recorded on
// the inspection and each attached to the batch as a private document.

// maxPhotos is how many photos one inspection takes.
const maxPhotos = app.MaxPhotos

// maxPhotoRequest bounds a request carrying photos.
const maxPhotoRequest = maxPhotos*(15<<20) + 1<<20

// The photo is the use case's.
type storedPhoto = app.StoredPhoto

// photoName is a safe document name for an uploaded photo.
var photoName = app.PhotoName

// bounded runs the API handler h with the request body capped at n bytes
// (s.api puts requireAPI in front, which reads no body for token clients).
func (s *Server) bounded(n int64, h gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := capBody(c, n); err != nil {
			s.fail(c, err)
			return
		}
		h(c)
	}
}

// photosTooBig shows an oversized inspection upload on the error page.
func (s *Server) photosTooBig(c *gin.Context, err error) { s.failPage(c, err) }

// photoUpload documents the photo upload's multipart body.
type photoUpload struct {
	Photos [][]byte `json:"photos"` // one or more JPEG, PNG or WebP files, each up to 15 MB
}
