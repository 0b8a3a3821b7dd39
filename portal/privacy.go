package portal

import "github.com/amthub/amthub/hub/privacy"

// Privacy declares the personal data the portal keeps: master data,
// sessions, the document safe and the e-mails it would send.
func Privacy() []privacy.Declaration {
	const subjects = "Inhaberinnen und Inhaber eines Servicekontos"
	return []privacy.Declaration{{
		Module: "portal", Kind: privacy.Account,
		Name:          "Servicekonto: Stammdaten",
		Purpose:       "Vorbefüllen von Anträgen mit den Stammdaten, die die Person selbst hinterlegt hat",
		LegalBasis:    "Art. 6 Abs. 1 lit. a DSGVO",
		Subjects:      subjects,
		Categories:    "Name, Geburtsname, Geburtsdatum und -ort, Anschrift, Telefonnummer",
		Recipients:    "Antragsmanager nur mit Einwilligung der Person",
		RetentionRule: "bis die Person sie ändert oder das Servicekonto löscht",
		Tables: []privacy.Table{{Name: "portal_profiles",
			Columns: []string{"citizen_id", "given_name", "family_name", "birth_name", "birth_date", "birth_place", "street", "postcode", "city", "phone"},
			Citizen: "citizen_id"}},
	}, {
		Module: "portal", Kind: privacy.Documents,
		Name:          "Dokumentensafe",
		Purpose:       "Ablage von Dokumenten durch die Person selbst, zur Verwendung in Anträgen",
		LegalBasis:    "Art. 6 Abs. 1 lit. a DSGVO",
		Subjects:      subjects,
		Categories:    "Dokumente (verschlüsselt), Dateinamen, Ordnernamen, belegter Speicher",
		Recipients:    "keine; nur die Person selbst",
		RetentionRule: "bis die Person sie löscht oder das Servicekonto löscht; eine Frist kann je Mandant gesetzt werden (Standard: keine)",
		Tables: []privacy.Table{
			{Name: "portal_documents", Columns: []string{"citizen_id", "filename", "ciphertext"}, Citizen: "citizen_id"},
			{Name: "portal_document_folders", Columns: []string{"citizen_id", "name"}, Citizen: "citizen_id"},
			{Name: "portal_document_usage", Columns: []string{"citizen_id"}, Citizen: "citizen_id"},
		},
	}, {
		Module: "portal", Kind: privacy.Transient,
		Name:          "Anmeldesitzungen und E-Mails des Portals",
		Purpose:       "Angemeldet bleiben; Bestätigungs-E-Mails (in amthub dev nur lokal angezeigt)",
		LegalBasis:    "Art. 6 Abs. 1 lit. e DSGVO",
		Subjects:      subjects,
		Categories:    "Sitzungskennung (nur als Hash), Vertrauensniveau der Anmeldung, E-Mail-Adresse und Inhalt der Bestätigungs-E-Mail",
		Recipients:    "keine",
		RetentionRule: "Sitzungen bis zu ihrem Ablauf oder der Abmeldung (in serve in Redis mit Ablaufzeit); E-Mails bis zur Löschung des Kontos",
		Tables: []privacy.Table{
			{Name: "portal_sessions", Columns: []string{"citizen_id"}, Citizen: "citizen_id"},
			{Name: "portal_outbox", Columns: []string{"recipient", "body"}},
		},
		Stores: []string{"Redis (serve): Sitzungen mit Ablaufzeit; Zähler der Anmeldebegrenzung je IP-Adresse, die nach dem Zeitfenster verfallen"},
	}}
}
