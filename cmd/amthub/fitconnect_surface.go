package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"os"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/fitcrypto"
	"github.com/amthub/amthub/mappings"
	"github.com/amthub/amthub/openapi/fitconnect"
)

// mountFITConnect serves FIT-Connect's Submission API at /fitconnect and
// its Routing API at /fitconnect/routing/v1, on the pipeline's cases.
func (a *App) mountFITConnect(ctx context.Context, kek []byte) error {
	var anchors *x509.CertPool
	if path := a.Config.FITConnectTrustAnchors; path != "" {
		pem, err := os.ReadFile(path)
		if err != nil {
			return &configError{"AMTHUB_FITCONNECT_TRUST_ANCHORS", err.Error()}
		}
		anchors = x509.NewCertPool()
		if !anchors.AppendCertsFromPEM(pem) {
			return &configError{"AMTHUB_FITCONNECT_TRUST_ANCHORS", "no PEM certificate in " + path}
		}
	} else if !a.Config.Dev {
		a.Logger.Warn("AMTHUB_FITCONNECT_TRUST_ANCHORS is not set: the certificate chains of FIT-Connect subscribers' keys are not checked")
	}
	fc, err := fitconnect.New(ctx, fitconnect.Deps{DB: a.DB, Pipeline: a.Pipeline, Cases: a.Cases, Catalogue: a.Catalogue,
		Auth: a.OAuth.Verifier.Require(), Logger: a.Logger, Now: a.DB.Now},
		fitconnect.Config{BaseURL: a.PublicURL + "/fitconnect", TrustAnchors: anchors, KeyEncryptionKey: kek,
			MaxAttachmentSize: a.Pipeline.Config().MaxAttachmentSize})
	if err != nil {
		return fmt.Errorf("fitconnect: %w", err)
	}
	fc.Mount(a.Router)
	a.FITConnect = fc
	return nil
}

// DemoFITConnect is what demo.json lists for FIT-Connect: the API's base
// URLs, a sender for the demo region, and a destination whose submissions a
// FIT-Connect subscriber picks up, with that subscriber's client.
type DemoFITConnect struct {
	SubmissionAPI string          `json:"submissionApi"`
	RoutingAPI    string          `json:"routingApi"`
	Token         string          `json:"token"`
	Sender        DemoClient      `json:"sender"`
	Subscriber    DemoClient      `json:"subscriber"`
	Destination   DemoDestination `json:"destination"`
}

// demoPickup is the demo destination a FIT-Connect subscriber serves: the
// trade office of Leipzig, for trade registrations in Leipzig.
var demoPickup = demoService{destination: "Gewerbeamt Leipzig (FIT-Connect)", leika: "99050012104000", service: "Gewerbeanmeldung",
	mapping: "gewerbeanmeldung", ars: "147130000000", contact: hub.Contact{Email: "gewerbeamt@leipzig.example"}}

// seedFITConnect makes, on first start, the pickup destination (responsible
// for its service in its area), and registers the demo FIT-Connect sender
// and subscriber clients.
func seedFITConnect(ctx context.Context, app *App, tenantID, tokenURL string) (*DemoFITConnect, error) {
	ds := demoPickup
	dests, err := app.Catalogue.ListDestinations(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	var d *hub.Destination
	for _, e := range dests {
		if e.Name == ds.destination {
			d = e
		}
	}
	def, err := mappings.Builtin(ds.mapping, 1)
	if err != nil {
		return nil, err
	}
	if d == nil {
		d = &hub.Destination{TenantID: tenantID, Name: ds.destination, Contact: ds.contact, Pickup: true,
			Services: []hub.DestinationService{{LeikaKey: ds.leika, Name: ds.service,
				SchemaURI: "urn:amthub:schema:" + ds.mapping + ":v1", Schema: def.InputSchema}}}
		if err := app.Catalogue.CreateDestination(ctx, d); err != nil {
			return nil, fmt.Errorf("seed destination %s: %w", ds.destination, err)
		}
		if err := app.Catalogue.AddResponsibility(ctx, tenantID, hub.Responsibility{LeikaKey: ds.leika, ARSPrefix: ds.ars,
			DestinationID: d.ID}); err != nil {
			return nil, fmt.Errorf("seed responsibility of %s: %w", ds.destination, err)
		}
	}
	out := &DemoFITConnect{SubmissionAPI: app.PublicURL + "/fitconnect", RoutingAPI: app.PublicURL + "/fitconnect/routing/v1",
		Token: tokenURL, Destination: DemoDestination{Name: d.Name, DestinationID: d.ID, LeikaKey: ds.leika, ServiceName: ds.service,
			ARS: ds.ars, AreaName: "Leipzig, Stadt", ExampleData: def.Example}}
	out.Sender = DemoClient{ClientID: "demo-fitconnect-sender-" + tenantID, Scopes: []string{hub.ScopeFITSendRegion + "14"}}
	if out.Sender.ClientSecret, err = app.OAuth.SeedDemoClient(ctx, tenantID, out.Sender.ClientID,
		"Demo-Onlinedienst (FIT-Connect)", out.Sender.Scopes); err != nil {
		return nil, err
	}
	out.Subscriber = DemoClient{ClientID: "demo-fitconnect-subscriber-" + tenantID,
		Scopes: []string{hub.ScopeFITSubscribe + d.ID, hub.ScopeFITManage + d.ID}}
	if out.Subscriber.ClientSecret, err = app.OAuth.SeedDemoClient(ctx, tenantID, out.Subscriber.ClientID,
		"Demo-Fachverfahren (FIT-Connect)", out.Subscriber.Scopes); err != nil {
		return nil, err
	}
	return out, nil
}

// simulatorKey makes a fresh encryption key for a simulated Fachverfahren
// and registers its public half as the destination's current FIT-Connect
// key (with a self-signed certificate for x5c), so that FIT-Connect senders
// can seal submissions to it. A new key each start: senders fetch the
// current key before they send.
func simulatorKey(ctx context.Context, app *App, tenantID, destinationID string) (*fitcrypto.PrivateKey, error) {
	rk, err := rsa.GenerateKey(rand.Reader, fitcrypto.MinRSABits)
	if err != nil {
		return nil, fmt.Errorf("simulator key: %w", err)
	}
	key := &fitcrypto.PrivateKey{KeyID: hub.NewID(), Purpose: fitcrypto.Encryption, Key: rk}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "Fachverfahren-Simulator " + destinationID},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0), KeyUsage: x509.KeyUsageKeyEncipherment}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &rk.PublicKey, rk)
	if err != nil {
		return nil, fmt.Errorf("simulator certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	pub := key.Public()
	pub.Certificates = []*x509.Certificate{cert}
	if err := app.FITConnect.RegisterKey(ctx, tenantID, destinationID, pub); err != nil {
		return nil, fmt.Errorf("register simulator key: %w", err)
	}
	return key, nil
}
