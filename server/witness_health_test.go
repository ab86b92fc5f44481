package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestLedgerHealthShowsWitnesses: the manager's ledger health shows each
// witness's cosigned size and lag, the checkpoint API carries the newest
// witnessed checkpoint, and once writes stop the dashboard says why and
// /readyz fails.
func TestLedgerHealthShowsWitnesses(t *testing.T) {
	f := newFixtureOn(t, "sqlite", true, withWitness())
	ctx := context.Background()
	head, _ := f.ledger.Head(ctx)
	deadline := time.Now().Add(20 * time.Second)
	for f.cosigner.Status(ctx)[0].Cosigned != head {
		if time.Now().After(deadline) {
			t.Fatalf("the witness did not cosign %d entries: %+v", head, f.cosigner.Status(ctx))
		}
		time.Sleep(20 * time.Millisecond)
	}
	c := f.login(t, "hz-construction-bureau.viewer")
	code, page := c.get(t, "/operations")
	if code != http.StatusOK || !strings.Contains(page, `id="ledger-witnesses"`) || !strings.Contains(page, "witness.test") ||
		!strings.Contains(page, "cosigned "+itoa(int(head))+" entries, 0 behind") || strings.Contains(page, `id="writes-stopped"`) {
		t.Fatalf("the ledger health with a witness: %d\n%s", code, section(page, "ledger-health"))
	}
	var cp checkpointResponse
	if st := f.call(t, "", http.MethodGet, "/api/v1/ledger/checkpoint", nil, &cp); st != http.StatusOK || cp.Witnessing == nil ||
		cp.Witnessing.Witnessed == nil || cp.Witnessing.Witnessed.Size != head || cp.Witnessing.Cosignatures != 1 {
		t.Fatalf("the checkpoint API's witnessing: %d %+v", st, cp.Witnessing)
	}
	if w := cp.Witnessing.Witnesses[0]; w.URL != "" || w.Key == "" || w.Cosigned != head {
		t.Errorf("the public checkpoint API shows a witness as %+v; want its key and progress, not its address", w)
	}

	f.ledger.Halt(errors.New("1 of 1 witnesses report that this ledger was rolled back (witness.test: it has cosigned a checkpoint of 99999 entries)"))
	if code, page = c.get(t, "/operations"); !strings.Contains(page, `id="writes-stopped"`) || !strings.Contains(page, "99999") {
		t.Errorf("the dashboard after writes stopped: %d\n%s", code, section(page, "ledger-health"))
	}
	resp, err := http.Get(f.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz after writes stopped: %d", resp.StatusCode)
	}
}

// section returns up to 2,000 characters of page from the element id on.
func section(page, id string) string {
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		return "(no #" + id + ")"
	}
	return page[i:min(len(page), i+2000)]
}
