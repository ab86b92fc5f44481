package chaincode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/plumbline/plumbline/ledger/chaincode/wire"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// cc drives the chaincode through the contract-api wrapper, as a peer does.
type cc struct {
	t    *testing.T
	stub *fakeStub
	n    int
}

func newCC(t *testing.T) *cc { return &cc{t: t, stub: newFakeStub()} }

// submit runs env as MSP msp and commits it when accepted.
func (c *cc) submit(msp string, env wire.Envelope) (wire.Result, error) {
	c.t.Helper()
	c.n++
	c.stub.begin(txID(c.n), t0.Add(time.Duration(c.n)*time.Hour))
	b, err := json.Marshal(env)
	if err != nil {
		c.t.Fatal(err)
	}
	ctx := &contractapi.TransactionContext{}
	ctx.SetStub(c.stub)
	ctx.SetClientIdentity(fakeID{msp: msp})
	out, err := (&Contract{}).Submit(ctx, string(b))
	if err != nil {
		if len(c.stub.pending) > 0 || c.stub.event != nil {
			c.t.Fatalf("rejected transaction left writes %v or an event", c.stub.pending)
		}
		return wire.Result{}, err
	}
	c.stub.commit()
	var r wire.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		c.t.Fatalf("result %q: %v", out, err)
	}
	return r, nil
}

func (c *cc) mustSubmit(msp string, env wire.Envelope) wire.Result {
	c.t.Helper()
	r, err := c.submit(msp, env)
	if err != nil {
		c.t.Fatalf("submit %s by %s (%s): %v", env.Type, env.Org, msp, err)
	}
	return r
}

func regEnv(org, id string, kind models.OrgKind) wire.Envelope {
	args, _ := json.Marshal(map[string]any{"organization": models.Organization{ID: id, Name: "Org " + id, Kind: kind, Country: "CN"}})
	return wire.Envelope{Type: "RegisterOrganization", Args: args, Org: org, User: org + "-admin", Role: models.RoleAdmin}
}

// wantErr checks that err carries an encoded *models.Error of kind.
func wantErr(t *testing.T, err, kind error) *models.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want a %v rejection", kind)
	}
	me, ok := wire.DecodeError("endorse: chaincode response 500, " + err.Error())
	if !ok || !errors.Is(me, kind) || me.Message == "" {
		t.Fatalf("error %q does not decode to a %v *models.Error (got %+v)", err, kind, me)
	}
	return me
}

