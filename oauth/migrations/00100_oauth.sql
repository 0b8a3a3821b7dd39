-- +goose Up
-- The OAuth 2.0 / OpenID Connect authorization server (package oauth).
-- Tokens are stored as signatures only, never in clear; the data column
-- holds the sanitized fosite request (no secrets, no form values beyond the
-- few fosite needs) as JSON.

CREATE TABLE oauth_clients (
    id                   TEXT PRIMARY KEY,
    tenant_id            TEXT NOT NULL REFERENCES tenants (id),
    name                 TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    secret_hash          BYTEA,
    auth_method          TEXT NOT NULL,
    grant_types          JSONB NOT NULL,
    scopes               JSONB NOT NULL,
    redirect_uris        JSONB NOT NULL,
    audience             JSONB NOT NULL,
    region               TEXT NOT NULL DEFAULT '',
    min_acr              TEXT NOT NULL DEFAULT '',
    jwks                 JSONB,
    disabled_at          TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX oauth_clients_tenant ON oauth_clients (tenant_id, created_at);

-- One family per authorization grant: every refresh token rotated from the
-- same grant shares it, and reuse of a rotated token revokes the family.
CREATE TABLE oauth_families (
    request_id TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    client_id  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    revoked_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE oauth_codes (
    signature  TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    request_id TEXT NOT NULL,
    used_at    TIMESTAMPTZ,
    expires_at TIMESTAMPTZ NOT NULL,
    data       JSONB NOT NULL
);

CREATE TABLE oauth_pkce (
    signature  TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    expires_at TIMESTAMPTZ NOT NULL,
    data       JSONB NOT NULL
);

CREATE TABLE oauth_oidc_sessions (
    signature  TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    expires_at TIMESTAMPTZ NOT NULL,
    data       JSONB NOT NULL
);

CREATE TABLE oauth_access_tokens (
    signature  TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    request_id TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    jti        TEXT NOT NULL,
    revoked_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ NOT NULL,
    data       JSONB NOT NULL
);
CREATE INDEX oauth_access_tokens_request ON oauth_access_tokens (request_id);
CREATE INDEX oauth_access_tokens_revoked ON oauth_access_tokens (revoked_at, expires_at);

CREATE TABLE oauth_refresh_tokens (
    signature        TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants (id),
    request_id       TEXT NOT NULL,
    client_id        TEXT NOT NULL,
    access_signature TEXT NOT NULL,
    used_at          TIMESTAMPTZ,
    revoked_at       TIMESTAMPTZ,
    expires_at       TIMESTAMPTZ NOT NULL,
    data             JSONB NOT NULL
);
CREATE INDEX oauth_refresh_tokens_request ON oauth_refresh_tokens (request_id);

-- Signing keys and the HMAC secret of the issuer. They belong to the hub
-- instance, not to a tenant: one issuer signs the tokens of every tenant,
-- so this is the one table without a tenant_id. Private material is
-- encrypted with the configured key-encryption key when one is set.
CREATE TABLE oauth_keys (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('signing', 'hmac')),
    algorithm   TEXT NOT NULL,
    public_jwk  JSONB,
    private_key BYTEA NOT NULL,
    encryption  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    retired_at  TIMESTAMPTZ
);

-- Citizens' service accounts ("Servicekonto"); the portal builds on them.
CREATE TABLE citizen_accounts (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    email         TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    password_hash TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, email)
);

-- +goose Down
DROP TABLE citizen_accounts;
DROP TABLE oauth_keys;
DROP TABLE oauth_refresh_tokens;
DROP TABLE oauth_access_tokens;
DROP TABLE oauth_oidc_sessions;
DROP TABLE oauth_pkce;
DROP TABLE oauth_codes;
DROP TABLE oauth_families;
DROP TABLE oauth_clients;
