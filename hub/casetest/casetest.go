// Package casetest gives the tests of modules that work on cases (payments,
// register queries, mailbox) a real case to work on: a destination in a
// tenant and a case created through the submission store.
package casetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/pipeline"
	"github.com/amthub/amthub/hub/sqlstore"
)

// LeikaKey is the service of the cases made here.
const LeikaKey = "99050012104000"

// Fixture is a tenant with a destination, on one database.
type Fixture struct {
	DB *sqlstore.DB
	// Store is the pipeline's store, which holds the cases.
	Store *pipeline.Store
	// Catalogue holds the destination.
	Catalogue   *catalogue.Store
	TenantID    string
	Destination *hub.Destination
}

// New creates a destination in tenantID.
func New(t testing.TB, db *sqlstore.DB, tenantID string) *Fixture {
	t.Helper()
	f := &Fixture{DB: db, Store: pipeline.NewStore(db), Catalogue: catalogue.NewStore(db), TenantID: tenantID}
	f.Destination = &hub.Destination{TenantID: tenantID, Name: "Gewerbeamt Chemnitz", Contact: hub.Contact{Email: "gewerbe@example.org"},
		Services: []hub.DestinationService{{LeikaKey: LeikaKey, Name: "Gewerbeanmeldung", SchemaURI: "urn:test", Schema: json.RawMessage(`{}`)}}}
	if err := f.Catalogue.CreateDestination(context.Background(), f.Destination); err != nil {
		t.Fatalf("create destination: %v", err)
	}
	return f
}

// Case creates a case owned by clientID, for citizenID if not empty, and
// returns the submission that opened it.
func (f *Fixture) Case(t testing.TB, clientID, citizenID string) *hub.Submission {
	t.Helper()
	sub := &hub.Submission{TenantID: f.TenantID, ClientID: clientID, CitizenID: citizenID, DestinationID: f.Destination.ID,
		ServiceType: hub.ServiceType{Identifier: LeikaKey, Name: "Gewerbeanmeldung"}, AnnouncedAttachments: []string{},
		ExpiresAt: f.DB.Now().Add(time.Hour)}
	if _, err := f.Store.CreateSubmission(context.Background(), sub, "", "hash"); err != nil {
		t.Fatalf("create case: %v", err)
	}
	return sub
}

// EventTypes returns the types on a case's timeline, oldest first.
func (f *Fixture) EventTypes(t testing.TB, clientID, caseID string) []string {
	t.Helper()
	evs, err := f.Store.ListEvents(context.Background(), f.TenantID, clientID, caseID, 0, 1000)
	if err != nil {
		t.Fatalf("list events: %v", err)
	}
	out := make([]string, 0, len(evs))
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

// Events returns a case's timeline.
func (f *Fixture) Events(t testing.TB, clientID, caseID string) []hub.Event {
	t.Helper()
	evs, err := f.Store.ListEvents(context.Background(), f.TenantID, clientID, caseID, 0, 1000)
	if err != nil {
		t.Fatalf("list events: %v", err)
	}
	return evs
}
