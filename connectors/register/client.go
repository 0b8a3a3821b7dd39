// Package register is the connector to registers: the population register
// (Melderegister, in the spirit of XMeld: name and date of birth →
// address) and the trade register (company → registration), reached by
// JSON request/reply over HTTP or over AMQP (see RPC), per register. A
// Client implements registers.Register;
// timeouts, the circuit breaker and the audit log are the hub's (package
// registers). The simulators in package sim speak the same protocol.
package register

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/registers"
)

// Config configures a Client for one register.
type Config struct {
	// Register is registers.Population or registers.Trade.
	Register string
	// BaseURL is the register service's root URL, for HTTP (NewClient).
	BaseURL string
	// Token, when set, is sent as a bearer token (HTTP only).
	Token string
	// Queue is the register's request queue, for AMQP (NewAMQPClient).
	Queue string
}

// Validate reports whether the configuration can work.
func (c Config) Validate() error {
	var errs []error
	if c.Register != registers.Population && c.Register != registers.Trade {
		errs = append(errs, fmt.Errorf("register %q: want %s or %s", c.Register, registers.Population, registers.Trade))
	}
	switch {
	case c.Queue != "" && c.BaseURL != "":
		errs = append(errs, errors.New("give a base URL (HTTP) or a queue (AMQP), not both"))
	case c.Queue != "":
		if len(c.Queue) > 255 {
			errs = append(errs, errors.New("queue name longer than 255 bytes"))
		}
	default:
		if u, err := url.Parse(c.BaseURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			errs = append(errs, fmt.Errorf("base URL %q: want an absolute http(s) URL", c.BaseURL))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("register config: %w", err)
	}
	return nil
}

// Client queries one register, over HTTP or AMQP.
type Client struct {
	cfg  Config
	http *http.Client
	rpc  *RPC // set for AMQP
}

var _ registers.Register = (*Client)(nil)

// NewClient returns a client that asks over HTTP; httpClient may be nil.
// The hub bounds each query with its own timeout through the context.
func NewClient(cfg Config, httpClient *http.Client) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.BaseURL == "" {
		return nil, errors.New("register config: an HTTP client needs a base URL")
	}
	if httpClient == nil {
		httpClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Client{cfg: cfg, http: httpClient}, nil
}

// NewAMQPClient returns a client that asks over AMQP request/reply on
// cfg.Queue, through rpc (which clients may share).
func NewAMQPClient(cfg Config, rpc *RPC) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Queue == "" || rpc == nil {
		return nil, errors.New("register config: an AMQP client needs a queue and a connection")
	}
	return &Client{cfg: cfg, rpc: rpc}, nil
}

// Query implements registers.Register.
func (c *Client) Query(ctx context.Context, r registers.Request) (*registers.Result, error) {
	if c.cfg.Register == registers.Population {
		var ans PopulationAnswer
		req := PopulationRequest{NachrichtID: r.QueryID, AnfragendeStelle: r.Requester, Rechtsgrundlage: r.LegalBasis,
			Zweck: r.Purpose, Suchkriterien: PersonCriteria{Familienname: r.Params["familyName"], Vorname: r.Params["givenName"],
				Geburtsdatum: r.Params["dateOfBirth"]}}
		if err := c.do(ctx, PopulationPath, PopulationType, req, &ans); err != nil {
			return nil, err
		}
		if ans.Ergebnis != ResultFound || ans.Person == nil {
			return &registers.Result{}, nil
		}
		return &registers.Result{Found: true, Record: personRecord(ans.Person)}, nil
	}
	var ans TradeAnswer
	req := TradeRequest{NachrichtID: r.QueryID, Firma: r.Params["companyName"], Registernummer: r.Params["registerNumber"],
		Registergericht: r.Params["registerCourt"]}
	if err := c.do(ctx, TradePath, TradeType, req, &ans); err != nil {
		return nil, err
	}
	if ans.Ergebnis != ResultFound || ans.Eintragung == nil {
		return &registers.Result{}, nil
	}
	return &registers.Result{Found: true, Record: tradeRecord(ans.Eintragung)}, nil
}

// do sends in and decodes the answer into out, over HTTP to path or over
// AMQP as a request of type typ.
func (c *Client) do(ctx context.Context, path, typ string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("register: encode request: %w", err)
	}
	var status int
	var raw []byte
	if c.rpc != nil {
		status, raw, err = c.rpc.Call(ctx, c.cfg.Queue, typ, body)
		if err != nil {
			return fmt.Errorf("register %s: %w", c.cfg.Register, err)
		}
	} else if status, raw, err = c.post(ctx, path, body); err != nil {
		return err
	}
	if status >= 500 || status == http.StatusTooManyRequests {
		return unavailable(fmt.Errorf("register %s: status %d", c.cfg.Register, status))
	}
	if status >= 400 {
		return &hub.Error{Code: hub.EUNPROCESSABLE, Kind: "register_refused", Message: "The register refused the query.",
			Err: fmt.Errorf("register %s: status %d", c.cfg.Register, status)}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return unavailable(fmt.Errorf("register %s: decode answer: %w", c.cfg.Register, err))
	}
	return nil
}

// post sends body over HTTP and returns the status and the answer.
func (c *Client) post(ctx context.Context, path string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("register: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, fmt.Errorf("register %s: %w", c.cfg.Register, ctx.Err())
		}
		return 0, nil, unavailable(fmt.Errorf("register %s: %w", c.cfg.Register, err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, fmt.Errorf("register %s: %w", c.cfg.Register, ctx.Err())
		}
		return 0, nil, unavailable(fmt.Errorf("register %s: read answer: %w", c.cfg.Register, err))
	}
	return resp.StatusCode, raw, nil
}

func unavailable(err error) error {
	return &hub.Error{Code: hub.EUNAVAILABLE, Kind: "register_unavailable", Message: "The register is not available.", Err: err}
}

func address(a Anschrift) map[string]any {
	out := map[string]any{"street": a.Strasse, "houseNumber": a.Hausnummer, "postcode": a.Postleitzahl, "city": a.Wohnort}
	if a.Gemeindeschluessel != "" {
		out["ars"] = a.Gemeindeschluessel
	}
	return out
}

func personRecord(p *Person) map[string]any {
	out := map[string]any{"familyName": p.Familienname, "givenNames": p.Vornamen, "dateOfBirth": p.Geburtsdatum,
		"address": address(p.Anschrift)}
	if p.Doktorgrad != "" {
		out["doctoralDegree"] = p.Doktorgrad
	}
	if p.Einzugsdatum != "" {
		out["movedInOn"] = p.Einzugsdatum
	}
	return out
}

func tradeRecord(e *Eintragung) map[string]any {
	return map[string]any{"companyName": e.Firma, "legalForm": e.Rechtsform, "registerCourt": e.Registergericht,
		"registerNumber": e.Registernummer, "seat": e.Sitz, "address": address(e.Anschrift), "registeredOn": e.EingetragenAm,
		"status": e.Status}
}
