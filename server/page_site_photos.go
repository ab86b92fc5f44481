package server

import (
	"errors"
	"mime/multipart"
	"path"
	"strings"
	"unicode"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/files"
	"github.com/plumbline/plumbline/models"
)

// Inspection photos: taken with the phone's camera, stored content-addressed
// (files.Photos: JPEG, PNG or WebP up to 15 MB), their SHA-256 recorded on
// the inspection and each attached to the batch as a private document.

// maxPhotos is how many photos one inspection takes.
const maxPhotos = 10

// maxPhotoRequest bounds a request carrying photos.
const maxPhotoRequest = maxPhotos*(15<<20) + 1<<20

// storedPhoto is a photo in the file store.
type storedPhoto struct {
	SHA256 string `json:"sha256"`
	Name   string `json:"name"`
	Type   string `json:"media_type"`
	Size   int64  `json:"size"`
}

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

// storePhotos checks and stores every uploaded photo; the first that is
// not an accepted image stops them all, naming the photo. Empty file
// inputs (no photo chosen) are skipped.
func (s *Server) storePhotos(fhs []*multipart.FileHeader) ([]storedPhoto, error) {
	var real []*multipart.FileHeader
	for _, fh := range fhs {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		real = append(real, fh)
	}
	if len(real) > maxPhotos {
		return nil, models.Invalid("photos", "%d photos is too many; send at most %d", len(real), maxPhotos)
	}
	var out []storedPhoto
	for _, fh := range real {
		f, err := fh.Open()
		if err != nil {
			return nil, models.Invalid("photos", "%s could not be read: %v", photoName(fh.Filename, ""), err)
		}
		st, err := s.opts.Files.Put("photos", f, files.Photos)
		f.Close()
		if err != nil {
			var me *models.Error
			if errors.As(err, &me) {
				return nil, models.Invalid("photos", "%s: %s", photoName(fh.Filename, ""), me.Message)
			}
			return nil, err
		}
		out = append(out, storedPhoto{SHA256: st.SHA256, Name: photoName(fh.Filename, st.SHA256), Type: st.Type, Size: st.Size})
	}
	return out, nil
}

// photoName is a safe document name for an uploaded photo: the file's base
// name without control characters, at most 200 bytes, or one made from
// its hash.
func photoName(name, sha string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, path.Base(strings.ReplaceAll(name, `\`, "/")))
	name = strings.TrimSpace(name)
	for len(name) > 200 {
		_, size := lastRune(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == "/" {
		if len(sha) >= 12 {
			return "photo-" + sha[:12]
		}
		return "photo"
	}
	return name
}

func lastRune(s string) (rune, int) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i]&0xC0 != 0x80 {
			return rune(s[i]), len(s) - i
		}
	}
	return 0, 1
}
