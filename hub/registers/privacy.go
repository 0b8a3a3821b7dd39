package registers

import "github.com/amthub/amthub/hub/privacy"

// Privacy declares the audit log of register queries.
func Privacy() []privacy.Declaration {
	return []privacy.Declaration{{
		Module: "hub/registers", Kind: privacy.RegisterAudit,
		Name:       "Protokoll der Registerabrufe",
		Purpose:    "Nachweis, wer wann auf welcher Rechtsgrundlage und zu welchem Zweck eine Person in einem Register abgefragt hat (Datenschutzkontrolle, Auskunft an die Person)",
		LegalBasis: "Art. 6 Abs. 1 lit. c DSGVO i. V. m. § 40 BMG und dem jeweiligen Registerrecht",
		Subjects:   "abgefragte Personen",
		Categories: "verschlüsselter Hash der Suchmerkmale (kein Klartext), Bezug zum Servicekonto, Zweck, Rechtsgrundlage, Ergebnisart; die Antwort des Registers wird nicht gespeichert",
		Recipients: "Datenschutzaufsicht auf Anforderung; die betroffene Person (Auskunft)",
		Retention:  2 * 365 * privacy.Day, RetentionRule: "Frist ab dem Abruf",
		Tables: []privacy.Table{
			{Name: "register_audit", Columns: []string{"subject", "citizen_id", "subject_hash", "purpose"}, Citizen: "citizen_id"},
		},
	}}
}
