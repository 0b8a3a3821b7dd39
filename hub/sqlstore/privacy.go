package sqlstore

import "github.com/amthub/amthub/hub/privacy"

// Privacy declares the transactional outbox, which carries modules'
// messages (a submission's content among them) until the broker confirms.
func Privacy() []privacy.Declaration {
	return []privacy.Declaration{{
		Module: "hub/sqlstore", Kind: privacy.Transient,
		Name:          "Ausgangswarteschlange (Transactional Outbox)",
		Purpose:       "Verlässliche Zustellung von Nachrichten an den Message-Broker",
		LegalBasis:    "Art. 6 Abs. 1 lit. e DSGVO",
		Subjects:      "Antragstellende; Empfängerinnen und Empfänger von Postfachnachrichten",
		Categories:    "die zuzustellende Nachricht (Antragsdaten, Anlagen, Nachrichten)",
		Recipients:    "der Message-Broker, von dort das Fachverfahren",
		RetentionRule: "bis der Broker die Nachricht bestätigt (Sekunden); mit dem Inhalt des Antrags gelöscht, wenn sie dann noch wartet",
		Tables:        []privacy.Table{{Name: "outbox", Columns: []string{"payload", "metadata"}}},
	}}
}
