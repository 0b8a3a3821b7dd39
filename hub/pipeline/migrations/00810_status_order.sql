-- +goose Up
-- Processing statuses in the Fachverfahren's order: the submission keeps
-- its current status (with the sequence number and the Fachverfahren's
-- time it was set at), and the status reports that arrived before they
-- could be applied in order wait in held_statuses (hub.Submission.ReportStatus).
ALTER TABLE submissions ADD COLUMN status TEXT;
ALTER TABLE submissions ADD COLUMN status_sequence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN status_time TIMESTAMPTZ;
ALTER TABLE submissions ADD COLUMN held_statuses INTEGER NOT NULL DEFAULT 0;

CREATE TABLE held_statuses (
    submission_id TEXT NOT NULL,
    message_id    TEXT NOT NULL,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    status        TEXT NOT NULL,
    message       TEXT NOT NULL,
    sequence      INTEGER NOT NULL,
    status_time   TIMESTAMPTZ NOT NULL,
    received_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (submission_id, message_id)
);
CREATE INDEX held_statuses_received ON held_statuses (received_at);

-- +goose Down
DROP TABLE held_statuses;
ALTER TABLE submissions DROP COLUMN held_statuses;
ALTER TABLE submissions DROP COLUMN status_time;
ALTER TABLE submissions DROP COLUMN status_sequence;
ALTER TABLE submissions DROP COLUMN status;
