package keys

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// ed25519Alg is the signed-note algorithm byte of Ed25519 keys.
const ed25519Alg = 1

// NamedSigner is the checkpoint key under one name: a log that changes its
// origin (see package embedded) keeps its Ed25519 key and signs under the
// new name, whose note key hash differs.
type NamedSigner struct {
	name string
	hash uint32
	key  ed25519.PrivateKey
	vkey string
}

// Name returns the signer's name.
func (s *NamedSigner) Name() string { return s.name }

// KeyHash returns the note key hash of the name and public key.
func (s *NamedSigner) KeyHash() uint32 { return s.hash }

// Sign signs msg with Ed25519.
func (s *NamedSigner) Sign(msg []byte) ([]byte, error) { return ed25519.Sign(s.key, msg), nil }

// VerifierKey returns the note verifier key of this name.
func (s *NamedSigner) VerifierKey() string { return s.vkey }

var _ note.Signer = (*NamedSigner)(nil)

// SignerNamed returns the checkpoint key under name.
func (s *Store) SignerNamed(name string) (*NamedSigner, error) {
	raw, err := os.ReadFile(filepath.Join(s.dir, "checkpoint.key"))
	if err != nil {
		return nil, fmt.Errorf("read checkpoint key: %w", err)
	}
	seed, err := noteSeed(strings.TrimSpace(string(raw)))
	if err != nil {
		return nil, err
	}
	priv := ed25519.NewKeyFromSeed(seed)
	vkey, err := note.NewEd25519VerifierKey(name, priv.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, fmt.Errorf("checkpoint key under the name %q: %w", name, err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("checkpoint key under the name %q: %w", name, err)
	}
	return &NamedSigner{name: name, hash: v.KeyHash(), key: priv, vkey: vkey}, nil
}

// RenameVerifierKey returns the verifier key that checks notes signed with
// the same Ed25519 key as vkey under another name.
func RenameVerifierKey(vkey, name string) (string, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return "", errors.New("verifier key is not name+hash+key")
	}
	k, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(k) != 1+ed25519.PublicKeySize || k[0] != ed25519Alg {
		return "", errors.New("verifier key is not an Ed25519 note key")
	}
	return note.NewEd25519VerifierKey(name, ed25519.PublicKey(k[1:]))
}

// noteSeed returns the Ed25519 seed of a note signer key
// (PRIVATE+KEY+<name>+<hash>+<base64 of 0x01 || seed>).
func noteSeed(skey string) ([]byte, error) {
	rest, ok := strings.CutPrefix(skey, "PRIVATE+KEY+")
	parts := strings.SplitN(rest, "+", 3)
	if !ok || len(parts) != 3 {
		return nil, errors.New("checkpoint key is not a note signer key")
	}
	k, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(k) != 1+ed25519.SeedSize || k[0] != ed25519Alg {
		return nil, errors.New("checkpoint key is not an Ed25519 note signer key")
	}
	return k[1:], nil
}
