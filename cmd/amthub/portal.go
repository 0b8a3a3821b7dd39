package main

import (
	"context"
	"fmt"

	"github.com/amthub/amthub/hub/cache"
	"github.com/amthub/amthub/hub/mailbox"
	"github.com/amthub/amthub/hub/payments"
	"github.com/amthub/amthub/hub/registers"
	"github.com/amthub/amthub/oauth"
	"github.com/amthub/amthub/portal"
)

// The portal is the OAuth server's site and lists its consents without
// importing oauth; the types meet here.
var (
	_ oauth.Layout     = (*portal.OAuthSite)(nil)
	_ oauth.SiteLogins = (*portal.OAuthSite)(nil)
	_ portal.Consents  = (*oauth.ConsentService)(nil)
)

// mountPortal serves the citizens' portal for one tenant: its catalogue,
// search, responsibility finder and service accounts with mailbox and
// document safe. Sessions live in the database in dev and in Redis in
// serve. Dev also offers the simulated eID login (test eID).
func (a *App) mountPortal(ctx context.Context, tenantID string) error {
	if a.Portal != nil {
		return nil
	}
	if a.FITConnect != nil {
		a.FITConnect.SetRoutingTenant(tenantID) // FIT-Connect's Routing API answers from the portal's catalogue
	}
	var sessions portal.SessionStore = portal.NewDBSessions(a.DB)
	if r, ok := a.Cache.(*cache.Redis); ok {
		sessions = portal.NewRedisSessions(r.Client(), r.Prefix()+"portal:")
	}
	kek, err := a.keyEncryptionKey()
	if err != nil {
		return err
	}
	if a.Mailbox == nil {
		return fmt.Errorf("portal: the mailbox is built with the connectors, before the portal")
	}
	svc := portal.Services{Mailbox: a.Mailbox}
	svc.Consents = a.OAuth.Consents()
	payStore := payments.NewStore(a.DB, a.Cases)
	if a.Config.EPayBLURL != "" { // payments are configured (or simulated)
		svc.Payments = payStore
	}
	// Every module that holds data about citizens: their parts of "Meine
	// Daten" and of account deletion (the account, the portal's own data
	// and the cases are the portal's always).
	svc.CitizenData = []portal.CitizenData{a.Mailbox, payStore, registers.NewAuditStore(a.DB, a.Cases), a.OAuth.Consents()}
	docKeys := mailbox.Keyring{Active: "kek1", Keys: map[string][]byte{"kek1": derive(kek, "amthub portal documents v1")}}
	p, err := portal.New(portal.Config{TenantID: tenantID, PublicURL: a.PublicURL, DevOutbox: a.Config.Dev, TestEID: a.Config.Dev,
		Documents: portal.DocumentConfig{Keys: docKeys}},
		a.DB, a.OAuth.Citizens, a.Cases, sessions, a.Cache, a.Logger, svc)
	if err != nil {
		return fmt.Errorf("portal: %w", err)
	}
	p.Routes(a.Router)
	// The OAuth login and consent pages appear in the portal's frame, and a
	// portal login counts there: both are served on this one host.
	a.OAuth.UseLayout(p.OAuthSite())
	a.OAuth.TrustSiteLogins(p.OAuthSite())
	a.Portal = p
	return nil
}

// mountConfiguredPortal mounts the portal of AMTHUB_PORTAL_TENANT (a slug),
// if set.
func (a *App) mountConfiguredPortal(ctx context.Context) error {
	slug := a.Config.PortalTenant
	if slug == "" {
		return nil
	}
	t, err := a.Tenants.FindTenantBySlug(ctx, slug)
	if err != nil {
		return &configError{"AMTHUB_PORTAL_TENANT", fmt.Sprintf("tenant %q: %v", slug, err)}
	}
	return a.mountPortal(ctx, t.ID)
}
