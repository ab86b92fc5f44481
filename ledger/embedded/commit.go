package embedded

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// Private fields in entry v2: an entry commits to each private field of
// its transaction (as ledger/contract's privacy declaration says, per type
// and field) by a salted hash, so that the entry itself, the Merkle leaf,
// holds nothing private and can be given to anyone; the openings (salt and
// value of each field) are stored beside the entry and given only to those
// the access rule lets see them.
//
//	committed args = the arguments as JSON (object keys sorted) with each
//	                 private field's value replaced by the string
//	                 "plumbline:c1:" + base64(commitment); a transaction
//	                 private as a whole (contract.Privacy.WholeEntry) becomes
//	                 {"plumbline:c1": "<base64 commitment>"}
//	commitment     = SHA-256("PLBC" 0x01 salt(16 bytes) str(pointer) str(value))
//	pointer        = the field's JSON pointer in the arguments ("/lines/0/reason";
//	                 "" for a whole transaction)
//	value          = the field's value as JSON (object keys sorted)
//	openings       = "PLBO" 0x01 writes salt(16) u32(n)
//	                 n×(str(pointer) salt(16) str(value)), in the order of the pointers
//
// The writes salt salts the entry's writes digest (WritesDigestOf): the
// writes hold the records the transaction wrote, private values among
// them, and an unsalted digest would let anyone confirm a guess at them.
// Every v2 entry has openings, then, if only its writes salt.

const (
	commitPrefix = "plumbline:c1:"
	commitWhole  = "plumbline:c1"
	commitMagic  = "PLBC"
	openMagic    = "PLBO"
	saltSize     = 16
)

// Opening is one private field's salt and value.
type Opening struct {
	Pointer string // JSON pointer into the arguments
	Salt    [saltSize]byte
	Value   []byte // JSON
}

// commitment returns the hash an entry holds for o.
func (o Opening) commitment() [32]byte {
	b := make([]byte, 0, 5+saltSize+8+len(o.Pointer)+len(o.Value))
	b = append(b, commitMagic...)
	b = append(b, 1)
	b = append(b, o.Salt[:]...)
	b = appendStr(b, o.Pointer)
	b = appendBytes(b, o.Value)
	return sha256.Sum256(b)
}

// commitArgs returns the committed form of args (canonical JSON of a
// transaction of type typ) and the openings of its private fields, with
// fresh random salts.
func commitArgs(typ string, args []byte) (committed []byte, openings []Opening, err error) {
	p, _ := contract.PrivacyOf(typ)
	doc, err := decodeJSON(args)
	if err != nil {
		return nil, nil, fmt.Errorf("commit private fields: %w", err)
	}
	if countCommitments(doc) != 0 || strings.Contains(string(args), commitWhole) {
		return nil, nil, models.Invalid("args", "no value may hold %q (the ledger's mark of a private field's commitment)", commitWhole)
	}
	if p.WholeEntry {
		o := Opening{Pointer: "", Value: marshalSorted(doc)}
		if _, err := rand.Read(o.Salt[:]); err != nil {
			return nil, nil, err
		}
		c := o.commitment()
		committed = marshalSorted(map[string]any{commitWhole: base64.StdEncoding.EncodeToString(c[:])})
		return committed, []Opening{o}, nil
	}
	for _, ptr := range privatePointers(typ, args, doc) {
		v, _ := lookup(doc, ptr)
		o := Opening{Pointer: ptr, Value: marshalSorted(v)}
		if _, err := rand.Read(o.Salt[:]); err != nil {
			return nil, nil, err
		}
		c := o.commitment()
		if err := replace(doc, ptr, commitPrefix+base64.StdEncoding.EncodeToString(c[:])); err != nil {
			return nil, nil, err
		}
		openings = append(openings, o)
	}
	return marshalSorted(doc), openings, nil
}

// privatePointers returns the JSON pointers, sorted, of the private fields
// of a transaction of type typ with arguments args (doc, decoded), as the
// contract declares them: what its entry commits to, field by field.
func privatePointers(typ string, args []byte, doc any) []string {
	var pointers []string
	for _, path := range contract.PrivateFields(typ, args) {
		pointers = append(pointers, expand(doc, "", strings.Split(path, "."))...)
	}
	sort.Strings(pointers)
	return pointers
}

// checkCommitted checks that an entry of type typ committed exactly the
// fields the contract declares private in its opened arguments full (all
// of them, for a transaction private as a whole): a writer that left a
// private field in the clear, or hid a public one, is caught.
func checkCommitted(typ string, full []byte, openings []Opening) error {
	got := make([]string, len(openings))
	for i, o := range openings {
		got[i] = o.Pointer
	}
	sort.Strings(got)
	var want []string
	if p, _ := contract.PrivacyOf(typ); p.WholeEntry {
		want = []string{""}
	} else {
		doc, err := decodeJSON(full)
		if err != nil {
			return err
		}
		want = privatePointers(typ, full, doc)
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("the entry commits to %q, but the contract declares %q of a %s private", got, want, typ)
	}
	return nil
}

