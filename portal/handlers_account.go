package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/citizens"
	"github.com/amthub/amthub/hub/httpserver"
	"github.com/amthub/amthub/hub/logins"
	"github.com/amthub/amthub/hub/pipeline"
)

// formView carries a form's values back with its error.
type formView struct {
	Values map[string]string
	Error  string
	Field  string
	Notice string
}

func formValues(r *http.Request, names ...string) map[string]string {
	out := map[string]string{}
	for _, n := range names {
		out[n] = strings.TrimSpace(r.PostFormValue(n))
	}
	return out
}

func errorView(values map[string]string, err error) formView {
	v := formView{Values: values, Error: hub.ErrorMessage(err)}
	var he *hub.Error
	if errors.As(err, &he) {
		v.Field = he.Field
	}
	return v
}

func (p *Portal) registerForm(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "register", "Servicekonto anlegen", formView{Values: map[string]string{}})
}

func (p *Portal) register(w http.ResponseWriter, r *http.Request) {
	v := formValues(r, "given_name", "family_name", "email")
	password := r.PostFormValue("password")
	if res, err := p.limiter.Allow(r.Context(), "portal:register:"+httpserver.ClientAddr(r), p.cfg.RegisterLimit); err != nil || !res.Allowed {
		p.fail(w, r, rateLimited(err))
		return
	}
	_, err := p.accounts.Register(r.Context(), p.cfg.TenantID, v["email"], password, v["given_name"], v["family_name"],
		func(token string) string { return p.baseURL(r) + "/konto/bestaetigen?token=" + url.QueryEscape(token) })
	if err != nil {
		if hub.ErrorCode(err) == hub.EINTERNAL {
			p.fail(w, r, err)
			return
		}
		p.render(w, r, http.StatusUnprocessableEntity, "register", "Servicekonto anlegen", errorView(v, germanAccountError(err)))
		return
	}
	notice := "Wir haben Ihnen eine E-Mail geschickt. Bitte bestätigen Sie Ihre E-Mail-Adresse über den Link darin."
	p.render(w, r, http.StatusOK, "message", "Fast geschafft", map[string]string{"Message": notice, "Outbox": "1"})
}

// germanAccountError translates the OAuth module's English field errors.
func germanAccountError(err error) error {
	var e *hub.Error
	if !errors.As(err, &e) {
		return err
	}
	msg := map[string]string{
		"email":        "Bitte geben Sie eine gültige E-Mail-Adresse an.",
		"password":     "Das Passwort muss mindestens 10 Zeichen lang sein.",
		"display_name": "Bitte geben Sie Ihren Namen an.",
	}[e.Field]
	if e.Code == hub.ECONFLICT {
		msg = "Mit dieser E-Mail-Adresse gibt es schon ein Konto."
	}
	if msg == "" {
		return err
	}
	return &hub.Error{Code: e.Code, Field: e.Field, Message: msg}
}

func (p *Portal) confirm(w http.ResponseWriter, r *http.Request) {
	if err := p.accounts.Confirm(r.Context(), p.cfg.TenantID, param(r, "token", 100)); err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "message", "E-Mail-Adresse bestätigt",
		map[string]string{"Message": "Ihre E-Mail-Adresse ist bestätigt. Sie können sich jetzt anmelden.", "Login": "1"})
}

func (p *Portal) loginForm(w http.ResponseWriter, r *http.Request) {
	if state(r).session != nil {
		http.Redirect(w, r, "/konto", http.StatusSeeOther)
		return
	}
	p.render(w, r, http.StatusOK, "login", "Anmelden", formView{Values: map[string]string{}})
}

func rateLimited(err error) error {
	if err != nil {
		return err
	}
	return &hub.Error{Code: hub.ERATELIMITED, Kind: "rate_limited",
		Message: "Zu viele Versuche. Bitte warten Sie eine Minute und versuchen Sie es dann noch einmal."}
}

