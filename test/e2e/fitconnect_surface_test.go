package e2e

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	jose4 "github.com/go-jose/go-jose/v4"

	"github.com/google/uuid"

	"github.com/amthub/amthub/openapi/fitconnect"
)

// TestFITConnect runs FIT-Connect's sender and subscriber, written from
// FIT-Connect's documentation (fitconnect_client_test.go), against amthub
// as their FIT-Connect, on `dev` (SQLite, in-process bus) and on `serve`
// (PostgreSQL, RabbitMQ, Redis).
func TestFITConnect(t *testing.T) {
	pki := testFCPKI(t)
	receiver := newFCReceiver(t)
	for _, mode := range []struct {
		name  string
		start func(*testing.T, ...string) *Hub
	}{{"Dev", startDev}, {"Serve", startServe}} {
		t.Run(mode.name, func(t *testing.T) {
			// The hub trusts the callback receiver's test certificate.
			h := mode.start(t, "AMTHUB_FITCONNECT_TRUST_ANCHORS="+pki.anchorsFile, "SSL_CERT_FILE="+receiver.certFile)
			fc := newFCWorld(t, h, pki)
			t.Run("SenderToSubscriber", func(t *testing.T) { fc.with(t).senderToSubscriber(t) })
			t.Run("AlteredJWERejectedBySubscriber", func(t *testing.T) { fc.with(t).alteredJWE(t) })
			t.Run("VendorAPIToSubscriber", func(t *testing.T) { fc.with(t).vendorToSubscriber(t) })
			t.Run("SenderToAMQPFachverfahren", func(t *testing.T) { fc.with(t).senderToAMQP(t) })
			t.Run("Refusals", func(t *testing.T) { fc.with(t).refusals(t) })
			t.Run("Routing", func(t *testing.T) { fc.with(t).routing(t) })
			t.Run("Callbacks", func(t *testing.T) { fc.with(t).callbacks(t, receiver, mode.name) })
		})
	}
}

// fcWorld is one hub with a FIT-Connect sender and a subscriber whose keys
// are registered for the demo pickup destination.
type fcWorld struct {
	h                  *Hub
	pki                *fcPKI
	sender, subscriber *fcAPI
	dest               string
	encKid, sigKid     string
	senderCallback     map[string]string // the callback object send gives with its submissions
}

func newFCWorld(t *testing.T, h *Hub, pki *fcPKI) *fcWorld {
	demo := h.Demo.FITConnect
	doc, err := fitconnect.NewValidator(context.Background(), fitconnect.SubmissionAPI, "/fitconnect")
	if err != nil {
		t.Fatal(err)
	}
	w := &fcWorld{h: h, pki: pki, dest: demo.Destination.DestinationID, encKid: "enc-" + uuid.NewString()[:8], sigKid: "sig-" + uuid.NewString()[:8]}
	w.sender = &fcAPI{t: t, base: demo.SubmissionAPI, doc: doc,
		token: fcToken(t, demo.Token, demo.Sender.ClientID, demo.Sender.ClientSecret, "")}
	w.subscriber = &fcAPI{t: t, base: demo.SubmissionAPI, doc: doc,
		token: fcToken(t, demo.Token, demo.Subscriber.ClientID, demo.Subscriber.ClientSecret, "")}

	// The subscriber registers its keys (add-destination-key) and makes the
	// encryption key current (patch-destination).
	untrusted := newJWK(pki.encKey, "enc-untrusted", "wrapKey", pki.otherRoot, pki.otherRootKey)
	if res := w.subscriber.doJSON("POST", "/v1/destinations/"+w.dest+"/keys", untrusted); res.status != 400 ||
		!strings.HasSuffix(res.problemType(), "untrusted-certificate") {
		t.Fatalf("a key from an untrusted CA: %d %s", res.status, res.body)
	}
	for _, k := range []fcJWK{newJWK(pki.encKey, w.encKid, "wrapKey", pki.root, pki.rootKey), newJWK(pki.sigKey, w.sigKid, "verify", pki.root, pki.rootKey)} {
		if res := w.subscriber.doJSON("POST", "/v1/destinations/"+w.dest+"/keys", k); res.status != 201 {
			t.Fatalf("add key %s: %d %s", k.Kid, res.status, res.body)
		}
	}
	if res := w.sender.doJSON("POST", "/v1/destinations/"+w.dest+"/keys", newJWK(pki.strangerKey, "x-"+w.encKid, "wrapKey", pki.root, pki.rootKey)); res.status != 403 {
		t.Fatalf("a sender registered a key: %d %s", res.status, res.body)
	}
	if res := w.subscriber.doJSON("PATCH", "/v1/destinations/"+w.dest, map[string]string{"encryptionKid": w.encKid}); res.status != 200 {
		t.Fatalf("patch encryptionKid: %d %s", res.status, res.body)
	}
	return w
}

