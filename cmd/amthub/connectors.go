package main

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/amthub/amthub/connectors/epaybl"
	epaysim "github.com/amthub/amthub/connectors/epaybl/sim"
	"github.com/amthub/amthub/connectors/postfach"
	postboxsim "github.com/amthub/amthub/connectors/postfach/sim"
	"github.com/amthub/amthub/connectors/register"
	registersim "github.com/amthub/amthub/connectors/register/sim"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/mailbox"
	"github.com/amthub/amthub/hub/payments"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/hub/registers"
	"github.com/amthub/amthub/openapi"
)

// mountConnectors wires payments (ePayBL), register queries and the
// mailbox. Outside systems come from AMTHUB_EPAYBL_URL, AMTHUB_REGISTER_URL
// (or AMTHUB_REGISTER_<NAME>_URL) and AMTHUB_POSTBOX_URL; with simulators
// (always in dev) each one not configured is simulated on a loopback port
// of this process (and, in serve, the trade register over AMQP on the
// hub's broker). A system neither configured nor simulated leaves its
// endpoints answering 501.
func (a *App) mountConnectors(ctx context.Context, api *openapi.API, replies *pipeline.ReplyConsumer, kek []byte) error {
	c := &a.Config
	sims := c.Dev || c.Simulators
	if c.EPayBLURL == "" && sims {
		url, err := a.startSimulator(func(url string) (http.Handler, error) { return epaysim.New(epaysim.Config{PublicURL: url}) })
		if err != nil {
			return fmt.Errorf("epaybl simulator: %w", err)
		}
		c.EPayBLURL, a.SimulatorURLs["epaybl"] = url, url
	}
	if err := a.simulateRegisters(sims); err != nil {
		return err
	}
	if c.PostboxURL == "" && sims {
		url, err := a.startSimulator(func(string) (http.Handler, error) {
			return postboxsim.New(postboxsim.Config{AcceptAnyMailbox: true}), nil
		})
		if err != nil {
			return fmt.Errorf("postbox simulator: %w", err)
		}
		c.PostboxURL, a.SimulatorURLs["postbox"] = url, url
	}

	if c.EPayBLURL != "" {
		prov, err := epaybl.NewClient(epaybl.Config{BaseURL: c.EPayBLURL, OriginatorID: c.EPayBLOriginator, EndPointID: c.EPayBLEndpoint}, a.httpClient(nil))
		if err != nil {
			return &configError{"AMTHUB_EPAYBL_URL", err.Error()}
		}
		pay, err := payments.NewService(payments.NewStore(a.DB, a.Cases), prov, a.Logger,
			payments.Config{PublicURL: a.PublicURL, InsecureURLs: c.Dev || c.InsecureCallbacks, Backoff: c.PaymentChecks, Interval: time.Second})
		if err != nil {
			return fmt.Errorf("payments: %w", err)
		}
		a.Router.Handle(payments.ReturnPath+"*", pay.ReturnHandler()) // the citizen's browser returns here: no token
		api.WithPayments(pay)
		a.workers = append(a.workers, pay.Run)
	}
	if err := a.connectRegisters(api, kek); err != nil {
		return err
	}
	mcfg := mailbox.Config{Keys: mailbox.Keyring{Active: "kek1", Keys: map[string][]byte{"kek1": derive(kek, "amthub mailbox v1")}},
		ReadChecks: c.PostboxReadChecks, ReadCutoff: c.PostboxReadCutoff}
	if c.PostboxURL != "" {
		ext, err := postfach.NewClient(postfach.Config{BaseURL: c.PostboxURL}, a.httpClient(nil))
		if err != nil {
			return &configError{"AMTHUB_POSTBOX_URL", err.Error()}
		}
		mcfg.External = ext
	}
	mb, err := mailbox.NewService(a.DB, a.Cases, a.Catalogue, a.Logger, mcfg)
	if err != nil {
		return fmt.Errorf("mailbox: %w", err)
	}
	a.Mailbox = mb
	api.WithMailbox(mb)
	replies.DeliverMailbox(func(ctx context.Context, msgID, destID, caseID string, m hub.MailboxReply) error {
		_, err := mb.DeliverFromFachverfahren(ctx, mailbox.FromFachverfahren{MessageID: msgID, DestinationID: destID, CaseID: caseID, Reply: m})
		return err
	})
	a.workers = append(a.workers, mb.Run, mb.RunReceipts) // deliveries to, and read receipts from, the external postbox
	return nil
}

// registerNames are the registers the hub can connect.
var registerNames = []string{registers.Population, registers.Trade}

