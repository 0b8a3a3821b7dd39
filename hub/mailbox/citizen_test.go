package mailbox_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/hubtest"
	"github.com/amthub/amthub/hub/mailbox"
)

// TestCitizenReplyAttachments: a reply carries checked attachments the
// sender reads back; Preview and Attachment respect the login level;
// another citizen finds nothing.
func TestCitizenReplyAttachments(t *testing.T) {
	for _, d := range hubtest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			e := newEnv(t, d.Open(t), mailbox.Config{})
			ctx := context.Background()
			m, _, err := e.svc.Send(ctx, e.vendor, message(e.ref(t), ""), "")
			if err != nil {
				t.Fatal(err)
			}
			low := *e.citizen
			low.ACR = hub.ACRNormal
			prev, err := e.svc.Preview(ctx, &low, m.ID)
			if err != nil || prev.Title != m.Title || prev.Body != "" || prev.Attachments != nil {
				t.Fatalf("preview below the level: %+v %v", prev, err)
			}
			if _, err := e.svc.Attachment(ctx, &low, m.ID, 0); hub.ErrorKind(err) != "assurance_level_too_low" {
				t.Errorf("attachment below the level: %v", err)
			}
			if got, _ := e.svc.Preview(ctx, e.citizen, m.ID); got.Status != mailbox.StatusDelivered || got.Body == "" {
				t.Errorf("preview marks read or hides the body: %+v", got)
			}
			for _, tc := range []struct {
				name string
				att  mailbox.AttachmentData
				kind string
			}{
				{"ErrHTMLAsPDF", mailbox.AttachmentData{Filename: "x.pdf", MimeType: "application/pdf", Content: []byte("<html>")}, "attachment_type_forbidden"},
				{"ErrPath", mailbox.AttachmentData{Filename: "../x.pdf", MimeType: "application/pdf", Content: pdf}, "attachment_invalid"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					if _, err := e.svc.Reply(ctx, e.citizen, m.ID, "Anbei", tc.att); hub.ErrorKind(err) != tc.kind {
						t.Fatalf("reply = %v, want %s", err, tc.kind)
					}
				})
			}
			r, err := e.svc.Reply(ctx, e.citizen, m.ID, "Anbei mein Nachweis",
				mailbox.AttachmentData{Filename: "nachweis.pdf", MimeType: "application/pdf", Content: pdf})
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.svc.Get(ctx, e.vendor, r.ID)
			if err != nil || len(got.Attachments) != 1 || got.Attachments[0].Filename != "nachweis.pdf" {
				t.Fatalf("the sender reads %+v %v", got, err)
			}
			replies, err := e.svc.Replies(ctx, e.citizen, m.ID)
			if err != nil || len(replies) != 1 || replies[0].Body != "Anbei mein Nachweis" {
				t.Fatalf("replies %+v %v", replies, err)
			}
			a, err := e.svc.Attachment(ctx, e.citizen, r.ID, 0)
			if err != nil || !bytes.Equal(a.Content, pdf) {
				t.Fatalf("own reply's attachment: %v", err)
			}
			other := *e.citizen
			other.Subject = "citizen-2"
			for name, call := range map[string]func() error{
				"Preview":    func() error { _, err := e.svc.Preview(ctx, &other, m.ID); return err },
				"Replies":    func() error { _, err := e.svc.Replies(ctx, &other, m.ID); return err },
				"Attachment": func() error { _, err := e.svc.Attachment(ctx, &other, r.ID, 0); return err },
				"Reply":      func() error { _, err := e.svc.Reply(ctx, &other, m.ID, "x"); return err },
			} {
				if err := call(); !hub.IsCode(err, hub.ENOTFOUND) {
					t.Errorf("%s by another citizen: %v, want not found", name, err)
				}
			}
		})
	}
}

func TestKeyringEncrypt(t *testing.T) {
	k := keyring("k1", 7)
	ct, wrapped, id, err := k.Encrypt(pdf, []byte("row-1"))
	if err != nil || id != "k1" || bytes.Contains(ct, []byte("%PDF")) {
		t.Fatalf("encrypt: %v %s", err, id)
	}
	if got, err := k.Decrypt(ct, wrapped, id, []byte("row-1")); err != nil || !bytes.Equal(got, pdf) {
		t.Fatalf("decrypt: %v", err)
	}
	if _, err := k.Decrypt(ct, wrapped, id, []byte("row-2")); err == nil {
		t.Error("a ciphertext opens for another row")
	}
	if _, _, _, err := (mailbox.Keyring{}).Encrypt(pdf, nil); err == nil {
		t.Error("an empty keyring encrypts")
	}
}
