package witness

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unicode"
	"unicode/utf8"

	"filippo.io/torchwood"
)

// KeyFile is the name of the witness key's file in its folder.
const KeyFile = "witness.key"

// nameHeader is the PEM header that fixes the witness name in the key file.
const nameHeader = "Witness-Name"

// ErrNoKey is returned by OpenKey when the folder holds no key and no name
// was given to create one.
var ErrNoKey = errors.New("no witness key")

// ErrOtherName is returned by OpenKey when the key in the folder was
// created for another witness name.
var ErrOtherName = errors.New("the witness name cannot change")

// Key is the witness's identity: its name and Ed25519 key, which sign
// cosignature/v1 cosignatures (c2sp.org/tlog-cosignature).
type Key struct {
	signer *torchwood.CosignatureSigner
}

// CheckName reports whether name can be a witness name: the name of a
// signed-note key, so non-empty UTF-8 without spaces or '+'.
func CheckName(name string) error {
	switch {
	case name == "":
		return errors.New("the witness name is empty")
	case !utf8.ValidString(name):
		return fmt.Errorf("the witness name %q is not UTF-8", name)
	case strings.IndexFunc(name, unicode.IsSpace) >= 0:
		return fmt.Errorf("the witness name %q has a space", name)
	case strings.Contains(name, "+"):
		return fmt.Errorf("the witness name %q has a '+'", name)
	}
	return nil
}

// OpenKey reads the witness key from dir, or creates it there (the folder
// with mode 0700, the file with mode 0600) when there is none. The name is
// written into the key file when it is created: it is part of the
// verifier key logs trust, so opening the key later with another name is
// an error; an empty name takes the one in the file. created says whether
// the key was made now.
func OpenKey(dir, name string) (k *Key, created bool, err error) {
	if name != "" {
		if err := CheckName(name); err != nil {
			return nil, false, err
		}
	}
	path := filepath.Join(dir, KeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if name == "" {
			return nil, false, fmt.Errorf("%w in %s: give the witness a name to create one", ErrNoKey, dir)
		}
		if created, err = createKey(dir, path, name); err != nil {
			return nil, false, err
		}
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, false, fmt.Errorf("read witness key: %w", err)
	}
	if err := checkPrivate(path); err != nil {
		return nil, false, err
	}
	stored, priv, err := parseKey(b)
	if err != nil {
		return nil, false, fmt.Errorf("witness key %s: %w", path, err)
	}
	if name != "" && name != stored {
		return nil, false, fmt.Errorf("%w: the key in %s was created for %q, not %q, and the name is part of the verifier key that logs trust; "+
			"start with --name %s, or use another folder for a new witness", ErrOtherName, dir, stored, name, stored)
	}
	s, err := torchwood.NewCosignatureSigner(stored, priv)
	if err != nil {
		return nil, false, fmt.Errorf("witness key %s: %w", path, err)
	}
	return &Key{signer: s}, created, nil
}

// Name returns the witness name.
func (k *Key) Name() string { return k.signer.Name() }

// VerifierKey returns the verifier key of the witness's cosignatures in
// signed-note form (name+hash+base64 of algorithm 4 and the public key),
// which logs and their clients configure to trust this witness.
func (k *Key) VerifierKey() string { return k.signer.Verifier().String() }

// Verifier returns the verifier of the witness's cosignatures.
func (k *Key) Verifier() *torchwood.CosignatureVerifier { return k.signer.Verifier() }

// createKey writes a new key for name at path: into a temporary file
// first, then linked into place, so the key file is never half written and
// two first starts cannot both create one (the second reports false and
// uses the first one's key).
func createKey(dir, path, name string) (bool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("create the witness folder: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return false, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return false, err
	}
	block := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Headers: map[string]string{nameHeader: name}, Bytes: der})
	tmp, err := os.CreateTemp(dir, KeyFile+".tmp*")
	if err != nil {
		return false, fmt.Errorf("create the witness key: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file 0600; Chmod says so whatever the umask.
	if err := errors.Join(tmp.Chmod(0o600), write(tmp, block), tmp.Sync(), tmp.Close()); err != nil {
		return false, fmt.Errorf("write the witness key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("create the witness key: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return true, nil
}

func write(f *os.File, b []byte) error {
	_, err := f.Write(b)
	return err
}

// checkPrivate refuses a key file that others than its owner may read.
func checkPrivate(path string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if mode := fi.Mode().Perm(); mode&0o077 != 0 {
		return fmt.Errorf("witness key %s has mode %04o; others may read it (chmod 600 it)", path, mode)
	}
	return nil
}

// parseKey reads a key file: a PEM PKCS #8 Ed25519 key with the witness
// name in a header.
func parseKey(b []byte) (string, ed25519.PrivateKey, error) {
	block, rest := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" || strings.TrimSpace(string(rest)) != "" {
		return "", nil, errors.New("not a PEM private key")
	}
	name := block.Headers[nameHeader]
	if err := CheckName(name); err != nil {
		return "", nil, fmt.Errorf("header %s: %w", nameHeader, err)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return "", nil, err
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return "", nil, fmt.Errorf("a %T, not an Ed25519 key", k)
	}
	return name, priv, nil
}
