package portal

// area is a further page of the service account, linked from its
// overview.
type area struct{ Path, Title, Hint string }

// accountAreas lists the account's further pages whose service is there.
func (p *Portal) accountAreas() []area {
	var out []area
	if p.svc.Payments != nil {
		out = append(out, area{"/konto/zahlungen", "Zahlungen", "Gebühren Ihrer Anträge, offen und bezahlt"})
	}
	if p.svc.Consents != nil {
		out = append(out, area{"/konto/einwilligungen", "Einwilligungen", "Anwendungen, die in Ihrem Namen zugreifen dürfen"})
	}
	return out
}
