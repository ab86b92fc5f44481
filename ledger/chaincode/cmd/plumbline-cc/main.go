// Command plumbline-cc serves Plumbline's chaincode (package
// ledger/chaincode) as chaincode-as-a-service: the peer's ccaas external
// builder connects to it at the address in the chaincode package's
// connection.json.
//
// Environment:
//
//	CHAINCODE_SERVER_ADDRESS  host:port to listen on, e.g. 127.0.0.1:9999 (required)
//	CHAINCODE_ID              the package ID the peer installed, e.g. plumbline_1:ab12… (required)
//	CHAINCODE_TLS_CERT_FILE   PEM server certificate; with CHAINCODE_TLS_KEY_FILE turns TLS on
//	CHAINCODE_TLS_KEY_FILE    PEM private key of that certificate
//	CHAINCODE_TLS_CLIENT_CA_FILE  PEM CA that peers' client certificates must chain to (optional)
//
// Without TLS files the server speaks plaintext gRPC; keep it on loopback
// or a private network then.
package main

import (
	"fmt"
	"log"
	"os"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"

	"github.com/plumbline/plumbline/ledger/chaincode"
)

func main() {
	if err := run(os.Getenv); err != nil {
		log.SetFlags(0)
		log.Fatalf("plumbline-cc: %v", err)
	}
}

func run(getenv func(string) string) error {
	addr, id := getenv("CHAINCODE_SERVER_ADDRESS"), getenv("CHAINCODE_ID")
	if addr == "" || id == "" {
		return fmt.Errorf("CHAINCODE_SERVER_ADDRESS and CHAINCODE_ID must be set (the listen address and the installed package ID)")
	}
	tls, err := tlsProps(getenv)
	if err != nil {
		return err
	}
	cc, err := chaincode.New()
	if err != nil {
		return fmt.Errorf("create chaincode: %w", err)
	}
	srv := &shim.ChaincodeServer{CCID: id, Address: addr, CC: cc, TLSProps: tls}
	log.Printf("plumbline-cc: serving %s on %s (TLS %v)", id, addr, !tls.Disabled)
	if err := srv.Start(); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

func tlsProps(getenv func(string) string) (shim.TLSProperties, error) {
	certFile, keyFile := getenv("CHAINCODE_TLS_CERT_FILE"), getenv("CHAINCODE_TLS_KEY_FILE")
	if certFile == "" && keyFile == "" {
		return shim.TLSProperties{Disabled: true}, nil
	}
	if certFile == "" || keyFile == "" {
		return shim.TLSProperties{}, fmt.Errorf("set both CHAINCODE_TLS_CERT_FILE and CHAINCODE_TLS_KEY_FILE, or neither")
	}
	p := shim.TLSProperties{}
	var err error
	if p.Cert, err = os.ReadFile(certFile); err != nil {
		return p, fmt.Errorf("read TLS certificate: %w", err)
	}
	if p.Key, err = os.ReadFile(keyFile); err != nil {
		return p, fmt.Errorf("read TLS key: %w", err)
	}
	if ca := getenv("CHAINCODE_TLS_CLIENT_CA_FILE"); ca != "" {
		if p.ClientCACerts, err = os.ReadFile(ca); err != nil {
			return p, fmt.Errorf("read TLS client CA: %w", err)
		}
	}
	return p, nil
}
