package chaincode

import (
	"fmt"
	"sort"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/cid"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/queryresult"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// fakeStub is an in-memory stand-in for the peer at the network boundary
// (DESIGN rule 5). Like a peer, it lets a transaction read only committed
// state; its writes and event become visible on commit. Methods the
// chaincode does not use are left to the embedded nil interface (a call
// panics, which a test would show).
type fakeStub struct {
	shim.ChaincodeStubInterface
	committed map[string][]byte
	pending   map[string][]byte
	txID      string
	ts        time.Time
	event     []byte
	eventName string
}

func newFakeStub() *fakeStub {
	return &fakeStub{committed: map[string][]byte{}}
}

// begin starts transaction txID at ts.
func (s *fakeStub) begin(txID string, ts time.Time) {
	s.txID, s.ts, s.pending, s.event, s.eventName = txID, ts, map[string][]byte{}, nil, ""
}

// commit applies the pending writes.
func (s *fakeStub) commit() {
	for k, v := range s.pending {
		s.committed[k] = v
	}
	s.pending = map[string][]byte{}
}

func (s *fakeStub) GetState(key string) ([]byte, error) { return s.committed[key], nil }
func (s *fakeStub) PutState(key string, value []byte) error {
	s.pending[key] = value
	return nil
}
func (s *fakeStub) GetTxID() string { return s.txID }
func (s *fakeStub) GetTxTimestamp() (*timestamppb.Timestamp, error) {
	return timestamppb.New(s.ts), nil
}
func (s *fakeStub) SetEvent(name string, payload []byte) error {
	s.eventName, s.event = name, payload
	return nil
}
func (s *fakeStub) GetStateByRange(start, end string) (shim.StateQueryIteratorInterface, error) {
	var kvs []*queryresult.KV
	for k, v := range s.committed {
		if k >= start && k < end {
			kvs = append(kvs, &queryresult.KV{Key: k, Value: v})
		}
	}
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].Key < kvs[j].Key })
	return &fakeIter{kvs: kvs}, nil
}

type fakeIter struct{ kvs []*queryresult.KV }

func (it *fakeIter) HasNext() bool { return len(it.kvs) > 0 }
func (it *fakeIter) Close() error  { return nil }
func (it *fakeIter) Next() (*queryresult.KV, error) {
	kv := it.kvs[0]
	it.kvs = it.kvs[1:]
	return kv, nil
}

// fakeID is a client identity of one MSP.
type fakeID struct {
	cid.ClientIdentity
	msp string
}

func (f fakeID) GetMSPID() (string, error) { return f.msp, nil }

// txID returns a Fabric-like transaction ID (64 hex digits) for n.
func txID(n int) string { return fmt.Sprintf("%064x", n) }
