-- +goose Up
-- FIT-Connect callbacks go through the same deliveries as amthub's own:
-- flavour 'fitconnect' sends FIT-Connect's payloads (new-events to a
-- sender, new-submissions to a destination's subscribers, whose row's
-- client_id is 'fitconnect:destination:<id>') with the secret its owner chose.
ALTER TABLE callbacks ADD COLUMN flavour TEXT NOT NULL DEFAULT 'amthub';

-- +goose Down
ALTER TABLE callbacks DROP COLUMN flavour;
