package citizens

import (
	"strings"
	"testing"
)

// TestDummyHashCostsAsMuch checks that the hash checked for unknown
// accounts has the parameters of real ones, so both take the same time.
func TestDummyHashCostsAsMuch(t *testing.T) {
	real := HashPassword("richtig-geheim-1")
	params := func(phc string) string { return strings.Join(strings.Split(phc, "$")[:4], "$") }
	if got, want := params(dummyHash), params(real); got != want {
		t.Fatalf("dummy hash parameters %q, want %q", got, want)
	}
	if got, want := len(dummyHash), len(real); got != want {
		t.Fatalf("dummy hash length %d, want %d (same salt and key sizes)", got, want)
	}
	if !CheckPassword(real, "richtig-geheim-1") || CheckPassword(real, "falsch") {
		t.Fatal("CheckPassword does not tell the right password from a wrong one")
	}
}
