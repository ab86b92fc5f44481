package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/plumbline/plumbline/internal/cosign"
	"github.com/plumbline/plumbline/ledger/embedded"
)

const verifyProofUsage = `plumbline verify-proof FILE --key VKEY [--witness VKEY]... [--quorum N]

Checks an offline proof of one ledger entry (a C2SP tlog-proof file, as
GET /api/v1/ledger/entries/{seq}/tlog-proof and the trace page's "Download
offline proofs" give them) with nothing but keys: no server, no database.

  --key VKEY       the log's note verifier key, or a file of them, one per
                   line (every origin the log signed under); repeatable; required
  --witness VKEY   a witness's cosignature verifier key, or a file of them;
                   repeatable
  --quorum N       how many of the witnesses must have cosigned (default: a
                   majority of those given)

Exit status 0 when the proof verifies, 1 when it does not (with the reason),
2 for bad usage.
`

// cmdVerifyProof verifies a tlog-proof file offline (embedded.VerifyProof).
func cmdVerifyProof(_ context.Context, e *env, args []string) error {
	var keys, witnesses listFlag
	quorum := -1
	fs := flag.NewFlagSet("verify-proof", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(&keys, "key", "")
	fs.Var(&witnesses, "witness", "")
	fs.IntVar(&quorum, "quorum", -1, "")
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(e.stdout, verifyProofUsage)
				return nil
			}
			return fmt.Errorf("%w: %v (plumbline verify-proof -h)", errUsage, err)
		}
		if fs.NArg() == 0 {
			break
		}
		files, args = append(files, fs.Arg(0)), fs.Args()[1:]
	}
	if len(files) != 1 {
		return fmt.Errorf("%w: give one proof file (plumbline verify-proof FILE --key VKEY)", errUsage)
	}
	logKeys, err := readKeys(keys)
	if err != nil {
		return fmt.Errorf("%w: --key: %v", errUsage, err)
	}
	if len(logKeys) == 0 {
		return fmt.Errorf("%w: --key is required: the log's verifier key (GET /api/v1/ledger/checkpoint shows it as verifier_key; get it from a source you trust)", errUsage)
	}
	wkeys, err := readKeys(witnesses)
	if err != nil {
		return fmt.Errorf("%w: --witness: %v", errUsage, err)
	}
	var wvs []note.Verifier
	for _, k := range wkeys {
		v, err := cosign.NewVerifier(k)
		if err != nil {
			return fmt.Errorf("%w: --witness: %v", errUsage, err)
		}
		wvs = append(wvs, v)
	}
	if quorum < 0 {
		quorum = len(wvs)/2 + 1
		if len(wvs) == 0 {
			quorum = 0
		}
	}
	if quorum > len(wvs) {
		return fmt.Errorf("%w: --quorum %d exceeds the %d witnesses given", errUsage, quorum, len(wvs))
	}
	text, err := readLimited(files[0], 16<<20)
	if err != nil {
		return err
	}
	r, err := embedded.VerifyProof(text, strings.Join(logKeys, "\n"), wvs, quorum)
	if err != nil {
		return fmt.Errorf("%s does not verify: %w", files[0], err)
	}
	tx := r.Entry.Tx
	w := e.stdout
	fmt.Fprintf(w, "verified %s (c2sp.org/tlog-proof@v1)\n", files[0])
	fmt.Fprintf(w, "  entry      %d, tx %s\n", r.Entry.Seq, tx.TxID)
	fmt.Fprintf(w, "  type       %s\n", tx.Type)
	fmt.Fprintf(w, "  org        %s (user %s, role %s)\n", tx.Org, tx.User, tx.Role)
	fmt.Fprintf(w, "  time       %s\n", tx.Time.UTC().Format(time.RFC3339Nano))
	fmt.Fprintf(w, "  log        %s, tree size %d, root %s\n", r.Origin, r.Size, base64.StdEncoding.EncodeToString(r.Root[:]))
	if len(wvs) == 0 {
		fmt.Fprintf(w, "  witnesses  none given (--witness): cosignatures not checked\n")
	} else {
		names := "none"
		if len(r.Cosigned) > 0 {
			names = strings.Join(r.Cosigned, ", ")
		}
		fmt.Fprintf(w, "  witnesses  witnessed by %d of %d: %s (quorum %d)\n", len(r.Cosigned), len(wvs), names, quorum)
	}
	fmt.Fprintf(w, "  not checked: the organization's signature inside the entry (it needs the organization's certificate; plumbline verify checks every one)\n")
	return nil
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// readKeys turns flag values into keys: a value naming a file stands for
// the keys in it, one per line (blank lines and # comments skipped);
// any other value is a key.
func readKeys(values []string) ([]string, error) {
	var out []string
	for _, v := range values {
		v = strings.TrimSpace(v)
		if st, err := os.Stat(v); err == nil && st.Mode().IsRegular() {
			b, err := readLimited(v, 1<<20)
			if err != nil {
				return nil, err
			}
			n := len(out)
			for _, l := range strings.Split(string(b), "\n") {
				if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
					out = append(out, l)
				}
			}
			if len(out) == n {
				return nil, fmt.Errorf("%s holds no key", v)
			}
			continue
		}
		if v == "" || strings.Count(v, "+") < 2 {
			return nil, fmt.Errorf("%q is neither a file nor a verifier key (name+hash+key)", v)
		}
		out = append(out, v)
	}
	return out, nil
}

// readLimited reads a file of at most max bytes.
func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %s bytes", path, strconv.FormatInt(max, 10))
	}
	return b, nil
}
