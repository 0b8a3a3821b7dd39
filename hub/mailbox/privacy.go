package mailbox

import "github.com/amthub/amthub/hub/privacy"

// Privacy declares the personal data the mailbox keeps: messages with
// their attachments, and the references that address a citizen's postbox.
func Privacy() []privacy.Declaration {
	return []privacy.Declaration{{
		Module: "hub/mailbox", Kind: privacy.MailboxMessages,
		Name:       "Postfach: Nachrichten zwischen Behörden und Antragstellenden",
		Purpose:    "Zustellung von Nachrichten und Bescheiden an das Postfach des Servicekontos oder ein externes Postfach, Antworten der Antragstellenden",
		LegalBasis: "Art. 6 Abs. 1 lit. e DSGVO i. V. m. § 9 OZG",
		Subjects:   "Inhaberinnen und Inhaber eines Servicekontos",
		Categories: "Betreff, Nachrichtentext, Anlagen, Absender, Lese- und Zustellstatus",
		Recipients: "die antragstellende Person; ein externes Postfach (z. B. BundID), wenn eingerichtet; der absendende Antragsmanager",
		Retention:  365 * privacy.Day, RetentionRule: "Frist ab Eingang der Nachricht; Anlagen werden mit der letzten Nachricht gelöscht, die sie enthält",
		Tables: []privacy.Table{
			{Name: "mailbox_messages", Columns: []string{"citizen_id", "title", "body", "sender"}, Citizen: "citizen_id"},
			{Name: "mailbox_attachments", Columns: []string{"filename"}},
			{Name: "mailbox_blobs", Columns: []string{"ciphertext"}},
		},
	}, {
		Module: "hub/mailbox", Kind: privacy.Account,
		Name:          "Postfach-Referenzen und externe Postfächer",
		Purpose:       "Adressierung des Postfachs einer Person durch einen Antragsmanager mit ihrer Einwilligung, ohne die Konto-ID preiszugeben",
		LegalBasis:    "Art. 6 Abs. 1 lit. a und e DSGVO",
		Subjects:      "Inhaberinnen und Inhaber eines Servicekontos",
		Categories:    "pseudonyme Postfach-Referenz, Kennung des externen Postfachs",
		Recipients:    "der Antragsmanager, dem die Referenz erteilt wurde",
		RetentionRule: "bis zur Löschung des Servicekontos",
		Tables: []privacy.Table{
			{Name: "mailbox_postboxes", Columns: []string{"citizen_id"}, Citizen: "citizen_id"},
			{Name: "mailbox_external", Columns: []string{"citizen_id", "mailbox_uuid"}, Citizen: "citizen_id"},
		},
	}}
}