// with returns the world with its clients reporting to t.
func (w *fcWorld) with(t *testing.T) *fcWorld {
	c := *w
	s, sub := *w.sender, *w.subscriber
	s.t, sub.t = t, t
	c.sender, c.subscriber = &s, &sub
	return &c
}

// destinationKey is what a sender does first: read the destination, fetch
// its current encryption key, check its certificate against the root.
func (w *fcWorld) destinationKey(t *testing.T) (*fcJWK, []byte) {
	res := w.sender.do("GET", "/v1/destinations/"+w.dest, "", nil)
	var d struct {
		EncryptionKid, Status string
	}
	res.json(t, &d)
	if res.status != 200 || d.Status != "active" || d.EncryptionKid != w.encKid {
		t.Fatalf("destination: %d %s", res.status, res.body)
	}
	res = w.sender.do("GET", "/v1/destinations/"+w.dest+"/keys/"+d.EncryptionKid, "", nil)
	var k fcJWK
	res.json(t, &k)
	if res.status != 200 || k.Kid != w.encKid || k.N != newJWK(w.pki.encKey, "x", "wrapKey", w.pki.root, w.pki.rootKey).N {
		t.Fatalf("key: %d %s", res.status, res.body)
	}
	return &k, res.body
}

// send creates, uploads and submits one sealed submission; alter, if set,
// changes the encrypted data before it is sent.
func (w *fcWorld) send(t *testing.T, alter func(string) string) (submissionID, caseID string, data, attachment []byte) {
	w.destinationKey(t)
	pub := &w.pki.encKey.PublicKey
	demo := w.h.Demo.FITConnect.Destination
	attID := uuid.NewString()
	create := map[string]any{"destinationId": w.dest, "announcedAttachments": []string{attID},
		"serviceType": map[string]string{"name": demo.ServiceName, "identifier": "urn:de:fim:leika:leistung:" + demo.LeikaKey}}
	if w.senderCallback != nil {
		create["callback"] = w.senderCallback
	}
	res := w.sender.doJSON("POST", "/v1/submissions", create)
	var created struct{ SubmissionID, CaseID, DestinationID string }
	res.json(t, &created)
	if res.status != 201 || created.DestinationID != w.dest {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	attachment = []byte("%PDF-1.7 Gewerbeanmeldung, Anlage")
	if res := w.sender.do("PUT", "/v1/submissions/"+created.SubmissionID+"/attachments/"+attID, "application/jose",
		[]byte(encryptFor(t, attachment, pub, w.encKid, "application/pdf"))); res.status != 204 {
		t.Fatalf("upload: %d %s", res.status, res.body)
	}
	data = demo.ExampleData
	meta, _ := json.Marshal(map[string]any{
		"$schema": "https://schema.fitko.de/fit-connect/metadata/1.2.0/metadata.schema.json",
		"contentStructure": map[string]any{
			"data":        map[string]any{"hash": fcHash(data), "submissionSchema": map[string]string{"schemaUri": "urn:amthub:schema:gewerbeanmeldung:v1", "mimeType": "application/json"}},
			"attachments": []map[string]any{{"hash": fcHash(attachment), "purpose": "attachment", "mimeType": "application/pdf", "attachmentId": attID}},
		},
		"publicServiceType": map[string]string{"identifier": "urn:de:fim:leika:leistung:" + demo.LeikaKey},
	})
	encData := encryptFor(t, data, pub, w.encKid, "application/json")
	if alter != nil {
		encData = alter(encData)
	}
	res = w.sender.doJSON("PUT", "/v1/submissions/"+created.SubmissionID,
		map[string]string{"encryptedMetadata": encryptFor(t, meta, pub, w.encKid, "application/json"), "encryptedData": encData})
	if res.status != 202 {
		t.Fatalf("submit: %d %s", res.status, res.body)
	}
	return created.SubmissionID, created.CaseID, data, attachment
}

// pickUp is the subscriber: list, fetch, decrypt and check a submission
// against its metadata; it returns the problem found, if any.
func (w *fcWorld) pickUp(t *testing.T, submissionID string) (caseID string, data []byte, problem string) {
	res := w.subscriber.do("GET", "/v1/submissions?destinationId="+w.dest, "", nil)
	var list struct {
		Submissions []struct{ SubmissionID, CaseID string }
	}
	res.json(t, &list)
	if res.status != 200 || !slices.ContainsFunc(list.Submissions, func(s struct{ SubmissionID, CaseID string }) bool { return s.SubmissionID == submissionID }) {
		t.Fatalf("pickup list lacks %s: %d %s", submissionID, res.status, res.body)
	}
	res = w.subscriber.do("GET", "/v1/submissions/"+submissionID, "", nil)
	var sub struct {
		CaseID, EncryptedMetadata, EncryptedData string
		Attachments                              []string
	}
	res.json(t, &sub)
	if res.status != 200 {
		t.Fatalf("get submission: %d %s", res.status, res.body)
	}
	metaJSON, err := decrypt(sub.EncryptedMetadata, w.pki.encKey)
	if err != nil {
		return sub.CaseID, nil, "metadata:" + err.Error()
	}
	var meta fcMetadata
	if err := json.Unmarshal(metaJSON, &meta); err != nil {
		return sub.CaseID, nil, "metadata-json"
	}
	if data, err = decrypt(sub.EncryptedData, w.pki.encKey); err != nil {
		return sub.CaseID, nil, "encryption-issue"
	}
	if fcHash(data)["content"] != meta.ContentStructure.Data.Hash.Content {
		return sub.CaseID, data, "hash-mismatch"
	}
	var form map[string]any
	if json.Unmarshal(data, &form) != nil {
		return sub.CaseID, data, "data-schema-violation"
	}
	for _, a := range meta.ContentStructure.Attachments {
		res := w.subscriber.do("GET", "/v1/submissions/"+submissionID+"/attachments/"+a.AttachmentID, "", nil)
		if res.status != 200 {
			t.Fatalf("attachment: %d %s", res.status, res.body)
		}
		plain, err := decrypt(string(res.body), w.pki.encKey)
		if err != nil || fcHash(plain)["content"] != a.Hash.Content {
			return sub.CaseID, data, "attachment-hash-mismatch"
		}
	}
	return sub.CaseID, data, ""
}

// decide posts the subscriber's accept, or reject with problem.
func (w *fcWorld) decide(t *testing.T, submissionID, caseID, problem string) {
	event, payload := "https://schema.fitko.de/fit-connect/events/accept-submission", any(map[string]any{})
	if problem != "" {
		event = "https://schema.fitko.de/fit-connect/events/reject-submission"
		payload = map[string]any{"problems": []map[string]string{{"type": "https://schema.fitko.de/fit-connect/events/problems/" + problem,
			"title": "Die Einreichung ist fehlerhaft", "detail": problem, "instance": "data"}}}
	}
	set := signSET(t, w.pki.sigKey, w.sigKid, w.dest, submissionID, caseID, event, payload)
	if res := w.subscriber.do("POST", "/v1/cases/"+caseID+"/events", "application/jose", set); res.status != 204 {
		t.Fatalf("post %s: %d %s", event, res.status, res.body)
	}
	// The same SET again changes nothing.
	if res := w.subscriber.do("POST", "/v1/cases/"+caseID+"/events", "application/jose", set); res.status != 204 {
		t.Fatalf("post %s again: %d %s", event, res.status, res.body)
	}
}

func (w *fcWorld) senderToSubscriber(t *testing.T) {
	subID, caseID, sent, _ := w.send(t, nil)
	gotCase, data, problem := w.pickUp(t, subID)
	if problem != "" || gotCase != caseID || string(data) != string(sent) {
		t.Fatalf("subscriber: case %s, problem %q, data %s", gotCase, problem, data)
	}
	w.decide(t, subID, caseID, "")
	events := readEventLog(t, w.sender, caseID, &w.pki.sigKey.PublicKey, w.sigKid)
	if got := eventNames(events); !slices.Equal(got, []string{"create-submission", "submit-submission", "forward-submission", "accept-submission"}) {
		t.Fatalf("sender's event log: %v", got)
	}
	if events[3].Sub != "submission:"+subID || events[3].Txn != "case:"+caseID {
		t.Fatalf("accept SET: %+v", events[3])
	}
	// A decided submission is no longer for pickup, and cannot be decided again.
	if res := w.subscriber.do("GET", "/v1/submissions/"+subID, "", nil); res.status != 404 {
		t.Fatalf("decided submission fetched: %d", res.status)
	}
	set := signSET(t, w.pki.sigKey, w.sigKid, w.dest, subID, caseID, "https://schema.fitko.de/fit-connect/events/reject-submission", map[string]any{})
	if res := w.subscriber.do("POST", "/v1/cases/"+caseID+"/events", "application/jose", set); res.status != 409 {
		t.Fatalf("a second decision: %d %s", res.status, res.body)
	}
}

// alteredJWE: ciphertext changed in transit passes the hub (it cannot
// tell) and is rejected by the subscriber, whose reject the sender sees.
func (w *fcWorld) alteredJWE(t *testing.T) {
	subID, caseID, _, _ := w.send(t, func(jwe string) string {
		p := strings.Split(jwe, ".")
		c := []byte(p[3])
		if c[0] == 'A' {
			c[0] = 'B'
		} else {
			c[0] = 'A'
		}
		p[3] = string(c)
		return strings.Join(p, ".")
	})
	_, _, problem := w.pickUp(t, subID)
	if problem != "encryption-issue" {
		t.Fatalf("the subscriber found %q in an altered JWE", problem)
	}
	w.decide(t, subID, caseID, problem)
	if got := eventNames(readEventLog(t, w.sender, caseID, &w.pki.sigKey.PublicKey, w.sigKid)); got[len(got)-1] != "reject-submission" {
		t.Fatalf("sender's event log: %v", got)
	}
}

// vendorToSubscriber: a vendor sends through amthub's own API, in plain;
// the hub seals it for the destination's key, the FIT-Connect subscriber
// decrypts, checks and accepts, and the vendor sees the accept on the case.
func (w *fcWorld) vendorToSubscriber(t *testing.T) {
	h := w.h
	tok := h.Token(h.Demo.Vendor.ClientID, h.Demo.Vendor.ClientSecret, allScopes)
	demo := h.Demo.FITConnect.Destination
	res := h.Do("GET", "/v1/routes?leikaKey="+demo.LeikaKey+"&ars="+demo.ARS, tok, nil)
	var routes struct {
		Routes []struct{ DestinationID string }
	}
	res.JSON(t, &routes)
	if res.Status != 200 || len(routes.Routes) != 1 || routes.Routes[0].DestinationID != w.dest {
		t.Fatalf("routes: %d %s", res.Status, res.Body)
	}
	res = h.Do("POST", "/v1/submissions", tok, JSONBody(map[string]any{"destinationId": w.dest,
		"serviceType": map[string]string{"identifier": demo.LeikaKey}, "announcedAttachments": []string{}}), "Idempotency-Key", "fc-vendor-1")
	var sub struct{ SubmissionID, CaseID string }
	res.JSON(t, &sub)
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	if res = h.Do("POST", "/v1/submissions/"+sub.SubmissionID+"/submit", tok, JSONBody(map[string]any{"data": demo.ExampleData}),
		"Idempotency-Key", "fc-vendor-submit-1"); res.Status != 200 {
		t.Fatalf("submit: %d %s", res.Status, res.Body)
	}
	caseID, data, problem := w.pickUp(t, sub.SubmissionID)
	var sent, got any
	_ = json.Unmarshal(demo.ExampleData, &sent)
	_ = json.Unmarshal(data, &got)
	if problem != "" || caseID != sub.CaseID || !jsonEqual(sent, got) {
		t.Fatalf("subscriber: case %s, problem %q, data %s", caseID, problem, data)
	}
	w.decide(t, sub.SubmissionID, caseID, "")
	events := waitForEvents(t, h, tok, sub.CaseID, "submission.accepted")
	if got := types(events); !slices.Equal(got, []string{"submission.created", "submission.submitted", "submission.forwarded", "submission.accepted"}) {
		t.Fatalf("vendor's timeline: %v", got)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// refusals: FIT-Connect's errors for a wrong key, a broken JWE, SETs with a
// bad signature or an unknown event, and a token without the region.
func (w *fcWorld) refusals(t *testing.T) {
	demo := w.h.Demo.FITConnect.Destination
	create := func(api *fcAPI) fcResponse {
		return api.doJSON("POST", "/v1/submissions", map[string]any{"destinationId": w.dest, "announcedAttachments": []string{},
			"serviceType": map[string]string{"name": demo.ServiceName, "identifier": "urn:de:fim:leika:leistung:" + demo.LeikaKey}})
	}
	res := create(w.sender)
	var created struct{ SubmissionID, CaseID string }
	res.json(t, &created)
	meta := encryptFor(t, []byte(`{}`), &w.pki.encKey.PublicKey, w.encKid, "application/json")
	for _, tc := range []struct {
		name, data string
		status     int
		problem    string
	}{
		{"WrongKey", encryptFor(t, []byte(`{}`), &w.pki.strangerKey.PublicKey, "enc-stranger", "application/json"), 422, "encryption_key_mismatch"},
		{"WrongKeySameKid", encryptFor(t, []byte(`{}`), &w.pki.strangerKey.PublicKey, "x"+w.encKid, "application/json"), 422, "encryption_key_mismatch"},
		{"BrokenJWE", "eyJhbGciOiJSU0EtT0FFUC0yNTYifQ.a.b", 400, "invalid-request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := w.sender.doJSON("PUT", "/v1/submissions/"+created.SubmissionID, map[string]string{"encryptedMetadata": meta, "encryptedData": tc.data})
			if res.status != tc.status || !strings.HasSuffix(res.problemType(), tc.problem) {
				t.Fatalf("%d %s, want %d %s", res.status, res.body, tc.status, tc.problem)
			}
		})
	}
	t.Run("TokenWithoutRegion", func(t *testing.T) {
		var other struct {
			ID           string `json:"id"`
			ClientSecret string `json:"clientSecret"`
		}
		out := w.h.Operator("client", "create", "--tenant", w.h.Demo.Tenant.Slug, "--name", "Onlinedienst Mecklenburg",
			"--scopes", "send:region:DE13", "--auth-method", "client_secret_post")
		if err := json.Unmarshal(out, &other); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		mv := &fcAPI{t: t, base: w.sender.base, doc: w.sender.doc,
			token: fcToken(t, w.h.Demo.FITConnect.Token, other.ID, other.ClientSecret, "")}
		if res := create(mv); res.status != 403 || !strings.HasSuffix(res.problemType(), "region-not-allowed") {
			t.Fatalf("%d %s", res.status, res.body)
		}
		if res := create(w.subscriber); res.status != 403 {
			t.Fatalf("a subscriber created a submission: %d %s", res.status, res.body)
		}
	})
	// A submission to decide on, with SETs the hub must refuse.
	subID, caseID, _, _ := w.send(t, nil)
	for _, tc := range []struct {
		name    string
		set     []byte
		problem string
	}{
		{"BadSignature", signSET(t, w.pki.strangerKey, w.sigKid, w.dest, subID, caseID, "https://schema.fitko.de/fit-connect/events/accept-submission", map[string]any{}), "invalid-signature"},
		{"UnknownKey", signSET(t, w.pki.strangerKey, "sig-unknown", w.dest, subID, caseID, "https://schema.fitko.de/fit-connect/events/accept-submission", map[string]any{}), "invalid-signature"},
		{"UnknownEvent", signSET(t, w.pki.sigKey, w.sigKid, w.dest, subID, caseID, "https://schema.fitko.de/fit-connect/events/approve-everything", map[string]any{}), "unknown-event"},
		{"NotASubscribersEvent", signSET(t, w.pki.sigKey, w.sigKid, w.dest, subID, caseID, "https://schema.fitko.de/fit-connect/events/submit-submission", map[string]any{}), "event-not-allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := w.subscriber.do("POST", "/v1/cases/"+caseID+"/events", "application/jose", tc.set)
			if res.status != 422 || !strings.HasSuffix(res.problemType(), tc.problem) {
				t.Fatalf("%d %s, want 422 %s", res.status, res.body, tc.problem)
			}
		})
	}
	if got := eventNames(readEventLog(t, w.sender, caseID, &w.pki.sigKey.PublicKey, w.sigKid)); slices.Contains(got, "accept-submission") {
		t.Fatalf("a refused SET decided the case: %v", got)
	}
}

// routing: the Routing API answers from the catalogue, with the
// destination's parameters signed by the hub's published key.
func (w *fcWorld) routing(t *testing.T) {
	doc, err := fitconnect.NewValidator(context.Background(), fitconnect.RoutingAPI, "/fitconnect/routing/v1")
	if err != nil {
		t.Fatal(err)
	}
	api := &fcAPI{t: t, base: w.h.Demo.FITConnect.RoutingAPI, doc: doc}
	demo := w.h.Demo.FITConnect.Destination
	res := api.do("GET", "/routes?leikaKey="+demo.LeikaKey+"&ars="+demo.ARS, "", nil)
	var routes struct {
		Routes []struct {
			DestinationID, DestinationSignature string
			DestinationParameters               struct{ EncryptionKid string }
		}
	}
	res.json(t, &routes)
	if res.status != 200 || len(routes.Routes) != 1 || routes.Routes[0].DestinationID != w.dest ||
		routes.Routes[0].DestinationParameters.EncryptionKid != w.encKid {
		t.Fatalf("routes: %d %s", res.status, res.body)
	}
	verifyRouteSignature(t, w.sender, routes.Routes[0].DestinationSignature, w.dest, w.encKid)
	res = api.do("GET", "/areas?areaSearchexpression=Leip*", "", nil)
	var areas struct{ Areas []struct{ ID, Name string } }
	res.json(t, &areas)
	if res.status != 200 || !slices.ContainsFunc(areas.Areas, func(a struct{ ID, Name string }) bool { return a.ID == demo.ARS }) {
		t.Fatalf("areas: %d %s", res.status, res.body)
	}
	if res := api.do("GET", "/routes?leikaKey="+demo.LeikaKey+"&ars=130030000000", "", nil); res.status != 200 || !strings.Contains(string(res.body), `"routes":[]`) {
		t.Fatalf("routes elsewhere: %d %s", res.status, res.body)
	}
}

// senderToAMQP: a FIT-Connect sender seals a submission for a destination
// served over AMQP; the Fachverfahren (the simulator, holding the
// destination's private key) opens it, validates and accepts, and the
// sender sees the accept in the event log.
func (w *fcWorld) senderToAMQP(t *testing.T) {
	dest := w.h.Demo.Destinations[0]
	res := w.sender.do("GET", "/v1/destinations/"+dest.DestinationID, "", nil)
	var d struct{ EncryptionKid, Status string }
	res.json(t, &d)
	if res.status != 200 || d.Status != "active" {
		t.Fatalf("destination: %d %s", res.status, res.body)
	}
	res = w.sender.do("GET", "/v1/destinations/"+dest.DestinationID+"/keys/"+d.EncryptionKid, "", nil)
	var jwk jose4.JSONWebKey
	if err := jwk.UnmarshalJSON(res.body); err != nil || res.status != 200 {
		t.Fatalf("key: %d %s %v", res.status, res.body, err)
	}
	pub, ok := jwk.Key.(*rsa.PublicKey)
	if !ok {
		t.Fatalf("key is %T", jwk.Key)
	}
	res = w.sender.doJSON("POST", "/v1/submissions", map[string]any{"destinationId": dest.DestinationID, "announcedAttachments": []string{},
		"serviceType": map[string]string{"name": "Gewerbeanmeldung", "identifier": "urn:de:fim:leika:leistung:" + dest.LeikaKey}})
	var created struct{ SubmissionID, CaseID string }
	res.json(t, &created)
	if res.status != 201 {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	meta, _ := json.Marshal(map[string]any{"contentStructure": map[string]any{"data": map[string]any{"hash": fcHash(dest.ExampleData)},
		"attachments": []any{}}})
	res = w.sender.doJSON("PUT", "/v1/submissions/"+created.SubmissionID, map[string]string{
		"encryptedMetadata": encryptFor(t, meta, pub, d.EncryptionKid, "application/json"),
		"encryptedData":     encryptFor(t, dest.ExampleData, pub, d.EncryptionKid, "application/json")})
	if res.status != 202 {
		t.Fatalf("submit: %d %s", res.status, res.body)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := eventNames(readEventLog(t, w.sender, created.CaseID, nil, ""))
		if slices.Contains(got, "accept-submission") {
			if !slices.Equal(got[:3], []string{"create-submission", "submit-submission", "forward-submission"}) {
				t.Fatalf("event log: %v", got)
			}
			return
		}
		if slices.Contains(got, "reject-submission") || time.Now().After(deadline) {
			t.Fatalf("no accept within 30 s: %v", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
