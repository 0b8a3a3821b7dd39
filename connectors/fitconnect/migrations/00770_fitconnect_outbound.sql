-- +goose Up
-- The FIT-Connect outbound connector takes each submission of a destination
-- of kind fitconnect from its queue into this table (the broker's message
-- is acknowledged only after the commit), and forwards it from here to
-- FIT-Connect as a sender, step by step. One row per amthub submission:
-- a redelivered or resent message finds its row and creates nothing twice.
CREATE TABLE fitconnect_outbound (
    submission_id     TEXT PRIMARY KEY,   -- amthub's
    tenant_id         TEXT NOT NULL,
    destination_id    TEXT NOT NULL,      -- amthub's destination (queue fv.<id>)
    case_id           TEXT NOT NULL,      -- amthub's case
    trace_parent      TEXT NOT NULL,
    message           BYTEA,              -- the hub's submission message; dropped once submitted
    state             TEXT NOT NULL CHECK (state IN ('received', 'created', 'submitted', 'accepted', 'rejected')),
    fit_submission_id TEXT,               -- FIT-Connect's, once created
    fit_case_id       TEXT,
    events_mirrored   INTEGER NOT NULL,   -- how many SETs of the case's event log were handled
    attempts          INTEGER NOT NULL,   -- failed attempts of the current step
    last_error        TEXT NOT NULL,      -- the last failure, without personal data
    next_attempt_at   TIMESTAMPTZ NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX fitconnect_outbound_due ON fitconnect_outbound (destination_id, next_attempt_at);

-- +goose Down
DROP TABLE fitconnect_outbound;
