package fabric

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	mrandv2 "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// devnet is the dev network a test binary starts when FABRIC_HOME is set.
type devnet struct {
	dir  string
	env  [3]map[string]string // org1.env and org2.env, by org number
	logs *slog.Logger
}

// dn is nil when FABRIC_HOME is unset; the tests that need it skip.
var dn *devnet

const skipReason = "FABRIC_HOME is not set: the Fabric network tests need Fabric's release binaries " +
	"(bin/, config/, builders/ccaas/ — see ledger/fabric/README.md); they start and stop the dev network themselves"

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if os.Getenv("FABRIC_HOME") == "" {
		return m.Run()
	}
	d, err := startDevnet()
	if d != nil {
		defer d.stop()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fabric dev network:", err)
		return 1
	}
	dn = d
	return m.Run()
}

func script() string {
	wd, _ := os.Getwd()
	return filepath.Join(wd, "devnet", "devnet.sh")
}

func startDevnet() (*devnet, error) {
	dir, err := os.MkdirTemp("", "plumbline-devnet-")
	if err != nil {
		return nil, err
	}
	d := &devnet{dir: dir, logs: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	base, err := freePortBase()
	if err != nil {
		return d, err
	}
	t0 := time.Now()
	cmd := exec.Command(script(), "up", dir)
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT_BASE=%d", base))
	if out, err := cmd.CombinedOutput(); err != nil {
		return d, fmt.Errorf("devnet.sh up: %v\n%s", err, out)
	}
	for n := 1; n <= 2; n++ {
		if d.env[n], err = readEnv(filepath.Join(dir, fmt.Sprintf("org%d.env", n))); err != nil {
			return d, err
		}
	}
	// Gossip takes a moment to tell each peer about the other org's peer;
	// until then the gateway cannot satisfy the endorsement policy.
	if err := d.warmUp(); err != nil {
		return d, err
	}
	fmt.Fprintf(os.Stderr, "fabric dev network up in %s (first commit included), in %s\n", time.Since(t0).Round(10*time.Millisecond), dir)
	return d, nil
}

func (d *devnet) stop() {
	_ = exec.Command(script(), "down", d.dir).Run()
	if os.Getenv("PLUMBLINE_FABRIC_KEEP") == "" {
		_ = os.RemoveAll(d.dir)
	}
}

// ctl runs a devnet.sh subcommand (stop, start, wait-leader) on this network.
func (d *devnet) ctl(args ...string) error {
	out, err := exec.Command(script(), append([]string{args[0], d.dir}, args[1:]...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("devnet.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

func (d *devnet) warmUp() error {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cfg := d.config(1, "warmup", 0)
	l, err := Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer l.Close()
	tx := ledger.Tx{Type: "RegisterOrganization", Org: "warm", User: "warm-admin", Role: models.RoleAdmin,
		Args: []byte(`{"organization":{"id":"warm","name":"Warm-up authority","kind":"authority"}}`), IdempotencyKey: "warm-up"}
	for {
		_, err := l.Submit(ctx, tx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("first transaction: %w", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// config returns a Config for org n's client in namespace ns.
func (d *devnet) config(n int, ns string, start uint64) Config {
	e := d.env[n]
	return Config{
		MSPID: e["PLUMBLINE_FABRIC_MSP_ID"], CertPath: e["PLUMBLINE_FABRIC_CERT"], KeyPath: e["PLUMBLINE_FABRIC_KEY"],
		TLSCACertPath: e["PLUMBLINE_FABRIC_TLS_CA"], PeerEndpoint: e["PLUMBLINE_FABRIC_PEER"],
		PeerHostOverride: e["PLUMBLINE_FABRIC_PEER_HOST"], Channel: e["PLUMBLINE_FABRIC_CHANNEL"],
		Chaincode: e["PLUMBLINE_FABRIC_CHAINCODE"], Namespace: ns, StartBlock: start, Logger: d.logs,
	}
}

// need returns the dev network or skips t.
func need(t testing.TB) *devnet {
	t.Helper()
	if dn == nil {
		t.Skip(skipReason)
	}
	return dn
}

// freshLedger opens org n's ledger in a new namespace that starts at the
// channel's current height, closed when t ends.
func (d *devnet) freshLedger(t testing.TB, n int, indexPath string) (*Ledger, Config) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	probe, err := Open(ctx, d.config(n, "probe", 0))
	if err != nil {
		t.Fatal(err)
	}
	h, err := probe.height(ctx)
	_ = probe.Close()
	if err != nil {
		t.Fatalf("channel height: %v", err)
	}
	cfg := d.config(n, newNamespace(), h)
	cfg.IndexPath = indexPath
	l, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l, cfg
}

func newNamespace() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "t" + hex.EncodeToString(b[:])
}

// freePortBase finds 25 consecutive free loopback ports.
func freePortBase() (int, error) {
	for range 50 {
		base := 20000 + mrand(20000)
		ok := true
		for p := base; p < base+25 && ok; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				ok = false
				continue
			}
			_ = l.Close()
		}
		if ok {
			return base, nil
		}
	}
	return 0, fmt.Errorf("no 25 free consecutive ports on 127.0.0.1")
}

func mrand(n int) int { return mrandv2.IntN(n) }

func readEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			m[k] = v
		}
	}
	return m, sc.Err()
}
