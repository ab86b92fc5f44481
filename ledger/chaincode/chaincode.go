// Package chaincode is Plumbline's Hyperledger Fabric chaincode: a thin
// shell that runs ledger/contract against the peer's world state, so that
// a Fabric network accepts and rejects exactly what the embedded ledger
// does. The program in cmd/plumbline-cc serves it as chaincode-as-a-service.
//
// What the shell adds to the contract, and why:
//
//   - Identity. Every Plumbline organization is bound to one Fabric MSP ID,
//     kept under wire.MSPPrefix. The binding is made when the organization
//     is registered: the authority that registers itself is bound to the
//     MSP that signed that first transaction; an organization registered by
//     another is bound to the envelope's NewOrgMSP, or by default to the
//     registering transaction's MSP. Afterwards a transaction for
//     organization X is accepted only when signed by X's MSP, so an MSP can
//     act for the organizations bound to it and for no other. The user and
//     role come from the envelope, vouched for by that MSP's signature.
//   - Time. The envelope's time when set, otherwise the proposal timestamp
//     (GetTxTimestamp): both are part of the signed proposal, so every
//     endorser computes the same result.
//   - Idempotency. A key is stored per organization with the first
//     transaction's ID and time; a retry returns them with Replayed set and
//     writes nothing.
//   - One chaincode event (wire.EventName) per transaction with what the
//     read model needs: type, arguments, submitter, time and writes.
//     Sequence numbers are not assigned here: a shared counter would make
//     every pair of transactions in a block conflict. The client numbers
//     valid transactions in block order instead.
//   - Version. Transactions run under contract.Latest, which keeps a GTIN
//     index so that concurrent product registrations do not all conflict
//     on a range read of every product (see contract.V2).
//   - Rejections: a *models.Error comes back as an error message that
//     wire.DecodeError turns into the same *models.Error on the client.
package chaincode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/plumbline/plumbline/ledger/chaincode/wire"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// Stub is the part of Fabric's chaincode stub (shim.ChaincodeStubInterface)
// the chaincode uses; tests substitute an in-memory one.
type Stub interface {
	GetState(key string) ([]byte, error)
	PutState(key string, value []byte) error
	GetStateByRange(startKey, endKey string) (shim.StateQueryIteratorInterface, error)
	GetTxID() string
	GetTxTimestamp() (*timestamppb.Timestamp, error)
	SetEvent(name string, payload []byte) error
}

// maxIdemKey bounds an idempotency key, as the embedded ledger does.
const maxIdemKey = 200

// Submit runs the transaction in envelope, signed by a client of MSP mspID,
// and returns the wire.Result JSON. Contract rejections and identity
// failures are *models.Error values; nothing is written then.
func Submit(stub Stub, mspID string, envelope []byte) ([]byte, error) {
	var env wire.Envelope
	dec := json.NewDecoder(bytes.NewReader(envelope))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return nil, models.Invalid("envelope", "cannot be read: %v", err)
	}
	if err := wire.ValidateNamespace(env.Namespace); err != nil {
		return nil, err
	}
	if err := models.ValidateID("org", env.Org); err != nil {
		return nil, err
	}
	st := nsState{stub: stub, ns: env.Namespace}
	var idemKey string
	if env.IdempotencyKey != "" {
		if err := models.ValidateLine("idempotency_key", env.IdempotencyKey, maxIdemKey); err != nil {
			return nil, err
		}
		idemKey = wire.IdemPrefix + env.Org + "/" + env.IdempotencyKey
		raw, err := st.Get(idemKey)
		if err == nil {
			var first wire.Idem
			if err := json.Unmarshal(raw, &first); err != nil {
				return nil, fmt.Errorf("decode idempotency record %s: %w", idemKey, err)
			}
			return json.Marshal(wire.Result{TxID: first.TxID, Time: first.Time, Replayed: true})
		}
		if !errors.Is(err, models.ErrNotFound) {
			return nil, err
		}
	}
	bound, err := st.Get(wire.MSPPrefix + env.Org)
	switch {
	case err == nil && string(bound) != mspID:
		return nil, models.Forbidden("organization %s signs with Fabric MSP %s; this transaction was signed by %s", env.Org, bound, mspID)
	case err != nil && !errors.Is(err, models.ErrNotFound):
		return nil, err
	}
	when := env.Time
	if when.IsZero() {
		ts, err := stub.GetTxTimestamp()
		if err != nil {
			return nil, fmt.Errorf("read transaction timestamp: %w", err)
		}
		when = ts.AsTime()
	}
	// The latest contract version: Fabric never re-executes a committed
	// transaction, so nothing needs the version an old one ran under.
	call := contract.Call{
		TxID: stub.GetTxID(), Type: env.Type, Args: env.Args,
		Org: env.Org, User: env.User, Role: env.Role, Time: when, Version: contract.Latest,
	}
	// The contract checks everything before it writes, and writes only
	// when it accepts, so a rejection leaves the stub untouched.
	writes, err := contract.Execute(st, call)
	if err != nil {
		return nil, err
	}
	if err := bind(st, env, mspID, bound == nil); err != nil {
		return nil, err
	}
	if idemKey != "" {
		b, err := json.Marshal(wire.Idem{TxID: call.TxID, Time: when})
		if err != nil {
			return nil, err
		}
		if err := st.Put(idemKey, b); err != nil {
			return nil, err
		}
	}
	ev := wire.Event{
		Namespace: env.Namespace, TxID: call.TxID, Type: env.Type, Args: env.Args,
		Org: env.Org, User: env.User, Role: env.Role, Time: when,
		Writes: make([]wire.Write, len(writes)),
	}
	for i, w := range writes {
		ev.Writes[i] = wire.Write{Key: w.Key, Value: w.Value}
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	if err := stub.SetEvent(wire.EventName, payload); err != nil {
		return nil, fmt.Errorf("set event: %w", err)
	}
	return json.Marshal(wire.Result{TxID: call.TxID, Time: when})
}

