// Package tlogproof reads, writes and checks offline proofs of inclusion in
// a transparency log in the C2SP tlog-proof format
// (https://c2sp.org/tlog-proof):
//
//	c2sp.org/tlog-proof@v1
//	extra <base64 opaque data>        (optional)
//	index <zero-based leaf index>
//	<base64 hash>                     (zero or more: the RFC 6962 inclusion proof,
//	…                                  from the leaf's sibling up to the root's child)
//
//	<the checkpoint, a signed note, verbatim, with any witness cosignatures>
//
// Parse is strict: it accepts exactly what Encode writes (canonical
// decimal and base64, 32-byte hashes, one blank line, a well-formed
// checkpoint note that ends the text) and nothing else. Verify follows
// the specification's steps: the caller computes the leaf hash (which is
// application specific), the log's signature is checked against keys
// named after the checkpoint's origin, the given witnesses' cosignatures
// are counted against a quorum, and the inclusion proof must lead from
// the leaf hash to the checkpoint's root.
//
// The package imports only the standard library and golang.org/x/mod's
// note and tlog: witness keys come in as note.Verifier values, so any
// cosignature algorithm the caller can verify works.
package tlogproof

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Header is the first line of every proof.
const Header = "c2sp.org/tlog-proof@v1"

// Extension is the file name extension proofs should be stored with.
const Extension = ".tlog-proof"

// MaxHashes is the most hashes an inclusion proof can have: one per level
// of a tree of at most 2⁶³ leaves.
const MaxHashes = 63

// ErrMalformed marks text that is not a tlog-proof as Encode writes it.
var ErrMalformed = errors.New("malformed tlog-proof")

// ErrUnverified marks a well-formed proof that does not prove what it
// claims to the given keys.
var ErrUnverified = errors.New("tlog-proof does not verify")

// Proof is one tlog-proof.
type Proof struct {
	// Extra is the opaque extra data, nil when the proof has none. It is
	// not authenticated by itself: trust it only through a leaf hash that
	// Verify has bound to the checkpoint.
	Extra []byte
	// Index is the zero-based index of the leaf in the log.
	Index uint64
	// Hashes is the RFC 6962 inclusion proof.
	Hashes tlog.RecordProof
	// Checkpoint is the log's checkpoint, a signed note (C2SP
	// tlog-checkpoint), with any witnesses' cosignature lines.
	Checkpoint []byte
}

// Checkpoint is what a checkpoint's text says (C2SP tlog-checkpoint).
type Checkpoint struct {
	Origin     string
	Size       uint64
	Root       tlog.Hash
	Extensions []string // extension lines, in order
}

// Encode returns the text of p. It fails when the text would not parse
// back to p: no checkpoint, a malformed one, an index outside its tree,
// more than MaxHashes hashes.
func Encode(p Proof) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(Header + "\n")
	if p.Extra != nil {
		if len(p.Extra) == 0 {
			return nil, fmt.Errorf("%w: empty extra data (leave it nil for none)", ErrMalformed)
		}
		b.WriteString("extra " + base64.StdEncoding.EncodeToString(p.Extra) + "\n")
	}
	b.WriteString("index " + strconv.FormatUint(p.Index, 10) + "\n")
	for _, h := range p.Hashes {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
	}
	b.WriteString("\n")
	b.Write(p.Checkpoint)
	if _, err := Parse(b.Bytes()); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Parse reads a tlog-proof. It checks the form only (the checkpoint note
// is well formed, but no signature is verified: that is Verify's work).
func Parse(text []byte) (Proof, error) {
	var p Proof
	if !utf8.Valid(text) {
		return p, fmt.Errorf("%w: not UTF-8 text", ErrMalformed)
	}
	head, cp, ok := bytes.Cut(text, []byte("\n\n"))
	if !ok {
		return p, fmt.Errorf("%w: no blank line before the checkpoint", ErrMalformed)
	}
	lines := strings.Split(string(head), "\n")
	if lines[0] != Header {
		return p, fmt.Errorf("%w: line 1 is %q, want %q", ErrMalformed, clip(lines[0]), Header)
	}
	i := 1
	if i < len(lines) && strings.HasPrefix(lines[i], "extra ") {
		b64 := strings.TrimPrefix(lines[i], "extra ")
		extra, err := decode64(b64)
		if err != nil || len(extra) == 0 {
			return p, fmt.Errorf("%w: line %d: extra data is not canonical non-empty base64", ErrMalformed, i+1)
		}
		p.Extra = extra
		i++
	}
	if i >= len(lines) || !strings.HasPrefix(lines[i], "index ") {
		got := "nothing"
		if i < len(lines) {
			got = strconv.Quote(clip(lines[i]))
		}
		return p, fmt.Errorf("%w: line %d is %s, want \"index N\"", ErrMalformed, i+1, got)
	}
	idx, err := decimal(strings.TrimPrefix(lines[i], "index "))
	if err != nil {
		return p, fmt.Errorf("%w: line %d: index %v", ErrMalformed, i+1, err)
	}
	p.Index = idx
	i++
	if n := len(lines) - i; n > MaxHashes {
		return p, fmt.Errorf("%w: %d proof hashes, more than any tree needs (%d)", ErrMalformed, n, MaxHashes)
	}
	for ; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "extra ") || strings.HasPrefix(lines[i], "index ") {
			return p, fmt.Errorf("%w: line %d: only one extra line then one index line may come after the header, in that order", ErrMalformed, i+1)
		}
		h, err := decode64(lines[i])
		if err != nil || len(h) != tlog.HashSize {
			return p, fmt.Errorf("%w: line %d is not a base64 SHA-256 hash: %q", ErrMalformed, i+1, clip(lines[i]))
		}
		p.Hashes = append(p.Hashes, tlog.Hash(h))
	}
	c, err := ParseCheckpoint(cp)
	if err != nil {
		return p, err
	}
	if p.Index >= c.Size {
		return p, fmt.Errorf("%w: index %d is not in the checkpoint's tree of %d leaves", ErrMalformed, p.Index, c.Size)
	}
	p.Checkpoint = cp
	return p, nil
}

