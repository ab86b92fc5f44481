package witness_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/witness"
)

// TestKeyFile creates the witness key in a new folder and opens it again:
// the folder is 0700, the file 0600, the key the same each time, and the
// name fixed at creation.
func TestKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "witness")
	k, created, err := witness.OpenKey(dir, "witness.example.com/w1")
	if err != nil || !created {
		t.Fatalf("first open: created %v, %v", created, err)
	}
	vkey := k.VerifierKey()
	if !strings.HasPrefix(vkey, "witness.example.com/w1+") || k.Name() != "witness.example.com/w1" {
		t.Fatalf("verifier key %q, name %q", vkey, k.Name())
	}
	cosignatureVerifier(t, vkey) // an algorithm 4 key with the right hash
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, witness.KeyFile): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %04o, want %04o", path, fi.Mode().Perm(), want)
		}
	}
	for _, name := range []string{"witness.example.com/w1", ""} {
		k, created, err := witness.OpenKey(dir, name)
		if err != nil || created || k.VerifierKey() != vkey {
			t.Fatalf("open again with name %q: created %v, key %v, %v; want the same key %q", name, created, k, err, vkey)
		}
	}
	_, _, err = witness.OpenKey(dir, "witness.example.org")
	if !errors.Is(err, witness.ErrOtherName) || !strings.Contains(err.Error(), `created for "witness.example.com/w1", not "witness.example.org"`) {
		t.Fatalf("open with another name: %v; want a refusal naming both names", err)
	}
	if err := os.Chmod(filepath.Join(dir, witness.KeyFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err = witness.OpenKey(dir, ""); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("open a key others may read: %v; want a refusal", err)
	}
}

func TestKeyNames(t *testing.T) {
	for _, tc := range []struct {
		label, name, want string
	}{
		{"no name and no key", "", "no witness key"},
		{"space", "witness example", "space"},
		{"tab", "witness\texample", "space"},
		{"plus", "witness+example", "'+'"},
		{"not UTF-8", "witness.example.com\xff", "UTF-8"},
		{"good", "witness.example.com", ""},
	} {
		t.Run(tc.label, func(t *testing.T) {
			dir := t.TempDir()
			_, _, err := witness.OpenKey(dir, tc.name)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("OpenKey(%q): %v; want an error about %s", tc.name, err, tc.want)
			}
			if tc.name == "" && !errors.Is(err, witness.ErrNoKey) {
				t.Fatalf("OpenKey without a name or key: %v, want ErrNoKey", err)
			}
			if _, err := os.Stat(filepath.Join(dir, witness.KeyFile)); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a key file was written for a refused name: %v", err)
			}
		})
	}
}
