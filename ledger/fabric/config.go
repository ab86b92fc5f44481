package fabric

import (
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/identity"

	"github.com/plumbline/plumbline/ledger/chaincode/wire"
)

// Config is everything the Fabric backend needs: who this server is
// (an MSP ID, its certificate and private key), which peer it talks to and
// how it trusts it, and where the chaincode is.
type Config struct {
	// MSPID is this organization's Fabric MSP ID, e.g. Org1MSP.
	MSPID string
	// CertPath and KeyPath are the PEM files of the client identity that
	// signs every proposal (a "client" of MSPID).
	CertPath string
	KeyPath  string
	// TLSCACertPath is the PEM CA that the peer's TLS certificate chains to.
	TLSCACertPath string
	// PeerEndpoint is the gateway peer's host:port.
	PeerEndpoint string
	// PeerHostOverride, when set, is the name checked against the peer's
	// TLS certificate instead of the endpoint's host.
	PeerHostOverride string
	// Channel and Chaincode name where Plumbline's chaincode runs.
	Channel   string
	Chaincode string
	// Namespace selects an independent ledger on the same chaincode; empty
	// (the default) is the main one. Tests use a fresh one per ledger.
	Namespace string
	// IndexPath is the file where the event index (which block holds which
	// sequence number) is kept, so that a restarted server resumes without
	// rescanning the chain. Empty keeps it in memory only.
	IndexPath string
	// StartBlock is the first block scanned when the index is empty: 0 for
	// the main namespace; a fresh namespace may start at the current height.
	StartBlock uint64
	// OrgMSPs gives, for organizations this server registers, the MSP ID
	// they will sign with (see ledger/chaincode); others get MSPID.
	OrgMSPs map[string]string
	// Timeouts; zero means the default in parentheses.
	DialTimeout         time.Duration // connecting to the peer (10 s)
	EvaluateTimeout     time.Duration // a query (5 s)
	EndorseTimeout      time.Duration // endorsing a proposal (15 s)
	SubmitTimeout       time.Duration // handing the transaction to the orderer (5 s)
	CommitStatusTimeout time.Duration // waiting for the commit (1 min)
	// MaxAttempts bounds how often a transaction is endorsed again after an
	// MVCC read conflict or an orderer that is briefly unavailable (12).
	MaxAttempts int
	// Logger receives outage and recovery reports (slog.Default()).
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.DialTimeout, 10*time.Second)
	def(&c.EvaluateTimeout, 5*time.Second)
	def(&c.EndorseTimeout, 15*time.Second)
	def(&c.SubmitTimeout, 5*time.Second)
	def(&c.CommitStatusTimeout, time.Minute)
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 12
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate reports every missing or malformed setting, each naming the
// field and what would be accepted.
func (c *Config) Validate() error {
	var errs []error
	need := func(name, v string) {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is required", name))
		}
	}
	need("MSP ID", c.MSPID)
	need("certificate file", c.CertPath)
	need("private key file", c.KeyPath)
	need("TLS CA certificate file", c.TLSCACertPath)
	need("peer endpoint", c.PeerEndpoint)
	need("channel", c.Channel)
	need("chaincode name", c.Chaincode)
	if c.PeerEndpoint != "" {
		if _, _, err := net.SplitHostPort(c.PeerEndpoint); err != nil {
			errs = append(errs, fmt.Errorf("peer endpoint %q is not host:port, e.g. peer0.org1.example.com:7051", c.PeerEndpoint))
		}
	}
	if err := wire.ValidateNamespace(c.Namespace); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// credentials reads the identity, signer and TLS roots Config names.
func (c *Config) credentials() (*identity.X509Identity, identity.Sign, *x509.CertPool, error) {
	certPEM, err := os.ReadFile(c.CertPath)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read certificate: %w", err)
	}
	cert, err := identity.CertificateFromPEM(certPEM)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("parse certificate %s: %w", c.CertPath, err)
	}
	id, err := identity.NewX509Identity(c.MSPID, cert)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("client identity: %w", err)
	}
	keyPEM, err := os.ReadFile(c.KeyPath)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read private key: %w", err)
	}
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("parse private key %s: %w", c.KeyPath, err)
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("signer: %w", err)
	}
	caPEM, err := os.ReadFile(c.TLSCACertPath)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read TLS CA certificate: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, nil, nil, fmt.Errorf("TLS CA file %s holds no PEM certificate", c.TLSCACertPath)
	}
	return id, sign, pool, nil
}
