package keys

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestKeysCreatedPrivateAndStable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	now := func() time.Time { return time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC) }
	s, err := Open(dir, "plumbline/test", now)
	if err != nil {
		t.Fatal(err)
	}
	k, err := s.Org("steel-mill")
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
		t.Errorf("key folder mode %v, want 0700", st.Mode().Perm())
	}
	for _, f := range []string{"ca.pem", "ca.crt", "checkpoint.key", "checkpoint.pub", "orgs/steel-mill.pem"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	if _, err := CheckOrgCert(s.CA(), k.Cert.Raw, "steel-mill"); err != nil {
		t.Fatal(err)
	}
	if _, err := CheckOrgCert(s.CA(), k.Cert.Raw, "quarry"); err == nil {
		t.Error("a certificate of steel-mill passed as quarry's")
	}
	other, err := Open(t.TempDir(), "", now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CheckOrgCert(other.CA(), k.Cert.Raw, "steel-mill"); err == nil {
		t.Error("a certificate passed under a different CA")
	}
	again, err := Open(dir, "", now)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := again.Org("steel-mill")
	if err != nil {
		t.Fatal(err)
	}
	if k2.Fingerprint != k.Fingerprint || again.VerifierKey() != s.VerifierKey() {
		t.Error("reopening the key folder changed the keys")
	}
	if _, err := Open(dir, "plumbline/other", now); err == nil {
		t.Error("opening keys under another ledger name succeeded")
	}
	if _, err := s.Org("../escape"); err == nil {
		t.Error("an organization ID with a path in it was accepted")
	}
	ca, err := ParseCA(mustRead(t, filepath.Join(dir, "ca.crt")))
	if err != nil || !ca.Equal(s.CA()) {
		t.Fatalf("ParseCA(ca.crt) = %v", err)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
