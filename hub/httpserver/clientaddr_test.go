package httpserver_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/amthub/amthub/hub/httpserver"
)

// TestClientAddr: X-Forwarded-For counts only from a trusted proxy, and
// then only up to the first hop no trusted proxy wrote.
func TestClientAddr(t *testing.T) {
	trusted, err := httpserver.ParsePrefixes("10.0.0.0/8, 192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	h := httpserver.TrustProxies(trusted)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, httpserver.ClientAddr(r))
	}))
	for _, tc := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"NoProxy", "198.51.100.1:4000", nil, "198.51.100.1"},
		{"UntrustedPeerForges", "198.51.100.1:4000", []string{"203.0.113.9"}, "198.51.100.1"},
		{"TrustedProxy", "10.1.2.3:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"ClientForgesBeforeProxy", "10.1.2.3:4000", []string{"1.2.3.4, 203.0.113.9"}, "203.0.113.9"},
		{"TwoProxies", "10.1.2.3:4000", []string{"1.2.3.4, 203.0.113.9", "192.0.2.7"}, "203.0.113.9"},
		{"TrustedWithoutHeader", "10.1.2.3:4000", nil, "10.1.2.3"},
		{"MalformedHop", "10.1.2.3:4000", []string{"203.0.113.9, nonsense"}, "10.1.2.3"},
		{"IPv6", "[2001:db8::1]:4000", []string{"203.0.113.9"}, "2001:db8::1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if got := rec.Body.String(); got != tc.want {
				t.Errorf("client %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := httpserver.ParsePrefixes("10.0.0.0/33"); err == nil {
		t.Error("a bad network was accepted")
	}
}

func FuzzParsePrefixes(f *testing.F) {
	for _, s := range []string{"", "10.0.0.0/8", "192.0.2.7, ::1", "2001:db8::/32,", "x", "1.2.3.4/99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := httpserver.ParsePrefixes(s)
		if err != nil {
			return
		}
		for _, p := range ps {
			if !p.IsValid() || p != p.Masked() {
				t.Fatalf("%q gave %v", s, p)
			}
		}
	})
}
