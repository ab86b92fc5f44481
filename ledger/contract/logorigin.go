package contract

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/plumbline/plumbline/models"
)

// PrefixLogOrigin + an origin holds the record of a log that the ledger
// continues after its entries were lost for good (ContinueLog).
const PrefixLogOrigin = "log-origin/"

// ContinueLogArgs records, as the first entry under a new log origin,
// the last witnessed checkpoint of the log it continues: the entries that
// checkpoint covers beyond this ledger's were lost for good (a restored
// backup, with no other copy), and the new origin's history starts from
// what the ledger still holds. Anyone can then compare the old log's
// witnessed checkpoint with the ledger and see what is missing.
type ContinueLogArgs struct {
	// PreviousOrigin is the origin of the log continued.
	PreviousOrigin string `json:"previous_origin"`
	// Checkpoint is that log's last witnessed checkpoint: the signed note
	// with its cosignatures, as /ledger/checkpoint served it.
	Checkpoint string `json:"checkpoint"`
	// Reason says what happened.
	Reason string `json:"reason"`
}

// LogContinuation is what ContinueLog stores.
type LogContinuation struct {
	PreviousOrigin string `json:"previous_origin"`
	Size           uint64 `json:"size"` // the old log's witnessed size
	Root           string `json:"root"` // base64, as the checkpoint says
	Checkpoint     string `json:"checkpoint"`
	Reason         string `json:"reason"`
	TxID           string `json:"tx_id"`
	RecordedBy     string `json:"recorded_by"`
	RecordedAt     string `json:"recorded_at"`
}

// Validate implements validator: the checkpoint is a signed note whose
// text is the previous origin, a size and a 32-byte base64 root (C2SP
// tlog-checkpoint) followed by at least one signature line.
func (a *ContinueLogArgs) Validate() error {
	var v models.Collect
	v.Add(requireNote("previous_origin", a.PreviousOrigin, 200))
	if strings.ContainsAny(a.PreviousOrigin, " +\n") {
		v.Add(models.Invalid("previous_origin", "%q is not a log origin (no spaces or '+')", a.PreviousOrigin))
	}
	if len(a.Checkpoint) > 16<<10 {
		v.Add(models.Invalid("checkpoint", "is longer than a checkpoint with its cosignatures can be"))
	}
	if _, _, err := parseCheckpointNote(a.PreviousOrigin, a.Checkpoint); err != nil {
		return models.All(v.Err(), err)
	}
	v.Add(requireNote("reason", a.Reason, maxText))
	return v.Err()
}

// parseCheckpointNote reads the size and root of a signed checkpoint note
// of origin; it checks the form, not the signatures (the contract holds no
// keys: verifiers check the note against the old log's and its witnesses'
// keys).
func parseCheckpointNote(origin, signed string) (uint64, string, error) {
	text, sigs, ok := strings.Cut(signed, "\n\n")
	lines := strings.Split(text, "\n")
	if !ok || len(lines) < 3 || lines[0] != origin || !strings.HasPrefix(sigs, "\u2014 ") || !strings.HasSuffix(sigs, "\n") {
		return 0, "", models.Invalid("checkpoint", "is not a signed checkpoint of %s (origin, size and root lines, a blank line, signature lines)", origin)
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] {
		return 0, "", models.Invalid("checkpoint", "its size line %q is not a number", lines[1])
	}
	if root, err := base64.StdEncoding.DecodeString(lines[2]); err != nil || len(root) != 32 {
		return 0, "", models.Invalid("checkpoint", "its root line %q is not a base64 SHA-256 hash", lines[2])
	}
	return size, lines[2], nil
}

func init() {
	register("ContinueLog", continueLog)
}

// continueLog records the continuation of a log, once per previous
// origin, by an authority's admin; contract version 3 and later only.
func continueLog(tc *txc, a *ContinueLogArgs) error {
	org, err := tc.allow("ContinueLog")
	if err != nil {
		return err
	}
	if tc.version() < V3 {
		return models.Invalid("type", "ContinueLog is a transaction of contract version %d and later; this transaction runs under version %d", V3, tc.version())
	}
	if ok, err := tc.exists(PrefixLogOrigin, a.PreviousOrigin); err != nil {
		return err
	} else if ok {
		return models.Conflict("previous_origin", "the continuation of %s is already recorded", a.PreviousOrigin)
	}
	size, root, _ := parseCheckpointNote(a.PreviousOrigin, a.Checkpoint)
	return tc.putJSON(PrefixLogOrigin, a.PreviousOrigin, LogContinuation{
		PreviousOrigin: a.PreviousOrigin, Size: size, Root: root, Checkpoint: a.Checkpoint, Reason: a.Reason,
		TxID: tc.call.TxID, RecordedBy: org.ID, RecordedAt: tc.now(),
	})
}
