package sim

import (
	"fmt"
	"html/template"
	"net/http"

	"github.com/amthub/amthub/connectors/epaybl"
)

// payTemplate is the pay page: what is paid, and three buttons. Everything
// shown is escaped by html/template.
var payTemplate = template.Must(template.New("pay").Parse(`<!doctype html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bezahlen (Simulator)</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}
button{font-size:1rem;padding:.5rem 1rem;margin:.25rem}table{border-collapse:collapse}td{padding:.2rem .5rem}</style>
</head><body>
<h1>Bezahlen</h1>
<p>Simulierter Bezahldienst (XBezahldienste). Es fließt kein Geld.</p>
<table>
<tr><td>Verwendungszweck</td><td>{{.Purpose}}</td></tr>
<tr><td>Betrag</td><td>{{.Amount}} EUR</td></tr>
<tr><td>Status</td><td id="status">{{.Status}}</td></tr>
</table>
{{if .Open}}<form method="post">
<button name="action" value="pay">Bezahlen</button>
<button name="action" value="fail">Fehlschlag simulieren</button>
<button name="action" value="cancel">Abbrechen</button>
</form>{{else}}<p><a href="{{.Back}}">Zurück zum Antrag</a></p>{{end}}
</body></html>
`))

type payView struct {
	Purpose, Amount, Status string
	Open                    bool
	Back                    string
}

func (s *Sim) payPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	t, ok := s.txs[r.PathValue("transactionId")]
	var v payView
	if ok {
		wire := s.view(t)
		v = payView{Purpose: t.request.Purpose, Amount: fmt.Sprintf("%d,%02d", t.request.GrosAmount/100, t.request.GrosAmount%100),
			Status: wire.PaymentInformation.Status, Open: wire.PaymentInformation.Status == epaybl.StatusInitial,
			Back: t.request.RedirectURL}
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_ = payTemplate.Execute(w, v)
}

// payAction applies a button and sends the browser back to the portal.
func (s *Sim) payAction(w http.ResponseWriter, r *http.Request) {
	status := map[string]string{"pay": epaybl.StatusPayed, "fail": epaybl.StatusFailed, "cancel": epaybl.StatusCanceled}[r.FormValue("action")]
	s.mu.Lock()
	t, ok := s.txs[r.PathValue("transactionId")]
	back := ""
	if ok && status != "" {
		s.settle(t, status)
		back = t.request.RedirectURL
	}
	s.mu.Unlock()
	switch {
	case !ok:
		http.NotFound(w, r)
	case status == "":
		http.Error(w, "unknown action", http.StatusBadRequest)
	default:
		http.Redirect(w, r, back, http.StatusSeeOther)
	}
}
