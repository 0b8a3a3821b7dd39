package main

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"net"
	"net/http"
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
// and AMTHUB_POSTBOX_URL; with simulators (always in dev) each one not
// configured is simulated on a loopback port of this process. A system
// neither configured nor simulated leaves its endpoints answering 501.
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
	if c.RegisterURL == "" && sims {
		url, err := a.startSimulator(func(string) (http.Handler, error) { return registersim.New(registersim.Config{}) })
		if err != nil {
			return fmt.Errorf("register simulator: %w", err)
		}
		c.RegisterURL, a.SimulatorURLs["registers"] = url, url
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
		prov, err := epaybl.NewClient(epaybl.Config{BaseURL: c.EPayBLURL, OriginatorID: c.EPayBLOriginator, EndPointID: c.EPayBLEndpoint}, nil)
		if err != nil {
			return &configError{"AMTHUB_EPAYBL_URL", err.Error()}
		}
		pay, err := payments.NewService(payments.NewStore(a.DB, a.Submissions), prov, a.Logger,
			payments.Config{PublicURL: a.PublicURL, InsecureURLs: c.Dev || c.InsecureCallbacks, Backoff: c.PaymentChecks, Interval: time.Second})
		if err != nil {
			return fmt.Errorf("payments: %w", err)
		}
		a.Router.Handle(payments.ReturnPath+"*", pay.ReturnHandler()) // the citizen's browser returns here: no token
		api.WithPayments(pay)
		a.workers = append(a.workers, pay.Run)
	}
	if c.RegisterURL != "" {
		conns := map[string]registers.Register{}
		for _, name := range []string{registers.Population, registers.Trade} {
			r, err := register.NewClient(register.Config{Register: name, BaseURL: c.RegisterURL}, nil)
			if err != nil {
				return &configError{"AMTHUB_REGISTER_URL", err.Error()}
			}
			conns[name] = r
		}
		regs, err := registers.NewService(a.DB, registers.Config{Registers: conns, AuditKey: derive(kek, "amthub register audit v1")})
		if err != nil {
			return fmt.Errorf("registers: %w", err)
		}
		api.WithRegisters(regs)
	}
	mcfg := mailbox.Config{Keys: mailbox.Keyring{Active: "kek1", Keys: map[string][]byte{"kek1": derive(kek, "amthub mailbox v1")}}}
	if c.PostboxURL != "" {
		ext, err := postfach.NewClient(postfach.Config{BaseURL: c.PostboxURL}, nil)
		if err != nil {
			return &configError{"AMTHUB_POSTBOX_URL", err.Error()}
		}
		mcfg.External = ext
	}
	mb, err := mailbox.NewService(a.DB, a.Submissions, a.Logger, mcfg)
	if err != nil {
		return fmt.Errorf("mailbox: %w", err)
	}
	a.Mailbox = mb
	api.WithMailbox(mb)
	replies.DeliverMailbox(func(ctx context.Context, msgID, destID, caseID string, m hub.MailboxReply) error {
		_, err := mb.DeliverFromFachverfahren(ctx, mailbox.FromFachverfahren{MessageID: msgID, DestinationID: destID, CaseID: caseID, Reply: m})
		return err
	})
	a.workers = append(a.workers, mb.Run)
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
