package portal

// German names of case states and timeline events, for citizens; an
// unknown one shows as it is.
var (
	stateLabels = map[string]string{
		"incomplete": "In Vorbereitung", "submitted": "Eingereicht", "forwarded": "An die Behörde übermittelt",
		"accepted": "Von der Behörde angenommen", "rejected": "Von der Behörde abgelehnt", "expired": "Nicht eingereicht (abgelaufen)",
	}
	eventLabels = map[string]string{
		"submission.created": "Antrag angelegt", "submission.submitted": "Antrag eingereicht",
		"submission.mapping_failed": "Antrag konnte nicht aufbereitet werden", "submission.forwarded": "An die Behörde übermittelt",
		"submission.redelivered": "Erneut an die Behörde übermittelt", "submission.accepted": "Von der Behörde angenommen",
		"submission.rejected": "Von der Behörde abgelehnt", "submission.expired": "Nicht rechtzeitig eingereicht",
		"status.received": "Bei der Behörde eingegangen", "status.processing": "In Bearbeitung",
		"status.action_required": "Ihre Mitwirkung ist nötig", "status.completed": "Abgeschlossen",
		"mailbox.delivered": "Nachricht in Ihrem Postfach", "mailbox.received": "Nachricht in Ihrem Postfach",
		"mailbox.read": "Nachricht gelesen", "mailbox.replied": "Nachricht beantwortet",
		"payment.created": "Zahlung angelegt", "payment.payed": "Bezahlt", "payment.failed": "Zahlung fehlgeschlagen",
		"payment.canceled": "Zahlung abgebrochen",
	}
)

func label(m map[string]string) func(string) string {
	return func(k string) string {
		if l, ok := m[k]; ok {
			return l
		}
		return k
	}
}
