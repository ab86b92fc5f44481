package cosign

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// algCosignatureV1 is the signed-note algorithm byte of C2SP
// tlog-cosignature keys (cosignature/v1, Ed25519 over a timestamped
// message).
const algCosignatureV1 = 4

// NewVerifier parses a witness's verifier key: a cosignature/v1 key
// (name+hash+base64(0x04 || Ed25519 public key)), as witnesses print it,
// or a plain Ed25519 note key.
func NewVerifier(vkey string) (note.Verifier, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 || parts[0] == "" || len(parts[1]) != 8 {
		return nil, fmt.Errorf("witness key %q is not name+hash+key", vkey)
	}
	k, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(k) == 0 {
		return nil, fmt.Errorf("witness key %q: bad key encoding", vkey)
	}
	if k[0] != algCosignatureV1 {
		return note.NewVerifier(vkey)
	}
	if len(k) != 1+ed25519.PublicKeySize {
		return nil, fmt.Errorf("witness key %q: bad Ed25519 key length", vkey)
	}
	h := sha256.Sum256(append([]byte(parts[0]+"\n"), k...))
	hash := binary.BigEndian.Uint32(h[:4])
	if fmt.Sprintf("%08x", hash) != parts[1] {
		return nil, fmt.Errorf("witness key %q: its hash does not match its name and key", vkey)
	}
	return &cosigVerifier{name: parts[0], hash: hash, key: ed25519.PublicKey(k[1:])}, nil
}

// cosigVerifier checks cosignature/v1 signatures: 8 bytes of big-endian
// UNIX time, then Ed25519 over "cosignature/v1\ntime <t>\n" and the
// checkpoint text.
type cosigVerifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (v *cosigVerifier) Name() string    { return v.name }
func (v *cosigVerifier) KeyHash() uint32 { return v.hash }
func (v *cosigVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig)
	m := append([]byte("cosignature/v1\ntime "+strconv.FormatUint(t, 10)+"\n"), msg...)
	return ed25519.Verify(v.key, m, sig[8:])
}

// errNoCosignature says a witness's answer held no valid cosignature.
var errNoCosignature = errors.New("no valid cosignature from the witness in its answer")

// cosignatureLine picks the signature line of v from a witness's answer
// (signature lines, "— <name> <base64>\n" each) and checks it over the
// checkpoint's signed note.
func cosignatureLine(signedNote string, answer []byte, v note.Verifier) (string, error) {
	for _, line := range strings.Split(strings.TrimRight(string(answer), "\n"), "\n") {
		if !strings.HasPrefix(line, "— "+v.Name()+" ") {
			continue
		}
		n, err := note.Open([]byte(signedNote+line+"\n"), note.VerifierList(v))
		if err != nil || len(n.Sigs) != 1 {
			continue
		}
		return line, nil
	}
	return "", errNoCosignature
}
