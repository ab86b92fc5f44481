package server

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// Site area test helpers. The demo leaves no shipment in transit, so the
// tests commission and dispatch their own through the supplier API.

const (
	siteContractor = "zhongjian-no8"
	siteOperator   = "zhongjian-no8.operator"
	siteInspector  = "zj-quality-inspection.inspector"
	siteSupplier   = "fuchun-cement.operator"
)

// siteDispatch commissions one cement batch per quantity (po-42.5, which
// requires inspection) and dispatches them to the contractor's tower-a
// site as one shipment; it returns the shipment's code and its batches.
func siteDispatch(t testing.TB, f *fixture, prefix string, quantities ...string) (string, []string) {
	t.Helper()
	tok := f.token(t, siteSupplier)
	ship := contract.DispatchShipmentArgs{Code: prefix + "-SH", To: siteContractor, Site: "tower-a", Carrier: "zhehang-logistics", Vehicle: "浙A·12345"}
	for i, q := range quantities {
		code := fmt.Sprintf("%s-%d", prefix, i+1)
		var b models.Batch
		args := contract.CommissionBatchArgs{Code: code, ProductID: "po-42.5", Quantity: models.MustDecimal(q), ProducedOn: "2026-03-01"}
		if st := f.call(t, tok, http.MethodPost, "/api/v1/batches", args, &b); st != http.StatusCreated {
			t.Fatalf("commission %s: %d", code, st)
		}
		ship.Lines = append(ship.Lines, contract.DispatchLine{Batch: code, Quantity: models.MustDecimal(q)})
	}
	var sh models.Shipment
	if st := f.call(t, tok, http.MethodPost, "/api/v1/shipments", ship, &sh); st != http.StatusCreated {
		t.Fatalf("dispatch %s: %d", ship.Code, st)
	}
	var codes []string
	for _, l := range sh.Lines {
		codes = append(codes, l.Batch)
	}
	return sh.Code, codes
}

// siteReceived dispatches one batch of qty to the contractor and accepts
// it; it returns the batch code, now on tower-a awaiting inspection.
func siteReceived(t testing.TB, f *fixture, prefix, qty string) string {
	t.Helper()
	code, batches := siteDispatch(t, f, prefix, qty)
	req := receiveRequest{Lines: []receiveLine{{Line: 1, Outcome: outcomeAccept}}}
	if st := f.call(t, f.token(t, siteOperator), http.MethodPost, "/api/v1/shipments/"+code+"/receive", req, nil); st != http.StatusOK {
		t.Fatalf("receive %s: %d", code, st)
	}
	return batches[0]
}

// siteBatchNow reads a batch from the read model.
func siteBatchNow(t testing.TB, f *fixture, code string) models.Batch {
	t.Helper()
	b, err := f.store.Batch(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
