package admin_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/pipeline"
)

// opsFixture is the part of the fixture the operations on the catalogue
// and on dead letters need: an in-process bus whose destination queue
// refuses every message (delivery limit 1: at once a dead letter), and a
// destination "fv-ordnung" of unit "ordnung" in tenant A.
type opsFixture struct {
	bus  *bus.Local
	dest string
	f    *fixture
}

const opsLeika = "99108001000000"

func newOpsFixture(t *testing.T) *opsFixture {
	t.Helper()
	b := bus.NewLocal(watermill.NopLogger{})
	b.SetDeliveryLimit(1)
	t.Cleanup(func() { b.Close() })
	return &opsFixture{bus: b, dest: "fv-ordnung"}
}

// wire creates the destination, refuses its queue's messages and gives
// the service its catalogue editor and dead letters.
func (o *opsFixture) wire(t *testing.T, f *fixture, editor *catalogue.Editor) {
	t.Helper()
	ctx := context.Background()
	o.f = f
	if _, err := editor.CreateDestination(ctx, f.a, hub.Destination{ID: o.dest, OrgUnitID: "ordnung", Name: "Hundesteuer",
		Services: []hub.DestinationService{{LeikaKey: opsLeika, Name: "Hundesteuer", SchemaURI: "urn:hund", Schema: json.RawMessage(`{}`)}}}); err != nil {
		t.Fatal(err)
	}
	subCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	msgs, err := o.bus.Subscribe(subCtx, bus.DestinationQueue(o.dest))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for m := range msgs {
			m.Nack()
		}
	}()
	f.svc.Catalogue = editor
	f.svc.DeadLetters = pipeline.NewDeadLetters(o.bus, catalogue.NewStore(f.db), slog.New(slog.NewTextHandler(io.Discard, nil)),
		prometheus.NewRegistry())
}

// deadLetter publishes a submission for the destination, which refuses
// it, and returns its id once it is a dead letter.
func (o *opsFixture) deadLetter(t *testing.T) string {
	t.Helper()
	m := o.publish(t, o.dest)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		dls, err := o.bus.ListDeadLetters(context.Background(), o.dest, 10000)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range dls {
			if d.ID == m.UUID {
				return m.UUID
			}
		}
	}
	t.Fatal("the message did not become a dead letter")
	return ""
}

// publish sends a submission message for a destination of tenant A, as
// the hub's relay does.
func (o *opsFixture) publish(t *testing.T, dest string) *message.Message {
	t.Helper()
	m := message.NewMessage(hub.NewID(), []byte(`{"name":"Erika Mustermann"}`))
	m.Metadata.Set("cloudEvents:type", hub.EventTypeSubmission)
	m.Metadata.Set(hub.HeaderTenant, o.f.a)
	m.Metadata.Set(hub.HeaderSubmission, hub.NewID())
	if err := o.bus.Publish(bus.Topic(bus.SubmissionsExchange, dest), m); err != nil {
		t.Fatal(err)
	}
	return m
}

// responsibility records that "ordnung" serves opsLeika in tenant A's
// state, without an audit entry: a target for the removal route.
func (o *opsFixture) responsibility(t *testing.T) {
	t.Helper()
	if _, err := o.f.svc.Catalogue.SetResponsibility(context.Background(), o.f.a,
		catalogue.Responsibility{LeikaKey: opsLeika, ARSPrefix: "14", OrgUnitID: "ordnung"}); err != nil {
		t.Fatal(err)
	}
}

// deadLetters is the API path of the destination's dead letters.
func (f *fixture) deadLetters() string {
	return "/admin/v1/tenants/" + f.a + "/destinations/" + f.ops.dest + "/dead-letters"
}
