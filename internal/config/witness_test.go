package config

import (
	"strings"
	"testing"
)

func TestLogOriginDefault(t *testing.T) {
	for _, c := range []struct {
		env          map[string]string
		want         string
		explicit, lb bool
	}{
		{map[string]string{"PLUMBLINE_BASE_URL": "https://trace.example.com"}, "trace.example.com/ledger", false, false},
		{map[string]string{"PLUMBLINE_BASE_URL": "https://example.com/plumbline/"}, "example.com/plumbline/ledger", false, false},
		{map[string]string{"PLUMBLINE_BASE_URL": "http://example.com:8443"}, "example.com:8443/ledger", false, false},
		{map[string]string{"PLUMBLINE_BASE_URL": "http://127.0.0.1:8080"}, "127.0.0.1:8080/ledger", false, true},
		{nil, "localhost:8080/ledger", false, true},
		{map[string]string{"PLUMBLINE_LOG_ORIGIN": "city.example/ledger", "PLUMBLINE_BASE_URL": "http://localhost"}, "city.example/ledger", true, false},
	} {
		cfg, err := Load(env(c.env))
		if err != nil {
			t.Fatal(err)
		}
		got, explicit, lb := cfg.LogOriginOrDefault()
		if got != c.want || explicit != c.explicit || lb != c.lb {
			t.Errorf("%v: origin %q explicit %v loopback %v, want %q %v %v", c.env, got, explicit, lb, c.want, c.explicit, c.lb)
		}
	}
}

func TestWitnesses(t *testing.T) {
	const k1 = "w1.example+0123abcd+BGVnZ2dnZ2dnZ2dnZ2dnZ2dnZ2dnZ2dnZ2dnZ2dnZ2dnZ2c="
	const k2 = "w2.example+89abcdef+BHVnZ2dnZ2dnZ2dnZ2dnZ2dnZ2dnZ2dnZ2dnZ2dnZ2dnZ2c="
	for _, c := range []struct {
		witnesses, quorum string
		wantN, wantQ      int
		wantErr           string
	}{
		{"", "", 0, 1, ""},
		{k1 + " https://w1.example/", "", 1, 1, ""},
		{k1 + " https://w1.example, " + k2 + " http://10.0.0.2:7380", "", 2, 2, ""},
		{k1 + " https://w1.example\n" + k2 + " http://10.0.0.2:7380", "1", 2, 1, ""},
		{k1 + " https://w1.example", "2", 0, 0, "PLUMBLINE_WITNESS_QUORUM"},
		{k1, "", 0, 0, "is not \"<verifier key> <URL>\""},
		{"nokey https://w1.example", "", 0, 0, "is not a note verifier key"},
		{k1 + " ftp://w1.example", "", 0, 0, "is not an http:// or https:// URL"},
		{k1 + " https://a, " + k1 + " https://b", "", 0, 0, "listed twice"},
	} {
		cfg, err := Load(env(map[string]string{"PLUMBLINE_WITNESSES": c.witnesses, "PLUMBLINE_WITNESS_QUORUM": c.quorum}))
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%q/%q: error %v, want %q", c.witnesses, c.quorum, err, c.wantErr)
			}
			continue
		}
		if err != nil || len(cfg.Witnesses) != c.wantN || cfg.WitnessQuorum != c.wantQ {
			t.Errorf("%q/%q: %+v quorum %d, %v; want %d witnesses, quorum %d", c.witnesses, c.quorum, cfg.Witnesses, cfg.WitnessQuorum, err, c.wantN, c.wantQ)
		}
	}
	cfg, _ := Load(env(map[string]string{"PLUMBLINE_WITNESSES": k1 + " https://w1.example/"}))
	if w := cfg.Witnesses[0]; w.Name() != "w1.example" || w.URL != "https://w1.example" {
		t.Errorf("witness %+v name %q", w, w.Name())
	}
	bad := Config{DB: DefaultDB, DataDir: "x", Addr: ":1", Ledger: "embedded", DemoPassword: "12345678", LogLevel: "info", LogOrigin: "has space/ledger"}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "PLUMBLINE_LOG_ORIGIN") {
		t.Errorf("an origin with a space: %v", err)
	}
}
