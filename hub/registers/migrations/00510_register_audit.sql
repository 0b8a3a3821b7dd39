-- +goose Up
-- The audit log of register queries: who asked (tenant, client, acting
-- subject), about whom (a keyed hash of what identifies the person, never
-- the name in clear), on which legal basis, for which case, and how it
-- ended. The register's answer is never stored.
CREATE TABLE register_audit (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    client_id    TEXT NOT NULL,
    subject      TEXT NOT NULL,
    citizen_id   TEXT,
    register     TEXT NOT NULL,
    legal_basis  TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    case_id      TEXT,
    subject_hash TEXT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('found', 'not_found', 'refused', 'timeout', 'unavailable', 'error')),
    duration_ms  INTEGER NOT NULL,
    token_id     TEXT,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX register_audit_tenant ON register_audit (tenant_id, created_at);
CREATE INDEX register_audit_subject ON register_audit (tenant_id, subject_hash);

-- +goose Down
DROP TABLE register_audit;
