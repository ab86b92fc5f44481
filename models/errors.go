package models

import (
	"errors"
	"fmt"
	"maps"
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
	Message string // lowercase, no trailing period; in English
	// Code is the message's stable code (models/messages.go), empty for a
	// message that has none; Params are its parameters, each argument
	// formatted by its verb, from which a catalogue renders the message in
	// another language.
	Code   string
	Params []string
	// More are the errors of other fields found in the same check, so a
	// form can mark every invalid field at once; errors.Is and errors.As
	// see this one, the first.
	More []*Error
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
	return newError(ErrInvalid, field, format, args)
}

// NotFound returns an ErrNotFound error about field.
func NotFound(field, format string, args ...any) error {
	return newError(ErrNotFound, field, format, args)
}

// Conflict returns an ErrConflict error about field.
func Conflict(field, format string, args ...any) error {
	return newError(ErrConflict, field, format, args)
}

// Forbidden returns an ErrForbidden error.
func Forbidden(format string, args ...any) error {
	return newError(ErrForbidden, "", format, args)
}

// ForbiddenAt returns an ErrForbidden error about field.
func ForbiddenAt(field, format string, args ...any) error {
	return newError(ErrForbidden, field, format, args)
}

func newError(kind error, field, format string, args []any) *Error {
	code, params := Describe(format, args...)
	var inner *Error
	if code == "" && (format == "%v" || format == "%s") && len(args) == 1 {
		if err, ok := args[0].(error); ok && errors.As(err, &inner) {
			code, params = inner.Code, inner.Params // a message passed on says what it said
		}
	}
	return &Error{Kind: kind, Field: field, Message: fmt.Sprintf(format, args...), Code: code, Params: params}
}

// verb matches one formatting verb of a message format.
var verb = regexp.MustCompile(`%[-+# 0]*\d*(?:\.\d+)?[a-zA-Z%]`)

// Describe returns the stable code of a message format (empty when it has
// none) and its parameters: each argument formatted by its verb, in order.
func Describe(format string, args ...any) (code string, params []string) {
	code = messageCodes[format]
	i := 0
	for _, v := range verb.FindAllString(format, -1) {
		if v == "%%" {
			continue
		}
		if i < len(args) {
			params = append(params, fmt.Sprintf(v, args[i]))
		}
		i++
	}
	return code, params
}

// Prefix returns err with its field prefixed by parent (e.g. "lines[2]"),
// leaving other errors untouched.
func Prefix(parent string, err error) error {
	var e *Error
	if parent == "" || !errors.As(err, &e) {
		return err
	}
	c := *e // Code and Params are shared, never changed
	if c.Field == "" {
		c.Field = parent
	} else {
		c.Field = parent + "." + c.Field
	}
	c.More = nil
	for _, m := range e.More {
		c.More = append(c.More, Prefix(parent, m).(*Error))
	}
	return &c
}

// AtField gives a field-less classified error the field name, leaving
// other errors untouched.
func AtField(err error, field string) error {
	var me *Error
	if errors.As(err, &me) && me.Field == "" {
		c := *me
		c.Field = field
		return &c
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
	if fn(me.Field) == me.Field && len(me.More) == 0 {
		return err
	}
	c := *me
	c.Field = fn(me.Field)
	c.More = nil
	for _, m := range me.More {
		c.More = append(c.More, RenameField(m, fn).(*Error))
	}
	return &c
}

// All returns the first of errs that is not nil, carrying the classified
// errors of the other fields in More (one per field, the first found), or
// nil when every one is nil. An error that is not a *Error is returned
// alone: it is not about the input.
func All(errs ...error) error {
	var first *Error
	seen := map[string]bool{}
	for _, err := range errs {
		if err == nil {
			continue
		}
		var me *Error
		if !errors.As(err, &me) {
			return err
		}
		for _, e := range append([]*Error{me}, me.More...) {
			if seen[e.Field] {
				continue
			}
			seen[e.Field] = true
			one := *e
			one.More = nil
			if first == nil {
				first = &one
			} else {
				first.More = append(first.More, &one)
			}
		}
	}
	if first == nil {
		return nil
	}
	return first
}

// Collect gathers the errors of a check that goes on after the first, for
// All.
type Collect struct{ errs []error }

// Add records err, if not nil.
func (c *Collect) Add(err error) {
	if err != nil {
		c.errs = append(c.errs, err)
	}
}

// Err returns what Add recorded, as All does.
func (c *Collect) Err() error { return All(c.errs...) }

// Fields returns every error err holds: itself and More.
func Fields(err error) []*Error {
	var me *Error
	if !errors.As(err, &me) {
		return nil
	}
	out := []*Error{me}
	return append(out, me.More...)
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

// MessageCodes returns every message format with a stable code, and its
// code.
func MessageCodes() map[string]string { return maps.Clone(messageCodes) }
