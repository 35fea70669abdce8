-- `sluice refresh` reads a refresh's new events by the batches its dirty marks name (0013), instead
-- of every event of the marked days: one index range per batch. Batch ids grow within a run
-- (`<run>-<writer>-<sequence>`), so each writer appends near the right edge of this index; a load
-- pays about 3 % for it (docs/performance.md, "Refresh").
-- Built in the migration's transaction: loads wait while it builds (seconds per million events).
-- On a large warehouse, build it beforehand without blocking writes — per partition with CREATE
-- INDEX CONCURRENTLY, attached to `CREATE INDEX events_tenant_batch_idx ON ONLY events (tenant_id,
-- batch_id)` — and this migration finds it in place.
CREATE INDEX IF NOT EXISTS events_tenant_batch_idx ON events (tenant_id, batch_id);
