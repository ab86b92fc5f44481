// Package frontend holds Plumbline's static files — CSS, JavaScript, icons
// and the web manifest — embedded in the binary and served under /static/.
// No page loads anything from another origin, and no page has inline
// script: every behaviour lives in a file here, so the Content Security
// Policy can forbid inline script outright.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed static
var files embed.FS

// FS returns the static files, rooted so that "css/app.css" names
// static/css/app.css.
func FS() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embedded tree always has static/
	}
	return sub
}
