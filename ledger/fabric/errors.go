package fabric

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/chaincode/wire"
	"github.com/plumbline/plumbline/models"
)

// classify turns a fabric-gateway error into what callers test for:
//   - a contract rejection, found in the chaincode's error message, is
//     returned as the very *models.Error the contract made;
//   - a peer or orderer that cannot be reached, or answers Unavailable,
//     wraps ledger.ErrUnavailable and says which step failed;
//   - a CommitError wraps models.ErrConflict for MVCC and phantom read
//     conflicts, and says the validation code otherwise;
//   - anything else is wrapped with the step that failed.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if me, ok := wire.DecodeError(errorText(err)); ok {
		return me
	}
	step := "call"
	var (
		endorse *client.EndorseError
		submit  *client.SubmitError
		commitS *client.CommitStatusError
		commit  *client.CommitError
	)
	switch {
	case errors.As(err, &endorse):
		step = "endorse transaction " + endorse.TransactionID
	case errors.As(err, &submit):
		step = "submit transaction " + submit.TransactionID + " to the orderer"
	case errors.As(err, &commitS):
		step = "read commit status of transaction " + commitS.TransactionID + " (it may still commit; retry with the same idempotency key)"
	case errors.As(err, &commit):
		if isConflict(commit.Code) {
			return fmt.Errorf("transaction %s lost a read conflict (%s): %w", commit.TransactionID, commit.Code, models.ErrConflict)
		}
		return fmt.Errorf("transaction %s was not committed: validation code %s", commit.TransactionID, commit.Code)
	}
	if unavailable(err) {
		return fmt.Errorf("%s: Fabric network unavailable: %v: %w", step, briefText(err), ledger.ErrUnavailable)
	}
	return fmt.Errorf("%s: %w", step, err)
}

// isConflict reports the validation codes worth endorsing again.
func isConflict(c peer.TxValidationCode) bool {
	return c == peer.TxValidationCode_MVCC_READ_CONFLICT || c == peer.TxValidationCode_PHANTOM_READ_CONFLICT
}

// unavailable reports errors that mean the network could not be reached
// or could not order now (e.g. "no Raft leader"); retrying later may work.
func unavailable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted:
		return true
	}
	t := errorText(err)
	for _, s := range []string{"no Raft leader", "SERVICE_UNAVAILABLE", "connection refused", "failed to connect", "no peers available", "no combination of peers can be derived", "failed to collect enough transaction endorsements", "error sending"} {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

// errorText is err's message with the gateway's per-peer details.
func errorText(err error) string {
	var b strings.Builder
	b.WriteString(err.Error())
	if st, ok := status.FromError(err); ok {
		for _, d := range st.Details() {
			if ed, ok := d.(*gateway.ErrorDetail); ok {
				fmt.Fprintf(&b, "; %s (%s): %s", ed.GetAddress(), ed.GetMspId(), ed.GetMessage())
			}
		}
	}
	return b.String()
}

// briefText is errorText cut to a readable length.
func briefText(err error) string {
	t := errorText(err)
	if len(t) > 400 {
		t = t[:400] + "…"
	}
	return t
}
