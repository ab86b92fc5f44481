package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/internal/witness"
)

func TestWitnessUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no witness command", []string{"witness"}, "give a witness command"},
		{"unknown witness command", []string{"witness", "frob"}, `unknown witness command "frob"`},
		{"serve without a folder", []string{"witness", "serve"}, "needs --dir"},
		{"add-log without origin and key", []string{"witness", "add-log", "--dir", dir}, "needs --origin and --key"},
		{"add-log with a key not a key", []string{"witness", "add-log", "--dir", dir, "--origin", "example.com/log", "--key", "nonsense"}, "verifier key"},
		{"key without a name or a key", []string{"witness", "key", "--dir", dir}, "give --name"},
		{"name with a space", []string{"witness", "key", "--dir", dir, "--name", "my witness"}, "space"},
		{"name with a plus", []string{"witness", "serve", "--dir", dir, "--name", "a+b"}, "'+'"},
		{"stray argument", []string{"witness", "list-logs", "--dir", dir, "now"}, `unexpected argument "now"`},
		{"flag of another witness command", []string{"witness", "list-logs", "--dir", dir, "--name", "x"}, "not defined: -name"},
		{"bad log level", []string{"witness", "serve", "--dir", dir, "--log-level", "loud"}, "--log-level"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cli(t, context.Background(), nil, tc.args...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 mentioning %q", code, stderr, tc.want)
			}
		})
	}
	if code, out, _ := cli(t, context.Background(), nil, "witness", "help"); code != 0 || !strings.Contains(out, "plumbline witness add-log") {
		t.Fatalf("witness help: exit %d, %q", code, out)
	}
}

// TestWitnessCommands goes the operator's way: create the key, register a
// log, list it, serve, get a checkpoint cosigned over real HTTP, stop
// gracefully; and a restart under another name is refused.
func TestWitnessCommands(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "witness")
	env := map[string]string{"PLUMBLINE_WITNESS_DIR": dir, "PLUMBLINE_LOG_LEVEL": "warn"}
	code, vkey, errs := cli(t, ctx, nil, "witness", "key", "--dir", dir, "--name", "witness.example.com")
	if code != 0 || !strings.HasPrefix(vkey, "witness.example.com+") || strings.Count(vkey, "\n") != 1 {
		t.Fatalf("key: exit %d, %q %q; want the verifier key on one line", code, vkey, errs)
	}
	vkey = strings.TrimSuffix(vkey, "\n")
	if code, out, errs := cli(t, ctx, env, "witness", "key"); code != 0 || out != vkey+"\n" {
		t.Fatalf("key again: exit %d, %q %q; want %q", code, out, errs, vkey)
	}
	if code, _, errs := cli(t, ctx, env, "witness", "list-logs"); code != 1 || !strings.Contains(errs, "no witness database") {
		t.Fatalf("list-logs before add-log: exit %d, %q", code, errs)
	}

	origin := "example.com/log"
	skey, logVkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	_, otherVkey, _ := note.GenerateKey(rand.Reader, "example.com/other")
	if code, _, errs := cli(t, ctx, env, "witness", "add-log", "--origin", origin, "--key", otherVkey); code != exitUsage || !strings.Contains(errs, "not after the origin") {
		t.Fatalf("add-log with another log's key: exit %d, %q", code, errs)
	}
	if code, out, errs := cli(t, ctx, env, "witness", "add-log", "--origin", origin, "--key", logVkey); code != 0 || out != "log example.com/log: size 0, 1 key(s)\n" {
		t.Fatalf("add-log: exit %d, %q %q", code, out, errs)
	}
	if code, out, errs := cli(t, ctx, env, "witness", "list-logs"); code != 0 || !strings.HasPrefix(out, origin+"\tsize 0\t") || !strings.Contains(out, "\tkey "+logVkey+"\n") {
		t.Fatalf("list-logs: exit %d, %q %q", code, out, errs)
	}

	// serve, with the address from the environment.
	env["PLUMBLINE_WITNESS_LISTEN"] = freePort(t)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan int, 1)
	var out, errb syncBuffer
	go func() {
		done <- run(sctx, []string{"witness", "serve"}, func(k string) string { return env[k] }, &out, &errb)
	}()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(out.String(), "listening on"); {
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d\n%s\n%s", code, out.String(), errb.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve does not listen:\n%s\n%s", out.String(), errb.String())
		}
	}
	if !strings.Contains(out.String(), "witness verifier key: "+vkey+"\n") {
		t.Errorf("serve printed %q; want the verifier key %s", out.String(), vkey)
	}

	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	root := tlog.RecordHash([]byte("the first record"))
	signed, err := note.Sign(&note.Note{Text: fmt.Sprintf("%s\n1\n%s\n", origin, root)}, signer)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post("http://"+env["PLUMBLINE_WITNESS_LISTEN"]+"/add-checkpoint", "text/plain",
		strings.NewReader("old 0\n\n"+string(signed)))
	if err != nil {
		t.Fatal(err)
	}
	cosig, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("add-checkpoint: %d %q", resp.StatusCode, cosig)
	}
	key, _, err := witness.OpenKey(dir, "")
	if err != nil || key.VerifierKey() != vkey {
		t.Fatalf("the key file's verifier key: %v %v, want %s", key, err, vkey)
	}
	if _, err := note.Open(append(bytes.Clone(signed), cosig...), note.VerifierList(key.Verifier())); err != nil {
		t.Fatalf("cosignature %q does not verify with %s: %v", cosig, vkey, err)
	}
	if code, out, errs := cli(t, ctx, env, "witness", "list-logs"); code != 0 || !strings.HasPrefix(out, fmt.Sprintf("%s\tsize 1\troot %s\n", origin, root)) {
		t.Fatalf("list-logs after a cosignature: exit %d, %q %q", code, out, errs)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exit %d after shutdown\n%s", code, errb.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not shut down")
	}

	code, _, errs = cli(t, ctx, env, "witness", "serve", "--name", "witness.example.org")
	if code != exitUsage || !strings.Contains(errs, `created for "witness.example.com", not "witness.example.org"`) {
		t.Fatalf("serve under another name: exit %d, %q; want exit 2 naming both", code, errs)
	}
}
