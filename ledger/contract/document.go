package contract

import (
	"github.com/plumbline/plumbline/models"
)

// DocumentArgs describes a file attached to a batch; the file stays off the
// ledger and its SHA-256 goes on it.
type DocumentArgs struct {
	SHA256     string              `json:"sha256"` // 64 lowercase hex characters
	Name       string              `json:"name"`
	MediaType  string              `json:"media_type"` // e.g. application/pdf
	Size       int64               `json:"size"`       // bytes, > 0
	Kind       models.DocumentKind `json:"kind"`
	Visibility models.Visibility   `json:"visibility"` // public or private
}

// AttachDocumentArgs attaches a document to a batch.
type AttachDocumentArgs struct {
	Batch    string       `json:"batch"`
	Document DocumentArgs `json:"document"`
}

// Validate implements validator.
func (a *AttachDocumentArgs) Validate() error {
	var v models.Collect
	v.Add(models.ValidateID("batch", a.Batch))
	v.Add(models.Prefix("document", a.Document.validate()))
	return v.Err()
}

func (d *DocumentArgs) validate() error {
	if err := validateSHA256("sha256", d.SHA256); err != nil {
		return err
	}
	if err := requireText("name", d.Name, 255); err != nil {
		return err
	}
	if err := requireText("media_type", d.MediaType, 127); err != nil {
		return err
	}
	if d.Size <= 0 {
		return models.Invalid("size", "must be the file's size in bytes, greater than 0 (got %d)", d.Size)
	}
	kindOK := false
	for _, k := range models.DocumentKinds {
		if d.Kind == k {
			kindOK = true
		}
	}
	if !kindOK {
		return models.Invalid("kind", "%q is not one of %s", d.Kind, documentKindList())
	}
	if d.Visibility != models.Public && d.Visibility != models.Private {
		return models.Invalid("visibility", "%q is not one of public, private", d.Visibility)
	}
	return nil
}

func documentKindList() string {
	s := ""
	for i, k := range models.DocumentKinds {
		if i > 0 {
			s += ", "
		}
		s += string(k)
	}
	return s
}

func init() {
	register("AttachDocument", attachDocument)
}

// attachDocument: an organization involved with the batch (its producer,
// owner or custodian) or any inspection agency attaches a document. The
// document record is kept from its first attachment; later batches only
// list its hash.
func attachDocument(tc *txc, a *AttachDocumentArgs) error {
	org, err := tc.allow("AttachDocument")
	if err != nil {
		return err
	}
	b, err := tc.batch("batch", a.Batch)
	if err != nil {
		return err
	}
	if org.Kind != models.KindInspection && org.ID != b.Producer && org.ID != b.Owner && org.ID != b.Custodian {
		return models.Forbidden("%s is not involved with batch %s; its producer (%s), owner (%s), custodian (%s) or an inspection agency may attach documents", org.ID, b.Code, b.Producer, b.Owner, b.Custodian)
	}
	d := a.Document
	for _, h := range b.Documents {
		if h == d.SHA256 {
			return models.Conflict("document.sha256", "document %s is already attached to batch %s", h, b.Code)
		}
	}
	if ok, err := tc.exists(models.PrefixDocument, d.SHA256); err != nil {
		return err
	} else if !ok {
		doc := models.Document{
			SHA256:     d.SHA256,
			Name:       d.Name,
			MediaType:  d.MediaType,
			Size:       d.Size,
			Kind:       d.Kind,
			Visibility: d.Visibility,
			BatchCode:  b.Code,
			Owner:      org.ID,
			TxID:       tc.call.TxID,
			AttachedAt: tc.now(),
		}
		if err := tc.putJSON(models.PrefixDocument, d.SHA256, doc); err != nil {
			return err
		}
	}
	b.Documents = append(b.Documents, d.SHA256)
	return tc.putBatch(b)
}
