package config

import (
	"os"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != DefaultDB || c.DataDir != DefaultDataDir || c.Addr != DefaultAddr || c.Ledger != "embedded" {
		t.Fatalf("defaults: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	if got := c.PublicBaseURL(); got != "http://localhost:8080" {
		t.Fatalf("PublicBaseURL = %q", got)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string // substring of the error; empty = valid
	}{
		{"postgres", map[string]string{"PLUMBLINE_DB": "postgres://u@localhost/p"}, ""},
		{"base url", map[string]string{"PLUMBLINE_BASE_URL": "https://trace.example.com"}, ""},
		{"bad db", map[string]string{"PLUMBLINE_DB": "mysql://x"}, "PLUMBLINE_DB"},
		{"bad addr", map[string]string{"PLUMBLINE_ADDR": "8080"}, "PLUMBLINE_ADDR"},
		{"bad port", map[string]string{"PLUMBLINE_ADDR": ":99999"}, "PLUMBLINE_ADDR"},
		{"relative base", map[string]string{"PLUMBLINE_BASE_URL": "trace.example.com"}, "PLUMBLINE_BASE_URL"},
		{"ftp base", map[string]string{"PLUMBLINE_BASE_URL": "ftp://x"}, "PLUMBLINE_BASE_URL"},
		{"ledger", map[string]string{"PLUMBLINE_LEDGER": "quantum"}, "PLUMBLINE_LEDGER"},
		{"log level", map[string]string{"PLUMBLINE_LOG_LEVEL": "loud"}, "PLUMBLINE_LOG_LEVEL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			err = c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want mention of %s", err, tc.want)
			}
		})
	}
	if _, err := Load(env(map[string]string{"PLUMBLINE_DEMO_SEED": "x"})); err == nil {
		t.Fatal("bad seed accepted")
	}
}

func TestFabric(t *testing.T) {
	dir := t.TempDir()
	pem := dir + "/x.pem"
	if err := os.WriteFile(pem, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := map[string]string{
		"PLUMBLINE_LEDGER": "fabric", "PLUMBLINE_FABRIC_MSP_ID": "Org1MSP", "PLUMBLINE_FABRIC_CERT": pem,
		"PLUMBLINE_FABRIC_KEY": pem, "PLUMBLINE_FABRIC_TLS_CA": pem, "PLUMBLINE_FABRIC_PEER": "127.0.0.1:7051",
		"PLUMBLINE_FABRIC_ORG_MSPS": "cement-plant=CementMSP, steel-mill=SteelMSP",
	}
	c, err := Load(env(good))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("valid fabric settings: %v", err)
	}
	if c.Fabric.Channel != "materials" || c.Fabric.Chaincode != "plumbline" || c.Fabric.OrgMSPs["steel-mill"] != "SteelMSP" {
		t.Fatalf("fabric settings: %+v", c.Fabric)
	}
	c, _ = Load(env(map[string]string{"PLUMBLINE_LEDGER": "fabric", "PLUMBLINE_FABRIC_CERT": dir + "/missing.pem",
		"PLUMBLINE_FABRIC_PEER": "nohostport", "PLUMBLINE_FABRIC_ORG_MSPS": "bad"}))
	err = c.Validate()
	for _, want := range []string{"PLUMBLINE_FABRIC_MSP_ID", "PLUMBLINE_FABRIC_CERT: cannot read", "PLUMBLINE_FABRIC_KEY: required", "PLUMBLINE_FABRIC_TLS_CA", "PLUMBLINE_FABRIC_PEER: \"nohostport\"", "PLUMBLINE_FABRIC_ORG_MSPS"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %s", err, want)
		}
	}
}

func TestLabelFontMustExist(t *testing.T) {
	env := map[string]string{"PLUMBLINE_LABEL_FONT": "/nonexistent/font.ttf"}
	c, err := Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "PLUMBLINE_LABEL_FONT") {
		t.Fatalf("Validate() = %v, want a PLUMBLINE_LABEL_FONT error", err)
	}
	c.LabelFont = ""
	if err := c.Validate(); err != nil {
		t.Fatalf("no label font: %v", err)
	}
}
