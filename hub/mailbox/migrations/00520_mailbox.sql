-- +goose Up
-- The mailbox (Postfach): messages between senders (vendors, authorities,
-- Fachverfahren) and citizens, kept by amthub and delivered to the
-- citizen's own mailbox or to an external postbox.

-- Opaque postbox references: a vendor gets one for a citizen through that
-- citizen's consent and addresses messages with it; it never learns the
-- account id behind it.
CREATE TABLE mailbox_postboxes (
    ref        TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    client_id  TEXT NOT NULL,
    citizen_id TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, client_id, citizen_id)
);

-- Citizens whose messages go to an external postbox (e.g. BundID's).
CREATE TABLE mailbox_external (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    citizen_id   TEXT NOT NULL,
    mailbox_uuid TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, citizen_id)
);

CREATE TABLE mailbox_messages (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    client_id       TEXT NOT NULL,
    citizen_id      TEXT NOT NULL,
    postbox_ref     TEXT,
    case_id         TEXT REFERENCES cases (id),
    direction       TEXT NOT NULL CHECK (direction IN ('to_citizen', 'from_citizen')),
    in_reply_to     TEXT REFERENCES mailbox_messages (id),
    sender          TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    body_format     TEXT NOT NULL CHECK (body_format IN ('text', 'markdown')),
    reply_allowed   BOOLEAN NOT NULL,
    assurance_level TEXT NOT NULL CHECK (assurance_level IN ('normal', 'substantial', 'high')),
    channel         TEXT NOT NULL CHECK (channel IN ('own', 'external')),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'read', 'replied', 'failed')),
    external_id     TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,
    last_error      TEXT,
    idempotency_key TEXT,
    request_hash    TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    delivered_at    TIMESTAMPTZ,
    read_at         TIMESTAMPTZ,
    replied_at      TIMESTAMPTZ,
    UNIQUE (tenant_id, client_id, idempotency_key)
);
CREATE INDEX mailbox_messages_citizen ON mailbox_messages (tenant_id, citizen_id, created_at);
CREATE INDEX mailbox_messages_due ON mailbox_messages (next_attempt_at);

-- Attachment contents, stored once per tenant and content (addressed by
-- SHA-256), encrypted with a per-blob data key that is itself wrapped with
-- a key-encryption key named by key_id (envelope encryption).
CREATE TABLE mailbox_blobs (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    sha256      TEXT NOT NULL,
    size        BIGINT NOT NULL,
    key_id      TEXT NOT NULL,
    wrapped_key BYTEA NOT NULL,
    ciphertext  BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, sha256)
);

CREATE TABLE mailbox_attachments (
    message_id TEXT NOT NULL REFERENCES mailbox_messages (id),
    position   INTEGER NOT NULL,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    sha256     TEXT NOT NULL,
    filename   TEXT NOT NULL,
    mime_type  TEXT NOT NULL,
    size       BIGINT NOT NULL,
    PRIMARY KEY (message_id, position),
    FOREIGN KEY (tenant_id, sha256) REFERENCES mailbox_blobs (tenant_id, sha256)
);

-- +goose Down
DROP TABLE mailbox_attachments;
DROP TABLE mailbox_blobs;
DROP TABLE mailbox_messages;
DROP TABLE mailbox_external;
DROP TABLE mailbox_postboxes;
