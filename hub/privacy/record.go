package privacy

import (
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"
)

// Record is the record of processing activities (Verzeichnis von
// Verarbeitungstätigkeiten, GDPR Art. 30) generated from the modules'
// declarations.
type Record struct {
	// Controller names the controller (the tenant's authority); empty for
	// the platform's generic record.
	Controller string
	// Periods are the tenant's own retention periods by kind, where it set
	// one (Keep: never deleted by period); the declared default otherwise.
	Periods    map[Kind]Period
	Activities []Declaration
	Generated  time.Time
}

// Period is a tenant's retention of one kind.
type Period struct {
	Duration time.Duration
	Keep     bool
}

// NewRecord returns the record of decls, ordered by module and kind.
func NewRecord(decls []Declaration, controller string, periods map[Kind]Period, now time.Time) Record {
	acts := slices.Clone(decls)
	slices.SortStableFunc(acts, func(a, b Declaration) int {
		return strings.Compare(a.Module+"/"+string(a.Kind), b.Module+"/"+string(b.Kind))
	})
	return Record{Controller: controller, Periods: periods, Activities: acts, Generated: now.UTC()}
}

// Retention says, in German, how long an activity's data is kept.
func (r Record) Retention(d Declaration) string {
	p, own := r.Periods[d.Kind]
	switch {
	case own && p.Keep:
		return "keine Löschfrist (vom Mandanten so festgelegt); " + d.RetentionRule
	case own:
		return germanDuration(p.Duration) + " (vom Mandanten festgelegt); " + d.RetentionRule
	case d.Retention > 0:
		return germanDuration(d.Retention) + "; " + d.RetentionRule
	}
	return d.RetentionRule
}

func germanDuration(d time.Duration) string {
	switch {
	case d%(365*Day) == 0 && d >= 365*Day:
		return fmt.Sprintf("%d Jahr(e)", d/(365*Day))
	case d%Day == 0:
		return fmt.Sprintf("%d Tag(e)", d/Day)
	}
	return d.String()
}

// Tables lists an activity's tables with their personal columns.
func (Record) Tables(d Declaration) string {
	var parts []string
	for _, t := range d.Tables {
		if len(t.Columns) == 0 {
			parts = append(parts, t.Name)
			continue
		}
		parts = append(parts, t.Name+" ("+strings.Join(t.Columns, ", ")+")")
	}
	return strings.Join(parts, "; ")
}

// Measures are the technical and organisational measures (Art. 32) that
// hold for every activity.
func (Record) Measures() []string {
	return []string{
		"Transportverschlüsselung (TLS) zu allen Beteiligten; Nachrichten an Fachverfahren über einen Broker mit eigenen Zugangsdaten je Fachverfahren",
		"Verschlüsselung im Ruhezustand für Postfach-Anlagen und den Dokumentensafe (Umschlagverschlüsselung, Schlüssel je Datei)",
		"Passwörter nur als argon2id-Hash, Token nur als Hash oder Signatur, Callback-Geheimnisse verschlüsselt",
		"Rechteprüfung an jedem Endpunkt und jeder Seite (Mandant, Rolle, Einwilligung); Protokoll der Registerabrufe und der Änderungen im AdminCenter",
		"Keine personenbezogenen Daten und keine Token in Protokolldateien",
		"Löschung nach Fristen je Datenart durch den Löschlauf, mit Protokoll der gelöschten Anzahlen (ohne Inhalte)",
	}
}

// WriteMarkdown writes the record as Markdown.
func (r Record) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO)\n\n")
	if r.Controller != "" {
		fmt.Fprintf(&b, "Verantwortlicher: %s  \n", md(r.Controller))
	}
	fmt.Fprintf(&b, "Erzeugt aus den Deklarationen der Module von amthub am %s.  \n", r.Generated.Format("02.01.2006 15:04 MST"))
	b.WriteString("Übermittlung in Drittländer: keine.\n")
	for _, d := range r.Activities {
		fmt.Fprintf(&b, "\n## %s\n\n", md(d.Name))
		for _, row := range [][2]string{
			{"Modul", d.Module + " (" + string(d.Kind) + ")"}, {"Zweck", d.Purpose}, {"Rechtsgrundlage", d.LegalBasis},
			{"Betroffene", d.Subjects}, {"Datenkategorien", d.Categories}, {"Empfänger", d.Recipients},
			{"Löschfrist", r.Retention(d)}, {"Tabellen", r.Tables(d)}, {"Weitere Speicherorte", strings.Join(d.Stores, "; ")},
		} {
			if row[1] != "" {
				fmt.Fprintf(&b, "- **%s:** %s\n", row[0], md(row[1]))
			}
		}
	}
	b.WriteString("\n## Technische und organisatorische Maßnahmen (Art. 32 DSGVO)\n\n")
	for _, m := range r.Measures() {
		fmt.Fprintf(&b, "- %s\n", md(m))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// md escapes what Markdown would read as markup.
func md(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;", "[", `\[`).Replace(s)
}

var recordHTML = template.Must(template.New("record").Parse(`<!doctype html>
<html lang="de">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Verzeichnis von Verarbeitungstätigkeiten</title>
<style>body{font-family:sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;line-height:1.5}
dt{font-weight:bold}dd{margin:0 0 .5rem 0}section{border-top:1px solid #666;margin-top:1.5rem}</style>
</head>
<body>
<main>
<h1>Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO)</h1>
{{if .Controller}}<p>Verantwortlicher: {{.Controller}}</p>{{end}}
<p>Erzeugt aus den Deklarationen der Module von amthub am {{.Generated.Format "02.01.2006 15:04 MST"}}. Übermittlung in Drittländer: keine.</p>
{{range .Activities}}<section>
<h2>{{.Name}}</h2>
<dl>
<dt>Modul</dt><dd>{{.Module}} ({{.Kind}})</dd>
<dt>Zweck</dt><dd>{{.Purpose}}</dd>
<dt>Rechtsgrundlage</dt><dd>{{.LegalBasis}}</dd>
<dt>Betroffene</dt><dd>{{.Subjects}}</dd>
<dt>Datenkategorien</dt><dd>{{.Categories}}</dd>
{{if .Recipients}}<dt>Empfänger</dt><dd>{{.Recipients}}</dd>{{end}}
<dt>Löschfrist</dt><dd>{{$.Retention .}}</dd>
<dt>Tabellen</dt><dd>{{$.Tables .}}</dd>
{{if .Stores}}<dt>Weitere Speicherorte</dt><dd><ul>{{range .Stores}}<li>{{.}}</li>{{end}}</ul></dd>{{end}}
</dl>
</section>
{{end}}<section>
<h2>Technische und organisatorische Maßnahmen (Art. 32 DSGVO)</h2>
<ul>{{range .Measures}}<li>{{.}}</li>{{end}}</ul>
</section>
</main>
</body>
</html>
`))

// WriteHTML writes the record as a self-contained, accessible HTML page.
func (r Record) WriteHTML(w io.Writer) error {
	return recordHTML.Execute(w, r)
}
