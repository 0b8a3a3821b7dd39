package portal

// area is a further page of the service account, linked from its
// overview.
type area struct{ Path, Title, Hint string }

// postAreas lists the mailbox and the document safe, where they are on.
func (p *Portal) postAreas() []area {
	var out []area
	if p.svc.Mailbox != nil {
		out = append(out, area{"/konto/postfach", "Postfach", "Nachrichten der Behörden"})
	}
	if p.documentsOn() {
		out = append(out, area{"/konto/dokumente", "Dokumentensafe", "Ihre Nachweise"})
	}
	return out
}

// accountAreas lists the account's further pages whose service is there.
func (p *Portal) accountAreas() []area {
	var out []area
	if p.svc.Payments != nil {
		out = append(out, area{"/konto/zahlungen", "Zahlungen", "Gebühren Ihrer Anträge, offen und bezahlt"})
	}
	if p.svc.Consents != nil {
		out = append(out, area{"/konto/einwilligungen", "Einwilligungen", "Anwendungen, die in Ihrem Namen zugreifen dürfen"})
	}
	return append(out, area{"/konto/meine-daten", "Meine Daten", "alles, was das Portal über Sie speichert, auch zum Herunterladen"})
}
