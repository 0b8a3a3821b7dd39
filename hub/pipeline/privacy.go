package pipeline

import "github.com/amthub/amthub/hub/privacy"

// Privacy declares the personal data the pipeline keeps: submissions'
// content, drafts, and the case timeline.
func Privacy() []privacy.Declaration {
	const module = "hub/pipeline"
	const subjects = "Antragstellende (Bürgerinnen, Bürger, Unternehmen)"
	return []privacy.Declaration{{
		Module: module, Kind: privacy.SubmissionContent,
		Name:       "Übermittlung von Anträgen an Fachverfahren",
		Purpose:    "Annahme der Antragsdaten und Anlagen vom Antragsmanager und Zustellung an das zuständige Fachverfahren",
		LegalBasis: "Art. 6 Abs. 1 lit. e DSGVO i. V. m. § 3 OZG und dem Fachrecht der Leistung",
		Subjects:   subjects,
		Categories: "Antragsdaten (je nach Leistung), Anlagen (Nachweise), Dateinamen",
		Recipients: "das zuständige Fachverfahren (Behörde)",
		Retention:  7 * privacy.Day, RetentionRule: "Frist ab Annahme oder Ablehnung durch das Fachverfahren (Karenz für erneute Zustellung); danach werden Daten, Anlagen und Dateinamen gelöscht, die Metadaten bleiben",
		Tables: []privacy.Table{
			{Name: "submissions", Columns: []string{"data", "announced"}},
			{Name: "attachments", Columns: []string{"content", "filename"}},
		},
		Stores: []string{
			"Ausgangswarteschlange (Tabelle outbox): die Nachricht an das Fachverfahren, bis der Broker sie bestätigt; gelöscht mit dem Inhalt",
			"RabbitMQ-Queue fv.<Ziel> und ihre Dead-Letter-Queue fv.<Ziel>.dlq: beim Fachverfahren bzw. dessen Betrieb; die Dead-Letter-Queue hat eine Nachrichtenlebensdauer (siehe Betriebshandbuch)",
		},
	}, {
		Module: module, Kind: privacy.Drafts,
		Name:       "Nicht eingereichte Anträge (Entwürfe)",
		Purpose:    "Hochladen der angekündigten Anlagen bis zur Einreichung",
		LegalBasis: "Art. 6 Abs. 1 lit. e DSGVO i. V. m. § 3 OZG",
		Subjects:   subjects,
		Categories: "Anlagen (Nachweise), Dateinamen",
		Recipients: "keine",
		Retention:  30 * privacy.Day, RetentionRule: "Frist ab Ablauf der Einreichungsfrist; die Anlagen werden schon mit dem Ablauf verworfen, danach der Rest",
		Tables: []privacy.Table{
			{Name: "submissions", Columns: []string{"data", "announced"}},
			{Name: "attachments", Columns: []string{"content", "filename"}},
		},
	}, {
		Module: module, Kind: privacy.Timeline,
		Name:       "Vorgangsverlauf (Ereignisse eines Vorgangs)",
		Purpose:    "Nachweis, wann ein Antrag übermittelt, angenommen und bearbeitet wurde, für Antragsmanager und Antragstellende",
		LegalBasis: "Art. 6 Abs. 1 lit. c und e DSGVO",
		Subjects:   subjects,
		Categories: "Vorgangsnummer, Bezug zum Servicekonto, Zeitpunkte und Status; keine Antragsinhalte",
		Recipients: "der Antragsmanager, der den Vorgang angelegt hat; die antragstellende Person im Portal",
		Retention:  3 * 365 * privacy.Day, RetentionRule: "Frist ab dem letzten Ereignis des Vorgangs",
		Tables: []privacy.Table{
			{Name: "cases", Columns: []string{"citizen_id"}, Citizen: "citizen_id"},
			{Name: "case_events", Columns: []string{"data"}},
			{Name: "held_statuses", Columns: []string{"message"}}, // statuses waiting to be applied in order
			{Name: "callback_deliveries"},
		},
	}}
}
