// Package witnesstest runs litewitness, filippo.io/torchwood's witness
// (the independent implementation Plumbline's witness and witnessing are
// checked against), for tests: built from the module cache (go.mod pins it
// with tool directives), its key held by an ssh-agent served in-process.
// Only tests import it.
package witnesstest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/torchwood"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// BuildTools builds litewitness and witnessctl (go.mod's tool
// directives pin them) into a temporary folder.
func BuildTools(t testing.TB) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build litewitness with: %v", err)
	}
	bin := t.TempDir()
	cmd := exec.Command(goCmd, "build", "-o", bin+string(filepath.Separator),
		"filippo.io/torchwood/cmd/litewitness", "filippo.io/torchwood/cmd/witnessctl")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("go cannot build litewitness and witnessctl here (%v):\n%s", err, out)
	}
	return bin
}

// Log is a log a witness is told about: its origin and checkpoint
// verifier key.
type Log struct{ Origin, Key string }

// StartLitewitness registers the logs with witnessctl and runs
// litewitness with a key held by an ssh-agent served from this test. It
// returns litewitness's URL, the verifier key of its cosignatures
// (computed from the key and checked against the one it logs) and its
// database.
func StartLitewitness(t testing.TB, bin, name string, logs ...Log) (url, vkey, db string) {
	t.Helper()
	db = filepath.Join(t.TempDir(), "litewitness.db")
	for _, l := range logs {
		for _, args := range [][]string{
			{"add-log", "-db", db, "-origin", l.Origin},
			{"add-key", "-db", db, "-origin", l.Origin, "-key", l.Key},
		} {
			if out, err := exec.Command(filepath.Join(bin, "witnessctl"), args...).CombinedOutput(); err != nil {
				t.Fatalf("witnessctl %v: %v\n%s", args, err, out)
			}
		}
	}

	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sock := serveSSHAgent(t, priv)
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := torchwood.NewCosignatureSigner(name, priv)
	if err != nil {
		t.Fatal(err)
	}
	vkey = signer.Verifier().String()

	addr := freeAddr(t)
	cmd := exec.Command(filepath.Join(bin, "litewitness"), "-name", name, "-db", db, "-ssh-agent", sock,
		"-listen", addr, "-key", ssh.FingerprintSHA256(sshPub))
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("litewitness's log:\n%s", stderr.String())
		}
	})
	for deadline := time.Now().Add(30 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("litewitness exited: %v\n%s", err, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("litewitness does not listen on %s:\n%s", addr, stderr.String())
		}
	}
	if !strings.Contains(stderr.String(), vkey) {
		t.Fatalf("litewitness does not log the verifier key %s:\n%s", vkey, stderr.String())
	}
	return "http://" + addr, vkey, db
}

// syncBuffer is a bytes.Buffer a process may write while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveSSHAgent serves an ssh-agent holding key on a unix socket, in a
// short temporary path (socket paths are limited to about 100 bytes).
func serveSSHAgent(t testing.TB, key ed25519.PrivateKey) string {
	t.Helper()
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: key, Comment: "witness"}); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "agent")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "s")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = agent.ServeAgent(keyring, c)
			}()
		}
	}()
	return sock
}

// freeAddr returns a local TCP address nothing listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
