package payments

import "github.com/amthub/amthub/hub/privacy"

// Privacy declares the payment records the module keeps.
func Privacy() []privacy.Declaration {
	return []privacy.Declaration{{
		Module: "hub/payments", Kind: privacy.Payments,
		Name:       "Bezahlung von Gebühren (ePayBL, XBezahldienste)",
		Purpose:    "Anlegen und Abgleich von Zahlungen zu einem Vorgang beim Bezahldienst",
		LegalBasis: "Art. 6 Abs. 1 lit. c und e DSGVO i. V. m. den Haushalts- und Gebührenvorschriften",
		Subjects:   "Antragstellende, die eine Gebühr zahlen",
		Categories: "Betrag, Verwendungszweck, Positionen, Zahlart, Transaktionskennung des Bezahldienstes",
		Recipients: "der Bezahldienst (ePayBL); der Antragsmanager des Vorgangs",
		Retention:  10 * 365 * privacy.Day, RetentionRule: "Frist ab Anlage der Zahlung (Aufbewahrung von Buchungsbelegen)",
		Tables: []privacy.Table{
			{Name: "payments", Columns: []string{"purpose", "description", "items", "payment_method", "transaction_id", "redirect_url", "return_url"}},
		},
	}}
}
