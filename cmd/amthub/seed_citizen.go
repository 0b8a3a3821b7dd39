package main

import (
	"context"
	"fmt"

	"github.com/amthub/amthub/portal"
)

// seedDemoCitizen gives the demo citizen (one account of hub/citizens,
// made by the OAuth module's demo seed with the password of demo.json)
// master data on the portal, the same person the population register
// simulator knows. Existing master data is kept.
func seedDemoCitizen(ctx context.Context, app *App, tenantID, email string) error {
	c, err := app.OAuth.Citizens.FindByEmail(ctx, tenantID, email)
	if err != nil {
		return fmt.Errorf("demo citizen: %w", err)
	}
	err = app.Portal.Accounts().SeedProfile(ctx, tenantID, c.ID,
		portal.Profile{GivenName: "Erika", FamilyName: "Mustermann", BirthDate: "1964-08-12"})
	if err != nil {
		return fmt.Errorf("demo citizen master data: %w", err)
	}
	return nil
}
