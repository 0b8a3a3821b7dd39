package sim_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amthub/amthub/connectors/epaybl"
	"github.com/amthub/amthub/connectors/epaybl/sim"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/payments"
)

func TestSimulator(t *testing.T) {
	var offset atomic.Int64
	s, err := sim.New(sim.Config{AutoSettle: epaybl.StatusPayed, AutoSettleAfter: time.Minute, FailEvery: 3,
		Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, _ := epaybl.NewClient(epaybl.Config{BaseURL: srv.URL, OriginatorID: "o", EndPointID: "e"}, nil)
	ctx := context.Background()
	tx, err := c.CreateTransaction(ctx, payments.TransactionRequest{RequestID: hub.NewID(), Amount: 500, Currency: "EUR",
		Purpose: `<script>alert(1)</script>`, RedirectURL: "https://portal.example/back",
		Items: []payments.Item{{Reference: "A", Description: "A", Quantity: 1, UnitAmount: 500}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("PayPageEscapes", func(t *testing.T) {
		resp, err := http.Get(tx.RedirectURL)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(page), "<script>") || !strings.Contains(string(page), "&lt;script&gt;") {
			t.Errorf("pay page does not escape the purpose: %s", page)
		}
	})
	t.Run("FailEvery", func(t *testing.T) {
		if _, err := c.Transaction(ctx, tx.ID); err != nil { // the second API call
			t.Fatal(err)
		}
		if _, err := c.Transaction(ctx, tx.ID); hub.ErrorCode(err) != hub.EUNAVAILABLE {
			t.Errorf("third call: %v, want a simulated outage", err)
		}
	})
	t.Run("AutoSettle", func(t *testing.T) {
		if got, err := c.Transaction(ctx, tx.ID); err != nil || got.Status != epaybl.StatusInitial {
			t.Fatalf("before the delay: %+v %v", got, err)
		}
		offset.Store(int64(2 * time.Minute))
		if got, err := c.Transaction(ctx, tx.ID); err != nil || got.Status != epaybl.StatusPayed {
			t.Fatalf("after the delay: %+v %v", got, err)
		}
	})
	t.Run("ErrConfig", func(t *testing.T) {
		if _, err := sim.New(sim.Config{AutoSettle: "MAYBE"}); err == nil {
			t.Error("an unknown auto-settle status is accepted")
		}
	})
}
