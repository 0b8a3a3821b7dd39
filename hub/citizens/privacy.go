package citizens

import "github.com/amthub/amthub/hub/privacy"

// Privacy declares the citizen's account.
func Privacy() []privacy.Declaration {
	return []privacy.Declaration{{
		Module: "hub/citizens", Kind: privacy.Account,
		Name:          "Servicekonto (Anmeldung)",
		Purpose:       "Anmeldung der Bürgerinnen und Bürger am Portal und bei Antragsmanagern",
		LegalBasis:    "Art. 6 Abs. 1 lit. a und e DSGVO i. V. m. § 3 Abs. 2 OZG",
		Subjects:      "Inhaberinnen und Inhaber eines Servicekontos",
		Categories:    "E-Mail-Adresse, Anzeigename, Passwort-Hash (argon2id), Bestätigungsstatus",
		Recipients:    "Antragsmanager, denen die Person die Einwilligung erteilt hat (nur die freigegebenen Angaben)",
		RetentionRule: "bis zur Löschung des Servicekontos durch die Person",
		Tables: []privacy.Table{
			{Name: "citizen_accounts", Columns: []string{"id", "email", "display_name", "password_hash", "confirm_token"}, Citizen: "id"},
		},
	}}
}
