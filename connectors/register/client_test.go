package register_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/amthub/amthub/connectors/register"
	"github.com/amthub/amthub/connectors/register/sim"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/registers"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   register.Config
		valid bool
	}{
		{"OK", register.Config{Register: registers.Population, BaseURL: "http://127.0.0.1:1"}, true},
		{"ErrUnknownRegister", register.Config{Register: "vehicles", BaseURL: "http://127.0.0.1:1"}, false},
		{"ErrNoURL", register.Config{Register: registers.Trade}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.Validate(); (err == nil) != tt.valid {
				t.Errorf("Validate() = %v, want valid %v", err, tt.valid)
			}
		})
	}
}

func TestClientAgainstSimulator(t *testing.T) {
	s, err := sim.New(sim.Config{Size: 50})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	ctx := context.Background()
	pop, _ := register.NewClient(register.Config{Register: registers.Population, BaseURL: srv.URL}, nil)
	trade, _ := register.NewClient(register.Config{Register: registers.Trade, BaseURL: srv.URL}, nil)
	someone := s.Persons()[7]
	firm := s.Companies()[3]
	tests := []struct {
		name   string
		client *register.Client
		params map[string]string
		found  bool
		field  string
		want   string
	}{
		{"Resident", pop, map[string]string{"familyName": someone.Familienname, "givenName": someone.Vornamen, "dateOfBirth": someone.Geburtsdatum},
			true, "familyName", someone.Familienname},
		{"NoResident", pop, map[string]string{"familyName": "Niemand", "givenName": "Nemo", "dateOfBirth": "2000-01-01"}, false, "", ""},
		{"FirmByNumber", trade, map[string]string{"registerNumber": firm.Registernummer}, true, "companyName", firm.Firma},
		{"NoFirm", trade, map[string]string{"companyName": "Gibt es nicht GmbH"}, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.client.Query(ctx, registers.Request{QueryID: hub.NewID(), LegalBasis: "consent", Purpose: "test", Params: tt.params})
			if err != nil || res.Found != tt.found || tt.found && res.Record[tt.field] != tt.want {
				t.Errorf("%+v %v", res, err)
			}
		})
	}
	t.Run("ErrDown", func(t *testing.T) {
		s.SetDown(true)
		defer s.SetDown(false)
		if _, err := pop.Query(ctx, registers.Request{Params: map[string]string{"familyName": "a", "dateOfBirth": "2000-01-01"}, LegalBasis: "x"}); hub.ErrorCode(err) != hub.EUNAVAILABLE {
			t.Errorf("error %v, want unavailable", err)
		}
	})
}
