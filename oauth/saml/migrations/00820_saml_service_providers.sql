-- +goose Up
-- A SAML service provider registered by a tenant: its entity ID (unique
-- across tenants, since the AuthnRequest names only the entity ID) and
-- its metadata as registered, which carries the ACS endpoints and the
-- certificate its AuthnRequests are signed with.
CREATE TABLE saml_service_providers (
    entity_id  TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    name       TEXT NOT NULL,
    metadata   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX saml_service_providers_tenant ON saml_service_providers (tenant_id);

-- +goose Down
DROP TABLE saml_service_providers;
