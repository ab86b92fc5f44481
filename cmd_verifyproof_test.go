package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyProofOffline serves the demo ledger with a plumbline witness,
// downloads an entry's offline proof and a batch's zip of proofs as a
// user would, and checks them with plumbline verify-proof and nothing but
// keys: exit 0 naming the entry and the witness; a copy with one byte of
// its entry changed exits 1; bad usage exits 2.
func TestVerifyProofOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server")
	}
	ctx := context.Background()
	env, logKey := demoLedger(t)
	dir := t.TempDir()
	logKeyFile := filepath.Join(dir, "log.vkey")
	if err := os.WriteFile(logKeyFile, []byte(logKey+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	witnessKey, waddr := startWitness(t, env["PLUMBLINE_LOG_ORIGIN"], logKey)
	env["PLUMBLINE_WITNESSES"] = witnessKey + " http://" + waddr
	env["PLUMBLINE_ADDR"] = freePort(t)
	base := "http://" + env["PLUMBLINE_ADDR"]
	child := startChild(t, env, "serve --demo", base)
	defer stop(t, child)
	waitProjected(t, base)
	tok := apiToken(t, base, "fuchun-cement.operator")
	if code, body := commission(t, base, tok, "VP-OFFLINE-1"); code != http.StatusCreated {
		t.Fatalf("commission: %d %s", code, body)
	}
	waitProjected(t, base)
	waitWitnessed(t, base, 0)

	// One entry's proof, downloaded anonymously.
	proof := filepath.Join(dir, "1.tlog-proof")
	if err := os.WriteFile(proof, []byte(get(t, base+"/api/v1/ledger/entries/1/tlog-proof")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cli(t, ctx, nil, "verify-proof", proof, "--key", logKeyFile, "--witness", witnessKey)
	t.Logf("verify-proof:\n%s%s", out, errs)
	if code != 0 || !strings.Contains(out, "entry      1, tx ") || !strings.Contains(out, "type       RegisterOrganization") ||
		!strings.Contains(out, "log        plumbline.test/ledger, tree size ") ||
		!strings.Contains(out, "witnessed by 1 of 1: witness.authority.test (quorum 1)") {
		t.Fatalf("verify-proof of a served proof: exit %d\n%s%s", code, out, errs)
	}

	// A copy with one byte of its entry changed.
	text, _ := os.ReadFile(proof)
	lines := strings.Split(string(text), "\n")
	entry, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(lines[1], "extra "))
	if err != nil {
		t.Fatalf("line 2 of the proof: %q: %v", lines[1], err)
	}
	entry[len(entry)/2] ^= 0x01
	lines[1] = "extra " + base64.StdEncoding.EncodeToString(entry)
	tampered := filepath.Join(dir, "tampered.tlog-proof")
	if err := os.WriteFile(tampered, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = cli(t, ctx, nil, "verify-proof", "--key", logKey, tampered)
	if code != 1 || !strings.Contains(errs, "does not verify") || !strings.Contains(errs, "inclusion proof does not lead") {
		t.Errorf("verify-proof of a tampered copy: exit %d\n%s%s", code, out, errs)
	}

	// The batch's zip, verified with the keys it carries, as its README says.
	resp, err := http.Get(base + "/api/v1/batches/VP-OFFLINE-1/tlog-proofs")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("batch proofs: %d %s", resp.StatusCode, body)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	zdir := t.TempDir()
	var proofs []string
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if err := os.WriteFile(filepath.Join(zdir, f.Name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f.Name, ".tlog-proof") {
			proofs = append(proofs, f.Name)
		}
	}
	if len(proofs) != 1 {
		t.Fatalf("the batch's zip holds %v", proofs)
	}
	code, out, errs = cli(t, ctx, nil, "verify-proof", filepath.Join(zdir, proofs[0]),
		"--key", filepath.Join(zdir, "log.vkey"), "--witness", filepath.Join(zdir, "witnesses.vkey"), "--quorum", "1")
	if code != 0 || !strings.Contains(out, "type       CommissionBatch") || !strings.Contains(out, "org        fuchun-cement") {
		t.Errorf("verify-proof of the batch's proof: exit %d\n%s%s", code, out, errs)
	}

	// Bad usage.
	for _, args := range [][]string{
		{"verify-proof", proof},
		{"verify-proof", "--key", logKey},
		{"verify-proof", proof, "--key", "not-a-key"},
		{"verify-proof", proof, "--key", logKey, "--quorum", "1"},
	} {
		if code, _, errs := cli(t, ctx, nil, args...); code != exitUsage {
			t.Errorf("%q: exit %d %s, want %d", args, code, errs, exitUsage)
		}
	}
}
