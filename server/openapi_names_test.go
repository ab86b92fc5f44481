package server

import "testing"

// TestOpenAPIKeepsSchemaNames: the request and response types that moved
// to internal/app keep the component names the API document published
// for them, which client generators turn into type names.
func TestOpenAPIKeepsSchemaNames(t *testing.T) {
	f := newFixture(t, false)
	doc := f.srv.openAPI()
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, name := range []string{
		"receiveRequest", "receiveLine", "openCaseRequest", "caseView", "caseStep", "impactLine", "caseProgress",
		"traceResponse", "whereUsedResponse", "whereUsedItem", "storedPhoto", "dashboardResponse",
		"dashDeliveries", "dashOnTime", "onTimeRate", "dashInspections", "failureRate", "dashHolds", "holdBucket", "holdAge",
		"dashRecalls", "dashLedger", "checkpointJSON", "verifyProgress", "CommitStats", "verifyStarted",
	} {
		if _, ok := schemas[name]; !ok {
			t.Errorf("the API document has no component %q", name)
		}
	}
	for name := range schemas {
		switch name {
		case "ReceiveRequest", "CaseView", "DashLedger", "StoredPhoto", "DashboardResponse":
			t.Errorf("component %q: an internal/app type under its Go name", name)
		}
	}
}
