package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/embedded"
)

// fabricLike answers Evidence as the Fabric backend does (transaction,
// block and block hash; no entry bytes), over the fixture's ledger.
type fabricLike struct{ *embedded.Ledger }

func (l fabricLike) Evidence(ctx context.Context, seq uint64) (ledger.Evidence, error) {
	ev, err := l.Ledger.Evidence(ctx, seq)
	if err != nil {
		return ev, err
	}
	return ledger.Evidence{Kind: ledger.EvidenceFabric, Seq: seq, TxID: ev.TxID, Block: seq + 2, BlockHash: ev.LeafHash}, nil
}

// TestTraceFabricEvidence shows the trace page of a Fabric-backed server:
// the page says so, every entry gets a proof element (Fabric evidence holds
// no transaction content) and the proof endpoint passes the evidence on.
func TestTraceFabricEvidence(t *testing.T) {
	f := newFixture(t, true)
	d := findDemo(t, f)
	srv, err := New(Options{Ledger: fabricLike{f.ledger}, Store: f.store, Projector: f.proj, Accounts: f.accounts, Files: f.files,
		BaseURL: "https://trace.example", LedgerKind: "fabric", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	resp, err := http.Get(hs.URL + "/b/" + d.failed)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Hyperledger Fabric") || strings.Contains(page, "proof-withheld") {
		t.Errorf("fabric trace page: %d, withheld entries: %v", resp.StatusCode, strings.Contains(page, "proof-withheld"))
	}
	tl, _ := f.store.Timeline(context.Background(), d.failed, 0, 0)
	if n := strings.Count(page, "data-proof-url="); n != len(tl) {
		t.Errorf("%d proof elements for %d entries", n, len(tl))
	}
	resp, err = http.Get(hs.URL + "/api/v1/ledger/entries/" + jsonNumber(tl[0].Seq) + "/proof")
	if err != nil {
		t.Fatal(err)
	}
	var r proofResponse
	_ = json.NewDecoder(resp.Body).Decode(&r)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || r.Kind != "fabric" || r.Redacted || r.Block != tl[0].Seq+2 || r.TxID != tl[0].TxID {
		t.Errorf("fabric proof: %d %+v", resp.StatusCode, r)
	}
	var cp checkpointResponse
	resp, _ = http.Get(hs.URL + "/api/v1/ledger/checkpoint")
	_ = json.NewDecoder(resp.Body).Decode(&cp)
	resp.Body.Close()
	if cp.LedgerKind != "fabric" {
		t.Errorf("checkpoint ledger kind %q", cp.LedgerKind)
	}
}

func jsonNumber(n uint64) string { b, _ := json.Marshal(n); return string(b) }
