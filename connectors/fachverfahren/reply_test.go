package fachverfahren_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"github.com/amthub/amthub/connectors/fachverfahren"
	"github.com/amthub/amthub/hub"
)

func TestReplyValidate(t *testing.T) {
	pubsub := gochannel.NewGoChannel(gochannel.Config{}, watermill.NopLogger{})
	defer pubsub.Close()
	c, err := fachverfahren.New(fachverfahren.Config{DestinationID: "dest-1"}, pubsub, pubsub, nil)
	if err != nil {
		t.Fatal(err)
	}
	sub := &fachverfahren.Submission{
		SubmissionMessage: hub.SubmissionMessage{SubmissionID: hub.NewID(), CaseID: hub.NewID()},
		Tenant:            "tenant-a",
	}
	for _, tt := range []struct {
		name  string
		reply fachverfahren.Reply
		ok    bool
	}{
		{"OK/Accept", c.NewAccept(sub, ""), true},
		{"OK/Reject", c.NewReject(sub, "INCOMPLETE", "Nachweis fehlt"), true},
		{"OK/Status", c.NewStatus(sub, hub.StatusActionRequired, "Bitte Nachweis nachreichen"), true},
		{"OK/Mailbox", c.NewMailbox(sub, hub.MailboxReply{Title: "Bescheid", Body: "Ihr Bescheid"}), true},
		{"ErrUnknownStatus", c.NewStatus(sub, "DONE", ""), false},
		{"OK/NumberedStatus", c.NewNumberedStatus(sub, 2, hub.StatusProcessing, ""), true},
		{"ErrNegativeSequence", c.NewNumberedStatus(sub, -1, hub.StatusProcessing, ""), false},
		{"ErrEmptyStatus", c.NewStatus(sub, "", ""), false},
		{"ErrRejectWithoutCode", c.NewReject(sub, "", "why"), false},
		{"ErrRejectWithoutMessage", c.NewReject(sub, "INCOMPLETE", ""), false},
		{"ErrSubmissionNotUUID", func() fachverfahren.Reply { r := c.NewAccept(sub, ""); r.Body.SubmissionID = "s-1"; return r }(), false},
		{"ErrMailboxWithoutBody", c.NewMailbox(sub, hub.MailboxReply{Title: "t"}), false},
		{"ErrSequenceOnAccept", func() fachverfahren.Reply { r := c.NewAccept(sub, ""); r.Body.Sequence = 1; return r }(), false},
		{"ErrUnknownType", func() fachverfahren.Reply { r := c.NewAccept(sub, ""); r.Type = "ack"; return r }(), false},
		{"ErrNoTenant", func() fachverfahren.Reply { r := c.NewAccept(sub, ""); r.Tenant = ""; return r }(), false},
		{"ErrNoID", func() fachverfahren.Reply { r := c.NewAccept(sub, ""); r.ID = ""; return r }(), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Send(context.Background(), tt.reply)
			if tt.ok && err != nil {
				t.Fatalf("send: %v", err)
			}
			if !tt.ok && !errors.Is(err, fachverfahren.ErrInvalidReply) {
				t.Fatalf("send: got %v, want ErrInvalidReply", err)
			}
		})
	}
	t.Run("OK/FreshIDs", func(t *testing.T) {
		a, b := c.NewAccept(sub, ""), c.NewAccept(sub, "")
		if a.ID == b.ID || !hub.ValidID(a.ID) {
			t.Errorf("ids %s and %s: want two distinct UUIDs", a.ID, b.ID)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  fachverfahren.Config
		err  string
	}{
		{"OK", fachverfahren.Config{DestinationID: "0197a1b2-0000-7000-8000-000000000000"}, ""},
		{"OK/Concurrency", fachverfahren.Config{DestinationID: "d", Concurrency: 8, Subscriptions: 2}, ""},
		{"ErrDestinationRequired", fachverfahren.Config{}, "destination id is required"},
		{"ErrDestinationDot", fachverfahren.Config{DestinationID: "a.b"}, "destination id"},
		{"ErrDestinationWildcard", fachverfahren.Config{DestinationID: "a#"}, "destination id"},
		{"ErrNegativeConcurrency", fachverfahren.Config{DestinationID: "d", Concurrency: -1}, "concurrency"},
		{"ErrSubscriptionsAboveConcurrency", fachverfahren.Config{DestinationID: "d", Concurrency: 2, Subscriptions: 3}, "subscriptions"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.err == "" && err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("got %v, want an error about %q", err, tt.err)
			}
		})
	}
}
