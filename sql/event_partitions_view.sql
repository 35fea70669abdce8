-- sluice_event_partitions: one row per partition of `events`, with its UTC range, a row estimate
-- (planner statistics, else the live-tuple counter) and its total size including indexes.
CREATE OR REPLACE VIEW sluice_event_partitions AS
SELECT
    child.relname::text AS partition_name,
    (regexp_match(pg_get_expr(child.relpartbound, child.oid), 'FROM \(''([^'']+)''\)'))[1]::timestamptz AS range_from,
    (regexp_match(pg_get_expr(child.relpartbound, child.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz AS range_to,
    CASE WHEN child.reltuples >= 0 THEN child.reltuples::bigint
         ELSE COALESCE(stats.n_live_tup, 0) END AS row_estimate,
    pg_total_relation_size(child.oid) AS total_bytes
FROM pg_inherits
JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
JOIN pg_class child  ON child.oid = pg_inherits.inhrelid
LEFT JOIN pg_stat_user_tables stats ON stats.relid = child.oid
WHERE parent.relname = 'events'
  AND parent.relnamespace = to_regnamespace(current_schema())::oid;

GRANT SELECT ON sluice_event_partitions TO sluice_refresher;
