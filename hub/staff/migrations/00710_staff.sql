-- +goose Up
-- Staff accounts (hub/staff): the people of the authorities and of the
-- platform who log in to the AdminCenter. Not citizens. tenant_id is the
-- person's home tenant, NULL for the platform's own staff.
CREATE TABLE staff_accounts (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT REFERENCES tenants (id),
    email             TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    display_name      TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    status            TEXT NOT NULL CHECK (status IN ('invited', 'active', 'removed')),
    password_hash     TEXT NOT NULL DEFAULT '',
    totp_secret       TEXT NOT NULL DEFAULT '',
    totp_last_step    BIGINT NOT NULL DEFAULT 0, -- the last accepted TOTP time step: a code counts once
    session_version   INTEGER NOT NULL DEFAULT 1, -- raised to end every session of the person
    invite_hash       TEXT NOT NULL DEFAULT '',  -- SHA-256 of the invitation link's token
    invite_expires_at TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX staff_accounts_email ON staff_accounts (email) WHERE status <> 'removed';
CREATE INDEX staff_accounts_tenant ON staff_accounts (tenant_id);
CREATE INDEX staff_accounts_invite ON staff_accounts (invite_hash);

-- Sessions of `amthub dev` (serve keeps them in Redis).
CREATE TABLE staff_sessions (
    token_hash TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES staff_accounts (id),
    version    INTEGER NOT NULL,
    stage      TEXT NOT NULL CHECK (stage IN ('password', 'full')),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX staff_sessions_person ON staff_sessions (person_id);

-- +goose Down
DROP TABLE staff_sessions;
DROP TABLE staff_accounts;
