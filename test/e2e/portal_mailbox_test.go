package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/amthub/amthub/hub/sqlstore"
	"github.com/amthub/amthub/portal/browsertest"
)

var pdf = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// TestPortalMailbox walks the citizen's side of a mailbox message that a
// vendor sent through the API, in headless Chromium, against `amthub dev`
// and against `amthub serve` (PostgreSQL, RabbitMQ, Redis sessions):
// register and confirm through the portal; the vendor gets a postbox
// reference by the citizen's consent (OAuth code flow with PKCE), opens a
// case for the citizen and sends two messages; the citizen reads the
// first, downloads its attachment, uploads a document to the safe and
// answers with it attached; the second needs level "high": dev opens it
// after the simulated eID login, serve has no such login. axe-core checks
// every new page; the vendor sees delivered → read → replied on the case
// timeline and reads the answer with its attachment.
func TestPortalMailbox(t *testing.T) {
	t.Run("dev", func(t *testing.T) { walkMailbox(t, startDev(t), false) })
	t.Run("serve", func(t *testing.T) { walkMailbox(t, startServe(t), true) })
}

func walkMailbox(t *testing.T, h *Hub, serve bool) {
	ctx := newBrowser(t)
	portal := strings.Replace(h.Base, "127.0.0.1", "localhost", 1) // Chromium keeps Secure cookies on localhost
	const email, password = "lena.schulze@example.org", "richtig-geheim-7"
	shot := func(name string) string {
		if serve {
			return "serve-" + name
		}
		return name
	}

	// The citizen registers and confirms through the portal.
	do(t, ctx, "register", chromedp.Navigate(portal+"/konto/registrieren"), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#given_name"), "Lena"), chromedp.SendKeys(chromedp.CSS("#family_name"), "Schulze"),
		chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS(".message")))
	link := confirmationLink(t, h, ctx, portal, serve)
	do(t, ctx, "confirm", chromedp.Navigate(strings.Replace(link, "127.0.0.1", "localhost", 1)), chromedp.WaitVisible(chromedp.CSS(".message")))

	// The vendor: a client for the code flow, the citizen's consent, a
	// case for the citizen and two messages.
	client := registerVendor(t, h)
	citizenTok := codeFlow(t, h, client, email, password)
	var ref struct{ PostboxRef string }
	if res := h.Do("POST", "/v1/mailbox/postboxes", citizenTok, nil); res.Status != 200 {
		t.Fatalf("postbox reference: %d %s", res.Status, res.Body)
	} else {
		res.JSON(t, &ref)
	}
	caseID := newCase(t, h, citizenTok, "portal-walk-case")
	vendorTok := h.Token(client.ID, client.Secret, "mailbox:send events:read submissions:read")
	first := sendMessage(t, h, vendorTok, "walk-1", map[string]any{"postboxRef": ref.PostboxRef, "caseId": caseID,
		"sender": "Gewerbeamt Chemnitz", "title": "Ihre Gewerbeanmeldung",
		"body":       "Guten Tag Frau Schulze,\n\nIhre Anmeldung ist **eingegangen**. Bitte senden Sie uns Ihren Nachweis.\n\n- Gewerbeschein anbei <script>window.pwned=1</script>",
		"bodyFormat": "markdown", "replyAllowed": true, "assuranceLevel": "normal",
		"attachments": []map[string]any{{"filename": "eingangsbestaetigung.pdf", "mimeType": "application/pdf", "content": pdf}}})
	high := sendMessage(t, h, vendorTok, "walk-2", map[string]any{"postboxRef": ref.PostboxRef, "sender": "Finanzamt Chemnitz",
		"title": "Ihr Bescheid", "body": "Nur mit Online-Ausweis zu lesen.", "replyAllowed": false, "assuranceLevel": "high"})

	// The citizen logs in with the password (level normal) and reads.
	do(t, ctx, "log in", chromedp.Navigate(portal+"/konto/anmelden"), chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS("#post")))
	do(t, ctx, "inbox", chromedp.Click(chromedp.CSS(`a[href="/konto/postfach"]`)), chromedp.WaitVisible(chromedp.CSS(".inbox")))
	if got := text(t, ctx, ".lead"); !strings.Contains(got, "2 ungelesen") {
		t.Errorf("inbox lead = %q", got)
	}
	checkPage(t, ctx, shot("30-mailbox"))
	do(t, ctx, "open message", chromedp.Click(chromedp.CSS(`a[href="/konto/postfach/`+first+`"]`)), chromedp.WaitVisible(chromedp.CSS(".letter")))
	if got := text(t, ctx, ".letter"); !strings.Contains(got, "Ihre Anmeldung ist eingegangen") || !strings.Contains(got, "<script>window.pwned=1</script>") {
		t.Errorf("letter = %q", got)
	}
	if got := eval[string](t, ctx, `document.querySelector(".letter strong").textContent + "|" + String(window.pwned)`); got != "eingegangen|undefined" {
		t.Errorf("markdown and script: %q", got)
	}
	checkPage(t, ctx, shot("31-message"))
	href := eval[string](t, ctx, `document.querySelector("#anhaenge + ul a").getAttribute("href")`)
	if got := eval[string](t, ctx, `fetch("`+href+`").then(r => r.ok && r.headers.get("content-disposition").startsWith("attachment") ? r.text() : "status " + r.status)`,
		chromedp.EvalAwaitPromise); got != string(pdf) {
		t.Errorf("attachment download = %q", got)
	}

	// A document into the safe, then the answer with it attached.
	doc := filepath.Join(t.TempDir(), "nachweis.pdf")
	if err := os.WriteFile(doc, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "safe", chromedp.Navigate(portal+"/konto/dokumente"), chromedp.WaitVisible(chromedp.CSS("#datei")))
	checkPage(t, ctx, shot("32-documents-empty"))
	do(t, ctx, "upload", chromedp.SetUploadFiles(chromedp.CSS("#datei"), []string{doc}), chromedp.Submit(chromedp.CSS("#datei")),
		chromedp.WaitVisible(chromedp.CSS(".success")))
	if got := text(t, ctx, "table.documents"); !strings.Contains(got, "nachweis.pdf") {
		t.Fatalf("documents = %q", got)
	}
	checkPage(t, ctx, shot("33-documents"))
	do(t, ctx, "back to the message", chromedp.Navigate(portal+"/konto/postfach/"+first), chromedp.WaitVisible(chromedp.CSS("#body")))
	do(t, ctx, "reply",
		chromedp.SendKeys(chromedp.CSS("#body"), "Sehr geehrte Damen und Herren,\nanbei mein Nachweis. <b>Danke</b>"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#document").selectedIndex = 1`),
		chromedp.Submit(chromedp.CSS("#body")), chromedp.WaitVisible(chromedp.CSS(".success")))
	if got := text(t, ctx, ".reply"); !strings.Contains(got, "anbei mein Nachweis. <b>Danke</b>") || !strings.Contains(got, "nachweis.pdf") {
		t.Errorf("reply shown as %q", got)
	}
	checkPage(t, ctx, shot("34-replied"))

	// The message above the login's level, then the simulated eID.
	do(t, ctx, "high message", chromedp.Navigate(portal+"/konto/postfach/"+high), chromedp.WaitVisible(chromedp.CSS(".notice")))
	if got := text(t, ctx, ".notice"); !strings.Contains(got, "hoch (Online-Ausweis)") {
		t.Errorf("notice = %q", got)
	}
	checkPage(t, ctx, shot("35-level-notice"))
	if serve {
		// No simulated eID outside dev: no button, and the form's address does not exist.
		if n := eval[int](t, ctx, `document.querySelectorAll('form[action="/konto/anmelden/ausweis"]').length`); n != 0 {
			t.Error("serve offers the test eID")
		}
		if got := eval[int](t, ctx, `fetch("/konto/anmelden/ausweis", {method: "POST"}).then(r => r.status)`, chromedp.EvalAwaitPromise); got != 404 && got != 405 {
			t.Errorf("serve: POST /konto/anmelden/ausweis = %d, want 404 or 405", got)
		}
	} else {
		do(t, ctx, "test eID", chromedp.Click(chromedp.CSS(`form[action="/konto/anmelden/ausweis"] button`)), chromedp.WaitVisible(chromedp.CSS(".letter")))
		if got := text(t, ctx, ".letter"); got != "Nur mit Online-Ausweis zu lesen." {
			t.Errorf("after test eID: %q", got)
		}
	}

	// The receipts: on the vendor's timeline and on the citizen's case page.
	var page struct{ Events []struct{ Type string } }
	h.Do("GET", "/v1/cases/"+caseID+"/events", vendorTok, nil).JSON(t, &page)
	var types []string
	for _, e := range page.Events {
		if strings.HasPrefix(e.Type, "mailbox.") {
			types = append(types, e.Type)
		}
	}
	if want := []string{"mailbox.delivered", "mailbox.read", "mailbox.replied"}; !slices.Equal(types, want) {
		t.Errorf("timeline %v, want %v", types, want)
	}
	var msg struct {
		Status  string
		Replies []string
	}
	h.Do("GET", "/v1/mailbox/messages/"+first, vendorTok, nil).JSON(t, &msg)
	if msg.Status != "replied" || len(msg.Replies) != 1 {
		t.Fatalf("the vendor sees %+v", msg)
	}
	var reply struct {
		Body        string
		Attachments []struct{ Filename, Sha256 string }
	}
	h.Do("GET", "/v1/mailbox/messages/"+msg.Replies[0], vendorTok, nil).JSON(t, &reply)
	sum := sha256.Sum256(pdf)
	if !strings.Contains(reply.Body, "anbei mein Nachweis. <b>Danke</b>") || len(reply.Attachments) != 1 ||
		reply.Attachments[0].Filename != "nachweis.pdf" || reply.Attachments[0].Sha256 != hex.EncodeToString(sum[:]) {
		t.Errorf("the vendor reads the reply %+v", reply)
	}
	do(t, ctx, "case page", chromedp.Navigate(portal+"/konto/antraege/"+caseID), chromedp.WaitVisible(chromedp.CSS(".timeline")))
	if got := text(t, ctx, ".timeline"); !strings.Contains(got, "Nachricht in Ihrem Postfach") ||
		!strings.Contains(got, "Nachricht gelesen") || !strings.Contains(got, "Nachricht beantwortet") {
		t.Errorf("case timeline = %q", got)
	}
	checkPage(t, ctx, shot("36-case-receipts"))
}

