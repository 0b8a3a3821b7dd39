package postfach_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/amthub/amthub/connectors/postfach"
	"github.com/amthub/amthub/connectors/postfach/sim"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/casetest"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/mailbox"
)

var pdf = []byte("%PDF-1.4\n%%EOF\n")

func TestExternalPostbox(t *testing.T) {
	db := hubtest.NewPostgres(t)
	clk := hubtest.NewClock(time.Now().UTC())
	db.Now = clk.Now
	cases := casetest.New(t, db, hubtest.MustTenant(t, db))
	box := sim.New(sim.Config{Token: "secret"})
	srv := httptest.NewServer(box)
	defer srv.Close()
	adapter, err := postfach.NewClient(postfach.Config{BaseURL: srv.URL, Token: "secret", ReplyAddress: "https://portal.example/reply"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := mailbox.NewService(db, cases.Store, cases.Catalogue, slog.New(slog.DiscardHandler), mailbox.Config{External: adapter, MaxAttempts: 3,
		Keys: mailbox.Keyring{Active: "k", Keys: map[string][]byte{"k": bytes.Repeat([]byte{3}, 32)}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	send := func(t *testing.T, citizen, caseID string) *mailbox.Message {
		vendor := &hub.Principal{TenantID: cases.TenantID, ClientID: "vendor-a", Subject: citizen, Scopes: []string{hub.ScopeMailboxSend}}
		ref, err := svc.PostboxRef(ctx, vendor)
		if err != nil {
			t.Fatal(err)
		}
		m, _, err := svc.Send(ctx, vendor, mailbox.SendRequest{PostboxRef: ref, CaseID: caseID, Sender: "Bürgeramt", Title: "Termin",
			Body: "Ihr Termin ist am **Montag**.", BodyFormat: mailbox.FormatMarkdown, ReplyAllowed: true, AssuranceLevel: hub.ACRSubstantial,
			Attachments: []mailbox.AttachmentData{{Filename: "termin.pdf", MimeType: "application/pdf", Content: pdf}}}, "")
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	t.Run("Delivered", func(t *testing.T) {
		box.AddMailbox("mb-1")
		if err := svc.LinkExternal(ctx, cases.TenantID, "citizen-1", "mb-1"); err != nil {
			t.Fatal(err)
		}
		c := cases.Case(t, "vendor-a", "citizen-1")
		m := send(t, "citizen-1", c.CaseID)
		if m.Channel != mailbox.ChannelExternal || m.Status != mailbox.StatusDelivered || m.ExternalID == "" {
			t.Fatalf("sent %+v", m)
		}
		got := box.Messages("mb-1")
		if len(got) != 1 || got[0].StorkQaaLevel != "STORK-QAA-Level-3" || got[0].Reference != c.CaseNumber ||
			got[0].ContentType != "text/markdown" || !bytes.Equal(got[0].Attachments[0].Content, pdf) {
			t.Fatalf("the postbox holds %+v", got)
		}
		if types := cases.EventTypes(t, "vendor-a", c.CaseID); !slices.Contains(types, mailbox.EventDelivered) {
			t.Errorf("timeline %v", types)
		}
	})
	t.Run("RetriedWhileDown", func(t *testing.T) {
		box.SetDown(true)
		m := send(t, "citizen-1", "")
		if m.Status != mailbox.StatusPending {
			t.Fatalf("status %s while the postbox is down", m.Status)
		}
		box.SetDown(false)
		clk.Add(31 * time.Second)
		if n, err := svc.DeliverOnce(ctx, 10); err != nil || n != 1 {
			t.Fatalf("delivered %d, err %v", n, err)
		}
		vendor := &hub.Principal{TenantID: cases.TenantID, ClientID: "vendor-a", Scopes: []string{hub.ScopeMailboxSend}}
		if got, _ := svc.Get(ctx, vendor, m.ID); got.Status != mailbox.StatusDelivered {
			t.Errorf("status %s after the retry", got.Status)
		}
		if n := len(box.Messages("mb-1")); n != 2 {
			t.Errorf("the postbox holds %d messages, want 2", n)
		}
	})
	t.Run("RefusedFails", func(t *testing.T) {
		if err := svc.LinkExternal(ctx, cases.TenantID, "citizen-2", "mb-unknown"); err != nil {
			t.Fatal(err)
		}
		c := cases.Case(t, "vendor-a", "citizen-2")
		m := send(t, "citizen-2", c.CaseID)
		if m.Status != mailbox.StatusFailed {
			t.Errorf("status %s for an unknown mailbox", m.Status)
		}
		if types := cases.EventTypes(t, "vendor-a", c.CaseID); !slices.Contains(types, mailbox.EventFailed) {
			t.Errorf("timeline %v", types)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   postfach.Config
		valid bool
	}{
		{"OK", postfach.Config{BaseURL: "https://postbox.example"}, true},
		{"ErrNoURL", postfach.Config{}, false},
		{"ErrRelativeURL", postfach.Config{BaseURL: "/api"}, false},
		{"ErrNegativeTimeout", postfach.Config{BaseURL: "https://postbox.example", Timeout: -1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.Validate(); (err == nil) != tt.valid {
				t.Errorf("Validate() = %v, want valid %v", err, tt.valid)
			}
		})
	}
}
