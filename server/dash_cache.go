package server

// dashState is the dashboards' server-wide state: the running ledger
// verification.
type dashState struct {
	verify verifyJob
}
