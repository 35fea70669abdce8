-- `sluice refresh` reads a refresh's new events by the batches its dirty marks name (0013), instead
-- of every event of the marked days: one index range per batch. Batch ids grow within a run
-- (`<run>-<writer>-<sequence>`), so each writer appends near the right edge of this index.
CREATE INDEX events_tenant_batch_idx ON events (tenant_id, batch_id);