func (p *Portal) login(w http.ResponseWriter, r *http.Request) {
	v := formValues(r, "email")
	ctx := r.Context()
	// hub/logins' policy, shared with the OAuth login: the account and the
	// address are checked before the password, and every refusal of the
	// password counts, for an unknown address and a known one alike.
	account, addr := logins.AccountKey(p.cfg.TenantID, v["email"]), httpserver.ClientAddr(r)
	if err := p.logins.Check(ctx, account, addr); err != nil {
		p.loginRefused(w, r, v, err)
		return
	}
	c, err := p.accounts.Login(ctx, p.cfg.TenantID, v["email"], r.PostFormValue("password"))
	if hub.IsCode(err, hub.EUNAUTHORIZED) {
		if ferr := p.logins.Fail(ctx, account, addr); ferr != nil {
			err = ferr
		}
	}
	if err != nil {
		p.loginRefused(w, r, v, err)
		return
	}
	now := p.accounts.db.Now()
	token, err := p.sessions.Create(ctx, &Session{TenantID: p.cfg.TenantID, CitizenID: c.ID, CSRF: hub.NewToken(),
		CreatedAt: now, ExpiresAt: now.Add(p.cfg.SessionTTL)})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if old := state(r).token; old != "" {
		_ = p.sessions.Delete(ctx, old)
	}
	p.setCookie(w, "session", token, int(p.cfg.SessionTTL.Seconds()), http.SameSiteLaxMode)
	p.setCookie(w, "csrf", "", -1, http.SameSiteStrictMode)
	http.Redirect(w, r, "/konto", http.StatusSeeOther)
}

// loginRefused shows the login form again with the one answer for a wrong
// password or an unknown address, the lock's answer, or a missing
// confirmation (which only the right password learns of).
func (p *Portal) loginRefused(w http.ResponseWriter, r *http.Request, v map[string]string, err error) {
	status := http.StatusUnauthorized
	switch {
	case hub.IsCode(err, hub.EUNAUTHORIZED):
		err = &hub.Error{Code: hub.EUNAUTHORIZED, Message: citizens.LoginFailedMessage}
	case hub.IsCode(err, hub.ERATELIMITED):
		status = http.StatusTooManyRequests
	case !hub.IsCode(err, hub.EFORBIDDEN):
		p.fail(w, r, err)
		return
	}
	p.render(w, r, status, "login", "Anmelden", errorView(v, err))
}

