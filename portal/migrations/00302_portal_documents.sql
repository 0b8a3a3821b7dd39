-- +goose Up
-- The citizen's document safe (Dokumentensafe) in the portal: folders,
-- documents with their content encrypted at rest (a random data key per
-- document, wrapped with a key-encryption key named by key_id), and the
-- bytes each account uses, updated atomically against its quota. Also the
-- assurance level of a portal login, which the mailbox checks.

CREATE TABLE portal_document_folders (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    citizen_id TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, citizen_id, name)
);

CREATE TABLE portal_documents (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    citizen_id  TEXT NOT NULL,
    folder_id   TEXT REFERENCES portal_document_folders (id),
    filename    TEXT NOT NULL,
    mime_type   TEXT NOT NULL,
    size        BIGINT NOT NULL,
    sha256      TEXT NOT NULL, -- of the plain content, hex
    key_id      TEXT NOT NULL,
    wrapped_key BYTEA NOT NULL,
    ciphertext  BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX portal_documents_citizen ON portal_documents (tenant_id, citizen_id, created_at);

CREATE TABLE portal_document_usage (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    citizen_id TEXT NOT NULL,
    bytes      BIGINT NOT NULL CHECK (bytes >= 0),
    PRIMARY KEY (tenant_id, citizen_id)
);

ALTER TABLE portal_sessions ADD COLUMN acr TEXT NOT NULL DEFAULT 'normal';

-- +goose Down
ALTER TABLE portal_sessions DROP COLUMN acr;
DROP TABLE portal_document_usage;
DROP TABLE portal_documents;
DROP TABLE portal_document_folders;
