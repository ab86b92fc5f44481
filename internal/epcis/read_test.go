package epcis

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/models"
)

// TestReadDocument reads capture documents: a good one into its events, a
// schema breach as SchemaErrors naming the place, too many events as too
// large, and bodies that are not an EPCIS document with events as invalid.
func TestReadDocument(t *testing.T) {
	_, good := first(t, func(tx Tx, ev Event) bool { return tx.Type == "RecordUsage" })
	doc := func(evs ...Event) []byte {
		raw, err := json.Marshal(NewDocument(good.eventTime(t), "", evs))
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	describe := func(err error) error { return models.Invalid("", "described: %v", err) }

	got, err := ReadDocument(doc(good, good), 10, describe)
	if err != nil || len(got.Events) != 2 || len(got.Raws) != 2 || len(got.Bad) != 0 || got.Events[1].EventID != good.EventID {
		t.Fatalf("good document: %+v, %v", got, err)
	}

	bad := good
	bad.EventTimeZoneOffset = "+25:00"
	_, err = ReadDocument(doc(good, bad), 10, describe)
	var se *SchemaErrors
	if !errors.As(err, &se) || se.Errs[0].Pointer != "/epcisBody/eventList/1/eventTimeZoneOffset" || !strings.Contains(se.Error(), "nothing was applied") {
		t.Fatalf("schema breach: %v", err)
	}

	if _, err := ReadDocument(doc(good, good, good), 2, describe); !errors.Is(err, models.ErrTooLarge) {
		t.Fatalf("3 events over a limit of 2: %v", err)
	}

	for name, body := range map[string]string{
		"not JSON":       `{"type":`,
		"no events":      strings.Replace(string(doc(good)), `"eventList":[`, `"eventList":[],"x":[`, 1),
		"not a document": strings.Replace(string(doc(good)), `"type":"EPCISDocument"`, `"type":"EPCISQueryDocument"`, 1),
	} {
		if _, err := ReadDocument([]byte(body), 10, describe); err == nil {
			t.Errorf("%s: read without an error", name)
		}
	}
}
