package citizens_test

import (
	"context"
	"testing"

	"github.com/amthub/amthub/hub/citizens"
	"github.com/amthub/amthub/hub/hubtest"
)

// BenchmarkAuthenticate shows that an unknown address, a wrong password
// and a right one cost the same: one argon2id hash each.
func BenchmarkAuthenticate(b *testing.B) {
	db := hubtest.NewSQLite(b)
	tenant := hubtest.MustTenant(b, db)
	s := citizens.NewStore(db)
	ctx := context.Background()
	if _, err := s.Create(ctx, tenant, "erika@example.org", "richtig-geheim-1", "Erika Mustermann"); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, email, password string }{
		{"UnknownAddress", "niemand@example.org", "richtig-geheim-1"},
		{"WrongPassword", "erika@example.org", "falsch-falsch-1"},
		{"OK", "erika@example.org", "richtig-geheim-1"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				_, _ = s.Authenticate(ctx, tenant, bc.email, bc.password)
			}
		})
	}
}
