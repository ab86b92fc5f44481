package webhook

import (
	"testing"
	"time"
)

func TestWebhookBackoffGrows(t *testing.T) {
	w := &Worker{opts: Options{Backoff: time.Second, MaxBackoff: 10 * time.Second}.withDefaults()}
	for _, c := range []struct {
		n      int
		lo, hi time.Duration
	}{{1, 800 * time.Millisecond, 1200 * time.Millisecond}, {2, 1600 * time.Millisecond, 2400 * time.Millisecond},
		{3, 3200 * time.Millisecond, 4800 * time.Millisecond}, {9, 8 * time.Second, 12 * time.Second}} {
		for range 20 {
			if d := w.backoff(c.n); d < c.lo || d > c.hi {
				t.Errorf("backoff(%d) = %v, want %v to %v", c.n, d, c.lo, c.hi)
			}
		}
	}
}

func TestSignatureRecipe(t *testing.T) {
	// The README's recipe as a known answer, computed independently with
	// printf '1700000000.{}' | openssl dgst -sha256 -hmac whsec_test
	want := "sha256=35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91"
	if got := Sign("whsec_test", "1700000000", []byte("{}")); got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
}