// ParseCheckpoint reads a signed checkpoint note's text without checking
// its signatures: origin, size and root lines, then extension lines, then
// a blank line and one or more signature lines, each at most once, and
// nothing after them.
func ParseCheckpoint(signed []byte) (Checkpoint, error) {
	var c Checkpoint
	text, sigs, ok := bytes.Cut(signed, []byte("\n\n"))
	if !ok {
		return c, fmt.Errorf("%w: the checkpoint has no signature lines", ErrMalformed)
	}
	if bytes.Contains(sigs, []byte("\n\n")) || len(sigs) == 0 || sigs[len(sigs)-1] != '\n' {
		return c, fmt.Errorf("%w: the checkpoint's signature lines are followed by a blank line or other text, or do not end with a newline", ErrMalformed)
	}
	// A well-formed note that no given key signed opens with
	// UnverifiedNoteError; anything else is malformed.
	var unverified *note.UnverifiedNoteError
	if _, err := note.Open(signed, note.VerifierList()); !errors.As(err, &unverified) {
		return c, fmt.Errorf("%w: the checkpoint is not a well-formed signed note: %v", ErrMalformed, err)
	}
	seen := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSuffix(string(sigs), "\n"), "\n") {
		if seen[l] {
			return c, fmt.Errorf("%w: the checkpoint repeats the signature line %q", ErrMalformed, clip(l))
		}
		seen[l] = true
	}
	lines := strings.Split(string(text), "\n")
	if len(lines) < 3 {
		return c, fmt.Errorf("%w: the checkpoint text is not origin, size and root lines", ErrMalformed)
	}
	c.Origin = lines[0]
	if c.Origin == "" {
		return c, fmt.Errorf("%w: the checkpoint's origin line is empty", ErrMalformed)
	}
	size, err := decimal(lines[1])
	if err != nil {
		return c, fmt.Errorf("%w: checkpoint size %v", ErrMalformed, err)
	}
	c.Size = size
	root, err := decode64(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return c, fmt.Errorf("%w: checkpoint root %q is not a base64 SHA-256 hash", ErrMalformed, clip(lines[2]))
	}
	c.Root = tlog.Hash(root)
	c.Extensions = lines[3:]
	return c, nil
}

// Policy is whom a verifier trusts.
type Policy struct {
	// Log verifies the log's signature; its keys must be named after the
	// checkpoint's origin line.
	Log note.Verifiers
	// Witnesses are the witnesses whose cosignatures count.
	Witnesses []note.Verifier
	// Quorum is how many of Witnesses must have cosigned.
	Quorum int
}

