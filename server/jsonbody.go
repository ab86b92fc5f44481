package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/plumbline/plumbline/models"
)

func newStrictDecoder(r io.Reader) *json.Decoder {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	return dec
}

// jsonError turns a JSON decoding failure into a message naming the field.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return models.Invalid("", "the request body is empty; send a JSON object")
	case errors.As(err, &tooBig):
		return fmt.Errorf("%w: the body is larger than %d bytes", errTooLarge, tooBig.Limit)
	case errors.As(err, &syn):
		return models.Invalid("", "the body is not valid JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		return models.Invalid(typ.Field, "must be a JSON %s, not %s", typ.Type.Kind(), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return models.Invalid(f, "is not a known field")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return models.Invalid("", "the JSON body ends too early")
	}
	var me *models.Error
	if errors.As(err, &me) {
		return err
	}
	return models.Invalid("", "the body could not be read as JSON: %v", err)
}
