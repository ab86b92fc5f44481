// Package wire is the protocol between Plumbline's chaincode
// (ledger/chaincode) and its Fabric client (ledger/fabric): the function
// names, the JSON of a submitted transaction (Envelope), of its result
// (Result) and of the chaincode event every committed transaction emits
// (Event), the world-state keys the chaincode keeps for itself, and the
// text encoding of contract rejections inside chaincode error messages.
//
// It imports only models and the standard library, so the server binary
// does not link the chaincode shim.
package wire

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/plumbline/plumbline/models"
)

// Chaincode function names.
const (
	// FnSubmit runs one transaction: Submit(envelope JSON) returns Result JSON.
	FnSubmit = "Submit"
	// FnState reads one world-state key: State(namespace, key) returns the value.
	FnState = "State"
)

// EventName is the name of the chaincode event every committed Plumbline
// transaction sets; its payload is an Event.
const EventName = "plumbline"

// Keys the chaincode keeps beside the contract's records. None of them
// starts with a contract prefix (models.Prefix*), so contract ranges never
// see them, and they are never part of an Event's writes.
const (
	// IdemPrefix + org + "/" + key holds an Idem record.
	IdemPrefix = "~idem/"
	// MSPPrefix + org holds the MSP ID the organization's transactions
	// must be signed by.
	MSPPrefix = "~msp/"
	// nsPrefix + namespace + "/" starts every key of a namespaced ledger.
	nsPrefix = "~ns/"
)

// NamespaceKey returns the world-state key under which namespace ns keeps
// key. The empty namespace is the channel's main ledger and keeps keys as
// they are; any other namespace is an independent ledger on the same
// channel (tests use one per fresh ledger).
func NamespaceKey(ns, key string) string {
	if ns == "" {
		return key
	}
	return nsPrefix + ns + "/" + key
}

// ValidateNamespace checks a namespace: empty, or an ID (models.ValidateID).
func ValidateNamespace(ns string) error {
	if ns == "" {
		return nil
	}
	return models.ValidateID("namespace", ns)
}

// Envelope is one transaction as the client submits it to FnSubmit.
type Envelope struct {
	Namespace string          `json:"ns,omitempty"`
	Type      string          `json:"type"`
	Args      json.RawMessage `json:"args"`
	Org       string          `json:"org"`
	User      string          `json:"user"`
	Role      models.Role     `json:"role"`
	// Time, when set, is the transaction's time; when zero the chaincode
	// uses the proposal's timestamp (GetTxTimestamp), which every endorser
	// sees alike.
	Time           time.Time `json:"time,omitzero"`
	IdempotencyKey string    `json:"idempotency_key,omitempty"`
	// NewOrgMSP, for RegisterOrganization, is the MSP ID the registered
	// organization will sign with; empty means the submitter's own MSP.
	NewOrgMSP string `json:"new_org_msp,omitempty"`
}

// Result is what FnSubmit returns.
type Result struct {
	TxID string    `json:"tx_id"`
	Time time.Time `json:"time"`
	// Replayed says that the idempotency key was known: TxID and Time are
	// those of the first transaction, and this one wrote nothing.
	Replayed bool `json:"replayed,omitempty"`
}

// Idem is the record stored under IdemPrefix.
type Idem struct {
	TxID string    `json:"tx_id"`
	Time time.Time `json:"time"`
}

// Write is one world-state key a transaction wrote (without namespace).
type Write struct {
	Key   string `json:"key"`
	Value []byte `json:"value"`
}

// Event is the payload of the chaincode event of a transaction.
type Event struct {
	Namespace string          `json:"ns,omitempty"`
	TxID      string          `json:"tx_id"`
	Type      string          `json:"type"`
	Args      json.RawMessage `json:"args"`
	Org       string          `json:"org"`
	User      string          `json:"user"`
	Role      models.Role     `json:"role"`
	Time      time.Time       `json:"time"`
	Writes    []Write         `json:"writes"`
}

// errMarker starts an encoded *models.Error inside a chaincode error message.
const errMarker = "plumbline-error:"

var kinds = map[error]string{
	models.ErrInvalid:   "invalid",
	models.ErrNotFound:  "not_found",
	models.ErrConflict:  "conflict",
	models.ErrForbidden: "forbidden",
	models.ErrTampered:  "tampered",
}

type wireError struct {
	Kind    string   `json:"kind"`
	Field   string   `json:"field,omitempty"`
	Message string   `json:"message"`
	Code    string   `json:"code,omitempty"`
	Params  []string `json:"params,omitempty"`
	// More are the other fields' errors of the same check (models.Error).
	More []wireError `json:"more,omitempty"`
}

func toWire(me *models.Error) wireError {
	kind, ok := kinds[me.Kind]
	if !ok {
		kind = "invalid"
	}
	we := wireError{Kind: kind, Field: me.Field, Message: me.Message, Code: me.Code, Params: me.Params}
	for _, m := range me.More {
		we.More = append(we.More, toWire(m))
	}
	return we
}

func fromWire(we wireError) (*models.Error, bool) {
	for k, name := range kinds {
		if name == we.Kind {
			me := &models.Error{Kind: k, Field: we.Field, Message: we.Message, Code: we.Code, Params: we.Params}
			for _, m := range we.More {
				if e, ok := fromWire(m); ok {
					me.More = append(me.More, e)
				}
			}
			return me, true
		}
	}
	return nil, false
}

// EncodeError returns the chaincode error message for err: a *models.Error
// becomes "plumbline-error:" followed by its JSON, so that DecodeError can
// find it again in whatever text Fabric wraps around it; anything else
// keeps its own message.
func EncodeError(err error) string {
	var me *models.Error
	if !errors.As(err, &me) {
		return err.Error()
	}
	b, _ := json.Marshal(toWire(me))
	return errMarker + string(b)
}

// DecodeError finds an error encoded by EncodeError in s and returns it,
// or false when s holds none.
func DecodeError(s string) (*models.Error, bool) {
	i := strings.Index(s, errMarker)
	if i < 0 {
		return nil, false
	}
	var we wireError
	if err := json.NewDecoder(strings.NewReader(s[i+len(errMarker):])).Decode(&we); err != nil {
		return nil, false
	}
	return fromWire(we)
}
