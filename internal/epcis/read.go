package epcis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"

	"github.com/plumbline/plumbline/models"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ReadDocument checks a capture document against the EPCIS 2.0 schema and
// splits it into events, reading them in parallel. A document that breaks
// the schema is a *SchemaErrors; one of more than maxEvents events wraps
// models.ErrTooLarge. An event that cannot be read is kept in Bad, its
// JSON error described by describe.
func ReadDocument(body []byte, maxEvents int, describe func(error) error) (CaptureDoc, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return CaptureDoc{}, models.Invalid("", "the body is not JSON: %v", err)
	}
	errs, err := Validate(doc)
	if err != nil {
		return CaptureDoc{}, err
	}
	if len(errs) > 0 {
		return CaptureDoc{}, &SchemaErrors{errs}
	}
	var shape struct {
		Type string `json:"type"`
		Body struct {
			EventList []json.RawMessage `json:"eventList"`
		} `json:"epcisBody"`
	}
	if err := json.Unmarshal(body, &shape); err != nil {
		return CaptureDoc{}, models.Invalid("", "the body could not be read: %v", err)
	}
	if shape.Type != "EPCISDocument" {
		return CaptureDoc{}, models.Invalid("/type", "send an EPCISDocument (got %q)", shape.Type)
	}
	n := len(shape.Body.EventList)
	if n == 0 {
		return CaptureDoc{}, models.Invalid("/epcisBody/eventList", "is empty; send at least one event")
	}
	if n > maxEvents {
		return CaptureDoc{}, fmt.Errorf("%w: %d events; at most %d may be captured at once", models.ErrTooLarge, n, maxEvents)
	}
	out := CaptureDoc{Events: make([]Event, n), Raws: make([][]byte, n), Bad: map[int]error{}}
	for i, raw := range shape.Body.EventList {
		out.Raws[i] = raw
	}
	bad := make([]error, n)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				if err := json.Unmarshal(out.Raws[i], &out.Events[i]); err != nil {
					bad[i] = models.Invalid("", "the event could not be read: %v", describe(err))
				}
			}
		})
	}
	wg.Wait()
	for i, err := range bad {
		if err != nil {
			out.Bad[i] = err
		}
	}
	return out, nil
}

// SchemaErrors is a document that breaks the schema.
type SchemaErrors struct{ Errs []SchemaError }

func (e *SchemaErrors) Error() string {
	return fmt.Sprintf("the document does not match the EPCIS 2.0 schema (%d errors; the first at %q: %s); nothing was applied", len(e.Errs), e.Errs[0].Pointer, e.Errs[0].Message)
}