// TestSubmitMatchesContract: the chaincode's writes, event and result are
// exactly what the contract computes for the same call.
func TestSubmitMatchesContract(t *testing.T) {
	c := newCC(t)
	mem := contract.NewMemState()
	for i, env := range []wire.Envelope{
		regEnv("gov", "gov", models.KindAuthority),
		regEnv("gov", "steel", models.KindManufacturer),
		regEnv("gov", "haul", models.KindCarrier),
		productEnv("steel", "bar-a", "6901234567892"),
		productEnv("steel", "bar-b", "6901234567908"),
	} {
		env.Time = t0.Add(time.Duration(i) * time.Minute)
		r := c.mustSubmit("Org1MSP", env)
		want, err := contract.Execute(mem, contract.Call{TxID: r.TxID, Type: env.Type, Args: env.Args, Org: env.Org, User: env.User, Role: env.Role, Time: env.Time, Version: contract.Latest})
		if err != nil {
			t.Fatal(err)
		}
		if r.TxID != c.stub.txID || !r.Time.Equal(env.Time) || r.Replayed {
			t.Fatalf("result %+v, want tx %s time %v", r, c.stub.txID, env.Time)
		}
		if c.stub.eventName != wire.EventName {
			t.Fatalf("event name %q", c.stub.eventName)
		}
		var ev wire.Event
		if err := json.Unmarshal(c.stub.event, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.TxID != r.TxID || ev.Type != env.Type || ev.Org != env.Org || ev.User != env.User || ev.Role != env.Role || !ev.Time.Equal(env.Time) || !bytes.Equal(ev.Args, env.Args) {
			t.Fatalf("event %+v does not match envelope %+v", ev, env)
		}
		if len(ev.Writes) != len(want) {
			t.Fatalf("event has %d writes, contract made %d", len(ev.Writes), len(want))
		}
		for j, w := range want {
			if ev.Writes[j].Key != w.Key || !bytes.Equal(ev.Writes[j].Value, w.Value) {
				t.Fatalf("write %d = %s, want %s", j, ev.Writes[j].Key, w.Key)
			}
			if !bytes.Equal(c.stub.committed[w.Key], w.Value) {
				t.Fatalf("state %s differs from the contract's write", w.Key)
			}
		}
	}
	if got := string(c.stub.committed[wire.MSPPrefix+"steel"]); got != "Org1MSP" {
		t.Fatalf("steel bound to %q, want the registering MSP", got)
	}
	// The chaincode runs the latest contract: GTINs are indexed.
	if got := string(c.stub.committed[models.PrefixGTIN+"06901234567908"]); got != "bar-b" {
		t.Fatalf("GTIN index holds %q, want bar-b", got)
	}
}

func productEnv(org, id, gtin string) wire.Envelope {
	args, _ := json.Marshal(map[string]any{"product": models.Product{ID: id, Name: "Bar " + id, Category: models.CatRebar,
		Standard: "GB 1499.2", Unit: "t", GTIN: gtin, Manufacturer: org}})
	return wire.Envelope{Type: "RegisterProduct", Args: args, Org: org, User: org + "-op", Role: models.RoleOperator}
}

// TestRejectionsEncoded: contract rejections cross the chaincode boundary
// as *models.Error with kind, field and message intact, and write nothing.
func TestRejectionsEncoded(t *testing.T) {
	c := newCC(t)
	_, err := c.submit("Org1MSP", regEnv("steel", "steel", models.KindManufacturer))
	wantErr(t, err, models.ErrForbidden)
	c.mustSubmit("Org1MSP", regEnv("gov", "gov", models.KindAuthority))
	c.mustSubmit("Org1MSP", regEnv("gov", "steel", models.KindManufacturer))
	_, err = c.submit("Org1MSP", regEnv("gov", "steel", models.KindCarrier))
	if me := wantErr(t, err, models.ErrConflict); me.Field != "organization.id" {
		t.Fatalf("conflict field %q", me.Field)
	}
	env := regEnv("gov", "x", models.KindCarrier)
	env.Type = "Nope"
	if me := wantErr(t, mustErr(c.submit("Org1MSP", env)), models.ErrInvalid); me.Field != "type" {
		t.Fatalf("unknown type field %q", me.Field)
	}
	_, err = c.submit("Org1MSP", wire.Envelope{Org: "gov"})
	wantErr(t, err, models.ErrInvalid)
	if _, err := c.submit("Org1MSP", regEnv("gov", "y", models.KindCarrier)); err != nil {
		t.Fatalf("accepted transaction after rejections: %v", err)
	}
}

func mustErr(_ wire.Result, err error) error { return err }

// TestMSPBinding: an organization's transactions must be signed by the MSP
// it was bound to at registration.
func TestMSPBinding(t *testing.T) {
	c := newCC(t)
	c.mustSubmit("Org1MSP", regEnv("gov", "gov", models.KindAuthority))
	env := regEnv("gov", "owner", models.KindAuthority)
	env.NewOrgMSP = "Org2MSP"
	c.mustSubmit("Org1MSP", env)
	_, err := c.submit("Org2MSP", regEnv("gov", "a", models.KindCarrier))
	wantErr(t, err, models.ErrForbidden)
	_, err = c.submit("Org1MSP", regEnv("owner", "b", models.KindCarrier))
	wantErr(t, err, models.ErrForbidden)
	c.mustSubmit("Org2MSP", regEnv("owner", "c", models.KindCarrier))
	if got := string(c.stub.committed[wire.MSPPrefix+"c"]); got != "Org2MSP" {
		t.Fatalf("c bound to %q, want Org2MSP (its registrar's)", got)
	}
	// An unknown organization gets no further than the contract.
	_, err = c.submit("Org3MSP", regEnv("nobody", "d", models.KindCarrier))
	if err == nil {
		t.Fatal("unknown organization accepted")
	}
}

// TestIdempotency: a known key returns the first result and writes nothing;
// keys are per organization.
func TestIdempotency(t *testing.T) {
	c := newCC(t)
	c.mustSubmit("Org1MSP", regEnv("gov", "gov", models.KindAuthority))
	env := regEnv("gov", "steel", models.KindManufacturer)
	env.IdempotencyKey = "k1"
	first := c.mustSubmit("Org1MSP", env)
	env.Time = t0.Add(99 * time.Hour)
	again := c.mustSubmit("Org1MSP", env)
	if !again.Replayed || again.TxID != first.TxID || !again.Time.Equal(first.Time) {
		t.Fatalf("retry %+v, want first %+v replayed", again, first)
	}
	if c.stub.event != nil {
		t.Fatal("a replay set an event")
	}
	// The same key from another organization is a new transaction: here
	// one the contract rejects, which a replay would not be.
	env2 := regEnv("steel", "quarry", models.KindManufacturer)
	env2.IdempotencyKey = "k1"
	if r, err := c.submit("Org1MSP", env2); err == nil {
		t.Fatalf("another org's key was treated as a replay: %+v", r)
	}
}

// TestTimeFromProposal: without an envelope time the proposal timestamp is
// the transaction's time.
func TestTimeFromProposal(t *testing.T) {
	c := newCC(t)
	r := c.mustSubmit("Org1MSP", regEnv("gov", "gov", models.KindAuthority))
	if !r.Time.Equal(c.stub.ts) {
		t.Fatalf("time %v, want the proposal's %v", r.Time, c.stub.ts)
	}
}

// TestNamespaces: namespaces are independent ledgers on one channel, and
// ranges see only their own namespace, with keys as the contract wrote them.
func TestNamespaces(t *testing.T) {
	c := newCC(t)
	c.mustSubmit("Org1MSP", regEnv("gov", "gov", models.KindAuthority))
	env := regEnv("gov", "gov", models.KindAuthority)
	env.Namespace = "t1"
	c.mustSubmit("Org2MSP", env)
	env = regEnv("gov", "steel", models.KindManufacturer)
	env.Namespace = "t1"
	c.mustSubmit("Org2MSP", env)
	if _, ok := c.stub.committed["~ns/t1/org/steel"]; !ok {
		t.Fatalf("namespaced key missing: %v", keys(c.stub.committed))
	}
	if _, err := State(c.stub, "", "org/steel"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("main namespace sees t1's record: %v", err)
	}
	v, err := State(c.stub, "t1", "org/steel")
	if err != nil || !bytes.Contains(v, []byte(`"steel"`)) {
		t.Fatalf("State(t1, org/steel) = %s, %v", v, err)
	}
	var got []string
	err = nsState{stub: c.stub, ns: "t1"}.Range("org/", func(k string, _ []byte) error {
		got = append(got, k)
		if len(got) == 2 {
			return contract.ErrStop
		}
		return nil
	})
	if err != nil || fmt.Sprint(got) != "[org/gov org/steel]" {
		t.Fatalf("range = %v, %v", got, err)
	}
	if _, err := State(c.stub, "bad/ns", "k"); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("bad namespace: %v", err)
	}
}

func keys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// TestNew: the contract-api accepts the contract's metadata.
func TestNew(t *testing.T) {
	if _, err := New(); err != nil {
		t.Fatal(err)
	}
}
