package saml

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	crewsaml "github.com/crewjam/saml"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/sqlstore"
)

// maxMetadataBytes bounds a service provider's metadata.
const maxMetadataBytes = 256 << 10

// ServiceProvider is a registered SAML service provider.
type ServiceProvider struct {
	EntityID string
	TenantID string
	Name     string
	// ACS lists the assertion consumer service URLs of the metadata.
	ACS []string
}

// ServiceProviders registers the SAML service providers of tenants and
// finds them for the IdP.
type ServiceProviders struct{ db *sqlstore.DB }

// NewServiceProviders returns the store of service providers.
func NewServiceProviders(db *sqlstore.DB) *ServiceProviders { return &ServiceProviders{db: db} }

// ParseMetadata validates a service provider's metadata: one
// EntityDescriptor with an entityID and an SPSSODescriptor that supports
// SAML 2.0 and names at least one assertion consumer service over
// HTTP-POST at an https URL (http only for localhost).
func ParseMetadata(raw []byte) (*crewsaml.EntityDescriptor, error) {
	if len(raw) > maxMetadataBytes {
		return nil, hub.FieldError("metadata", "Die Metadaten sind größer als %d KiB.", maxMetadataBytes>>10)
	}
	var ed crewsaml.EntityDescriptor
	if !rootIs(raw, "urn:oasis:names:tc:SAML:2.0:metadata", "EntityDescriptor") || xml.Unmarshal(raw, &ed) != nil {
		return nil, hub.FieldError("metadata", "Die Metadaten sind kein SAML-2.0-EntityDescriptor.")
	}
	if ed.EntityID == "" || len(ed.EntityID) > 1024 {
		return nil, hub.FieldError("metadata", "Die Metadaten nennen keine gültige entityID.")
	}
	if len(ed.SPSSODescriptors) != 1 {
		return nil, hub.FieldError("metadata", "Die Metadaten müssen genau einen SPSSODescriptor enthalten.")
	}
	sp := ed.SPSSODescriptors[0]
	if !supportsSAML2(sp.ProtocolSupportEnumeration) {
		return nil, hub.FieldError("metadata", "Der SPSSODescriptor unterstützt SAML 2.0 nicht.")
	}
	n := 0
	for _, acs := range sp.AssertionConsumerServices {
		if acs.Binding != crewsaml.HTTPPostBinding {
			continue
		}
		if !endpointOK(acs.Location) {
			return nil, hub.FieldError("metadata", "Die Adresse %q ist kein https-Endpunkt.", acs.Location)
		}
		n++
	}
	if n == 0 {
		return nil, hub.FieldError("metadata", "Die Metadaten nennen keinen AssertionConsumerService mit HTTP-POST.")
	}
	return &ed, nil
}

// rootIs reports whether the document's root element is space:local.
func rootIs(raw []byte, space, local string) bool {
	d := xml.NewDecoder(bytes.NewReader(raw))
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Space == space && se.Name.Local == local
		}
	}
}

func supportsSAML2(enum string) bool {
	for _, p := range strings.Fields(enum) {
		if p == "urn:oasis:names:tc:SAML:2.0:protocol" {
			return true
		}
	}
	return false
}

func endpointOK(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return false
	}
	return u.Scheme == "https" || (u.Scheme == "http" && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1"))
}

// Register validates metadata and registers its service provider for
// tenantID under name. An entity ID already registered is a conflict.
func (s *ServiceProviders) Register(ctx context.Context, tenantID, name string, metadata []byte) (*ServiceProvider, error) {
	ed, err := ParseMetadata(metadata)
	if err != nil {
		return nil, err
	}
	if tenantID == "" {
		return nil, hub.FieldError("tenant", "Der Mandant fehlt.")
	}
	if name == "" || len(name) > 200 {
		return nil, hub.FieldError("name", "Bitte geben Sie einen Namen mit höchstens 200 Zeichen an.")
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO saml_service_providers (entity_id, tenant_id, name, metadata, created_at)
		VALUES ($1, $2, $3, $4, $5)`, ed.EntityID, tenantID, name, string(metadata), s.db.Now())
	if err != nil {
		err = sqlstore.Translate(err)
		if hub.IsCode(err, hub.ECONFLICT) {
			return nil, hub.FieldError("metadata", "Die entityID %q ist schon registriert.", ed.EntityID)
		}
		return nil, fmt.Errorf("register saml service provider: %w", err)
	}
	return spOf(ed, tenantID, name), nil
}

func spOf(ed *crewsaml.EntityDescriptor, tenantID, name string) *ServiceProvider {
	sp := &ServiceProvider{EntityID: ed.EntityID, TenantID: tenantID, Name: name}
	for _, acs := range ed.SPSSODescriptors[0].AssertionConsumerServices {
		if acs.Binding == crewsaml.HTTPPostBinding {
			sp.ACS = append(sp.ACS, acs.Location)
		}
	}
	return sp
}

// Find returns the service provider of entityID and its metadata.
func (s *ServiceProviders) Find(ctx context.Context, entityID string) (*ServiceProvider, *crewsaml.EntityDescriptor, error) {
	var tenant, name, md string
	err := s.db.QueryRowContext(ctx, `SELECT tenant_id, name, metadata FROM saml_service_providers WHERE entity_id = $1`,
		entityID).Scan(&tenant, &name, &md)
	if sqlstore.ErrNoRows(err) {
		return nil, nil, &hub.Error{Code: hub.ENOTFOUND, Kind: "saml_sp_not_found", Message: "Diesen Dienst kennen wir nicht."}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("find saml service provider: %w", err)
	}
	ed, err := ParseMetadata([]byte(md))
	if err != nil {
		return nil, nil, fmt.Errorf("stored metadata of %s: %w", entityID, err)
	}
	return spOf(ed, tenant, name), ed, nil
}

// spLookup adapts the store to crewjam's ServiceProviderProvider: only
// the ACS endpoints of HTTP-POST are offered, so crewjam picks no other.
type spLookup struct{ s *ServiceProviders }

func (l spLookup) GetServiceProvider(r *http.Request, id string) (*crewsaml.EntityDescriptor, error) {
	_, ed, err := l.s.Find(r.Context(), id)
	if hub.IsCode(err, hub.ENOTFOUND) {
		return nil, os.ErrNotExist
	}
	if err != nil {
		return nil, err
	}
	sp := &ed.SPSSODescriptors[0]
	acs := sp.AssertionConsumerServices[:0:0]
	for _, a := range sp.AssertionConsumerServices {
		if a.Binding == crewsaml.HTTPPostBinding {
			acs = append(acs, a)
		}
	}
	sp.AssertionConsumerServices = acs
	return ed, nil
}
