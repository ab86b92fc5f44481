package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
)

// Fabric is the configuration of the Hyperledger Fabric backend: this
// organization's Fabric identity and the peer it talks to. Each
// organization of a consortium runs its own server with its own values.
type Fabric struct {
	// MSPID is the organization's MSP ID (PLUMBLINE_FABRIC_MSP_ID).
	MSPID string
	// Cert and Key are the PEM files of the client identity that signs
	// transactions (PLUMBLINE_FABRIC_CERT, PLUMBLINE_FABRIC_KEY).
	Cert, Key string
	// TLSCA is the PEM CA of the peer's TLS certificate (PLUMBLINE_FABRIC_TLS_CA).
	TLSCA string
	// Peer is the gateway peer's host:port (PLUMBLINE_FABRIC_PEER), and
	// PeerHost the name to check its TLS certificate against when it
	// differs from the host (PLUMBLINE_FABRIC_PEER_HOST).
	Peer, PeerHost string
	// Channel and Chaincode locate Plumbline's chaincode
	// (PLUMBLINE_FABRIC_CHANNEL, default materials; PLUMBLINE_FABRIC_CHAINCODE,
	// default plumbline).
	Channel, Chaincode string
	// OrgMSPs maps organizations this server registers to the MSP they sign
	// with (PLUMBLINE_FABRIC_ORG_MSPS="cement-plant=CementMSP,steel-mill=SteelMSP").
	OrgMSPs map[string]string
	// IndexPath is the event index file (PLUMBLINE_FABRIC_INDEX, default
	// DataDir/fabric-index).
	IndexPath string

	orgMSPsErr error
}

// Defaults of the Fabric settings.
const (
	DefaultFabricChannel   = "materials"
	DefaultFabricChaincode = "plumbline"
)

var mspPair = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}=[A-Za-z0-9][A-Za-z0-9._-]*$`)

func loadFabric(getenv func(string) string) Fabric {
	f := Fabric{
		MSPID: getenv("PLUMBLINE_FABRIC_MSP_ID"), Cert: getenv("PLUMBLINE_FABRIC_CERT"), Key: getenv("PLUMBLINE_FABRIC_KEY"),
		TLSCA: getenv("PLUMBLINE_FABRIC_TLS_CA"), Peer: getenv("PLUMBLINE_FABRIC_PEER"), PeerHost: getenv("PLUMBLINE_FABRIC_PEER_HOST"),
		Channel:   or(getenv("PLUMBLINE_FABRIC_CHANNEL"), DefaultFabricChannel),
		Chaincode: or(getenv("PLUMBLINE_FABRIC_CHAINCODE"), DefaultFabricChaincode),
		IndexPath: getenv("PLUMBLINE_FABRIC_INDEX"),
		OrgMSPs:   map[string]string{},
	}
	for _, p := range strings.Split(getenv("PLUMBLINE_FABRIC_ORG_MSPS"), ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !mspPair.MatchString(p) {
			f.orgMSPsErr = fmt.Errorf("PLUMBLINE_FABRIC_ORG_MSPS: %q is not ORG=MSPID, e.g. cement-plant=CementMSP", p)
			continue
		}
		org, msp, _ := strings.Cut(p, "=")
		f.OrgMSPs[org] = msp
	}
	return f
}

// validate returns one error per problem with the Fabric settings.
func (f *Fabric) validate() []error {
	var errs []error
	if f.orgMSPsErr != nil {
		errs = append(errs, f.orgMSPsErr)
	}
	if f.MSPID == "" {
		errs = append(errs, errors.New("PLUMBLINE_FABRIC_MSP_ID: required with PLUMBLINE_LEDGER=fabric; your organization's MSP ID, e.g. Org1MSP"))
	}
	file := func(name, path, what string) {
		if path == "" {
			errs = append(errs, fmt.Errorf("%s: required with PLUMBLINE_LEDGER=fabric; the PEM file of %s", name, what))
			return
		}
		if _, err := os.Stat(path); err != nil {
			errs = append(errs, fmt.Errorf("%s: cannot read %s (%s)", name, path, what))
		}
	}
	file("PLUMBLINE_FABRIC_CERT", f.Cert, "your client identity's certificate")
	file("PLUMBLINE_FABRIC_KEY", f.Key, "your client identity's private key")
	file("PLUMBLINE_FABRIC_TLS_CA", f.TLSCA, "the CA that signed your peer's TLS certificate")
	if f.Peer == "" {
		errs = append(errs, errors.New("PLUMBLINE_FABRIC_PEER: required with PLUMBLINE_LEDGER=fabric; your peer's host:port, e.g. peer0.org1.example.com:7051"))
	} else if _, _, err := net.SplitHostPort(f.Peer); err != nil {
		errs = append(errs, fmt.Errorf("PLUMBLINE_FABRIC_PEER: %q is not host:port, e.g. peer0.org1.example.com:7051", f.Peer))
	}
	return errs
}
