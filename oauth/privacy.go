package oauth

import "github.com/amthub/amthub/hub/privacy"

// Privacy declares what the authorization server keeps about citizens:
// their grants (consents) to vendors and the tokens issued under them.
func Privacy() []privacy.Declaration {
	return []privacy.Declaration{{
		Module: "oauth", Kind: privacy.Account,
		Name:          "Einwilligungen gegenüber Antragsmanagern (OAuth-Freigaben)",
		Purpose:       "Nachweis und Widerruf der Freigaben, die eine Person einem Antragsmanager erteilt hat",
		LegalBasis:    "Art. 6 Abs. 1 lit. a DSGVO",
		Subjects:      "Inhaberinnen und Inhaber eines Servicekontos",
		Categories:    "Konto-ID, Antragsmanager, Zeitpunkt, Widerruf",
		Recipients:    "der Antragsmanager, dem die Freigabe gilt",
		RetentionRule: "bis zum Widerruf oder zur Löschung des Servicekontos",
		Tables:        []privacy.Table{{Name: "oauth_families", Columns: []string{"subject"}, Citizen: "subject"}},
	}, {
		Module: "oauth", Kind: privacy.Transient,
		Name:          "Autorisierungscodes und Token",
		Purpose:       "Anmeldung bei Antragsmanagern mit dem Servicekonto (OAuth 2.0, OpenID Connect)",
		LegalBasis:    "Art. 6 Abs. 1 lit. a und e DSGVO",
		Subjects:      "Inhaberinnen und Inhaber eines Servicekontos",
		Categories:    "Token nur als Signatur; die bereinigte Anfrage mit Konto-ID und freigegebenen Angaben",
		Recipients:    "der Antragsmanager, dem das Token ausgestellt wurde",
		RetentionRule: "bis zum Ablauf des Tokens oder zur Löschung des Servicekontos",
		Tables: []privacy.Table{
			{Name: "oauth_codes", Columns: []string{"data"}},
			{Name: "oauth_pkce", Columns: []string{"data"}},
			{Name: "oauth_oidc_sessions", Columns: []string{"data"}},
			{Name: "oauth_access_tokens", Columns: []string{"data"}},
			{Name: "oauth_refresh_tokens", Columns: []string{"data"}},
		},
		Stores: []string{"Redis (serve): Kennungen widerrufener Token und verwendeter Client-Assertions bis zu ihrem Ablauf"},
	}}
}
