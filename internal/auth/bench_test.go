package auth

import (
	"testing"

	"github.com/plumbline/plumbline/internal/dbx"
	"github.com/plumbline/plumbline/models"
)

// BenchmarkAuthenticate measures a successful login on SQLite, with the
// cheap test parameters (the database's share) and the production ones
// (what a user waits for).
func BenchmarkAuthenticate(b *testing.B) {
	for _, bc := range []struct {
		name   string
		params Params
	}{{"cheap", CheapParams}, {"production", DefaultParams}} {
		b.Run(bc.name, func(b *testing.B) {
			f := open(b, dbx.SQLite, func(o *Options) { o.HashParams = &bc.params })
			f.create(b, "acme.op", "acme", models.RoleOperator)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.a.Authenticate(f.ctx, "acme.op", testPassword, "192.0.2.1"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
