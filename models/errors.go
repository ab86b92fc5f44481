package models

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
)

// Error kinds shared by every layer. Test with errors.Is; the server maps
// each kind to one HTTP status in exactly one place.
var (
	// ErrInvalid marks input that does not meet a rule; the caller can fix it.
	ErrInvalid = errors.New("invalid")
	// ErrNotFound marks a reference to something that does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict marks a request that clashes with the current state
	// (a duplicate code, a batch in the wrong status, too little quantity).
	ErrConflict = errors.New("conflict")
	// ErrForbidden marks an action the submitter's organization kind or role
	// does not allow.
	ErrForbidden = errors.New("forbidden")
	// ErrTampered marks stored data that no longer matches its proofs.
	ErrTampered = errors.New("tampered")
	// ErrTooLarge marks input over a size limit (a file, a document, a
	// request body); the caller can split it.
	ErrTooLarge = errors.New("request too large")
)

// Error is a classified error that names the offending field, if any, and
// says in words a person can act on what was wrong.
type Error struct {
	Kind    error  // one of the Err* sentinels above
	Field   string // JSON path of the offending field, e.g. "lines[2].quantity"; may be empty
	Message string // lowercase, no trailing period
}

// Error implements error.
func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// Unwrap exposes the kind so that errors.Is(err, ErrConflict) works.
func (e *Error) Unwrap() error { return e.Kind }

// Invalid returns an ErrInvalid error about field.
func Invalid(field, format string, args ...any) error {
	return &Error{Kind: ErrInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns an ErrNotFound error about field.
func NotFound(field, format string, args ...any) error {
	return &Error{Kind: ErrNotFound, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Conflict returns an ErrConflict error about field.
func Conflict(field, format string, args ...any) error {
	return &Error{Kind: ErrConflict, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Forbidden returns an ErrForbidden error.
func Forbidden(format string, args ...any) error {
	return &Error{Kind: ErrForbidden, Message: fmt.Sprintf(format, args...)}
}

// Prefix returns err with its field prefixed by parent (e.g. "lines[2]"),
// leaving other errors untouched.
func Prefix(parent string, err error) error {
	var e *Error
	if parent == "" || !errors.As(err, &e) {
		return err
	}
	c := *e
	if c.Field == "" {
		c.Field = parent
	} else {
		c.Field = parent + "." + c.Field
	}
	return &c
}

// AtField gives a field-less classified error the field name, leaving
// other errors untouched.
func AtField(err error, field string) error {
	var me *Error
	if errors.As(err, &me) && me.Field == "" {
		return &Error{Kind: me.Kind, Field: field, Message: me.Message}
	}
	return err
}

// RenameField returns err with its field rewritten by fn (a contract field
// such as "results[2].property" becomes a form's "results.slump"), so a
// page shows the contract's message next to the right input.
func RenameField(err error, fn func(string) string) error {
	var me *Error
	if !errors.As(err, &me) {
		return err
	}
	f := fn(me.Field)
	if f == me.Field {
		return err
	}
	return &Error{Kind: me.Kind, Field: f, Message: me.Message}
}

var listIndex = regexp.MustCompile(`^([a-z_]+)\[(\d+)\](.*)$`)

// SplitIndex splits a list field such as "lines[3].reason" into "lines",
// 3 and ".reason"; ok is false for a field that is not a list element.
func SplitIndex(field string) (list string, i int, rest string, ok bool) {
	m := listIndex.FindStringSubmatch(field)
	if m == nil {
		return "", 0, "", false
	}
	i, err := strconv.Atoi(m[2])
	return m[1], i, m[3], err == nil
}
