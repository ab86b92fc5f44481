package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/i18n"
	"github.com/plumbline/plumbline/models"
)

// messageCalls are the functions that raise a message a person reads, and
// the position of their format argument. pkg limits a plain (unqualified)
// name to one package.
var messageCalls = []struct {
	qual, name, pkg string
	arg             int
}{
	{"models", "Invalid", "", 1}, {"models", "NotFound", "", 1}, {"models", "Conflict", "", 1},
	{"models", "Forbidden", "", 0}, {"models", "ForbiddenAt", "", 1},
	{"", "Invalid", "models", 1}, {"", "NotFound", "models", 1}, {"", "Conflict", "models", 1},
	{"", "Forbidden", "models", 0}, {"", "ForbiddenAt", "models", 1},
	{"", "invalid", "epcis", 1},  // internal/epcis: a rejection at a JSON pointer
	{"*", "add", "importcsv", 2}, // internal/importcsv: a row's error
}

// messageFormats returns every format string the code raises an error
// with, and where; a format that is not a constant is an error.
func messageFormats(t *testing.T) map[string]string {
	t.Helper()
	formats := map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "node_modules" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			qual, name := "", ""
			switch fn := call.Fun.(type) {
			case *ast.SelectorExpr:
				qual, name = "*", fn.Sel.Name
				if x, ok := fn.X.(*ast.Ident); ok && x.Name == "models" {
					qual = "models"
				}
			case *ast.Ident:
				name = fn.Name
			}
			for _, mc := range messageCalls {
				if mc.name != name || mc.qual != qual || (mc.pkg != "" && mc.pkg != f.Name.Name) || len(call.Args) <= mc.arg {
					continue
				}
				if f.Name.Name == "models" && name == "newError" {
					continue
				}
				lit, ok := call.Args[mc.arg].(*ast.BasicLit)
				if !ok {
					if id, ok := call.Args[mc.arg].(*ast.Ident); ok && id.Name == "format" {
						continue // a wrapper passing its own format on; its callers are checked
					}
					t.Errorf("%s: the message format is not a constant, so it can have no code", fset.Position(call.Pos()))
					continue
				}
				s, _ := strconv.Unquote(lit.Value)
				formats[s] = fset.Position(call.Pos()).String()
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return formats
}

var formatVerb = regexp.MustCompile(`%[-+# 0]*\d*(?:\.\d+)?[a-zA-Z%]`)

// TestEveryMessageHasACode: every error message the code raises has a
// stable code (models/messages.go) rendered by both catalogues, and the
// English catalogue says exactly what the format says, so a message reads
// the same whether it comes from the code or the catalogue. Formats made
// only of verbs ("%s") pass on a message already said in the reader's
// language and need no code.
func TestEveryMessageHasACode(t *testing.T) {
	cat, err := i18n.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	codes := models.MessageCodes()
	used := map[string]bool{}
	byCode := map[string]string{}
	for format, code := range codes {
		if prev, ok := byCode[code]; ok {
			t.Errorf("code %s is given to two formats: %q and %q", code, prev, format)
		}
		byCode[code] = format
	}
	formats := messageFormats(t)
	var keys []string
	for f := range formats {
		keys = append(keys, f)
	}
	sort.Strings(keys)
	for _, format := range keys {
		if strings.TrimSpace(formatVerb.ReplaceAllString(format, "")) == "" || format == "%s: %s" {
			continue
		}
		code, ok := codes[format]
		if !ok {
			t.Errorf("%s: the message %q has no code in models/messages.go", formats[format], format)
			continue
		}
		used[code] = true
		for _, l := range i18n.Languages {
			if !cat.Has(l.Tag, "err."+code) {
				t.Errorf("%s: no err.%s in the %s catalogue (%q)", formats[format], code, l.Tag, format)
			}
		}
		// The English catalogue, filled with placeholders, says what the
		// format says with the same placeholders.
		var kv []any
		n := 0
		want := formatVerb.ReplaceAllStringFunc(format, func(v string) string {
			if v == "%%" {
				return "%"
			}
			p := fmt.Sprintf("‹%d›", n)
			kv = append(kv, "P"+strconv.Itoa(n), p)
			n++
			return p
		})
		if got := cat.Localizer("en").T("err."+code, kv...); got != want {
			t.Errorf("err.%s in English says %q, the code says %q", code, got, want)
		}
	}
	for format, code := range codes {
		if !used[code] {
			t.Errorf("code %s (%q) is raised nowhere; remove it from models/messages.go", code, format)
		}
	}
}
