-- Dirty marks name the batch that made them, so `sluice refresh` can tell a day's new events from
-- the ones it already counted: identities, users and per-user funnel rows take only the new
-- events (exact merges: earliest/latest sighting, counts added once), instead of re-reading every
-- user and alias of the day. Events carry the same batch_id (the loader writes both in one
-- transaction). A mark without a batch (written before this migration, or by anything that
-- changes a day's events other than by adding them) has the whole day recomputed, as before.
ALTER TABLE refresh_dirty_buckets ADD COLUMN IF NOT EXISTS batch_id VARCHAR(255);
COMMENT ON COLUMN refresh_dirty_buckets.batch_id IS 'The load batch whose events dirtied the day (events.batch_id); NULL: recompute the whole day.';
