-- What each refresh changed in each analytics table, split as `sluice refresh` reports it:
-- rows inserted, updated (values changed) and deleted, by primary key (docs/metrics.md, "What a
-- refresh reports"). rows_written stays, as their sum, for readers of the earlier column.
-- Only if missing: a warehouse patched ahead of this migration (a test does) keeps its columns.
ALTER TABLE analytics.refresh_log ADD COLUMN IF NOT EXISTS inserted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE analytics.refresh_log ADD COLUMN IF NOT EXISTS updated  BIGINT NOT NULL DEFAULT 0;
ALTER TABLE analytics.refresh_log ADD COLUMN IF NOT EXISTS deleted  BIGINT NOT NULL DEFAULT 0;
COMMENT ON COLUMN analytics.refresh_log.rows_written IS 'inserted + updated + deleted of the last refresh.';
COMMENT ON COLUMN analytics.refresh_log.inserted IS 'Rows the last refresh added to the table (a full rebuild: every row it holds after).';
COMMENT ON COLUMN analytics.refresh_log.updated IS 'Rows whose values the last refresh changed.';
COMMENT ON COLUMN analytics.refresh_log.deleted IS 'Rows the last refresh removed (a full rebuild: every row the table held before).';
