package fachverfahren_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/amthub/amthub/connectors/fachverfahren"
	"github.com/amthub/amthub/connectors/fachverfahren/fvtest"
	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/fitcrypto"
)

// TestConsumeSealed: with its decryption key, the Client opens a sealed
// submission (data, FIT-Connect metadata, attachments) before the handler
// sees it; one altered on the way reaches the handler with SealError set.
func TestConsumeSealed(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, fitcrypto.MinRSABits)
	if err != nil {
		t.Fatal(err)
	}
	key := &fitcrypto.PrivateKey{KeyID: "fv-enc-1", Purpose: fitcrypto.Encryption, Key: rk}
	seal := func(plain, cty string) string {
		jwe, err := fitcrypto.Encrypt([]byte(plain), key.Public(), cty)
		if err != nil {
			t.Fatal(err)
		}
		return jwe
	}
	b := fvtest.NewLocal(t)
	c, err := fachverfahren.New(fachverfahren.Config{DestinationID: b.DestinationID, DecryptionKey: key}, b.Pub, b.Sub, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *fachverfahren.Submission, 2)
	consume(t, c, func(ctx context.Context, s *fachverfahren.Submission) error {
		got <- s
		return nil
	})
	next := func() *fachverfahren.Submission {
		select {
		case s := <-got:
			return s
		case <-time.After(10 * time.Second):
			t.Fatal("handler not called within 10s")
			return nil
		}
	}

	sealed := func(data string) hub.SubmissionMessage {
		m := b.Submission(`{}`)
		m.ContentType, m.EncryptedMetadata = fachverfahren.MediaTypeSealed, seal(`{"contentStructure":{}}`, "application/json")
		m.Data, _ = json.Marshal(data)
		jwe := seal("%PDF-1.7 Anlage", "application/pdf")
		m.Attachments = []hub.AttachmentRef{{AttachmentID: hub.NewID(), MimeType: fachverfahren.MediaTypeSealed,
			Size: int64(len(jwe)), Content: []byte(jwe)}}
		return m
	}
	b.Publish(t, "tenant-a", sealed(seal(`{"firma":"Muster GmbH"}`, "application/json")))
	s := next()
	if s.SealError != nil || s.ContentType != "application/json" || string(s.Data) != `{"firma":"Muster GmbH"}` ||
		string(s.Metadata) != `{"contentStructure":{}}` {
		t.Fatalf("opened: %v %s %s %s", s.SealError, s.ContentType, s.Data, s.Metadata)
	}
	if a := s.Attachments[0]; a.MimeType != "application/pdf" || string(a.Content) != "%PDF-1.7 Anlage" {
		t.Fatalf("attachment: %s %q", a.MimeType, a.Content)
	}

	altered := seal(`{"firma":"Muster GmbH"}`, "application/json")
	p := strings.Split(altered, ".")
	p[3] = "A" + p[3][1:]
	if p[3] == strings.Split(altered, ".")[3] {
		p[3] = "B" + p[3][1:]
	}
	b.Publish(t, "tenant-a", sealed(strings.Join(p, ".")))
	s = next()
	if !errors.Is(s.SealError, fachverfahren.ErrSealed) || s.ContentType != fachverfahren.MediaTypeSealed {
		t.Fatalf("altered: SealError %v, content type %s", s.SealError, s.ContentType)
	}
}
