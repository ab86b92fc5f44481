// Package keys keeps the embedded ledger's keys in a private folder: a
// local certificate authority (ECDSA P-256), one key and X.509 certificate
// per organization issued by that CA (as Fabric's MSP does), and the
// Ed25519 note signer that signs checkpoints.
//
// Layout of the folder (mode 0700, every file mode 0600):
//
//	ca.pem          CA certificate and PKCS#8 private key
//	ca.crt          CA certificate only, for verifiers
//	checkpoint.key  note signer key (golang.org/x/mod/sumdb/note)
//	checkpoint.pub  note verifier key
//	orgs/ORG.pem    the organization's certificate and PKCS#8 private key
package keys

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/plumbline/plumbline/models"
)

// validity of every certificate: an archive must stay verifiable.
const validity = 100 * 365 * 24 * time.Hour

// Store holds the CA, the checkpoint signer and the organizations' keys.
type Store struct {
	dir   string
	now   func() time.Time
	ca    *x509.Certificate
	caKey *ecdsa.PrivateKey
	ns    note.Signer
	vkey  string

	mu   sync.Mutex
	orgs map[string]*OrgKey
}

// OrgKey is an organization's signing key and certificate.
type OrgKey struct {
	Org         string
	Cert        *x509.Certificate
	Fingerprint [32]byte // SHA-256 of Cert.Raw
	key         *ecdsa.PrivateKey
}

// Sign signs a SHA-256 digest with the organization's key (ASN.1 ECDSA).
func (k *OrgKey) Sign(digest []byte) ([]byte, error) {
	return ecdsa.SignASN1(rand.Reader, k.key, digest)
}

// Open loads the keys in dir, creating the folder, the CA and the
// checkpoint signer on first use. name is the checkpoint signer's name
// (e.g. "plumbline/site-7"); an existing signer must have that name
// unless name is empty.
func Open(dir, name string, now func() time.Time) (*Store, error) {
	if dir == "" {
		return nil, errors.New("key folder is required")
	}
	if now == nil {
		now = time.Now
	}
	if err := ensureDir(filepath.Join(dir, "orgs")); err != nil {
		return nil, err
	}
	if err := ensureDir(dir); err != nil {
		return nil, err
	}
	s := &Store{dir: dir, now: now, orgs: map[string]*OrgKey{}}
	if err := s.loadCA(); err != nil {
		return nil, err
	}
	if err := s.loadNoteKey(name); err != nil {
		return nil, err
	}
	return s, nil
}

// CA returns the CA certificate.
func (s *Store) CA() *x509.Certificate { return s.ca }

// NoteSigner returns the checkpoint signer.
func (s *Store) NoteSigner() note.Signer { return s.ns }

// VerifierKey returns the checkpoint verifier key text.
func (s *Store) VerifierKey() string { return s.vkey }

