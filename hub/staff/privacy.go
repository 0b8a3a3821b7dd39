package staff

import "github.com/amthub/amthub/hub/privacy"

// Privacy declares staff accounts and their sessions.
func Privacy() []privacy.Declaration {
	return []privacy.Declaration{{
		Module: "hub/staff", Kind: privacy.Account,
		Name:          "Konten der Beschäftigten (AdminCenter)",
		Purpose:       "Anmeldung der Beschäftigten am AdminCenter mit zweitem Faktor",
		LegalBasis:    "Art. 6 Abs. 1 lit. b und c DSGVO, § 26 BDSG bzw. Landesrecht zum Beschäftigtendatenschutz",
		Subjects:      "Beschäftigte der Behörden und des Plattformbetriebs",
		Categories:    "E-Mail-Adresse, Name, Passwort-Hash, TOTP-Geheimnis, Einladungs- und Sitzungsstand",
		Recipients:    "keine",
		RetentionRule: "bis zur Entfernung des Kontos; Sitzungen bis zu ihrem Ablauf",
		Tables: []privacy.Table{
			{Name: "staff_accounts", Columns: []string{"email", "display_name", "password_hash", "totp_secret"}},
			{Name: "staff_sessions", Columns: []string{"person_id"}},
		},
	}}
}
