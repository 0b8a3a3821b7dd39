package admin

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/png"
	"net/http"
	"regexp"

	"github.com/go-chi/chi/v5"
	"github.com/pquerna/otp"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/mail"
	"github.com/amthub/amthub/hub/sqlstore"
)

// pageRoutes mounts the pages. Every page but login, invitation and the
// development outbox needs a login.
func (c *Center) pageRoutes(r chi.Router) {
	r.Get("/admin/anmelden", c.loginPage)
	r.Post("/admin/anmelden", c.loginSubmit)
	r.Get("/admin/anmelden/code", c.codePage)
	r.Post("/admin/anmelden/code", c.codeSubmit)
	r.Post("/admin/abmelden", c.logout)
	r.Get("/admin/einladung/{token}", c.invitePage)
	r.Post("/admin/einladung/{token}", c.inviteSubmit)
	if c.outbox != nil {
		r.Get("/admin/dev/postausgang", c.outboxPage)
	}
	r.Group(func(r chi.Router) {
		r.Use(c.requirePage)
		r.Get("/admin", http.RedirectHandler("/admin/", http.StatusMovedPermanently).ServeHTTP)
		r.Get("/admin/", c.dashboard)
		r.Get("/admin/mandanten", c.tenantsPage)
		r.Post("/admin/mandanten", c.tenantCreate)
		r.Get("/admin/mandanten/{tenant}", c.tenantPage)
		r.Post("/admin/mandanten/{tenant}/einheiten", c.unitCreate)
		r.Get("/admin/mandanten/{tenant}/personal", c.staffPage)
		r.Post("/admin/mandanten/{tenant}/personal", c.staffInvite)
		r.Get("/admin/personal", c.staffChoose)
		r.Get("/admin/personal/{person}", c.personPage)
		r.Post("/admin/personal/{person}/rollen", c.grantAdd)
		r.Post("/admin/personal/{person}/rollen/{grant}/entziehen", c.grantRemove)
		r.Post("/admin/personal/{person}/entfernen", c.staffRemove)
		r.Get("/admin/katalog", c.cataloguePage)
		r.Get("/admin/protokoll", c.auditPage)
		r.Get("/admin/protokoll.csv", c.auditCSV)
		c.opsPageRoutes(r)
		c.unitPageRoutes(r)
		c.destinationPageRoutes(r)
		c.regionalPageRoutes(r)
		c.clientPageRoutes(r)
		c.privacyPageRoutes(r)
		r.Get("/admin/*", func(w http.ResponseWriter, r *http.Request) { c.fail(w, r, hub.Errorf(hub.ENOTFOUND, "no such page")) })
	})
}

func (c *Center) loginPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "login", page{Title: "Anmelden"})
}

func (c *Center) loginSubmit(w http.ResponseWriter, r *http.Request) {
	email := r.PostFormValue("email")
	pending, err := c.logins.Password(r.Context(), email, r.PostFormValue("password"), clientAddr(r))
	if err != nil {
		fields, problem, ok := formErrors(err)
		if !ok {
			c.fail(w, r, err)
			return
		}
		c.render(w, r, httpStatus(err), "login", page{Title: "Anmelden", Errors: fields, Problem: problem, Form: map[string]string{"email": email}})
		return
	}
	c.setCookie(w, pendingCookie, pending, 300)
	http.Redirect(w, r, "/admin/anmelden/code", http.StatusSeeOther)
}

func (c *Center) codePage(w http.ResponseWriter, r *http.Request) {
	if cookie(r, pendingCookie) == "" {
		http.Redirect(w, r, "/admin/anmelden", http.StatusSeeOther)
		return
	}
	c.render(w, r, http.StatusOK, "code", page{Title: "Code eingeben"})
}

func (c *Center) codeSubmit(w http.ResponseWriter, r *http.Request) {
	token, err := c.logins.Code(r.Context(), cookie(r, pendingCookie), r.PostFormValue("code"), clientAddr(r))
	if err != nil {
		fields, problem, ok := formErrors(err)
		if !ok {
			c.fail(w, r, err)
			return
		}
		if hub.ErrorKind(err) == "login_failed" {
			fields, problem = map[string]string{"code": "Der Code stimmt nicht oder wurde schon verwendet."}, ""
		}
		c.render(w, r, httpStatus(err), "code", page{Title: "Code eingeben", Errors: fields, Problem: problem})
		return
	}
	c.setCookie(w, pendingCookie, "", -1)
	c.setCookie(w, sessionCookie, token, 0)
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
}

