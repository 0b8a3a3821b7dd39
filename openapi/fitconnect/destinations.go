package fitconnect

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/fitcrypto"
)

// MetadataVersions are the versions of FIT-Connect's metadata schema that
// the hub's destinations accept: the hub passes sealed metadata on unread,
// and writes 1.2.0 when it seals itself.
var metadataVersions = []string{"1.2.0"}

// publicDestination is the document's PublicDestination (and, with
// contactInformation, PrivateDestination).
type publicDestination struct {
	DestinationID    string               `json:"destinationId"`
	EncryptionKid    string               `json:"encryptionKid"`
	MetadataVersions []string             `json:"metadataVersions"`
	Services         []destinationService `json:"services"`
	Status           string               `json:"status"`
	Contact          *contactInformation  `json:"contactInformation,omitempty"`
}

type destinationService struct {
	Identifier        string             `json:"identifier"`
	Regions           []string           `json:"regions"`
	SubmissionSchemas []submissionSchema `json:"submissionSchemas"`
}

type submissionSchema struct {
	SchemaURI string `json:"schemaUri"`
	MimeType  string `json:"mimeType"`
}

type contactInformation struct {
	LegalName string `json:"legalName"`
	Address   string `json:"address"`
	Phone     string `json:"phone"`
	Email     string `json:"email"`
}

// describe returns the destination as FIT-Connect shows it: its services
// with the regions where its unit is responsible for them (DE + ARS
// prefix), its current encryption key's kid and its status (active once it
// has an encryption key).
func (s *Server) describe(ctx context.Context, d *hub.Destination) (publicDestination, error) {
	out := publicDestination{DestinationID: d.ID, MetadataVersions: metadataVersions, Status: "created", Services: []destinationService{}}
	if len(d.EncryptionKey) > 0 {
		if k, err := fitcrypto.ParsePublicKey(d.EncryptionKey, fitcrypto.Encryption); err == nil {
			out.EncryptionKid, out.Status = k.KeyID, "active"
		}
	}
	for _, sv := range d.Services {
		areas, err := s.cat.ServedAreas(ctx, d.TenantID, d.OrgUnitID, sv.LeikaKey)
		if err != nil {
			return out, err
		}
		regions := make([]string, 0, len(areas))
		for _, a := range areas {
			regions = append(regions, "DE"+a)
		}
		if len(regions) == 0 {
			continue // not routable: FIT-Connect lists services with their regions only
		}
		out.Services = append(out.Services, destinationService{Identifier: LeikaURN + sv.LeikaKey, Regions: regions,
			SubmissionSchemas: []submissionSchema{{SchemaURI: sv.SchemaURI, MimeType: "application/json"}}})
	}
	return out, nil
}

// getDestination: GET /v1/destinations/{id}, for any client of the tenant.
func (s *Server) getDestination(w http.ResponseWriter, r *http.Request) {
	s.writeDestination(w, r, principal(r).TenantID, strings.ToLower(chi.URLParam(r, "destinationId")), false)
}

// writeDestination answers with the destination as FIT-Connect shows it;
// withContact adds contactInformation (PrivateDestination).
func (s *Server) writeDestination(w http.ResponseWriter, r *http.Request, tenantID, destID string, withContact bool) {
	d, err := s.cat.FindDestination(r.Context(), tenantID, destID)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	out, err := s.describe(r.Context(), d)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if withContact {
		out.Contact = &contactInformation{LegalName: d.Name, Phone: d.Contact.Phone, Email: d.Contact.Email}
	}
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, out)
}