// registerURL returns where a register is configured, and the variable
// that says so.
func (c *Config) registerURL(name string) (url, variable string) {
	if u := c.RegisterURLs[name]; u != "" {
		return u, "AMTHUB_REGISTER_" + strings.ToUpper(name) + "_URL"
	}
	return c.RegisterURL, "AMTHUB_REGISTER_URL"
}

// simulateRegisters serves the registers not configured from one
// simulator: over HTTP on a loopback port and, in serve (which has a
// broker), the trade register over AMQP request/reply on a queue of this
// process, so that both transports run.
func (a *App) simulateRegisters(sims bool) error {
	c := &a.Config
	var missing []string
	for _, name := range registerNames {
		if u, _ := c.registerURL(name); u == "" {
			missing = append(missing, name)
		}
	}
	if !sims || len(missing) == 0 {
		return nil
	}
	rs, err := registersim.New(registersim.Config{})
	if err != nil {
		return fmt.Errorf("register simulator: %w", err)
	}
	httpURL, err := a.startSimulator(func(string) (http.Handler, error) { return rs, nil })
	if err != nil {
		return fmt.Errorf("register simulator: %w", err)
	}
	a.SimulatorURLs["registers"] = httpURL
	if c.RegisterURLs == nil {
		c.RegisterURLs = map[string]string{}
	}
	for _, name := range missing {
		c.RegisterURLs[name] = httpURL
		if name != registers.Trade || c.Dev || c.AMQPURL == "" {
			continue
		}
		queue := register.DefaultQueue(name) + ".sim-" + hub.NewID()
		srv, err := rs.ListenAMQP(c.AMQPURL, queue)
		if err != nil {
			return fmt.Errorf("register simulator over AMQP: %w", err)
		}
		a.closers = append(a.closers, srv.Close)
		u, err := url.Parse(c.AMQPURL)
		if err != nil {
			return &configError{"AMTHUB_AMQP_URL", "not a valid URL"}
		}
		q := u.Query()
		q.Set(register.QueueParam, queue)
		u.RawQuery = q.Encode()
		c.RegisterURLs[name] = u.String()
		a.SimulatorURLs["registers-amqp"] = "amqp queue " + queue // never the broker URL: it holds a password
	}
	return nil
}

// connectRegisters connects each configured register over HTTP or AMQP
// (one connection per broker, shared) and mounts the query endpoint.
func (a *App) connectRegisters(api *openapi.API, kek []byte) error {
	c := &a.Config
	conns := map[string]registers.Register{}
	rpcs := map[string]*register.RPC{}
	for _, name := range registerNames {
		raw, variable := c.registerURL(name)
		if raw == "" {
			continue
		}
		if !strings.HasPrefix(raw, "amqp") {
			r, err := register.NewClient(register.Config{Register: name, BaseURL: raw}, a.httpClient(&http.Transport{MaxIdleConnsPerHost: 64}))
			if err != nil {
				return &configError{variable, err.Error()}
			}
			conns[name] = r
			continue
		}
		broker, queue, err := register.SplitAMQPURL(raw, name)
		if err != nil {
			return &configError{variable, err.Error()}
		}
		rpc := rpcs[broker]
		if rpc == nil {
			if rpc, err = register.NewRPC(register.RPCConfig{URL: broker, Logger: a.Logger.With("component", "registers")}); err != nil {
				return &configError{variable, err.Error()}
			}
			rpcs[broker] = rpc
			a.closers = append(a.closers, rpc.Close)
		}
		if conns[name], err = register.NewAMQPClient(register.Config{Register: name, Queue: queue}, rpc); err != nil {
			return &configError{variable, err.Error()}
		}
	}
	if len(conns) == 0 {
		return nil
	}
	regs, err := registers.NewService(a.DB, a.Cases, registers.Config{Registers: conns, AuditKey: derive(kek, "amthub register audit v1"),
		Timeout: c.RegisterTimeout})
	if err != nil {
		return fmt.Errorf("registers: %w", err)
	}
	api.WithRegisters(regs)
	return nil
}

// derive makes a purpose-bound 32-byte key from the key-encryption key, so
// that one configured secret serves every module without reuse.
func derive(kek []byte, purpose string) []byte {
	k, err := hkdf.Key(sha256.New, kek, nil, purpose, 32)
	if err != nil {
		panic(fmt.Sprintf("derive key: %v", err)) // only fails for absurd lengths
	}
	return k
}

// startSimulator serves a simulator on a free loopback port until the hub
// closes, and returns its base URL.
func (a *App) startSimulator(build func(url string) (http.Handler, error)) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	url := "http://" + ln.Addr().String()
	h, err := build(url)
	if err != nil {
		ln.Close()
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	a.closers = append(a.closers, srv.Close)
	return url, nil
}
