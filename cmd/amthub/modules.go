package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/mappings"
	"github.com/amthub/amthub/oauth"
	"github.com/amthub/amthub/openapi"
)

// mountModules builds the API modules on the open connections and mounts
// them: the OAuth server, the submission pipeline and the vendor API.
func (a *App) mountModules(ctx context.Context) error {
	kek, err := a.keyEncryptionKey()
	if err != nil {
		return err
	}
	a.OAuth, err = oauth.New(ctx, oauth.Config{Issuer: a.PublicURL, DevLogin: a.Config.Dev, KeyEncryptionKey: kek}, a.DB, a.Cache, a.Logger)
	if err != nil {
		return fmt.Errorf("oauth: %w", err)
	}
	a.OAuth.Routes(a.Router)
	a.OAuth.AdminRoutes(a.Router)
	if err := a.mountSAML(); err != nil {
		return fmt.Errorf("saml: %w", err)
	}
	a.workers = append(a.workers, func(ctx context.Context) {
		if err := a.OAuth.Run(ctx); err != nil && ctx.Err() == nil {
			a.Logger.Error("oauth key maintenance stopped", "error", err)
		}
	})

	a.Catalogue = catalogue.NewStore(a.DB)
	a.Cases = pipeline.NewStore(a.DB)
	mappingStore := mappings.NewSQLStore(a.DB)
	engine := mappings.NewEngine(mappingStore, mappings.Limits{})
	mappings.AdminRoutes(a.Router, mappingStore, engine, a.OAuth.Verifier.Require)
	gate := a.newGate()
	a.workers = append(a.workers, gate.Run)
	a.Pipeline, err = pipeline.NewService(pipeline.Deps{Store: a.Cases, Routing: a.Catalogue, Validator: mappings.NewValidator(),
		Mapper: mappingRunner{engine}, Signer: a.OAuth.Keys, Issuer: a.PublicURL, SecretKey: kek, Now: a.DB.Now, Gate: gate},
		pipeline.Config{InsecureCallbacks: a.Config.Dev || a.Config.InsecureCallbacks, ExpireAfter: a.Config.SubmissionTTL})
	if err != nil {
		return err
	}
	api, err := openapi.New(a.Pipeline, a.OAuth.Verifier.Require())
	if err != nil {
		return err
	}
	if err := a.mountFITConnect(ctx, kek); err != nil {
		return err
	}
	consumers := 4
	if a.Config.Dev {
		consumers = 1 // the in-process bus hands every message to every subscription
	}
	replies := pipeline.NewReplyConsumer(a.Cases, a.Bus, a.Logger, a.Registry, consumers)
	replies.Trace(a.Telemetry.Tracer)
	if err := a.mountConnectors(ctx, api, replies, kek); err != nil {
		return err
	}
	api.Mount(a.Router)
	a.workers = append(a.workers,
		replies.Run,
		(&pipeline.Sweeper{Store: a.Cases, Now: a.DB.Now, Logger: a.Logger, ReceiptTimeout: a.Config.ReceiptTimeout}).Run,
		a.callbackDispatcher().Run,
	)
	if err := a.mountAdmin(); err != nil {
		return err
	}
	if err := a.mountConfiguredPortal(ctx); err != nil {
		return err
	}
	a.startRetention()
	if err := a.declareDestinations(ctx); err != nil {
		return err
	}
	return a.startFitConnectOutbound(ctx)
}

// callbackDispatcher delivers the pipeline's callbacks, traced when
// tracing is on.
func (a *App) callbackDispatcher() *pipeline.Dispatcher {
	d := pipeline.NewDispatcher(a.Pipeline, a.Logger, a.Registry)
	if tp := a.tracer(); tp != nil {
		d.Trace(tp)
	}
	return d
}

// declareDestinations makes sure every destination's queue exists.
func (a *App) declareDestinations(ctx context.Context) error {
	ids, err := a.Catalogue.AllDestinationIDs(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := a.Bus.DeclareDestination(ctx, id); err != nil {
			return fmt.Errorf("declare destination %s: %w", id, err)
		}
	}
	return nil
}

// keyEncryptionKey returns the 32-byte key that encrypts signing keys at
// rest: AMTHUB_KEY_ENCRYPTION_KEY (base64) in production; in dev, a key
// file made on first start in the data directory.
func (a *App) keyEncryptionKey() ([]byte, error) {
	if !a.Config.Dev {
		return a.Config.KeyEncryptionKey, nil
	}
	path := filepath.Join(a.Config.DataDir, "key-encryption.key")
	if b, err := os.ReadFile(path); err == nil {
		return base64.StdEncoding.DecodeString(string(b))
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)), 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return key, nil
}

// mappingRunner runs the pipeline's mappings on the mappings engine.
type mappingRunner struct{ engine *mappings.Engine }

func (m mappingRunner) Map(ctx context.Context, req pipeline.MapRequest) ([]byte, string, error) {
	version, err := strconv.Atoi(req.Version)
	if err != nil {
		return nil, "", fmt.Errorf("mapping %s: version %q is not a number", req.Name, req.Version)
	}
	res, err := m.engine.Run(ctx, mappings.Ref{Tenant: req.TenantID, Name: req.Name, Version: version}, req.Data, mappings.Meta{
		SubmissionID: req.SubmissionID, CaseNumber: req.CaseNumber, DestinationID: req.DestinationID,
		ServiceKey: req.ServiceKey, SubmittedAt: req.SubmittedAt,
	})
	if err != nil {
		return nil, "", err
	}
	return res.Body, res.ContentType, nil
}
