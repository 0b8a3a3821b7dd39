-- +goose Up
-- The FIT-Connect surface's own tables: the keys subscribers register for
-- their destinations (add-destination-key), the hub's own key that signs
-- FIT-Connect's Security Event Tokens and routing answers, and the SETs of
-- the case event logs (signed by the hub on first read, or as a subscriber
-- sent them).
CREATE TABLE fitconnect_destination_keys (
    tenant_id      TEXT NOT NULL REFERENCES tenants (id),
    destination_id TEXT NOT NULL,
    kid            TEXT NOT NULL,
    purpose        TEXT NOT NULL CHECK (purpose IN ('encryption', 'signature')),
    jwk            TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, destination_id, kid)
);

CREATE TABLE fitconnect_hub_keys (
    kid         TEXT PRIMARY KEY,
    private_key BYTEA NOT NULL, -- PKCS#8, sealed with the key-encryption key
    certificate BYTEA NOT NULL, -- DER, self-signed
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE fitconnect_event_tokens (
    event_id   TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    token      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE fitconnect_event_tokens;
DROP TABLE fitconnect_hub_keys;
DROP TABLE fitconnect_destination_keys;