// openArgs checks the openings against the committed arguments and returns
// the arguments with every private field restored, as JSON. Every
// commitment must be opened, and every opening must match a commitment.
func openArgs(committed []byte, openings []Opening) ([]byte, error) {
	doc, err := decodeJSON(committed)
	if err != nil {
		return nil, fmt.Errorf("committed arguments: %w", err)
	}
	if m, ok := doc.(map[string]any); ok && len(m) == 1 {
		if s, ok := m[commitWhole].(string); ok {
			if len(openings) != 1 || openings[0].Pointer != "" {
				return nil, errors.New("a whole-transaction commitment needs exactly its one opening")
			}
			if err := checkOpening(s, openings[0]); err != nil {
				return nil, err
			}
			return openings[0].Value, nil
		}
	}
	opened := map[string]bool{}
	for _, o := range openings {
		if opened[o.Pointer] || o.Pointer == "" {
			return nil, fmt.Errorf("opening %q is repeated or names the whole transaction", o.Pointer)
		}
		opened[o.Pointer] = true
		v, ok := lookup(doc, o.Pointer)
		s, isStr := v.(string)
		if !ok || !isStr || !strings.HasPrefix(s, commitPrefix) {
			return nil, fmt.Errorf("opening %q has no commitment in the entry", o.Pointer)
		}
		if err := checkOpening(strings.TrimPrefix(s, commitPrefix), o); err != nil {
			return nil, err
		}
		val, err := decodeJSON(o.Value)
		if err != nil {
			return nil, fmt.Errorf("opening %q: %w", o.Pointer, err)
		}
		if err := replace(doc, o.Pointer, val); err != nil {
			return nil, err
		}
	}
	if n := countCommitments(doc); n != 0 {
		return nil, fmt.Errorf("%d private fields of the entry are not opened", n)
	}
	return marshalSorted(doc), nil
}

func checkOpening(b64 string, o Opening) error {
	c, err := base64.StdEncoding.DecodeString(b64)
	want := o.commitment()
	if err != nil || !bytes.Equal(c, want[:]) {
		return fmt.Errorf("the opening of %q does not match the entry's commitment", o.Pointer)
	}
	return nil
}

// Openings are what a v2 entry keeps beside it of its private parts: the
// salt of its writes digest and the openings of its private fields.
type Openings struct {
	WritesSalt [saltSize]byte
	Fields     []Opening
}

// EncodeOpenings returns the stored bytes of an entry's openings.
func EncodeOpenings(o Openings) []byte {
	os := o.Fields
	b := append([]byte(openMagic), 1)
	b = append(b, o.WritesSalt[:]...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(os)))
	for _, o := range os {
		b = appendStr(b, o.Pointer)
		b = append(b, o.Salt[:]...)
		b = appendBytes(b, o.Value)
	}
	return b
}

// DecodeOpenings parses EncodeOpenings's bytes.
func DecodeOpenings(b []byte) (Openings, error) {
	var o Openings
	r := reader{b: b}
	if string(r.next(4)) != openMagic || r.byte() != 1 {
		return o, errors.New("openings: bad magic or version")
	}
	copy(o.WritesSalt[:], r.next(saltSize))
	n := r.u32()
	if r.err == nil && uint64(n) > uint64(len(b)) {
		return o, errors.New("openings: count exceeds size")
	}
	var out []Opening
	for i := uint32(0); i < n && r.err == nil; i++ {
		var o Opening
		o.Pointer = string(r.bytes())
		copy(o.Salt[:], r.next(saltSize))
		o.Value = r.bytes()
		out = append(out, o)
	}
	if r.err != nil {
		return o, fmt.Errorf("openings: %w", r.err)
	}
	if len(r.b) != 0 {
		return o, errors.New("openings: trailing bytes")
	}
	o.Fields = out
	return o, nil
}

// decodeJSON parses JSON keeping numbers as written.
func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("trailing data after JSON")
	}
	return v, nil
}

// marshalSorted encodes v as JSON with object keys sorted (encoding/json
// sorts map keys) and no HTML escaping.
func marshalSorted(v any) []byte {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	_ = e.Encode(v)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// expand returns the JSON pointers of the values a dotted privacy path
// names under v: a list's elements are reached through the list's name.
func expand(v any, at string, names []string) []string {
	if len(names) == 0 {
		return []string{at}
	}
	switch x := v.(type) {
	case map[string]any:
		child, ok := x[names[0]]
		if !ok || child == nil {
			return nil
		}
		return expand(child, at+"/"+escapePointer(names[0]), names[1:])
	case []any:
		var out []string
		for i, el := range x {
			out = append(out, expand(el, at+"/"+strconv.Itoa(i), names)...)
		}
		return out
	}
	return nil
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func unescapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

// lookup returns the value at a JSON pointer.
func lookup(v any, ptr string) (any, bool) {
	if ptr == "" {
		return v, true
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[unescapePointer(tok)]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) || strconv.Itoa(i) != tok {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// replace sets the value at a JSON pointer that exists.
func replace(doc any, ptr string, val any) error {
	i := strings.LastIndex(ptr, "/")
	if i < 0 {
		return fmt.Errorf("pointer %q", ptr)
	}
	parent, ok := lookup(doc, ptr[:i])
	if !ok {
		return fmt.Errorf("pointer %q names nothing", ptr)
	}
	tok := ptr[i+1:]
	switch x := parent.(type) {
	case map[string]any:
		k := unescapePointer(tok)
		if _, ok := x[k]; !ok {
			return fmt.Errorf("pointer %q names nothing", ptr)
		}
		x[k] = val
	case []any:
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 || n >= len(x) {
			return fmt.Errorf("pointer %q names nothing", ptr)
		}
		x[n] = val
	default:
		return fmt.Errorf("pointer %q names nothing", ptr)
	}
	return nil
}

// countCommitments counts the commitment strings left in v.
func countCommitments(v any) int {
	switch x := v.(type) {
	case string:
		if strings.HasPrefix(x, commitPrefix) {
			return 1
		}
	case map[string]any:
		n := 0
		for _, c := range x {
			n += countCommitments(c)
		}
		return n
	case []any:
		n := 0
		for _, c := range x {
			n += countCommitments(c)
		}
		return n
	}
	return 0
}
