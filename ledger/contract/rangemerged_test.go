package contract

import (
	"errors"
	"strings"
	"testing"
)

func TestRangeMerged(t *testing.T) {
	base := map[string][]byte{"batch/B": []byte("old"), "batch/A": []byte("a"), "org/x": []byte("x")}
	pending := map[string][]byte{"batch/B": []byte("new"), "batch/C": []byte("c"), "org/y": []byte("y")}
	var got []string
	err := RangeMerged("batch/", base, pending, func(k string, v []byte) error {
		if !strings.HasPrefix(k, "batch/") {
			t.Errorf("key %q outside the prefix", k)
		}
		got = append(got, k+"="+string(v))
		return nil
	})
	want := "batch/A=a batch/B=new batch/C=c"
	if err != nil || strings.Join(got, " ") != want {
		t.Fatalf("got %q, %v; want %q", strings.Join(got, " "), err, want)
	}
	n := 0
	if err := RangeMerged("batch/", map[string][]byte{}, pending, func(string, []byte) error { n++; return ErrStop }); err != nil || n != 1 {
		t.Fatalf("ErrStop: n=%d err=%v", n, err)
	}
	boom := errors.New("boom")
	if err := RangeMerged("batch/", map[string][]byte{}, pending, func(string, []byte) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("error not returned: %v", err)
	}
}
