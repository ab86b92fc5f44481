package server

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/models"
)

// apiOp documents one API route. Every /api/v1 route is registered through
// s.api with its apiOp, so the OpenAPI document is built from the route
// table itself; a test checks that no route escapes it.
type apiOp struct {
	Method, Path string // gin path, e.g. /api/v1/batches/:code
	Summary      string
	Tag          string
	Public       bool     // no authentication needed
	Query        []string // query parameters, "name: description"
	Request      any      // a value of the JSON request body's type; nil when none
	Form         bool     // the body is multipart/form-data (file uploads)
	Response     any      // a value of the JSON response's type; nil for non-JSON
	Produces     string   // content type of a non-JSON response
	Status       int      // success status; 0 means 200
}

// api registers an API route with its documentation. Authenticated routes
// get requireAPI in front.
func (s *Server) api(g *gin.RouterGroup, op apiOp, h gin.HandlerFunc) {
	op.Path = strings.TrimSuffix(g.BasePath(), "/") + op.Path
	s.ops = append(s.ops, op)
	rel := strings.TrimPrefix(op.Path, g.BasePath())
	if op.Public {
		g.Handle(op.Method, rel, h)
		return
	}
	g.Handle(op.Method, rel, s.requireAPI, h)
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z_]+)`)

// openAPI builds the OpenAPI 3.1 document from the registered routes.
func (s *Server) openAPI() map[string]any {
	sg := &schemaGen{defs: map[string]any{}}
	paths := map[string]any{}
	for _, op := range s.ops {
		path := ginParam.ReplaceAllString(op.Path, "{$1}")
		item, _ := paths[path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[path] = item
		}
		var params []any
		for _, m := range ginParam.FindAllStringSubmatch(op.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range op.Query {
			name, desc, _ := strings.Cut(q, ":")
			params = append(params, map[string]any{"name": strings.TrimSpace(name), "in": "query", "description": strings.TrimSpace(desc), "schema": map[string]any{"type": "string"}})
		}
		o := map[string]any{
			"summary":     op.Summary,
			"tags":        []string{op.Tag},
			"operationId": strings.ToLower(op.Method) + strings.NewReplacer("/api/v1", "", "/", "_", ":", "by_", "*", "", ".", "_").Replace(op.Path),
		}
		if len(params) > 0 {
			o["parameters"] = params
		}
		if op.Method != http.MethodGet && !op.Public {
			params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "description": "makes retries safe: the same key commits once", "schema": map[string]any{"type": "string", "maxLength": maxIdempotencyKey}})
			o["parameters"] = params
		}
		if op.Request != nil {
			ct := "application/json"
			if op.Form {
				ct = "multipart/form-data"
			}
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{ct: map[string]any{"schema": sg.schema(reflect.TypeOf(op.Request))}}}
		}
		code := op.Status
		if code == 0 {
			code = http.StatusOK
		}
		ok := map[string]any{"description": http.StatusText(code)}
		switch {
		case op.Response != nil:
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": sg.schema(reflect.TypeOf(op.Response))}}
		case op.Produces != "":
			ok["content"] = map[string]any{op.Produces: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}
		}
		responses := map[string]any{strconv.Itoa(code): ok, "default": map[string]any{"$ref": "#/components/responses/Error"}}
		o["responses"] = responses
		if op.Public {
			o["security"] = []any{}
		}
		item[strings.ToLower(op.Method)] = o
	}
	sg.defs["Error"] = map[string]any{"type": "object", "required": []string{"error"}, "properties": map[string]any{"error": map[string]any{
		"type": "object", "required": []string{"code", "message"},
		"properties": map[string]any{"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}, "field": map[string]any{"type": "string"}},
	}}}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Plumbline API",
			"version":     "1",
			"description": "Construction supply-chain traceability. Every write is a signed ledger transaction. Errors share one shape: {\"error\":{\"code\",\"message\",\"field\"}}. Lists page with ?after=<next>.",
		},
		"servers":    []any{map[string]any{"url": s.opts.BaseURL}},
		"paths":      paths,
		"security":   []any{map[string]any{"bearer": []string{}}},
		"components": map[string]any{"schemas": sg.defs, "securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}}, "responses": map[string]any{"Error": map[string]any{"description": "an error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}}},
	}
}

// openAPIHandler serves the document, built once: the routes never change
// after New.
func (s *Server) openAPIHandler(c *gin.Context) {
	s.openAPIOnce.Do(func() { s.openAPIDoc, s.openAPIErr = json.Marshal(s.openAPI()) })
	if s.openAPIErr != nil {
		s.fail(c, s.openAPIErr)
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", s.openAPIDoc)
}

// appPkg is the package of the use cases, whose request and response
// types moved there from server.
var appPkg = reflect.TypeOf(app.Actor{}).PkgPath()

// schemaName is the component name of a struct type: its Go name, with
// the first letter of internal/app's types lowered, so that the published
// names stay those of the server types they were (receiveRequest,
// caseView, …), as client generators saw them.
func schemaName(t reflect.Type) string {
	name := t.Name()
	if t.PkgPath() == appPkg && name != "" && name != "CommitStats" { // CommitStats was exported already
		r, n := utf8.DecodeRuneInString(name)
		return string(unicode.ToLower(r)) + name[n:]
	}
	return name
}

// schemaGen turns Go types into JSON Schema (2020-12, as OpenAPI 3.1 uses),
// following encoding/json's rules for field names and omitempty.
type schemaGen struct{ defs map[string]any }

var (
	timeType    = reflect.TypeOf(time.Time{})
	decimalType = reflect.TypeOf(models.Decimal(0))
	rawType     = reflect.TypeOf([]byte(nil))
)

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == decimalType:
		return map[string]any{"type": "string", "pattern": `^-?[0-9]+(\.[0-9]{1,3})?$`, "description": "exact decimal quantity, up to 3 decimals"}
	case t == rawType:
		return map[string]any{"type": "string", "contentEncoding": "base64"}
	case t.String() == "json.RawMessage":
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := schemaName(t)
		if name == "" || strings.Contains(name, "[") {
			return g.object(t)
		}
		if _, ok := g.defs[name]; !ok {
			g.defs[name] = map[string]any{} // placeholder against recursion
			g.defs[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			inner := g.object(f.Type)
			for k, v := range inner["properties"].(map[string]any) {
				props[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.schema(f.Type)
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") && f.Type.Kind() != reflect.Pointer {
			required = append(required, name)
		}
	}
	o := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}
