-- +goose Up
-- A destination whose subscribers pick its submissions up over the
-- FIT-Connect surface (GET /v1/submissions) rather than from an AMQP queue.
ALTER TABLE destinations ADD COLUMN pickup BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE destinations DROP COLUMN pickup;