func (c *Center) logout(w http.ResponseWriter, r *http.Request) {
	if err := c.logins.Logout(r.Context(), cookie(r, sessionCookie)); err != nil {
		c.fail(w, r, err)
		return
	}
	c.setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/admin/anmelden", http.StatusSeeOther)
}

func (c *Center) invitePage(w http.ResponseWriter, r *http.Request) {
	c.showInvite(w, r, http.StatusOK, nil, "")
}

func (c *Center) showInvite(w http.ResponseWriter, r *http.Request, status int, errs map[string]string, problem string) {
	token := chi.URLParam(r, "token")
	en, err := c.svc.Staff.Invitation(r.Context(), token)
	if err != nil {
		if hub.IsCode(err, hub.ENOTFOUND) {
			c.errorPage(w, r, http.StatusNotFound, "Einladung ungültig", "Diese Einladung ist ungültig, abgelaufen oder schon angenommen. Bitten Sie um eine neue Einladung.")
			return
		}
		c.fail(w, r, err)
		return
	}
	c.render(w, r, status, "invite", page{Title: "Konto einrichten", Errors: errs, Problem: problem, Data: map[string]string{
		"Name": en.Account.DisplayName, "Secret": en.Secret, "URL": en.URL, "QR": qrDataURI(en.URL), "Action": "/admin/einladung/" + token}})
}

// qrDataURI renders the otpauth URL as a QR code in a data: URI: an image
// any browser shows without JavaScript.
func qrDataURI(keyURL string) string {
	k, err := otp.NewKeyFromURL(keyURL)
	if err != nil {
		return ""
	}
	img, err := k.Image(200, 200)
	if err != nil {
		return ""
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return ""
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}

func (c *Center) inviteSubmit(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	err := c.svc.AcceptInvitation(r.Context(), token, r.PostFormValue("password"), r.PostFormValue("password2"), r.PostFormValue("code"))
	if err != nil {
		fields, problem, ok := formErrors(err)
		if !ok {
			c.fail(w, r, err)
			return
		}
		c.showInvite(w, r, httpStatus(err), fields, problem)
		return
	}
	c.render(w, r, http.StatusOK, "login", page{Title: "Anmelden", Notice: "Ihr Konto ist eingerichtet. Bitte melden Sie sich an."})
}

// AcceptInvitation activates an invited account and records it.
func (s *Service) AcceptInvitation(ctx context.Context, token, password, password2, code string) error {
	return s.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		acct, err := s.Staff.AcceptInvitation(ctx, tx, token, password, password2, code)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, &Actor{ID: acct.ID, Name: acct.DisplayName}, acct.TenantID, "staff.activated", "staff", acct.ID, nil, acct)
	})
}

func (c *Center) dashboard(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	names, units := map[string]string{}, map[string]string{}
	for _, g := range a.Grants {
		if g.TenantID == "" || names[g.TenantID] != "" {
			continue
		}
		if t, err := c.svc.Tenants.FindTenantByID(r.Context(), g.TenantID); err == nil {
			names[g.TenantID] = t.Name
		}
		if us, err := c.svc.Units.Units(r.Context(), g.TenantID); err == nil {
			for _, u := range us {
				units[u.ID] = u.Name
			}
		}
	}
	c.render(w, r, http.StatusOK, "dashboard", page{Title: "Übersicht", Data: map[string]any{"Grants": a.Grants, "TenantNames": names, "UnitNames": units}})
}

var linkRe = regexp.MustCompile(`https?://\S+`)

func (c *Center) outboxPage(w http.ResponseWriter, r *http.Request) {
	type item struct {
		mail.Message
		Link string
	}
	var items []item
	for _, m := range c.outbox.Messages() {
		items = append(items, item{Message: m, Link: linkRe.FindString(m.Body)})
	}
	c.render(w, r, http.StatusOK, "outbox", page{Title: "Postausgang (Entwicklung)", Data: items})
}

func httpStatus(err error) int {
	switch hub.ErrorCode(err) {
	case hub.ERATELIMITED:
		return http.StatusTooManyRequests
	case hub.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case hub.ECONFLICT:
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}
