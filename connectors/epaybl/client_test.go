package epaybl_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/amthub/amthub/connectors/epaybl"
	"github.com/amthub/amthub/connectors/epaybl/sim"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/payments"
)

func TestConfigValidate(t *testing.T) {
	ok := epaybl.Config{BaseURL: "http://127.0.0.1:1", OriginatorID: "amthub", EndPointID: "ep-1"}
	tests := []struct {
		name  string
		edit  func(c *epaybl.Config)
		valid bool
	}{
		{"OK", func(*epaybl.Config) {}, true},
		{"ErrBaseURL", func(c *epaybl.Config) { c.BaseURL = "ftp://x" }, false},
		{"ErrOriginatorSlash", func(c *epaybl.Config) { c.OriginatorID = "a/b" }, false},
		{"ErrEndpointEmpty", func(c *epaybl.Config) { c.EndPointID = "" }, false},
		{"ErrHalfCredentials", func(c *epaybl.Config) { c.Username = "u" }, false},
		{"ErrNegativeTimeout", func(c *epaybl.Config) { c.Timeout = -1 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			if err := c.Validate(); (err == nil) != tt.valid {
				t.Errorf("Validate() = %v, want valid %v", err, tt.valid)
			}
		})
	}
}

func req() payments.TransactionRequest {
	return payments.TransactionRequest{RequestID: hub.NewID(), Amount: 1000, Currency: "EUR", Purpose: "Test",
		RedirectURL: "https://portal.example/back", Items: []payments.Item{{Reference: "A", Description: "A", Quantity: 2, UnitAmount: 500}}}
}

func TestClientAgainstSimulator(t *testing.T) {
	s, err := sim.New(sim.Config{Username: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	cfg := epaybl.Config{BaseURL: srv.URL, OriginatorID: "o", EndPointID: "e", Username: "u", Password: "p", Timeout: 300 * time.Millisecond}
	c, err := epaybl.NewClient(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t.Run("CreateTwiceSameTransaction", func(t *testing.T) {
		r := req()
		a, err := c.CreateTransaction(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.CreateTransaction(ctx, r)
		if err != nil || a.ID != b.ID || a.Status != epaybl.StatusInitial {
			t.Fatalf("second create: %+v %v, first %+v", b, err, a)
		}
		if err := s.Settle(a.ID, epaybl.StatusPayed); err != nil {
			t.Fatal(err)
		}
		if got, err := c.Transaction(ctx, a.ID); err != nil || got.Status != epaybl.StatusPayed || got.PaymentMethod == "" {
			t.Fatalf("status %+v %v", got, err)
		}
	})
	tests := []struct {
		name  string
		setup func() (*epaybl.Client, func())
		edit  func(r *payments.TransactionRequest)
		code  string
	}{
		{"ErrRefused", func() (*epaybl.Client, func()) { return c, func() {} },
			func(r *payments.TransactionRequest) { r.Purpose = "123456789012345678901234567890" }, hub.EUNPROCESSABLE},
		{"ErrDown", func() (*epaybl.Client, func()) { s.SetDown(true); return c, func() { s.SetDown(false) } },
			func(*payments.TransactionRequest) {}, hub.EUNAVAILABLE},
		{"ErrSlow", func() (*epaybl.Client, func()) {
			s.SetLatency(time.Second)
			return c, func() { s.SetLatency(0) }
		}, func(*payments.TransactionRequest) {}, hub.EUNAVAILABLE},
		{"ErrBadCredentials", func() (*epaybl.Client, func()) {
			bad := cfg
			bad.Password = "wrong"
			cl, _ := epaybl.NewClient(bad, nil)
			return cl, func() {}
		}, func(*payments.TransactionRequest) {}, hub.EUNPROCESSABLE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl, undo := tt.setup()
			defer undo()
			r := req()
			tt.edit(&r)
			if _, err := cl.CreateTransaction(ctx, r); hub.ErrorCode(err) != tt.code {
				t.Errorf("error %v, want code %s", err, tt.code)
			}
		})
	}
	t.Run("ErrUnknownTransaction", func(t *testing.T) {
		if _, err := c.Transaction(ctx, hub.NewID()); hub.ErrorCode(err) != hub.ENOTFOUND {
			t.Errorf("error %v, want not found", err)
		}
	})
}
