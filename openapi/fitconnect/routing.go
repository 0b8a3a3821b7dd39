package fitconnect

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/fitcrypto"
)

// The Routing API (FIT-Connect Routingdienst 2.0.0), answered from the
// catalogue of the routing tenant: /routes by service and area, /areas by
// name or postcode.

// AreaURN prefixes an ARS in the signed addressing parameters.
const AreaURN = "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:rs:"

// route is the document's route, plus destinationParameters: what a sender
// needs to address the destination, covered by destinationSignature.
type route struct {
	DestinationID         string         `json:"destinationId"`
	DestinationSignature  string         `json:"destinationSignature"`
	DestinationName       string         `json:"destinationName"`
	DestinationParameters map[string]any `json:"destinationParameters"`
	Origin                string         `json:"origin"`
}

// routes: GET /routing/v1/routes?leikaKey=…&ars=… (or areaId, or ags).
func (s *Server) routes(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	leika, ars := q.Get("leikaKey"), q.Get("ars")
	if ars == "" {
		ars = q.Get("areaId")
	}
	if ags := q.Get("ags"); ars == "" && len(ags) == 8 {
		// An AGS is an ARS without the Verband digits: find the area.
		areas, err := s.cat.Areas(r.Context(), s.routingTenantID())
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		for _, a := range areas {
			if len(a.ARS) == 12 && a.ARS[:5] == ags[:5] && a.ARS[9:] == ags[5:] {
				ars = a.ARS
			}
		}
	}
	if ars == "" {
		writeError(w, r, s.log, hub.FieldError("ars", "one of ars, ags or areaId is required"))
		return
	}
	found, err := s.cat.FindRoutes(r.Context(), s.routingTenantID(), leika, ars)
	if hub.IsCode(err, hub.ENOTFOUND) {
		found, err = nil, nil // no route: an empty result, as FIT-Connect answers
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	limit, offset := page(r)
	out := []route{}
	for _, rt := range found[min(offset, len(found)):min(offset+limit, len(found))] {
		ro, err := s.route(r, rt, leika, ars)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		out = append(out, ro)
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(out), "offset": offset, "totalCount": len(found), "routes": out})
}

// route describes one destination with its parameters, signed by the hub.
func (s *Server) route(r *http.Request, rt hub.Route, leika, ars string) (route, error) {
	d := rt.Destination
	params := map[string]any{
		"submissionUrl":     s.cfg.BaseURL,
		"metadataVersions":  metadataVersions,
		"submissionSchemas": []submissionSchema{{SchemaURI: rt.Service.SchemaURI, MimeType: "application/json"}},
		"status":            "created",
		"encryptionKid":     "",
	}
	if len(d.EncryptionKey) > 0 {
		if k, err := fitcrypto.ParsePublicKey(d.EncryptionKey, fitcrypto.Encryption); err == nil {
			params["encryptionKid"], params["status"] = k.KeyID, "active"
			params["publicKeys"] = map[string]any{"keys": []json.RawMessage{d.EncryptionKey}}
		}
	}
	host := s.cfg.BaseURL
	if u, err := url.Parse(s.cfg.BaseURL); err == nil {
		host = u.Host
	}
	claims, err := json.Marshal(map[string]any{
		"iss": s.cfg.BaseURL, "iat": s.now().Unix(), "destinationId": d.ID, "submissionHost": host,
		"services":              []map[string]any{{"gebietIDs": []string{AreaURN + ars}, "leistungIDs": []string{LeikaURN + leika}}},
		"destinationParameters": params,
	})
	if err != nil {
		return route{}, err
	}
	sig, err := fitcrypto.SignJWS(claims, s.key)
	if err != nil {
		return route{}, err
	}
	name := rt.Unit.Name
	if name == "" {
		name = d.Name
	}
	return route{DestinationID: d.ID, DestinationSignature: sig, DestinationName: name, DestinationParameters: params,
		Origin: "amthub"}, nil
}

// area is the document's area: id (the ARS), name and type (level).
type area struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

// areas: GET /routing/v1/areas?areaSearchexpression=…: places by name
// (a trailing or leading * is a wildcard) or postcode. The document
// declares the 200 answer as application/problem+json; the hub answers as
// it declares.
func (s *Server) areas(w http.ResponseWriter, r *http.Request) {
	seen := map[string]bool{}
	found := []area{}
	for _, expr := range r.URL.Query()["areaSearchexpression"] {
		places, err := s.cat.Places(r.Context(), s.routingTenantID(), strings.Trim(expr, "*"))
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		for _, p := range places {
			if !seen[p.ARS] {
				seen[p.ARS] = true
				found = append(found, area{ID: p.ARS, Name: p.Name, Type: p.Level})
			}
		}
	}
	limit, offset := page(r)
	window := found[min(offset, len(found)):min(offset+limit, len(found))]
	writeJSONAs(w, "application/problem+json", http.StatusOK,
		map[string]any{"count": len(window), "offset": offset, "totalCount": len(found), "areas": window})
}
