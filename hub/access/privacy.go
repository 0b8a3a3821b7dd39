package access

import "github.com/amthub/amthub/hub/privacy"

// Privacy declares the roles granted to staff.
func Privacy() []privacy.Declaration {
	return []privacy.Declaration{{
		Module: "hub/access", Kind: privacy.Account,
		Name:          "Rollen der Beschäftigten",
		Purpose:       "Rechteprüfung im AdminCenter",
		LegalBasis:    "Art. 6 Abs. 1 lit. c DSGVO, Art. 32 DSGVO",
		Subjects:      "Beschäftigte der Behörden und des Plattformbetriebs",
		Categories:    "Kennung der Person, Rolle, Mandant und Organisationseinheit",
		Recipients:    "keine",
		RetentionRule: "bis die Rolle entzogen oder das Konto entfernt wird",
		Tables:        []privacy.Table{{Name: "staff_grants", Columns: []string{"person_id"}}},
	}}
}
