package catalogue_test

import (
	"context"
	"encoding/json"
	neturl "net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/bus"
	"github.com/amthub/amthub/hub/catalogue"
	"github.com/amthub/amthub/hub/hubtest"
)

func TestWordDiff(t *testing.T) {
	const eq, del, ins = catalogue.OpEqual, catalogue.OpDelete, catalogue.OpInsert
	tests := []struct {
		name, state, regional string
		want                  []catalogue.Piece
	}{
		{"Same", "Gleich.", "Gleich.", []catalogue.Piece{{eq, "Gleich."}}},
		{"BothEmpty", "", "", []catalogue.Piece{}},
		{"OnlyRegional", "", "Neu hier", []catalogue.Piece{{ins, "Neu hier"}}},
		{"OnlyState", "Weg damit", "", []catalogue.Piece{{del, "Weg damit"}}},
		{"WordNotLetters", "Gebühr 20 Euro", "Gebühr 25 Euro", []catalogue.Piece{{eq, "Gebühr "}, {del, "20"}, {ins, "25"}, {eq, " Euro"}}},
		{"Punctuation", "Ja, sofort", "Ja sofort", []catalogue.Piece{{eq, "Ja"}, {del, ","}, {eq, " sofort"}}},
		{"Umlauts", "Straße schön", "Straße hässlich", []catalogue.Piece{{eq, "Straße "}, {del, "schön"}, {ins, "hässlich"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := catalogue.WordDiff(tc.state, tc.regional); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("WordDiff(%q, %q) = %+v, want %+v", tc.state, tc.regional, got, tc.want)
			}
		})
	}
}

// FuzzWordDiff: the pieces give back both texts, and no two neighbours
// have the same op.
func FuzzWordDiff(f *testing.F) {
	f.Add("Die Gebühr beträgt 20 Euro.", "Die Gebühr beträgt 26 Euro, bar.")
	f.Add("", "x")
	f.Add("a\x00b\uFFFD", "\xff\xfe")
	f.Fuzz(func(t *testing.T, state, regional string) {
		pieces := catalogue.WordDiff(state, regional)
		var a, b strings.Builder
		for i, p := range pieces {
			if i > 0 && pieces[i-1].Op == p.Op {
				t.Fatalf("neighbours with op %s: %+v", p.Op, pieces)
			}
			if p.Op != catalogue.OpInsert {
				a.WriteString(p.Text)
			}
			if p.Op != catalogue.OpDelete {
				b.WriteString(p.Text)
			}
		}
		if norm(a.String()) != norm(state) || norm(b.String()) != norm(regional) {
			t.Fatalf("pieces %+v do not give back %q and %q", pieces, state, regional)
		}
	})
}

// norm replaces invalid UTF-8 as ranging over a string does.
func norm(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// TestDestinationQueues: creating a destination declares its queue and
// dead-letter queue on RabbitMQ before the commit; when the broker cannot
// be reached, nothing is written.
func TestDestinationQueues(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url := hubtest.AMQPURL(t)
	viaProxy, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := hubtest.NewProxy(viaProxy.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	viaProxy.Host = proxy.Addr()
	b, err := bus.NewAMQP(ctx, bus.AMQPConfig{URL: viaProxy.String()}, watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	f := newFixture(t, hubtest.NewPostgres(t))
	ed := catalogue.NewEditor(f.store, b)
	d := hub.Destination{OrgUnitID: f.dest.OrgUnitID, Name: "Fachverfahren", Services: []hub.DestinationService{
		{LeikaKey: leika, Name: "Gewerbe", SchemaURI: "u", Schema: json.RawMessage(`{}`)}}}

	ch, err := ed.CreateDestination(ctx, f.tenant, d)
	if err != nil {
		t.Fatal(err)
	}
	q := bus.DestinationQueue(ch.After.ID)
	t.Cleanup(func() { hubtest.DeleteQueues(t, url, q) })
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, name := range []string{q, bus.DeadLetterQueue(q)} {
		c, err := conn.Channel()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.QueueDeclarePassive(name, true, false, false, false, nil); err != nil {
			t.Fatalf("queue %s not declared: %v", name, err)
		}
		c.Close()
	}

	proxy.Sever()
	before, _ := ed.Destinations(ctx, f.tenant)
	_, err = ed.CreateDestination(ctx, f.tenant, d)
	if hub.ErrorCode(err) != hub.EUNAVAILABLE || hub.ErrorKind(err) != "queue_not_provisioned" {
		t.Fatalf("create with the broker away: %v, want unavailable", err)
	}
	if after, _ := ed.Destinations(ctx, f.tenant); len(after) != len(before) {
		t.Fatalf("%d destinations after a create the broker refused, want %d", len(after), len(before))
	}
}
