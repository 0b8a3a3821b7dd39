package e2e

import (
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/amthub/amthub/connectors/register"
	registersim "github.com/amthub/amthub/connectors/register/sim"
	"github.com/amthub/amthub/hub/hubtest"
)

// TestRegisterTimeoutAndTransports drives register queries through the
// vendor API against simulated registers this test controls: on serve,
// the trade register over AMQP request/reply on the real RabbitMQ and the
// population register over HTTP; on dev, both over HTTP. A register made
// slow answers 503 register_timeout within the configured timeout; one
// that went away answers register_unavailable at once.
func TestRegisterTimeoutAndTransports(t *testing.T) {
	for _, mode := range []string{"dev", "serve"} {
		t.Run(mode, func(t *testing.T) {
			s, err := registersim.New(registersim.Config{Size: 50})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(s)
			defer srv.Close()
			env := []string{"AMTHUB_REGISTER_URL=" + srv.URL, "AMTHUB_REGISTER_TIMEOUT=1s"}
			start := startDev
			if mode == "serve" {
				queue := hubtest.Unique("register.trade.e2e.")
				amqpSrv, err := s.ListenAMQP(hubtest.AMQPURL(t), queue)
				if err != nil {
					t.Fatal(err)
				}
				defer amqpSrv.Close()
				u, _ := url.Parse(hubtest.AMQPURL(t))
				u.RawQuery = url.Values{register.QueueParam: {queue}}.Encode()
				env = append(env, "AMTHUB_REGISTER_TRADE_URL="+u.String())
				start = startServe
			}
			h := start(t, env...)
			tok := h.Token(h.Demo.Vendor.ClientID, h.Demo.Vendor.ClientSecret, "registers:query")
			trade := func() (Response, time.Duration) {
				began := time.Now()
				res := h.Do("POST", "/v1/registers/trade/queries", tok, JSONBody(map[string]any{"purpose": "Prüfung der Gewerbeanmeldung",
					"query": map[string]string{"registerNumber": "HRB 12345"}}))
				return res, time.Since(began)
			}

			t.Run("Answered", func(t *testing.T) {
				res, _ := trade()
				var a struct {
					Found  bool
					Record map[string]any
				}
				res.JSON(t, &a)
				if res.Status != 200 || !a.Found || a.Record["companyName"] != "Musterfirma GmbH" {
					t.Fatalf("%d %s", res.Status, res.Body)
				}
			})
			t.Run("ErrTimedOut", func(t *testing.T) {
				s.SetLatency(3 * time.Second)
				defer s.SetLatency(0)
				res, took := trade()
				if res.Status != 503 || res.Problem() != "/problems/register_timeout" {
					t.Fatalf("slow register: %d %s", res.Status, res.Body)
				}
				if took > 2500*time.Millisecond {
					t.Errorf("the timed-out query took %s with a 1 s timeout", took)
				}
			})
			t.Run("AnsweredAfterTimeout", func(t *testing.T) {
				if res, _ := trade(); res.Status != 200 {
					t.Fatalf("%d %s", res.Status, res.Body)
				}
			})
			t.Run("ErrConsentMissing", func(t *testing.T) {
				res := h.Do("POST", "/v1/registers/population/queries", tok, JSONBody(map[string]any{"purpose": "Meldeauskunft",
					"query": map[string]string{"familyName": "Mustermann", "givenName": "Erika", "dateOfBirth": "1964-08-12"}}))
				if res.Status != 403 || res.Problem() != "/problems/consent_required" {
					t.Fatalf("%d %s", res.Status, res.Body)
				}
			})
			t.Run("ErrRegisterDown", func(t *testing.T) {
				s.SetDown(true)
				defer s.SetDown(false)
				res, took := trade()
				if res.Status != 503 || res.Problem() != "/problems/register_unavailable" || took > 900*time.Millisecond {
					t.Fatalf("register down: %d %s after %s", res.Status, res.Body, took)
				}
			})
		})
	}
}
