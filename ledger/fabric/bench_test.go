package fabric

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/hash"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/chaincode/wire"
	"github.com/plumbline/plumbline/models"
)

// TestThroughput measures committed transactions per second and commit
// latency at 1, 16 and 64 concurrent submitters, for Plumbline's write path
// (Ledger.Submit) and, in the same run, for a bare fabric-gateway client
// submitting the same chaincode function with the same kind of envelope.
// It runs only with FABRIC_HOME and PLUMBLINE_FABRIC_BENCH=1 set;
// PLUMBLINE_FABRIC_BENCH_SECONDS (default 10) is the time per measurement.
//
//	FABRIC_HOME=/opt/fabric-home PLUMBLINE_FABRIC_BENCH=1 go test -run Throughput -v -timeout 20m ./ledger/fabric/
func TestThroughput(t *testing.T) {
	d, dur := needBench(t, "throughput")
	l, cfg := d.freshLedger(t, 1, "")
	ctx := context.Background()
	boot := ledger.Tx{Type: "RegisterOrganization", Org: "gov", User: "gov-admin", Role: models.RoleAdmin,
		Args: []byte(`{"organization":{"id":"gov","name":"Authority","kind":"authority"}}`)}
	if _, err := l.Submit(ctx, boot); err != nil {
		t.Fatal(err)
	}
	bare := newBareClient(t, cfg)
	t.Logf("BatchTimeout 250ms, %s per measurement; workload: the authority registers a new organization per transaction", dur)
	t.Logf("%-10s %7s %9s %9s %9s %9s %s", "client", "submit", "tx/s", "p50", "p99", "failed", "retries")
	var n atomic.Int64
	next := func(prefix string) json.RawMessage {
		id := fmt.Sprintf("%s-%07d", prefix, n.Add(1))
		return json.RawMessage(fmt.Sprintf(`{"organization":{"id":%q,"name":"Org %s","kind":"carrier"}}`, id, id))
	}
	for _, c := range []int{1, 16, 64} {
		before := l.Stats()
		pl := measure(c, dur, func() error {
			_, err := l.Submit(ctx, ledger.Tx{Type: "RegisterOrganization", Org: "gov", User: "gov-admin", Role: models.RoleAdmin, Args: next("p")})
			return err
		})
		after := l.Stats()
		retries := after.MVCCConflicts - before.MVCCConflicts + after.EndorseMismatch - before.EndorseMismatch + after.Unavailable - before.Unavailable
		t.Logf("%-10s %7d %9.1f %9s %9s %9d %d", "plumbline", c, pl.rate, pl.p50, pl.p99, pl.failed, retries)
		bs := measure(c, dur, func() error {
			return bare.submit(ctx, wire.Envelope{Namespace: cfg.Namespace, Type: "RegisterOrganization", Org: "gov", User: "gov-admin", Role: models.RoleAdmin, Args: next("b")})
		})
		t.Logf("%-10s %7d %9.1f %9s %9s %9d %s", "bare", c, bs.rate, bs.p50, bs.p99, bs.failed, "-")
		t.Logf("%-10s %7d %8.2fx", "ratio", c, pl.rate/bs.rate)
	}
}

type result struct {
	rate     float64
	p50, p99 time.Duration
	failed   int
}

// measure runs op from c goroutines for dur and reports committed
// operations per second and latency percentiles of the successful ones.
func measure(c int, dur time.Duration, op func() error) result {
	var mu sync.Mutex
	var lat []time.Duration
	failed := 0
	stop := time.Now().Add(dur)
	start := time.Now()
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			for time.Now().Before(stop) {
				t0 := time.Now()
				err := op()
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					failed++
				} else {
					lat = append(lat, d)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	r := result{failed: failed}
	if len(lat) > 0 {
		r.rate = float64(len(lat)) / elapsed.Seconds()
		r.p50 = lat[len(lat)*50/100].Round(time.Millisecond)
		r.p99 = lat[min(len(lat)-1, len(lat)*99/100)].Round(time.Millisecond)
	}
	return r
}

// bareClient is fabric-gateway with nothing of Plumbline's around it:
// endorse, submit, wait for the commit status; no retries, no index.
type bareClient struct {
	contract *client.Contract
}

func newBareClient(t *testing.T, cfg Config) *bareClient {
	id, sign, pool, err := cfg.credentials()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(cfg.PeerEndpoint, grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, cfg.PeerHostOverride)))
	if err != nil {
		t.Fatal(err)
	}
	gw, err := client.Connect(id, client.WithSign(sign), client.WithHash(hash.SHA256), client.WithClientConnection(conn),
		client.WithEndorseTimeout(15*time.Second), client.WithSubmitTimeout(5*time.Second), client.WithCommitStatusTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close(); _ = conn.Close() })
	return &bareClient{contract: gw.GetNetwork(cfg.Channel).GetContract(cfg.Chaincode)}
}

func (b *bareClient) submit(ctx context.Context, env wire.Envelope) error {
	body, err := json.Marshal(env)
	if err != nil {
		return err
	}
	_, err = b.contract.SubmitWithContext(ctx, wire.FnSubmit, client.WithBytesArguments(body))
	return err
}

// needBench is need for the measurements: they also need
// PLUMBLINE_FABRIC_BENCH=1, and run PLUMBLINE_FABRIC_BENCH_SECONDS
// (default 10) per measurement.
func needBench(t *testing.T, what string) (*devnet, time.Duration) {
	t.Helper()
	d := need(t)
	if os.Getenv("PLUMBLINE_FABRIC_BENCH") == "" {
		t.Skipf("set PLUMBLINE_FABRIC_BENCH=1 to run the %s measurement", what)
	}
	secs, _ := strconv.Atoi(os.Getenv("PLUMBLINE_FABRIC_BENCH_SECONDS"))
	if secs <= 0 {
		secs = 10
	}
	return d, time.Duration(secs) * time.Second
}
