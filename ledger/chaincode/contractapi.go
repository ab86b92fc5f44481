package chaincode

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/plumbline/plumbline/ledger/chaincode/wire"
)

// Contract exposes Submit and State as the chaincode's transactions
// (fabric-contract-api-go). Errors leave it as text; a contract rejection
// is encoded with wire.EncodeError.
type Contract struct {
	contractapi.Contract
}

// Submit runs one Plumbline transaction; envelope is a wire.Envelope and
// the result a wire.Result, both JSON.
func (c *Contract) Submit(ctx contractapi.TransactionContextInterface, envelope string) (string, error) {
	msp, err := ctx.GetClientIdentity().GetMSPID()
	if err != nil {
		return "", err
	}
	out, err := Submit(ctx.GetStub(), msp, []byte(envelope))
	if err != nil {
		return "", encoded{err}
	}
	return string(out), nil
}

// State returns the world-state value of key in namespace ns.
func (c *Contract) State(ctx contractapi.TransactionContextInterface, ns, key string) (string, error) {
	v, err := State(ctx.GetStub(), ns, key)
	if err != nil {
		return "", encoded{err}
	}
	return string(v), nil
}

// New returns the chaincode, ready for shim.ChaincodeServer or Start.
func New() (*contractapi.ContractChaincode, error) {
	return contractapi.NewChaincode(&Contract{})
}

// encoded gives an error the message wire.EncodeError makes of it.
type encoded struct{ err error }

func (e encoded) Error() string { return wire.EncodeError(e.err) }
func (e encoded) Unwrap() error { return e.err }
