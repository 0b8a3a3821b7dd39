package audit

import "github.com/amthub/amthub/hub/privacy"

// Privacy declares the audit log of staff's changes.
func Privacy() []privacy.Declaration {
	return []privacy.Declaration{{
		Module: "hub/audit", Kind: privacy.StaffAudit,
		Name:       "Protokoll der Änderungen im AdminCenter",
		Purpose:    "Nachvollziehbarkeit, wer was an Mandanten, Katalog, Rechten und Konfiguration geändert hat (Revision, IT-Sicherheit)",
		LegalBasis: "Art. 6 Abs. 1 lit. c und e DSGVO, Art. 32 DSGVO",
		Subjects:   "Beschäftigte der Behörden und des Plattformbetriebs",
		Categories: "Kennung und Name der handelnden Person, Zeitpunkt, Aktion, Zustand vor und nach der Änderung (ohne Geheimnisse und ohne personenbezogene Daten von Bürgerinnen und Bürgern)",
		Recipients: "Prüferinnen und Prüfer (Rolle auditor) des Mandanten",
		Retention:  2 * 365 * privacy.Day, RetentionRule: "Frist ab der Änderung; Einträge der Plattform (ohne Mandant) werden nicht nach Frist gelöscht",
		Tables: []privacy.Table{{Name: "audit_log", Columns: []string{"actor_id", "actor_name", "before_state", "after_state"}}},
	}}
}
