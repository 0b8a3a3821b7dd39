package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPortalAccountWiring checks what `amthub dev` wires for the service
// account's payments and consents: both pages exist (a visitor is sent to
// the login), and the OAuth server's login page appears in the portal's
// frame under a strict Content-Security-Policy.
func TestPortalAccountWiring(t *testing.T) {
	h := startDev(t)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/konto/zahlungen", "/konto/einwilligungen"} {
		res, err := noFollow.Get(h.Base + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/konto/anmelden" {
			t.Errorf("%s for a visitor: %d %q, want the portal's login", path, res.StatusCode, loc)
		}
	}

	redirect := "http://127.0.0.1:9/antragsdienst/callback"
	out := h.Operator("client", "create", "--tenant", h.Demo.Tenant.Slug, "--name", "Antragsdienst (E2E-Konto)",
		"--grant-types", "authorization_code refresh_token", "--scopes", "openid profile:read",
		"--redirect-uris", redirect)
	var c struct{ ID string }
	if err := json.Unmarshal(out, &c); err != nil || c.ID == "" {
		t.Fatalf("client create: %v %s", err, out)
	}
	q := url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {redirect}, "scope": {"openid profile:read"},
		"state": {"state-of-the-wiring"}, "code_challenge": {strings.Repeat("A", 43)}, "code_challenge_method": {"S256"}}
	res, err := http.Get(h.Base + "/oauth2/auth?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	page, csp := string(b), res.Header.Get("Content-Security-Policy")
	if res.Request.URL.Path != "/oauth2/login" || !strings.Contains(page, `<a class="brand" href="/">Serviceportal`) ||
		!strings.Contains(page, `href="/assets/portal/portal.css"`) || !strings.Contains(page, `action="/oauth2/login"`) {
		t.Fatalf("OAuth login page not in the portal's frame (%s, %d): %.600s", res.Request.URL.Path, res.StatusCode, page)
	}
	if strings.Contains(page, "<style") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q with inline style: %v", csp, strings.Contains(page, "<style"))
	}
}