func (s *Store) loadCA() error {
	path := filepath.Join(s.dir, "ca.pem")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return fmt.Errorf("generate CA key: %w", err)
		}
		t := s.now()
		tmpl := &x509.Certificate{
			SerialNumber:          serial(),
			Subject:               pkix.Name{CommonName: "Plumbline ledger CA", Organization: []string{"Plumbline"}},
			NotBefore:             t.Add(-time.Hour),
			NotAfter:              t.Add(validity),
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
			BasicConstraintsValid: true,
			IsCA:                  true,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			return fmt.Errorf("create CA certificate: %w", err)
		}
		data, err := certAndKeyPEM(der, key)
		if err != nil {
			return err
		}
		if _, err := createExclusive(path, data); err != nil {
			return err
		}
	}
	cert, key, err := readCertAndKey(path)
	if err != nil {
		return fmt.Errorf("CA: %w", err)
	}
	s.ca, s.caKey = cert, key
	_, err = createExclusive(filepath.Join(s.dir, "ca.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	return err
}

func (s *Store) loadNoteKey(name string) error {
	path := filepath.Join(s.dir, "checkpoint.key")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if name == "" {
			name = "plumbline/local"
		}
		skey, vkey, err := note.GenerateKey(rand.Reader, name)
		if err != nil {
			return fmt.Errorf("generate checkpoint key %q: %w", name, err)
		}
		if _, err := createExclusive(path, []byte(skey+"\n")); err != nil {
			return err
		}
		if _, err := createExclusive(filepath.Join(s.dir, "checkpoint.pub"), []byte(vkey+"\n")); err != nil {
			return err
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read checkpoint key: %w", err)
	}
	ns, err := note.NewSigner(strings.TrimSpace(string(raw)))
	if err != nil {
		return fmt.Errorf("checkpoint key %s: %w", path, err)
	}
	if name != "" && ns.Name() != name {
		return fmt.Errorf("checkpoint key in %s is named %q, not %q", s.dir, ns.Name(), name)
	}
	pub, err := os.ReadFile(filepath.Join(s.dir, "checkpoint.pub"))
	if err != nil {
		return fmt.Errorf("read checkpoint verifier key: %w", err)
	}
	vkey := strings.TrimSpace(string(pub))
	v, err := note.NewVerifier(vkey)
	if err != nil || v.Name() != ns.Name() || v.KeyHash() != ns.KeyHash() {
		return fmt.Errorf("checkpoint.pub in %s does not match checkpoint.key (%v)", s.dir, err)
	}
	s.ns, s.vkey = ns, vkey
	return nil
}

// Org returns the key of organization org, creating it and its certificate
// on first use.
func (s *Store) Org(org string) (*OrgKey, error) {
	if err := models.ValidateID("org", org); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.orgs[org]; ok {
		return k, nil
	}
	path := filepath.Join(s.dir, "orgs", org+".pem")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := s.issue(org, path); err != nil {
			return nil, err
		}
	}
	cert, key, err := readCertAndKey(path)
	if err != nil {
		return nil, fmt.Errorf("key of %s: %w", org, err)
	}
	if _, err := CheckOrgCert(s.ca, cert.Raw, org); err != nil {
		return nil, fmt.Errorf("key of %s: %w", org, err)
	}
	k := &OrgKey{Org: org, Cert: cert, Fingerprint: sha256.Sum256(cert.Raw), key: key}
	s.orgs[org] = k
	return k, nil
}

func (s *Store) issue(org, path string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate key of %s: %w", org, err)
	}
	t := s.now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: org, Organization: []string{org}},
		NotBefore:    t.Add(-time.Hour),
		NotAfter:     t.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.ca, &key.PublicKey, s.caKey)
	if err != nil {
		return fmt.Errorf("issue certificate of %s: %w", org, err)
	}
	data, err := certAndKeyPEM(der, key)
	if err != nil {
		return err
	}
	_, err = createExclusive(path, data)
	return err
}

// CheckOrgCert parses a DER certificate and checks that the CA issued it to
// org for ECDSA P-256 signing; it returns the certified public key.
func CheckOrgCert(ca *x509.Certificate, der []byte, org string) (*ecdsa.PublicKey, error) {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate: %w", err)
	}
	if err := cert.CheckSignatureFrom(ca); err != nil {
		return nil, fmt.Errorf("certificate of %s is not issued by the ledger CA: %w", org, err)
	}
	if len(cert.Subject.Organization) != 1 || cert.Subject.Organization[0] != org {
		return nil, fmt.Errorf("certificate names organization %v, not %q", cert.Subject.Organization, org)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("certificate of %s does not hold an ECDSA P-256 key", org)
	}
	return pub, nil
}

// ParseCA parses a PEM CA certificate (the contents of ca.crt).
func ParseCA(pemData []byte) (*x509.Certificate, error) {
	b, _ := pem.Decode(pemData)
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	return x509.ParseCertificate(b.Bytes)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

func certAndKeyPEM(der []byte, key *ecdsa.PrivateKey) ([]byte, error) {
	k, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k})...), nil
}

func readCertAndKey(path string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	var cert *x509.Certificate
	var key *ecdsa.PrivateKey
	for b, rest := pem.Decode(raw); b != nil; b, rest = pem.Decode(rest) {
		switch b.Type {
		case "CERTIFICATE":
			if cert, err = x509.ParseCertificate(b.Bytes); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", path, err)
			}
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", path, err)
			}
			ek, ok := k.(*ecdsa.PrivateKey)
			if !ok {
				return nil, nil, fmt.Errorf("%s: key is not ECDSA", path)
			}
			key = ek
		}
	}
	if cert == nil || key == nil {
		return nil, nil, fmt.Errorf("%s: needs a certificate and a private key", path)
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, nil, fmt.Errorf("%s: key does not match certificate", path)
	}
	return cert, key, nil
}
