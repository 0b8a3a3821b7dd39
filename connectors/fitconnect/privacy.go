package fitconnect

import "github.com/amthub/amthub/hub/privacy"

// Privacy declares what the connector keeps: the hub's message for a
// FIT-Connect destination until FIT-Connect took it, then only ids.
func Privacy() []privacy.Declaration {
	return []privacy.Declaration{{
		Module: "connectors/fitconnect", Kind: privacy.Transient,
		Name:          "Weiterleitung von Anträgen an FIT-Connect",
		Purpose:       "Zustellung der Antragsdaten und Anlagen an einen FIT-Connect-Zustellpunkt, verschlüsselt für dessen Schlüssel, mit Wiederholung bei Störungen",
		LegalBasis:    "Art. 6 Abs. 1 lit. e DSGVO i. V. m. § 3 OZG und dem Fachrecht der Leistung",
		Subjects:      "Antragstellende (Bürgerinnen, Bürger, Unternehmen)",
		Categories:    "Antragsdaten (je nach Leistung), Anlagen (Nachweise), Dateinamen",
		Recipients:    "der FIT-Connect-Zustellpunkt der zuständigen Behörde (Ende-zu-Ende verschlüsselt)",
		RetentionRule: "bis FIT-Connect die Einreichung angenommen hat (submit); danach bleiben nur die Kennungen der Einreichung und ihr Stand",
		Tables:        []privacy.Table{{Name: "fitconnect_outbound", Columns: []string{"message"}}},
		Stores:        []string{"FIT-Connect: die verschlüsselte Einreichung beim Zustelldienst, bis der Zustellpunkt sie abholt (Regeln des Zustelldienstes)"},
	}}
}
