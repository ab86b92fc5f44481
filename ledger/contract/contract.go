// Package contract is Plumbline's smart contract: every transaction type and
// its business rules (custody, quantity conservation, hold points, recalls,
// permissions by organization kind and role).
//
// It is deterministic Go over a tiny key-value State, exactly what Fabric
// chaincode offers, so that the embedded sequencer and the Fabric chaincode
// run the same code and accept and reject exactly the same transactions.
// It never reads the clock, random numbers, maps in iteration order or any
// database; time comes from the transaction (Call.Time).
package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/plumbline/plumbline/models"
)

// State is the world state a transaction reads and writes.
type State interface {
	// Get returns the value stored at key, or an error wrapping
	// models.ErrNotFound when the key is absent.
	Get(key string) ([]byte, error)
	// Put stores value at key.
	Put(key string, value []byte) error
	// Range calls fn for every key starting with prefix, in ascending key
	// order, stopping early (and returning nil) when fn returns ErrStop.
	Range(prefix string, fn func(key string, value []byte) error) error
}

// ErrStop ends a Range early without an error.
var ErrStop = fmt.Errorf("stop range")

// Call is one transaction as the contract sees it.
type Call struct {
	TxID string
	Type string
	Args json.RawMessage
	Org  string
	User string
	Role models.Role
	Time time.Time
	// Version is the contract version the transaction runs under; zero
	// means V1. It is an input like Time: a backend that replays its
	// history to verify it must pass each transaction the version it first
	// ran under, or the replay writes differ.
	Version int
}

// Contract versions. A version may change which keys a transaction reads
// and writes, or accept a transaction type the versions before it refuse
// (V3), or refuse what they accepted (V4); never what an accepted transaction's records say. Every entry
// records the version it ran under, and replay passes it back.
const (
	// V1 is the contract as first released. The embedded ledger runs it
	// (it passes no version), so every ledger written before versions
	// existed replays exactly as it was written.
	V1 = 1
	// V2 keeps an index of GTINs (models.PrefixGTIN): registering a product
	// with a GTIN reads one index key instead of every product, so that on
	// Fabric concurrent registrations of different GTINs do not conflict.
	// The first V2 registration with a GTIN on a ledger without the index
	// builds it from the products already there (models.KeyGTINIndexed).
	V2 = 2
	// V3 accepts ContinueLog: the first entry under a new log origin, which
	// records the last witnessed checkpoint of the log whose newer entries
	// were lost for good.
	V3 = 3
	// V4 guards production dates (a batch's, a transformation output's, a
	// correction's): one after the transaction's day plus one is refused,
	// and one more than OldDateYears before it needs the submitter's
	// confirmation (confirm_old_date), a field the versions before refuse.
	// It also accepts names in other languages for organizations, their
	// sites and products (names, site_names).
	V4 = 4
	// Latest is the newest version; new entries of both backends run it.
	Latest = V4
)

// Write is one key written by a transaction and its new value.
type Write struct {
	Key   string
	Value []byte
}

// Execute runs c against st. On success every write has been Put to st, in
// ascending key order, and the same writes are returned. On rejection it
// returns a *models.Error saying why, and st is untouched.
func Execute(st State, c Call) ([]Write, error) {
	h, ok := handlers[c.Type]
	if !ok {
		return nil, models.Invalid("type", "%q is not a transaction type; known types: %s", c.Type, typeList())
	}
	// The transaction ID names usage, inspection, recall and correction
	// records, and the user is stored on them: both must be plain IDs
	// (Fabric's are 64 hexadecimal characters).
	if err := models.ValidateID("tx_id", c.TxID); err != nil {
		return nil, err
	}
	if err := models.ValidateID("org", c.Org); err != nil {
		return nil, err
	}
	if err := models.ValidateID("user", c.User); err != nil {
		return nil, err
	}
	if !c.Role.Valid() {
		return nil, models.Invalid("role", "%q is not one of admin, operator, inspector, viewer", c.Role)
	}
	if c.Time.IsZero() {
		return nil, models.Invalid("time", "is required")
	}
	if c.Version < 0 || c.Version > Latest {
		return nil, models.Invalid("version", "contract version %d is not known (this contract runs 1 to %d)", c.Version, Latest)
	}
	tc := &txc{call: c, st: st, buf: map[string][]byte{}}
	if err := h.run(tc, c.Args); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(tc.buf))
	for k := range tc.buf {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	writes := make([]Write, len(keys))
	for i, k := range keys {
		writes[i] = Write{Key: k, Value: tc.buf[k]}
		if err := st.Put(k, tc.buf[k]); err != nil {
			return nil, fmt.Errorf("write %s: %w", k, err)
		}
	}
	return writes, nil
}

// Canonical returns the canonical bytes of a transaction's arguments: the
// arguments decoded strictly (unknown fields are an error) into the type's
// argument struct and encoded again, so that equal arguments always have
// equal bytes.
func Canonical(typ string, args json.RawMessage) ([]byte, error) {
	h, ok := handlers[typ]
	if !ok {
		return nil, models.Invalid("type", "%q is not a transaction type; known types: %s", typ, typeList())
	}
	return h.canonical(args)
}

// Types returns the names of every transaction type, sorted.
func Types() []string {
	names := make([]string, 0, len(handlers))
	for n := range handlers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func typeList() string {
	var b bytes.Buffer
	for i, n := range Types() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n)
	}
	return b.String()
}

type handler struct {
	run       func(tc *txc, raw json.RawMessage) error
	canonical func(raw json.RawMessage) ([]byte, error)
}

var handlers = map[string]handler{}

// validator is implemented by every argument struct.
type validator interface{ Validate() error }

// register adds a transaction type whose arguments decode into A.
func register[A any, PA interface {
	*A
	validator
}](name string, fn func(tc *txc, a PA) error) {
	decode := func(raw json.RawMessage) (PA, error) {
		a := PA(new(A))
		if len(bytes.TrimSpace(raw)) == 0 {
			return nil, models.Invalid("args", "are required")
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(a); err != nil {
			return nil, models.Invalid("args", "cannot be read as %s arguments: %v", name, err)
		}
		if dec.More() {
			return nil, models.Invalid("args", "have data after the JSON object")
		}
		if err := a.Validate(); err != nil {
			return nil, err
		}
		return a, nil
	}
	handlers[name] = handler{
		run: func(tc *txc, raw json.RawMessage) error {
			a, err := decode(raw)
			if err != nil {
				return err
			}
			return fn(tc, a)
		},
		canonical: func(raw json.RawMessage) ([]byte, error) {
			a, err := decode(raw)
			if err != nil {
				return nil, err
			}
			return json.Marshal(a)
		},
	}
}
