-- sluice_event_partitions: one row per partition of `events`, with its UTC range, a row estimate
-- (planner statistics, else the live-tuple counter) and its total size including indexes.
-- The parent is public.events by its OID, not by the reader's current_schema(): a session whose
-- search_path starts elsewhere must still see every partition (a full refresh reads month by month
-- from this view). A definer-rights view (reviewed in docs/security.md): it reads only the catalog.
CREATE OR REPLACE VIEW sluice_event_partitions AS
SELECT
    child.relname::text AS partition_name,
    (regexp_match(pg_get_expr(child.relpartbound, child.oid), 'FROM \(''([^'']+)''\)'))[1]::timestamptz AS range_from,
    (regexp_match(pg_get_expr(child.relpartbound, child.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz AS range_to,
    CASE WHEN child.reltuples >= 0 THEN child.reltuples::bigint
         ELSE COALESCE(stats.n_live_tup, 0) END AS row_estimate,
    pg_total_relation_size(child.oid) AS total_bytes
FROM pg_inherits
JOIN pg_class child  ON child.oid = pg_inherits.inhrelid
LEFT JOIN pg_stat_user_tables stats ON stats.relid = child.oid
WHERE pg_inherits.inhparent = 'public.events'::regclass;

-- Readable by the refresh (it reads month by month), the loader and compliance staff (`sluice
-- partitions list`, `status`); not by BI logins: row estimates per month span every tenant.
GRANT SELECT ON sluice_event_partitions TO sluice_refresher, sluice_loader, sluice_compliance;
