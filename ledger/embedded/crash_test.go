package embedded

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/models"
)

// Environment of the crash child.
const (
	crashEnvURL   = "PLUMBLINE_CRASH_CHILD_URL"
	crashEnvKeys  = "PLUMBLINE_CRASH_CHILD_KEYS"
	crashEnvCycle = "PLUMBLINE_CRASH_CHILD_CYCLE"
)

// TestCrashSafety kills a child process running the ledger under
// concurrent writers with SIGKILL at random moments, restarts it, and
// checks after every kill that each receipt the child acknowledged is on
// the ledger at its seq and that the ledger verifies: every entry present
// has its hashes, world state and a covering checkpoint, so nothing is
// half-committed.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test re-executes the test binary")
	}
	dbtest.Each(t, func(t *testing.T, dialect string) {
		url, keyDir := dbtest.URL(t, dialect), t.TempDir()+"/keys"
		acked := map[string]uint64{} // idempotency key → acknowledged seq
		for cycle := range 10 {
			n := runCrashChild(t, url, keyDir, cycle, acked)
			checkAfterCrash(t, url, keyDir, acked)
			t.Logf("cycle %d: %d receipts acknowledged before SIGKILL", cycle, n)
		}
		if len(acked) == 0 {
			t.Fatal("the child acknowledged nothing")
		}
	})
}

// runCrashChild runs one child until a random SIGKILL and records the
// receipts it printed.
func runCrashChild(t *testing.T, url, keyDir string, cycle int, acked map[string]uint64) int {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnvURL+"="+url, crashEnvKeys+"="+keyDir, crashEnvCycle+"="+strconv.Itoa(cycle))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	var kill <-chan time.Time
	timeout := time.After(20 * time.Second)
	n := 0
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				_ = cmd.Wait()
				if kill != nil {
					return n
				}
				t.Fatalf("child exited before it was killed:\n%s", stderr.String())
			}
			switch f := strings.Fields(line); {
			case len(f) == 1 && f[0] == "ready":
				kill = time.After(time.Duration(50+rand.IntN(400)) * time.Millisecond)
			case len(f) == 3 && f[0] == "ack":
				seq, _ := strconv.ParseUint(f[1], 10, 64)
				acked[f[2]] = seq
				n++
			}
		case <-kill:
			_ = cmd.Process.Signal(syscall.SIGKILL)
			kill = nil // keep reading what the child printed before it died
			lines2 := lines
			for line := range lines2 {
				if f := strings.Fields(line); len(f) == 3 && f[0] == "ack" {
					seq, _ := strconv.ParseUint(f[1], 10, 64)
					acked[f[2]] = seq
					n++
				}
			}
			_ = cmd.Wait()
			return n
		case <-timeout:
			_ = cmd.Process.Kill()
			t.Fatalf("child never became ready:\n%s", stderr.String())
		}
	}
}

// checkAfterCrash reopens the ledger and checks the acknowledged receipts
// and the whole ledger.
func checkAfterCrash(t *testing.T, url, keyDir string, acked map[string]uint64) {
	db, err := dbx.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	defer dbx.Close(db)
	l, err := Open(context.Background(), Options{DB: db, KeyDir: keyDir})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if b := l.broken.Load(); b != nil {
		t.Fatalf("ledger inconsistent after SIGKILL: %v", *b)
	}
	for key, seq := range acked {
		org := "mill-" + key[strings.LastIndexByte(key, '-')+1:]
		got, err := l.lookupIdem(context.Background(), []idemKey{{org, key}})
		if err != nil {
			t.Fatal(err)
		}
		if r, ok := got[idemKey{org, key}]; !ok || r.Seq != seq {
			t.Fatalf("acknowledged receipt %s (seq %d) is not on the ledger after SIGKILL (found %+v)", key, seq, r)
		}
	}
	if _, err := l.Verify(context.Background(), VerifyOptions{}); err != nil {
		t.Fatalf("Verify after SIGKILL: %v", err)
	}
}

// TestCrashChild is the child of TestCrashSafety; it runs only when
// re-executed with its environment.
func TestCrashChild(t *testing.T) {
	url := os.Getenv(crashEnvURL)
	if url == "" {
		t.Skip("run by TestCrashSafety")
	}
	cycle := os.Getenv(crashEnvCycle)
	db, err := dbx.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Open(context.Background(), Options{DB: db, KeyDir: os.Getenv(crashEnvKeys)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Seed idempotently: every cycle may be the first to get this far.
	tx := orgTx("bureau", "bureau", models.KindAuthority)
	tx.IdempotencyKey = "seed-bureau"
	if _, err := l.Submit(ctx, tx); err != nil {
		t.Fatal(err)
	}
	for m := range 4 {
		tx := orgTx("bureau", fmt.Sprintf("mill-%d", m), models.KindManufacturer)
		tx.IdempotencyKey = fmt.Sprintf("seed-mill-%d", m)
		if _, err := l.Submit(ctx, tx); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	fmt.Println("ready")
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := 0; ; i++ {
				key := fmt.Sprintf("c%s-w%d-i%d-%d", cycle, w, i, w%4)
				tx := productTx(fmt.Sprintf("mill-%d", w%4), key)
				tx.IdempotencyKey = key
				r, err := l.Submit(ctx, tx)
				if err != nil {
					fmt.Fprintln(os.Stderr, "submit:", err)
					os.Exit(3)
				}
				mu.Lock()
				fmt.Printf("ack %d %s\n", r.Seq, key)
				mu.Unlock()
			}
		})
	}
	time.Sleep(30 * time.Second) // the parent kills us long before this
	os.Exit(4)
}
