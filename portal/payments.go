package portal

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub/payments"
)

// Payments is what the portal needs of the hub's payments: the payments of
// a citizen's cases (payments.Store).
type Payments interface {
	ListForCitizen(ctx context.Context, tenantID, citizenID string) ([]*payments.Payment, error)
}

// paymentPages mounts the citizen's payments (/konto/zahlungen); the case
// page shows the payments of its case.
func (p *Portal) paymentPages(r chi.Router) {
	if p.svc.Payments == nil {
		return
	}
	r.Get("/konto/zahlungen", p.paymentsPage)
}

// paymentStates names the provider's states for citizens.
var paymentStates = map[string]string{
	payments.StatusInitial: "Offen", payments.StatusPayed: "Bezahlt",
	payments.StatusFailed: "Fehlgeschlagen", payments.StatusCanceled: "Abgebrochen",
}

// paymentView is one payment as the pages show it.
type paymentView struct {
	Purpose, Description string
	Amount               string // "1.234,50 €"
	State, StateLabel    string
	Date, DateTime       string // "02.01.2026", and for <time datetime>
	CaseID, CaseNumber   string
	PayURL               string // the provider's pay page, for open payments
}

// paymentsView is the payments section of a page; Unavailable when they
// could not be read (the rest of the page still works).
type paymentsView struct {
	List        []paymentView
	Unavailable bool
}

// berlin is the time zone of the dates shown; UTC if the system has no
// zone data.
var berlin = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Berlin"); err == nil {
		return l
	}
	return time.UTC
}()

func (p *Portal) paymentsPage(w http.ResponseWriter, r *http.Request) {
	s, ok := p.requireLogin(w, r)
	if !ok {
		return
	}
	list, err := p.citizenPayments(r, s, "")
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "payments", "Meine Zahlungen", paymentsView{List: list})
}

// casePayments returns the payments of one of the citizen's cases for the
// case page.
func (p *Portal) casePayments(r *http.Request, s *Session, caseID string) *paymentsView {
	if p.svc.Payments == nil {
		return nil
	}
	list, err := p.citizenPayments(r, s, caseID)
	if err != nil {
		p.log(r).Error("list payments of a case", "error", err)
		return &paymentsView{Unavailable: true}
	}
	return &paymentsView{List: list}
}

// citizenPayments returns the payments of the citizen's cases, or of one
// of them if caseID is set, with their case numbers.
func (p *Portal) citizenPayments(r *http.Request, s *Session, caseID string) ([]paymentView, error) {
	ctx := r.Context()
	pays, err := p.svc.Payments.ListForCitizen(ctx, s.TenantID, s.CitizenID)
	if err != nil {
		return nil, err
	}
	numbers := map[string]string{}
	if len(pays) > 0 {
		cases, err := p.cases.ListCitizenCases(ctx, s.TenantID, s.CitizenID)
		if err != nil {
			return nil, err
		}
		for _, c := range cases {
			numbers[c.CaseID] = c.CaseNumber
		}
	}
	now := p.accounts.db.Now()
	var out []paymentView
	for _, pay := range pays {
		if caseID != "" && pay.CaseID != caseID {
			continue
		}
		v := paymentView{Purpose: pay.Purpose, Description: pay.Description, Amount: euro(pay.Amount),
			State: pay.Status, StateLabel: label(paymentStates)(pay.Status),
			Date: pay.CreatedAt.In(berlin).Format("02.01.2006"), DateTime: pay.CreatedAt.UTC().Format(time.RFC3339),
			CaseID: pay.CaseID, CaseNumber: numbers[pay.CaseID]}
		if pay.Status == payments.StatusInitial && now.Before(pay.ExpiresAt) && webURL(pay.RedirectURL) {
			v.PayURL = pay.RedirectURL
		}
		out = append(out, v)
	}
	return out, nil
}

// webURL reports whether raw is an absolute http(s) URL.
func webURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// euro formats cents the German way: "1.234,50 €" (with a no-break space).
func euro(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	whole := strconv.FormatInt(cents/100, 10)
	var b strings.Builder
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(d)
	}
	return sign + b.String() + "," + strconv.FormatInt(100+cents%100, 10)[1:] + "\u00a0€"
}
