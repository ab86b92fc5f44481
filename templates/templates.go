// Package templates holds Plumbline's server-rendered pages: layout.html,
// partials named _*.html, and one file per page, embedded in the binary.
//
// Each page file defines "title" and "content" (and optionally "head");
// layout.html wraps them. Parse builds one template set per page, so page
// files never clash over block names, and fails at start-up on any error.
package templates

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
)

//go:embed *.html
var files embed.FS

// Parse parses every page with the layout and the partials, using funcs,
// and returns the sets by page name (the file name without .html).
func Parse(funcs template.FuncMap) (map[string]*template.Template, error) {
	names, err := fs.Glob(files, "*.html")
	if err != nil {
		return nil, err
	}
	var partials []string
	var pages []string
	for _, n := range names {
		switch {
		case n == "layout.html":
		case strings.HasPrefix(n, "_"):
			partials = append(partials, n)
		default:
			pages = append(pages, n)
		}
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(files, append([]string{"layout.html"}, partials...)...)
	if err != nil {
		return nil, fmt.Errorf("templates: layout: %w", err)
	}
	sets := make(map[string]*template.Template, len(pages))
	for _, p := range pages {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(files, p); err != nil {
			return nil, fmt.Errorf("templates: %s: %w", p, err)
		}
		sets[strings.TrimSuffix(path.Base(p), ".html")] = t
	}
	return sets, nil
}

// Sources returns every template file's text by name, for tests that check
// message IDs and markup rules.
func Sources() (map[string]string, error) {
	names, err := fs.Glob(files, "*.html")
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(names))
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out[n] = string(b)
	}
	return out, nil
}
