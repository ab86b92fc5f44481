package auth

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/models"
)

func TestHashRoundTrip(t *testing.T) {
	p := Params{Memory: 64, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}
	enc, err := hashPassword("s3cret pässword", p)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=3,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(enc) {
		t.Fatalf("encoding %q is not PHC argon2id", enc)
	}
	got, salt, key, err := parseHash(enc)
	if err != nil {
		t.Fatal(err)
	}
	if got != p || len(salt) != 16 || len(key) != 32 {
		t.Fatalf("parsed %+v salt %d key %d, want %+v 16 32", got, len(salt), len(key), p)
	}
	for pw, want := range map[string]bool{"s3cret pässword": true, "s3cret password": false, "": false, "s3cret pässword ": false} {
		if ok, err := verifyPassword(pw, enc); err != nil || ok != want {
			t.Errorf("verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	again, _ := hashPassword("s3cret pässword", p)
	if again == enc {
		t.Error("two hashes of one password are equal: salt not random")
	}
}

// A known-answer vector pins the encoding: a hash written today must
// verify after any refactoring.
func TestHashKnownAnswer(t *testing.T) {
	const enc = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$" // salt "saltsaltsaltsalt"
	_, salt, _, err := parseHash(enc + "AAAAAAAAAAAAAAAAAAAAAA")
	if err != nil || string(salt) != "saltsaltsaltsalt" {
		t.Fatalf("parse: %q %v", salt, err)
	}
	full := enc + b64.EncodeToString(argon2Key("password", salt, CheapParams))
	if ok, err := verifyPassword("password", full); !ok || err != nil {
		t.Fatalf("verify known answer: %v %v", ok, err)
	}
}

func TestParseHashErrors(t *testing.T) {
	const salt, key = "c2FsdHNhbHRzYWx0c2FsdA", "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5MTI"
	for _, tc := range []struct{ name, enc, want string }{
		{"empty", "", "want $argon2id"},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuv", "want $argon2id"},
		{"argon2i", "$argon2i$v=19$m=8,t=1,p=1$" + salt + "$" + key, "not argon2id"},
		{"version", "$argon2id$v=16$m=8,t=1,p=1$" + salt + "$" + key, "not v=19"},
		{"order", "$argon2id$v=19$t=1,m=8,p=1$" + salt + "$" + key, "want m="},
		{"missing", "$argon2id$v=19$m=8,t=1$" + salt + "$" + key, "want m="},
		{"letters", "$argon2id$v=19$m=x,t=1,p=1$" + salt + "$" + key, "not a number"},
		{"leading zero", "$argon2id$v=19$m=08,t=1,p=1$" + salt + "$" + key, "not a number"},
		{"sign", "$argon2id$v=19$m=+8,t=1,p=1$" + salt + "$" + key, "not a number"},
		{"overflow", "$argon2id$v=19$m=4294967296,t=1,p=1$" + salt + "$" + key, "not a number"},
		{"zero time", "$argon2id$v=19$m=8,t=0,p=1$" + salt + "$" + key, "time 0"},
		{"zero threads", "$argon2id$v=19$m=8,t=1,p=0$" + salt + "$" + key, "threads 0"},
		{"many threads", "$argon2id$v=19$m=8192,t=1,p=300$" + salt + "$" + key, "above 64"},
		{"huge memory", "$argon2id$v=19$m=4000000,t=1,p=1$" + salt + "$" + key, "memory"},
		{"salt padding", "$argon2id$v=19$m=8,t=1,p=1$" + salt + "==$" + key, "salt"},
		{"salt url alphabet", "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNh_-Rzy$" + key, "salt"},
		{"short salt", "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$" + key, "salt length"},
		{"short key", "$argon2id$v=19$m=8,t=1,p=1$" + salt + "$a2V5", "key length"},
		{"extra part", "$argon2id$v=19$m=8,t=1,p=1$" + salt + "$" + key + "$x", "want $argon2id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := parseHash(tc.enc)
			if !errors.Is(err, errHashFormat) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("parseHash(%q) = %v, want a malformed-hash error containing %q", tc.enc, err, tc.want)
			}
			if ok, err := verifyPassword("x", tc.enc); ok || err == nil {
				t.Fatalf("verify accepted a malformed hash")
			}
		})
	}
	// The well-formed base of the table parses.
	if _, _, _, err := parseHash("$argon2id$v=19$m=8,t=1,p=1$" + salt + "$" + key); err != nil {
		t.Fatalf("valid hash: %v", err)
	}
}

func TestParamsValidate(t *testing.T) {
	for _, p := range []Params{
		{Memory: 8, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32}, // memory < 8×threads
		{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8},
		{},
	} {
		if err := p.Validate(); err == nil {
			t.Errorf("%+v: no error", p)
		}
		if _, err := hashPassword("password", p); err == nil {
			t.Errorf("hash with %+v: no error", p)
		}
	}
	for _, p := range []Params{DefaultParams, CheapParams} {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
}

// TestProductionParams is the one test that pays for real argon2id work:
// Open with no HashParams uses DefaultParams end to end.
func TestProductionParams(t *testing.T) {
	ctx := context.Background()
	a, err := Open(ctx, dbtest.Open(t, dbx.SQLite), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.params != DefaultParams || !strings.HasPrefix(a.dummy, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("params %+v, dummy %q", a.params, a.dummy)
	}
	u := models.User{ID: "acme.admin", OrgID: "acme", Name: "Ada", Role: models.RoleAdmin}
	if _, err := a.CreateUser(ctx, u, testPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, u.ID, testPassword, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	wantKind(t, errOnly(a.Authenticate(ctx, u.ID, "wrong password", "192.0.2.1")), models.ErrForbidden)
}

// errOnly drops the value of a (value, error) pair.
func errOnly[T any](_ T, err error) error { return err }