var confirmRe = regexp.MustCompile(`https?://[^\s"<]+/konto/bestaetigen\?token=[^\s"<]+`)

// confirmationLink finds the link of the confirmation e-mail: on dev's
// outbox page; serve has none (it would send e-mail), so there it is read
// from the portal's outbox table.
func confirmationLink(t *testing.T, h *Hub, ctx context.Context, portal string, serve bool) string {
	t.Helper()
	if !serve {
		do(t, ctx, "outbox", chromedp.Navigate(portal+"/dev/postausgang"), chromedp.WaitVisible(chromedp.CSS(".mail a")))
		return text(t, ctx, ".mail a")
	}
	db, err := sqlstore.Open(context.Background(), h.DBURL, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var body string
	if err := db.QueryRowContext(context.Background(), `SELECT body FROM portal_outbox ORDER BY created_at DESC LIMIT 1`).Scan(&body); err != nil {
		t.Fatal(err)
	}
	link := confirmRe.FindString(body)
	if link == "" {
		t.Fatalf("no confirmation link in %q", body)
	}
	return link
}

// vendorClient is a vendor's OAuth client for the code flow.
type vendorClient struct {
	ID       string `json:"id"`
	Secret   string `json:"clientSecret"`
	Redirect string
}

// registerVendor registers, with the operator CLI, a vendor client that
// may act for citizens who consent (the demo vendor has client
// credentials only).
func registerVendor(t *testing.T, h *Hub) vendorClient {
	t.Helper()
	redirect := "http://127.0.0.1:9/antragsmanager/callback"
	out := h.Operator("client", "create", "--tenant", h.Demo.Tenant.Slug, "--name", "Antragsmanager (E2E)",
		"--grant-types", "authorization_code refresh_token client_credentials",
		"--scopes", "openid mailbox:send submissions:write submissions:read events:read", "--redirect-uris", redirect)
	var c vendorClient
	if err := json.Unmarshal(out, &c); err != nil || c.ID == "" || c.Secret == "" {
		t.Fatalf("client create: %v %s", err, out)
	}
	c.Redirect = redirect
	return c
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// formOf returns the hidden fields of the first form posting to action.
func formOf(t *testing.T, res *http.Response, action string) url.Values {
	t.Helper()
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	page := string(b)
	i := strings.Index(page, `action="`+action+`"`)
	if i < 0 {
		t.Fatalf("no form to %s in %s (%d): %.500s", action, res.Request.URL, res.StatusCode, page)
	}
	form := page[i:]
	form = form[:strings.Index(form, "</form>")]
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(form, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// codeFlow logs the citizen in at the hub's OAuth server, consents, and
// redeems the code (with PKCE) for a token that acts for the citizen.
func codeFlow(t *testing.T, h *Hub, c vendorClient, email, password string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if !strings.HasPrefix(req.URL.Path, "/oauth2/") {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	verifier := strings.Repeat("v", 43) + "-portal-walk"
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {c.Redirect},
		"scope": {"openid mailbox:send submissions:write submissions:read events:read"}, "state": {"state-of-the-walk"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	res, err := browser.Get(h.Base + "/oauth2/auth?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	login := formOf(t, res, "/oauth2/login")
	login.Set("email", email)
	login.Set("password", password)
	if res, err = browser.PostForm(h.Base+"/oauth2/login", login); err != nil {
		t.Fatal(err)
	}
	consent := formOf(t, res, "/oauth2/auth")
	consent.Set("consent", "allow")
	if res, err = browser.PostForm(h.Base+"/oauth2/auth", consent); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := res.Location()
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("no code after consent: %d %v", res.StatusCode, err)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {c.Redirect},
		"code_verifier": {verifier}}
	req, _ := http.NewRequest(http.MethodPost, h.Base+"/oauth2/token", strings.NewReader(form.Encode()))
	req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || res.StatusCode != 200 || tok.AccessToken == "" {
		t.Fatalf("redeem code: %d %v", res.StatusCode, err)
	}
	return tok.AccessToken
}

func sendMessage(t *testing.T, h *Hub, tok, key string, body map[string]any) string {
	t.Helper()
	res := h.Do("POST", "/v1/mailbox/messages", tok, JSONBody(body), "Idempotency-Key", key)
	var m struct{ MessageID, Status string }
	res.JSON(t, &m)
	if res.Status != 201 || m.Status != "delivered" {
		t.Fatalf("send: %d %s", res.Status, res.Body)
	}
	return m.MessageID
}

// newBrowser starts Chromium for this test, for three minutes at most.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	bctx, stop, err := browsertest.Start()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(bctx, 3*time.Minute)
	t.Cleanup(func() { cancel(); stop() })
	return ctx
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	browsertest.Do(t, ctx, what, steps...)
}

func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	return browsertest.Text(t, ctx, css)
}

func eval[T any](t *testing.T, ctx context.Context, js string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// checkPage runs axe-core (WCAG 2.1 A and AA) on the page, fails on
// serious or critical violations, and takes screenshots at phone and
// desktop width into test/out/portal.
func checkPage(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	axe, err := browsertest.LoadAxe(filepath.Join("..", "..", "portal", "testdata", "axe"))
	if err != nil {
		t.Fatal(err)
	}
	browsertest.Check(t, ctx, axe, filepath.Join("..", "out", "portal"), name)
}
