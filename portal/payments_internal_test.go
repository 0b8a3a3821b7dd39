package portal

import "testing"

// TestEuro checks the German format of amounts: thousands with dots,
// cents after a comma, a no-break space before the euro sign.
func TestEuro(t *testing.T) {
	for _, c := range []struct {
		cents int64
		want  string
	}{
		{0, "0,00\u00a0€"}, {5, "0,05\u00a0€"}, {99, "0,99\u00a0€"}, {100, "1,00\u00a0€"}, {3550, "35,50\u00a0€"},
		{100000, "1.000,00\u00a0€"}, {12345678, "123.456,78\u00a0€"}, {100000000, "1.000.000,00\u00a0€"}, {-1250, "-12,50\u00a0€"},
	} {
		if got := euro(c.cents); got != c.want {
			t.Errorf("euro(%d) = %q, want %q", c.cents, got, c.want)
		}
	}
}
