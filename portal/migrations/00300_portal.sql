-- +goose Up
-- The portal: the catalogue of services (Leistungen, keyed by LeiKa key),
-- authorities (Behörden), who is responsible for what where
-- (Zuständigkeiten), its search index, and the citizen's service account
-- (master data, sessions, the simulated e-mail outbox).

-- postgres-only
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- end

CREATE TABLE portal_services (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    leika_key    TEXT NOT NULL CHECK (length(leika_key) = 14),
    name         TEXT NOT NULL,
    summary      TEXT NOT NULL,
    description  TEXT NOT NULL,
    requirements TEXT NOT NULL,
    procedure    TEXT NOT NULL,
    deadlines    TEXT NOT NULL,
    documents    TEXT NOT NULL,
    costs        TEXT NOT NULL,
    legal_basis  TEXT NOT NULL,
    keywords     TEXT NOT NULL, -- space-separated search words (Schlagworte)
    online_url   TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, leika_key)
);

CREATE TABLE portal_authorities (
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    id            TEXT NOT NULL,
    name          TEXT NOT NULL,
    street        TEXT NOT NULL,
    postcode      TEXT NOT NULL,
    city          TEXT NOT NULL,
    opening_hours TEXT NOT NULL,
    phone         TEXT NOT NULL,
    email         TEXT NOT NULL,
    website       TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- A responsibility: authority serves leika_key in every area whose ARS
-- starts with ars_prefix; the longest prefix wins. notes holds the regional
-- differences to the service's text, as a JSON object section → text.
CREATE TABLE portal_responsibilities (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    leika_key    TEXT NOT NULL,
    ars_prefix   TEXT NOT NULL CHECK (length(ars_prefix) BETWEEN 2 AND 12),
    authority_id TEXT NOT NULL,
    online_url   TEXT NOT NULL,
    notes        JSONB NOT NULL,
    content_hash TEXT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, leika_key, ars_prefix),
    FOREIGN KEY (tenant_id, leika_key) REFERENCES portal_services (tenant_id, leika_key),
    FOREIGN KEY (tenant_id, authority_id) REFERENCES portal_authorities (tenant_id, id)
);
CREATE INDEX portal_responsibilities_authority ON portal_responsibilities (tenant_id, authority_id);

-- Search synonyms: a word citizens type → the words the catalogue uses.
CREATE TABLE portal_synonyms (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    term         TEXT NOT NULL,
    alternatives TEXT NOT NULL, -- space-separated
    PRIMARY KEY (tenant_id, term)
);

-- Postcodes of an area beyond the one in areas.postcode.
CREATE TABLE portal_postcodes (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    postcode  TEXT NOT NULL,
    ars       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, postcode, ars)
);

-- postgres-only
ALTER TABLE portal_services ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('german'::regconfig, name), 'A') ||
    setweight(to_tsvector('german'::regconfig, keywords), 'B') ||
    setweight(to_tsvector('german'::regconfig, summary), 'C') ||
    setweight(to_tsvector('german'::regconfig, description || ' ' || procedure || ' ' || documents), 'D')
) STORED;
-- end

-- postgres-only
CREATE INDEX portal_services_search ON portal_services USING GIN (search);
-- end

-- postgres-only
CREATE INDEX portal_services_name_trgm ON portal_services USING GIN (name gin_trgm_ops);
-- end

-- sqlite-only
CREATE VIRTUAL TABLE portal_services_fts USING fts5 (
    tenant_id UNINDEXED, leika_key UNINDEXED, name, keywords, body,
    tokenize = 'unicode61 remove_diacritics 2'
);
-- end

-- sqlite-only
CREATE VIRTUAL TABLE portal_services_vocab USING fts5vocab (portal_services_fts, 'row');
-- end

-- The citizen's master data (Stammdaten) and the state of the e-mail
-- confirmation, next to the account of the OAuth module.
CREATE TABLE portal_profiles (
    tenant_id        TEXT NOT NULL REFERENCES tenants (id),
    citizen_id       TEXT NOT NULL,
    given_name       TEXT NOT NULL,
    family_name      TEXT NOT NULL,
    birth_name       TEXT NOT NULL,
    birth_date       TEXT NOT NULL,
    birth_place      TEXT NOT NULL,
    street           TEXT NOT NULL,
    postcode         TEXT NOT NULL,
    city             TEXT NOT NULL,
    phone            TEXT NOT NULL,
    confirmed_at     TIMESTAMPTZ,
    confirm_token    TEXT NOT NULL, -- SHA-256 of the confirmation token, hex
    updated_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, citizen_id)
);

-- Login sessions of the portal (the database store; Redis in serve).
CREATE TABLE portal_sessions (
    token_hash TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    citizen_id TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX portal_sessions_citizen ON portal_sessions (tenant_id, citizen_id);

-- E-mails the portal would send; `amthub dev` shows them on a local page.
CREATE TABLE portal_outbox (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE portal_outbox;
DROP TABLE portal_sessions;
DROP TABLE portal_profiles;
-- sqlite-only
DROP TABLE portal_services_vocab;
-- end
-- sqlite-only
DROP TABLE portal_services_fts;
-- end
DROP TABLE portal_postcodes;
DROP TABLE portal_synonyms;
DROP TABLE portal_responsibilities;
DROP TABLE portal_authorities;
DROP TABLE portal_services;
