-- +goose Up
-- The submission pipeline: areas, destinations and who is responsible for
-- what (routing), cases with their submissions, attachments and timeline.

-- Areas keyed by the 12-digit regional key (ARS): state, district,
-- municipality. Reference data, kept per tenant like everything else.
CREATE TABLE areas (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    ars       TEXT NOT NULL CHECK (length(ars) = 12),
    name      TEXT NOT NULL,
    level     TEXT NOT NULL CHECK (level IN ('land', 'kreis', 'gemeinde')),
    postcode  TEXT,
    PRIMARY KEY (tenant_id, ars)
);

-- A destination is a receiving Fachverfahren reached over AMQP.
CREATE TABLE destinations (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants (id),
    name           TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    contact        JSONB NOT NULL,
    encryption_key JSONB,
    created_at     TIMESTAMPTZ NOT NULL
);

-- The services (LeiKa keys) a destination accepts, each with its data
-- schema and, optionally, the mapping it wants.
CREATE TABLE destination_services (
    tenant_id        TEXT NOT NULL REFERENCES tenants (id),
    destination_id   TEXT NOT NULL REFERENCES destinations (id),
    leika_key        TEXT NOT NULL CHECK (length(leika_key) = 14),
    service_name     TEXT NOT NULL,
    schema_uri       TEXT NOT NULL,
    schema           JSONB NOT NULL,
    mapping_name     TEXT,
    mapping_version  TEXT,
    payment_required BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (destination_id, leika_key)
);
CREATE INDEX destination_services_leika ON destination_services (tenant_id, leika_key);

-- Responsibilities: for a service, the destination serving an area, given
-- as an ARS prefix (a whole state, a district, one municipality).
CREATE TABLE responsibilities (
    tenant_id      TEXT NOT NULL REFERENCES tenants (id),
    leika_key      TEXT NOT NULL,
    ars_prefix     TEXT NOT NULL CHECK (length(ars_prefix) BETWEEN 2 AND 12),
    destination_id TEXT NOT NULL REFERENCES destinations (id),
    PRIMARY KEY (tenant_id, leika_key, ars_prefix, destination_id)
);

-- A case groups everything about one application.
CREATE TABLE cases (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants (id),
    case_number    TEXT NOT NULL,
    client_id      TEXT NOT NULL,
    -- the citizen on whose behalf (by consent) the vendor applies, if any
    citizen_id     TEXT,
    destination_id TEXT NOT NULL REFERENCES destinations (id),
    leika_key      TEXT NOT NULL,
    next_seq       INTEGER NOT NULL DEFAULT 1,
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, case_number)
);
CREATE INDEX cases_citizen ON cases (tenant_id, citizen_id);

CREATE TABLE submissions (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL REFERENCES tenants (id),
    case_id           TEXT NOT NULL REFERENCES cases (id),
    client_id         TEXT NOT NULL,
    destination_id    TEXT NOT NULL REFERENCES destinations (id),
    leika_key         TEXT NOT NULL,
    service_name      TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('incomplete', 'submitted', 'forwarded', 'accepted', 'rejected', 'expired')),
    announced         JSONB NOT NULL,
    idempotency_key   TEXT,
    request_hash      TEXT NOT NULL,
    data              BYTEA,
    data_hash         TEXT,
    content_type      TEXT,
    expires_at        TIMESTAMPTZ NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    submitted_at      TIMESTAMPTZ,
    forwarded_at      TIMESTAMPTZ,
    decided_at        TIMESTAMPTZ,
    deliveries        INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, client_id, idempotency_key)
);
CREATE INDEX submissions_expiry ON submissions (state, expires_at);
CREATE INDEX submissions_receipt ON submissions (state, forwarded_at);

CREATE TABLE attachments (
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    attachment_id TEXT NOT NULL,
    filename      TEXT,
    mime_type     TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    content       BYTEA,
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (submission_id, attachment_id)
);

-- The case timeline: immutable, ordered per case.
CREATE TABLE case_events (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    case_id       TEXT NOT NULL REFERENCES cases (id),
    seq           INTEGER NOT NULL,
    type          TEXT NOT NULL,
    submission_id TEXT,
    actor         TEXT NOT NULL,
    data          JSONB NOT NULL,
    token         TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (case_id, seq)
);

-- +goose Down
DROP TABLE case_events;
DROP TABLE attachments;
DROP TABLE submissions;
DROP TABLE cases;
DROP TABLE responsibilities;
DROP TABLE destination_services;
DROP TABLE destinations;
DROP TABLE areas;
