package epcis

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	schemakind "github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// schemaJSON is GS1's official EPCIS 2.0 JSON schema, unchanged
// (https://ref.gs1.org/standards/epcis/; see /work/shared/epcis/LICENSE).
//
//go:embed EPCIS-JSON-Schema.json
var schemaJSON []byte

// SchemaURL is the schema's $id.
const SchemaURL = "https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json"

// schemas are the compiled document schema and its event definition.
type schemas struct{ doc, event *jsonschema.Schema }

var compiled = sync.OnceValues(func() (schemas, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return schemas{}, fmt.Errorf("epcis schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(compileRegexp)
	if err := c.AddResource(SchemaURL, doc); err != nil {
		return schemas{}, fmt.Errorf("epcis schema: %w", err)
	}
	var out schemas
	if out.doc, err = c.Compile(SchemaURL); err != nil {
		return schemas{}, fmt.Errorf("epcis schema: %w", err)
	}
	if out.event, err = c.Compile(SchemaURL + "#/definitions/EPCIS-Document-Event"); err != nil {
		return schemas{}, fmt.Errorf("epcis schema: %w", err)
	}
	return out, nil
})

// lookahead is the one ECMA-262 construct the schema uses that Go's RE2
// lacks: a whole pattern "^(?!(…))", "does not start with …".
var lookahead = regexp.MustCompile(`^\^\(\?!\((.*)\)\)$`)

// notPrefix matches strings that do not start with a match of re.
type notPrefix struct {
	src string
	re  *regexp.Regexp
}

func (n notPrefix) MatchString(s string) bool { return !n.re.MatchString(s) }
func (n notPrefix) String() string            { return n.src }

// compileRegexp compiles the schema's patterns with Go's regexp, and a
// leading negative lookahead as its negation.
func compileRegexp(s string) (jsonschema.Regexp, error) {
	if m := lookahead.FindStringSubmatch(s); m != nil {
		re, err := regexp.Compile(`^(?:` + m[1] + `)`)
		if err != nil {
			return nil, err
		}
		return notPrefix{src: s, re: re}, nil
	}
	return regexp.Compile(s)
}

// SchemaError is one place where a document breaks the schema: a JSON
// pointer (RFC 6901) into the document and what is wrong there.
type SchemaError struct {
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

func (e SchemaError) Error() string { return e.Pointer + ": " + e.Message }

// maxSchemaErrors bounds the errors reported for one document.
const maxSchemaErrors = 50

// Validate checks a decoded JSON document (as jsonschema.UnmarshalJSON or
// encoding/json with UseNumber returns it) against the EPCIS 2.0 schema
// and returns the errors at the deepest places that fail, by pointer; nil
// when it is valid. An EPCISDocument's events are checked one by one
// against the schema's event definition, on every core (the same checks
// the document schema makes of them).
func Validate(doc any) ([]SchemaError, error) {
	s, err := compiled()
	if err != nil {
		return nil, err
	}
	m, _ := doc.(map[string]any)
	body, _ := m["epcisBody"].(map[string]any)
	events, isList := body["eventList"].([]any)
	if m == nil || m["type"] != "EPCISDocument" || !isList || len(events) < 64 {
		return validate(s.doc, doc, nil)
	}
	body["eventList"] = []any{}
	out, err := validate(s.doc, doc, nil)
	body["eventList"] = events
	if err != nil {
		return nil, err
	}
	per := make([][]SchemaError, len(events))
	errs := make([]error, len(events))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(events); i += workers {
				per[i], errs[i] = validate(s.event, events[i], []string{"epcisBody", "eventList", strconv.Itoa(i)})
			}
		})
	}
	wg.Wait()
	for i := range events {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out = append(out, per[i]...)
		if len(out) >= maxSchemaErrors {
			return out[:maxSchemaErrors], nil
		}
	}
	return out, nil
}

// validate checks v against s; errors are located under prefix.
func validate(s *jsonschema.Schema, v any, prefix []string) ([]SchemaError, error) {
	err := s.Validate(v)
	if err == nil {
		return nil, nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil, fmt.Errorf("validate: %w", err)
	}
	return leaves(ve, prefix), nil
}

// ValidateBytes decodes data and validates it; a document that is not JSON
// is one error at the root.
func ValidateBytes(data []byte) ([]SchemaError, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return []SchemaError{{Pointer: "", Message: "not valid JSON: " + err.Error()}}, nil
	}
	return Validate(doc)
}

// leaves flattens a validation error to its deepest causes, one per
// pointer and message, in pointer order.
func leaves(ve *jsonschema.ValidationError, prefix []string) []SchemaError {
	seen := map[SchemaError]bool{}
	var out []SchemaError
	var walk func(e *jsonschema.ValidationError, parent []string)
	walk = func(e *jsonschema.ValidationError, parent []string) {
		if pn, ok := e.ErrorKind.(*schemakind.PropertyNames); ok {
			// The causes say why the name is not allowed, at the root of
			// the name itself; say it at the field. (The library's own
			// location of this error may be overwritten by later ones;
			// the parent validated the same object.)
			se := SchemaError{Pointer: pointer(append(append(slices.Clone(prefix), parent...), pn.Property)),
				Message: fmt.Sprintf("%q is not a field EPCIS allows here (extension fields need a namespace prefix, e.g. plb:%s)", pn.Property, pn.Property)}
			if !seen[se] {
				seen[se] = true
				out = append(out, se)
			}
			return
		}
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c, e.InstanceLocation)
			}
			return
		}
		se := SchemaError{Pointer: pointer(append(slices.Clone(prefix), e.InstanceLocation...)), Message: e.ErrorKind.LocalizedString(message.NewPrinter(language.English))}
		if !seen[se] {
			seen[se] = true
			out = append(out, se)
		}
	}
	walk(ve, nil)
	// Where an error lies deeper inside a value, the errors at the value
	// itself are the other branches of an anyOf that the deeper one
	// failed, not what to fix: keep the deeper ones.
	kept := out[:0]
	for _, e := range out {
		deeper := false
		for _, f := range out {
			deeper = deeper || strings.HasPrefix(f.Pointer, e.Pointer+"/")
		}
		if !deeper {
			kept = append(kept, e)
		}
	}
	out = kept
	sort.SliceStable(out, func(i, j int) bool { return pointerLess(out[i].Pointer, out[j].Pointer) })
	if len(out) > maxSchemaErrors {
		out = out[:maxSchemaErrors]
	}
	return out
}

// pointer is the RFC 6901 JSON pointer of a location.
func pointer(loc []string) string {
	var b strings.Builder
	for _, t := range loc {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	return b.String()
}

// pointerLess orders JSON pointers as the document does: array indexes by
// number.
func pointerLess(a, b string) bool {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] == bs[i] {
			continue
		}
		x, errx := strconv.Atoi(as[i])
		y, erry := strconv.Atoi(bs[i])
		if errx == nil && erry == nil {
			return x < y
		}
		return as[i] < bs[i]
	}
	return len(as) < len(bs)
}