// patchDestination: PATCH /v1/destinations/{id}; amthub takes the
// encryptionKid from it (key rollover): the key must have been registered
// with add-destination-key. The destination's other fields are the
// catalogue's, kept by its operators.
func (s *Server) patchDestination(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	destID := strings.ToLower(chi.URLParam(r, "destinationId"))
	if err := mayManage(p, destID); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	var req struct {
		EncryptionKid string `json:"encryptionKid"`
		Callback      *struct {
			URL    string `json:"url"`
			Secret string `json:"secret"`
		} `json:"callback"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || (req.EncryptionKid == "" && req.Callback == nil) {
		writeError(w, r, s.log, hub.FieldError("encryptionKid", "amthub takes only encryptionKid and callback from a PATCH"))
		return
	}
	if req.Callback != nil {
		if err := s.pipe.PutFITConnectCallback(r.Context(), p, destID, req.Callback.URL, req.Callback.Secret); err != nil {
			writeError(w, r, s.log, err)
			return
		}
	}
	if req.EncryptionKid == "" {
		s.writeDestination(w, r, p.TenantID, destID, true)
		return
	}
	k, err := findDestinationKey(r.Context(), s.db, p.TenantID, destID, req.EncryptionKid)
	if err == nil && k.Purpose != fitcrypto.Encryption {
		err = hub.FieldError("encryptionKid", "the key is a signature key")
	}
	if hub.IsCode(err, hub.ENOTFOUND) {
		err = hub.FieldError("encryptionKid", "no key of this kid is registered for the destination")
	}
	if err == nil {
		err = s.cat.SetEncryptionKey(r.Context(), p.TenantID, destID, k.JWK)
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	s.writeDestination(w, r, p.TenantID, destID, true)
}

// addKey: POST /v1/destinations/{id}/keys: a public JWK in FIT-Connect's
// profile (RSA ≥ 4096 bits, key_ops wrapKey/RSA-OAEP-256 or verify/PS512)
// with an x5c chain that leads to a configured trust anchor.
func (s *Server) addKey(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	destID := strings.ToLower(chi.URLParam(r, "destinationId"))
	if err := mayManage(p, destID); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if _, err := s.cat.FindDestination(r.Context(), p.TenantID, destID); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 256<<10))
	if err != nil {
		writeError(w, r, s.log, hub.FieldError("body", "the JWK is missing"))
		return
	}
	k, err := s.checkKey(raw)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	jwk, err := k.MarshalJSON()
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	err = saveDestinationKey(r.Context(), s.db, p.TenantID, destID, destinationKey{Kid: k.KeyID, Purpose: k.Purpose, JWK: jwk})
	if hub.IsCode(err, hub.ECONFLICT) {
		// The same key again is fine ("hinzugefügt oder existiert bereits");
		// another key under a registered kid is not.
		prev, ferr := findDestinationKey(r.Context(), s.db, p.TenantID, destID, k.KeyID)
		if ferr == nil && string(prev.JWK) == string(jwk) {
			err = nil
		} else {
			err = hub.FieldError("kid", "another key is registered under this kid")
		}
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.Header().Set("Location", s.cfg.BaseURL+"/v1/destinations/"+destID+"/keys/"+k.KeyID)
	w.WriteHeader(http.StatusCreated)
}

// checkKey parses a JWK in FIT-Connect's profile for the purpose its
// key_ops name and checks its x5c chain.
func (s *Server) checkKey(raw []byte) (*fitcrypto.PublicKey, error) {
	var head struct {
		KeyOps []string `json:"key_ops"`
	}
	_ = json.Unmarshal(raw, &head)
	purpose := fitcrypto.Signature
	if len(head.KeyOps) == 1 && head.KeyOps[0] == "wrapKey" {
		purpose = fitcrypto.Encryption
	}
	k, err := fitcrypto.ParsePublicKey(raw, purpose)
	if err != nil {
		return nil, &hub.Error{Code: hub.EINVALID, Kind: "invalid-key", Message: "The key is outside FIT-Connect's profile.", Err: err}
	}
	if len(k.Certificates) == 0 {
		return nil, &hub.Error{Code: hub.EINVALID, Kind: "invalid-key", Field: "x5c", Message: "The key needs its certificate chain (x5c)."}
	}
	if s.cfg.TrustAnchors != nil {
		if err := fitcrypto.VerifyChain(k, s.cfg.TrustAnchors, s.now()); err != nil {
			kind := "invalid-key"
			if errors.Is(err, fitcrypto.ErrUntrusted) {
				kind = "untrusted-certificate"
			}
			return nil, &hub.Error{Code: hub.EINVALID, Kind: kind, Field: "x5c",
				Message: "The key's certificate chain does not lead to a trusted anchor.", Err: err}
		}
	}
	return k, nil
}

// getKey: GET /v1/destinations/{id}/keys/{keyId}, for any client of the
// tenant (senders fetch the encryption key, anyone the signature keys).
func (s *Server) getKey(w http.ResponseWriter, r *http.Request) {
	k, err := findDestinationKey(r.Context(), s.db, principal(r).TenantID, strings.ToLower(chi.URLParam(r, "destinationId")),
		chi.URLParam(r, "keyId"))
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(k.JWK)
}

// RegisterKey registers a destination's key on behalf of its operators (a
// simulated Fachverfahren in `amthub dev`) and, for an encryption key, makes
// it the destination's current one. The key's chain is not checked.
func (s *Server) RegisterKey(ctx context.Context, tenantID, destinationID string, k *fitcrypto.PublicKey) error {
	jwk, err := k.MarshalJSON()
	if err != nil {
		return err
	}
	if err := saveDestinationKey(ctx, s.db, tenantID, destinationID, destinationKey{Kid: k.KeyID, Purpose: k.Purpose, JWK: jwk}); err != nil {
		return err
	}
	if k.Purpose == fitcrypto.Encryption {
		return s.cat.SetEncryptionKey(ctx, tenantID, destinationID, jwk)
	}
	return nil
}