// bind records MSP bindings after the contract accepted env: the
// submitter, if it had none (only the self-registering first authority can
// get this far without one), and the organization env registers.
func bind(st nsState, env wire.Envelope, mspID string, unbound bool) error {
	var reg struct {
		Organization struct {
			ID string `json:"id"`
		} `json:"organization"`
	}
	if env.Type == "RegisterOrganization" {
		if err := json.Unmarshal(env.Args, &reg); err != nil {
			return fmt.Errorf("read registered organization: %w", err)
		}
	}
	newID := reg.Organization.ID
	if unbound {
		if newID != env.Org {
			return models.Forbidden("organization %s is not bound to a Fabric MSP", env.Org)
		}
		return st.Put(wire.MSPPrefix+env.Org, []byte(mspID))
	}
	if newID == "" {
		return nil
	}
	msp := env.NewOrgMSP
	if msp == "" {
		msp = mspID
	}
	if err := models.ValidateID("new_org_msp", msp); err != nil {
		return err
	}
	return st.Put(wire.MSPPrefix+newID, []byte(msp))
}

// State returns the value of key in namespace ns, or a models.ErrNotFound
// error when it is absent.
func State(stub Stub, ns, key string) ([]byte, error) {
	if err := wire.ValidateNamespace(ns); err != nil {
		return nil, err
	}
	if key == "" {
		return nil, models.Invalid("key", "is required")
	}
	return nsState{stub: stub, ns: ns}.Get(key)
}

// nsState adapts a Stub to contract.State inside one namespace.
type nsState struct {
	stub Stub
	ns   string
}

func (s nsState) Get(key string) ([]byte, error) {
	v, err := s.stub.GetState(wire.NamespaceKey(s.ns, key))
	if err != nil {
		return nil, fmt.Errorf("get state %s: %w", key, err)
	}
	if v == nil {
		return nil, models.NotFound("key", "%s is not in the world state", key)
	}
	return v, nil
}

func (s nsState) Put(key string, value []byte) error {
	if err := s.stub.PutState(wire.NamespaceKey(s.ns, key), value); err != nil {
		return fmt.Errorf("put state %s: %w", key, err)
	}
	return nil
}

// maxRune ends a prefix range: every key under prefix sorts before
// prefix+maxRune (the largest code point, valid UTF-8 as Fabric requires).
const maxRune = "\U0010FFFF"

func (s nsState) Range(prefix string, fn func(key string, value []byte) error) error {
	full := wire.NamespaceKey(s.ns, prefix)
	it, err := s.stub.GetStateByRange(full, full+maxRune)
	if err != nil {
		return fmt.Errorf("range %s: %w", prefix, err)
	}
	defer it.Close()
	cut := len(full) - len(prefix)
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return fmt.Errorf("range %s: %w", prefix, err)
		}
		if err := fn(kv.Key[cut:], kv.Value); err != nil {
			if errors.Is(err, contract.ErrStop) {
				return nil
			}
			return err
		}
	}
	return nil
}
