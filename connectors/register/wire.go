package register

// The wire format of the register simulators and of register gateways in
// their style: JSON request/reply over HTTP, with German field names in
// the spirit of XMeld (population register) and the commercial register's
// information service (trade register).

// Result values of an answer.
const (
	ResultFound     = "TREFFER"
	ResultNotFound  = "KEIN_TREFFER"
	ResultAmbiguous = "MEHRDEUTIG"
)

// Paths of the two register services.
const (
	PopulationPath = "/xmeld/auskunft"
	TradePath      = "/handelsregister/auskunft"
)

// PopulationRequest asks the population register about a person.
type PopulationRequest struct {
	NachrichtID      string         `json:"nachrichtId"`
	AnfragendeStelle string         `json:"anfragendeStelle"`
	Rechtsgrundlage  string         `json:"rechtsgrundlage"`
	Zweck            string         `json:"zweck"`
	Suchkriterien    PersonCriteria `json:"suchkriterien"`
}

// PersonCriteria identify a person.
type PersonCriteria struct {
	Familienname string `json:"familienname"`
	Vorname      string `json:"vorname"`
	Geburtsdatum string `json:"geburtsdatum"` // YYYY-MM-DD
}

// PopulationAnswer is the population register's reply.
type PopulationAnswer struct {
	NachrichtID string  `json:"nachrichtId"`
	Ergebnis    string  `json:"ergebnis"`
	Person      *Person `json:"person,omitempty"`
}

// Person is a registered resident (einfache Melderegisterauskunft).
type Person struct {
	Familienname string    `json:"familienname"`
	Vornamen     string    `json:"vornamen"`
	Doktorgrad   string    `json:"doktorgrad,omitempty"`
	Geburtsdatum string    `json:"geburtsdatum"`
	Anschrift    Anschrift `json:"anschrift"`
	Einzugsdatum string    `json:"einzugsdatum,omitempty"`
}

// Anschrift is a German postal address.
type Anschrift struct {
	Strasse            string `json:"strasse"`
	Hausnummer         string `json:"hausnummer"`
	Postleitzahl       string `json:"postleitzahl"`
	Wohnort            string `json:"wohnort"`
	Gemeindeschluessel string `json:"gemeindeschluessel,omitempty"` // ARS
}

// TradeRequest asks the trade register about a company.
type TradeRequest struct {
	NachrichtID     string `json:"nachrichtId"`
	Firma           string `json:"firma,omitempty"`
	Registernummer  string `json:"registernummer,omitempty"` // e.g. "HRB 12345"
	Registergericht string `json:"registergericht,omitempty"`
}

// TradeAnswer is the trade register's reply.
type TradeAnswer struct {
	NachrichtID string      `json:"nachrichtId"`
	Ergebnis    string      `json:"ergebnis"`
	Eintragung  *Eintragung `json:"eintragung,omitempty"`
}

// Eintragung is a company's registration.
type Eintragung struct {
	Firma           string    `json:"firma"`
	Rechtsform      string    `json:"rechtsform"`
	Registergericht string    `json:"registergericht"`
	Registernummer  string    `json:"registernummer"`
	Sitz            string    `json:"sitz"`
	Anschrift       Anschrift `json:"anschrift"`
	EingetragenAm   string    `json:"eingetragenAm"`
	Status          string    `json:"status"` // aktiv, geloescht
}
