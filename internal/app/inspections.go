package app

import (
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"path"
	"slices"
	"strings"
	"unicode"

	"github.com/plumbline/plumbline/internal/files"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// Inspections: a test result with its photos. Photos are stored
// content-addressed (files.Photos: JPEG, PNG or WebP up to 15 MB), their
// SHA-256 recorded on the inspection and each attached to the batch as a
// private document.

// MaxPhotos is how many photos one inspection takes.
const MaxPhotos = 10

// StoredPhoto is an inspection photo in the file store.
type StoredPhoto struct {
	SHA256 string `json:"sha256"`
	Name   string `json:"name"`
	Type   string `json:"media_type"`
	Size   int64  `json:"size"`
}

// RecordInspection submits the inspection with the photos' hashes, then
// attaches each photo to the batch so that it can be downloaded by those
// involved. It returns the inspection and the photos that could not be
// attached, with why; the inspection itself is recorded either way.
func (a *App) RecordInspection(ctx context.Context, act Actor, args contract.RecordInspectionArgs, photos []StoredPhoto) (models.Inspection, []string, error) {
	for _, p := range photos {
		if !slices.Contains(args.Documents, p.SHA256) {
			args.Documents = append(args.Documents, p.SHA256)
		}
	}
	rec, err := a.Submit(ctx, act, "RecordInspection", args)
	if err != nil {
		return models.Inspection{}, nil, err
	}
	var failed []string
	for _, p := range photos {
		doc := contract.AttachDocumentArgs{Batch: args.Batch, Document: contract.DocumentArgs{
			SHA256: p.SHA256, Name: p.Name, MediaType: p.Type, Size: p.Size, Kind: models.DocPhoto, Visibility: models.Private,
		}}
		if _, err := a.SubmitPart(ctx, act, "photo-"+p.SHA256[:16], "AttachDocument", doc); err != nil && !errors.Is(err, models.ErrConflict) {
			failed = append(failed, fmt.Sprintf("%s: %v", p.Name, err))
		}
	}
	in, err := a.opts.Store.Inspection(ctx, rec.TxID)
	if err == nil && in.Verdict == models.VerdictFail {
		a.AfterInspection(ctx, in, rec.Seq)
	}
	return in, failed, err
}

// StorePhotos checks and stores every uploaded photo; the first that is
// not an accepted image stops them all, naming the photo. Empty file
// inputs (no photo chosen) are skipped.
func (a *App) StorePhotos(fhs []*multipart.FileHeader) ([]StoredPhoto, error) {
	var real []*multipart.FileHeader
	for _, fh := range fhs {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		real = append(real, fh)
	}
	if len(real) > MaxPhotos {
		return nil, models.Invalid("photos", "%d photos is too many; send at most %d", len(real), MaxPhotos)
	}
	var out []StoredPhoto
	for _, fh := range real {
		f, err := fh.Open()
		if err != nil {
			return nil, models.Invalid("photos", "%s could not be read: %v", PhotoName(fh.Filename, ""), err)
		}
		st, err := a.opts.Files.Put("photos", f, files.Photos)
		f.Close()
		if err != nil {
			var me *models.Error
			if errors.As(err, &me) {
				return nil, models.Invalid("photos", "%s: %s", PhotoName(fh.Filename, ""), me.Message)
			}
			return nil, err
		}
		out = append(out, StoredPhoto{SHA256: st.SHA256, Name: PhotoName(fh.Filename, st.SHA256), Type: st.Type, Size: st.Size})
	}
	return out, nil
}

// PhotoName is a safe document name for an uploaded photo: the file's base
// name without control characters, at most 200 bytes, or one made from
// its hash.
func PhotoName(name, sha string) string {
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
