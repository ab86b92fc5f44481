package frontend_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/frontend"
)

// memTree is an RFC 6962 tree kept in memory (x/mod/sumdb/tlog).
type memTree []tlog.Hash

func (m memTree) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = m[x]
	}
	return out, nil
}

// TestConsistencyInTheBrowser: witness.js's RFC 6962 consistency check
// accepts every proof x/mod/sumdb/tlog makes between trees of 1 to 40
// entries, and refuses each with one hash flipped, a hash missing, the
// roots swapped or the sizes off by one.
func TestConsistencyInTheBrowser(t *testing.T) {
	const n = 40
	var tree memTree
	roots := make([]tlog.Hash, n+1)
	for i := range int64(n) {
		hs, err := tlog.StoredHashes(i, []byte(fmt.Sprintf("entry %d", i)), tree)
		if err != nil {
			t.Fatal(err)
		}
		tree = append(tree, hs...)
		if roots[i+1], err = tlog.TreeHash(i+1, tree); err != nil {
			t.Fatal(err)
		}
	}
	type tc struct {
		M, N  int
		RootM string
		RootN string
		Proof []string
		Want  bool
		What  string
	}
	b64 := func(h tlog.Hash) string { return base64.StdEncoding.EncodeToString(h[:]) }
	var cases []tc
	// want is x/mod/sumdb/tlog's answer: the browser must agree with it.
	want := func(m, nn int, rootM, rootN string, proof []string) bool {
		p := make(tlog.TreeProof, len(proof))
		for i, s := range proof {
			b, _ := base64.StdEncoding.DecodeString(s)
			copy(p[i][:], b)
		}
		var rm, rn tlog.Hash
		b, _ := base64.StdEncoding.DecodeString(rootM)
		copy(rm[:], b)
		b, _ = base64.StdEncoding.DecodeString(rootN)
		copy(rn[:], b)
		return tlog.CheckTree(p, int64(nn), rn, int64(m), rm) == nil
	}
	for m := 1; m <= n; m++ {
		for nn := m; nn <= n; nn++ {
			p, err := tlog.ProveTree(int64(nn), int64(m), tree)
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.CheckTree(p, int64(nn), roots[nn], int64(m), roots[m]); err != nil {
				t.Fatalf("tlog refuses its own proof %d→%d: %v", m, nn, err)
			}
			proof := make([]string, len(p))
			for i, h := range p {
				proof[i] = b64(h)
			}
			cases = append(cases, tc{m, nn, b64(roots[m]), b64(roots[nn]), proof, true, "valid"})
			if len(p) > 0 {
				bad := append([]string(nil), proof...)
				flipped := p[len(p)/2]
				flipped[0] ^= 1
				bad[len(p)/2] = b64(flipped)
				cases = append(cases, tc{m, nn, b64(roots[m]), b64(roots[nn]), bad, false, "hash flipped"})
				cases = append(cases, tc{m, nn, b64(roots[m]), b64(roots[nn]), proof[:len(proof)-1], false, "hash missing"})
			}
			if m != nn {
				cases = append(cases, tc{m, nn, b64(roots[nn]), b64(roots[m]), proof, false, "roots swapped"})
				off := tc{m, nn - 1, b64(roots[m]), b64(roots[nn]), proof, false, "size off by one"}
				off.Want = want(off.M, off.N, off.RootM, off.RootN, off.Proof)
				cases = append(cases, off)
			}
		}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(frontend.FS())))
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>t</title><script src="/static/js/proof.js"></script><script src="/static/js/witness.js"></script>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(startChromium(t), 60*time.Second)
	defer cancel()
	data, _ := json.Marshal(cases)
	js := `(async (cases) => {
		const b = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
		const out = [];
		for (const c of cases) {
			out.push(await window.PlumblineWitness.checkConsistency(BigInt(c.M), b(c.RootM), BigInt(c.N), b(c.RootN), c.Proof.map(b)));
		}
		return out;
	})(` + string(data) + `)`
	if _, err := chromedp.Run(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]bool](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(cases) {
		t.Fatalf("%d answers for %d cases", len(got), len(cases))
	}
	for i, c := range cases {
		if c.Want != want(c.M, c.N, c.RootM, c.RootN, c.Proof) {
			t.Fatalf("%s proof %d→%d: the test expects %v, tlog disagrees", c.What, c.M, c.N, c.Want)
		}
		if got[i] != c.Want {
			t.Errorf("%s proof %d→%d: browser says %v", c.What, c.M, c.N, got[i])
		}
	}
	t.Logf("%d consistency cases checked in Chromium", len(cases))
}