func (p *Portal) logout(w http.ResponseWriter, r *http.Request) {
	if st := state(r); st.token != "" {
		if err := p.sessions.Delete(r.Context(), st.token); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	p.setCookie(w, "session", "", -1, http.SameSiteLaxMode)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

type accountView struct {
	Profile *Profile
	Form    formView
	Saved   bool
	Cases   []caseLine
	Post    []area // areas.go: mailbox and document safe
	Areas   []area // areas.go: payments and consents
}

func (p *Portal) accountPage(w http.ResponseWriter, r *http.Request) {
	s, ok := p.requireLogin(w, r)
	if !ok {
		return
	}
	p.showAccount(w, r, s, http.StatusOK, formView{}, r.URL.Query().Get("gespeichert") == "1")
}

func (p *Portal) showAccount(w http.ResponseWriter, r *http.Request, s *Session, status int, form formView, saved bool) {
	prof, err := p.accounts.Profile(r.Context(), s.TenantID, s.CitizenID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	cases, err := p.citizenCases(r.Context(), s.TenantID, s.CitizenID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if form.Values == nil {
		form.Values = map[string]string{"given_name": prof.GivenName, "family_name": prof.FamilyName,
			"birth_name": prof.BirthName, "birth_date": prof.BirthDate, "birth_place": prof.BirthPlace,
			"street": prof.Street, "postcode": prof.Postcode, "city": prof.City, "phone": prof.Phone}
	}
	p.render(w, r, status, "account", "Mein Servicekonto", accountView{Profile: prof, Form: form, Saved: saved, Cases: cases,
		Post: p.postAreas(), Areas: p.accountAreas()})
}

var profileFields = []string{"given_name", "family_name", "birth_name", "birth_date", "birth_place", "street", "postcode", "city", "phone"}

func (p *Portal) saveProfile(w http.ResponseWriter, r *http.Request) {
	s, ok := p.requireLogin(w, r)
	if !ok {
		return
	}
	v := formValues(r, profileFields...)
	prof := &Profile{GivenName: v["given_name"], FamilyName: v["family_name"], BirthName: v["birth_name"],
		BirthDate: v["birth_date"], BirthPlace: v["birth_place"], Street: v["street"], Postcode: v["postcode"],
		City: v["city"], Phone: v["phone"]}
	if err := p.accounts.UpdateProfile(r.Context(), s.TenantID, s.CitizenID, prof); err != nil {
		if hub.IsCode(err, hub.EINVALID) {
			p.showAccount(w, r, s, http.StatusUnprocessableEntity, errorView(v, err), false)
			return
		}
		p.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/konto?gespeichert=1", http.StatusSeeOther)
}

func (p *Portal) casePage(w http.ResponseWriter, r *http.Request) {
	s, ok := p.requireLogin(w, r)
	if !ok {
		return
	}
	id := chi.URLParam(r, "id")
	events, err := p.cases.ListCaseEventsForCitizen(r.Context(), s.TenantID, s.CitizenID, id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	var summary *caseLine
	if cases, err := p.citizenCases(r.Context(), s.TenantID, s.CitizenID); err == nil {
		for i := range cases {
			if cases[i].CaseID == id {
				summary = &cases[i]
			}
		}
	}
	p.render(w, r, http.StatusOK, "case", "Mein Antrag", map[string]any{"Case": summary, "Events": events,
		"Payments": p.casePayments(r, s, id)})
}

func (p *Portal) deleteForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.requireLogin(w, r); !ok {
		return
	}
	p.render(w, r, http.StatusOK, "delete", "Servicekonto löschen", formView{})
}

func (p *Portal) deleteAccount(w http.ResponseWriter, r *http.Request) {
	s, ok := p.requireLogin(w, r)
	if !ok {
		return
	}
	if r.PostFormValue("confirm") != "ja" {
		p.render(w, r, http.StatusUnprocessableEntity, "delete", "Servicekonto löschen",
			formView{Error: "Bitte bestätigen Sie, dass Sie das Konto löschen wollen.", Field: "confirm"})
		return
	}
	// First end what applications may do in the citizen's name: a failure
	// here leaves the account as it was, to delete again.
	if p.svc.Consents != nil {
		consents, err := p.svc.Consents.List(r.Context(), s.TenantID, s.CitizenID)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		for _, c := range consents {
			if err := p.svc.Consents.Revoke(r.Context(), s.TenantID, s.CitizenID, c.ClientID); err != nil && !hub.IsCode(err, hub.ENOTFOUND) {
				p.fail(w, r, err)
				return
			}
		}
	}
	if err := p.accounts.Delete(r.Context(), s.TenantID, s.CitizenID); err != nil {
		p.fail(w, r, err)
		return
	}
	if err := p.sessions.DeleteCitizen(r.Context(), s.TenantID, s.CitizenID); err != nil {
		p.fail(w, r, err)
		return
	}
	p.setCookie(w, "session", "", -1, http.SameSiteLaxMode)
	p.render(w, r, http.StatusOK, "message", "Konto gelöscht", map[string]string{"Message": "Ihr Servicekonto, Ihre Stammdaten und Ihr Dokumentensafe sind gelöscht. Anwendungen, denen Sie Zugriff gegeben hatten, haben ihn nicht mehr."})
}

func (p *Portal) outboxPage(w http.ResponseWriter, r *http.Request) {
	mails, err := p.accounts.Outbox(r.Context(), p.cfg.TenantID, 50)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "outbox", "Postausgang (Entwicklung)", map[string]any{"Mails": mails})
}

// caseLine is a case of "Meine Anträge" with the name of the office it went
// to, which the catalogue holds.
type caseLine struct {
	pipeline.CaseSummary
	DestinationName string
}

// citizenCases lists the citizen's cases, newest first, with their offices'
// names.
func (p *Portal) citizenCases(ctx context.Context, tenantID, citizenID string) ([]caseLine, error) {
	cases, err := p.cases.ListCitizenCases(ctx, tenantID, citizenID)
	if err != nil {
		return nil, err
	}
	out := make([]caseLine, len(cases))
	for i, c := range cases {
		d, err := p.catalogue.units.FindDestination(ctx, tenantID, c.DestinationID)
		if err != nil {
			return nil, fmt.Errorf("name the office of case %s: %w", c.CaseID, err)
		}
		out[i] = caseLine{CaseSummary: c, DestinationName: d.Name}
	}
	return out, nil
}