// Verified is what Verify checked.
type Verified struct {
	Checkpoint
	// Cosigned names the witnesses of the policy that cosigned the
	// checkpoint, in the policy's order.
	Cosigned []string
	// Witnesses is how many witnesses the policy named; Quorum how many
	// it required.
	Witnesses, Quorum int
}

// Verify checks that p proves the leaf with hash leaf (step 1 of the
// specification, computing it, is the application's) under pol: the
// checkpoint is signed by a log key named after its origin; every witness
// of pol that cosigned it did so validly, and at least pol.Quorum did;
// the inclusion proof leads from leaf at p.Index to the checkpoint's
// root. Failures wrap ErrUnverified (or ErrMalformed).
func Verify(p Proof, leaf tlog.Hash, pol Policy) (Verified, error) {
	var v Verified
	c, err := ParseCheckpoint(p.Checkpoint)
	if err != nil {
		return v, err
	}
	v.Checkpoint, v.Witnesses, v.Quorum = c, len(pol.Witnesses), pol.Quorum
	if pol.Log == nil {
		return v, fmt.Errorf("%w: no log key given", ErrUnverified)
	}
	if pol.Quorum < 0 || pol.Quorum > len(pol.Witnesses) {
		return v, fmt.Errorf("%w: a quorum of %d among %d witnesses cannot be met", ErrUnverified, pol.Quorum, len(pol.Witnesses))
	}
	n, err := note.Open(p.Checkpoint, pol.Log)
	var unverified *note.UnverifiedNoteError
	switch {
	case errors.As(err, &unverified):
		var names []string
		for _, s := range unverified.Note.UnverifiedSigs {
			names = append(names, s.Name)
		}
		return v, fmt.Errorf("%w: no given log key signed the checkpoint (it carries signatures of %s)", ErrUnverified, strings.Join(names, ", "))
	case err != nil:
		return v, fmt.Errorf("%w: the log's signature of the checkpoint: %v", ErrUnverified, err)
	}
	signed := false
	for _, s := range n.Sigs {
		signed = signed || s.Name == c.Origin
	}
	if !signed {
		return v, fmt.Errorf("%w: the checkpoint's origin %q is not the name of the log key that signed it (%s)", ErrUnverified, c.Origin, n.Sigs[0].Name)
	}
	seen := map[string]bool{} // a witness given twice counts once
	for _, w := range pol.Witnesses {
		id := w.Name() + "+" + strconv.FormatUint(uint64(w.KeyHash()), 16)
		if seen[id] {
			continue
		}
		seen[id] = true
		_, err := note.Open(p.Checkpoint, note.VerifierList(w))
		switch {
		case err == nil:
			v.Cosigned = append(v.Cosigned, w.Name())
		case !errors.As(err, &unverified):
			return v, fmt.Errorf("%w: the cosignature of witness %s: %v", ErrUnverified, w.Name(), err)
		}
	}
	if len(v.Cosigned) < pol.Quorum {
		return v, fmt.Errorf("%w: cosigned by %d of the %d given witnesses (%s), fewer than the quorum of %d",
			ErrUnverified, len(v.Cosigned), len(pol.Witnesses), orNone(v.Cosigned), pol.Quorum)
	}
	if p.Index >= c.Size || c.Size > 1<<63-1 {
		return v, fmt.Errorf("%w: index %d is not in the checkpoint's tree of %d leaves", ErrUnverified, p.Index, c.Size)
	}
	if err := tlog.CheckRecord(p.Hashes, int64(c.Size), c.Root, int64(p.Index), leaf); err != nil {
		return v, fmt.Errorf("%w: the inclusion proof does not lead from leaf %d (hash %s) to the root of the checkpoint of %d leaves: %v",
			ErrUnverified, p.Index, base64.StdEncoding.EncodeToString(leaf[:]), c.Size, err)
	}
	return v, nil
}

// decimal reads a canonical ASCII decimal: no sign, no leading zeroes
// (but "0"), at most 2⁶³-1, as tlog's int64 sizes and indexes allow.
func decimal(s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 63)
	if err != nil || strconv.FormatUint(n, 10) != s {
		return 0, fmt.Errorf("%q is not a canonical decimal number", clip(s))
	}
	return n, nil
}

// decode64 reads canonical standard base64 (RFC 4648 §4, padded): the
// text must be what encoding the bytes gives back.
func decode64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if base64.StdEncoding.EncodeToString(b) != s {
		return nil, errors.New("not canonical base64")
	}
	return b, nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:57]) + "..."
	}
	return s
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
