-- +goose Up
-- Sealed submissions (FIT-Connect): the JWE of the submission's metadata
-- next to its data, passed on unread; and whether the destination's
-- subscribers pick submissions up over the FIT-Connect surface instead of
-- receiving them over AMQP (no outbox message, no redelivery).
ALTER TABLE submissions ADD COLUMN encrypted_metadata TEXT;
ALTER TABLE submissions ADD COLUMN pickup BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX submissions_pickup ON submissions (destination_id, state) WHERE pickup;

-- +goose Down
DROP INDEX submissions_pickup;
ALTER TABLE submissions DROP COLUMN pickup;
ALTER TABLE submissions DROP COLUMN encrypted_metadata;
