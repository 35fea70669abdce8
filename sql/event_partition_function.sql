-- sluice_ensure_event_partition(point_in_time): make sure the monthly partition of `events` holding `point_in_time`
-- exists. Returns its name and whether this call created it.
--
-- Safe when several loaders race: a transaction-scoped advisory lock serializes creators, and the
-- existence check runs under it. Bounds are UTC month starts, written with an explicit +00 offset
-- so the session time zone cannot shift them.
--
-- SECURITY DEFINER: only the owner of `events` may add a partition to it, and the loader (a member
-- of sluice_loader, not the owner) must create the months its batches touch. Only the owner and
-- sluice_loader may call it; search_path is pinned so the definer's rights cannot be redirected.
CREATE OR REPLACE FUNCTION sluice_ensure_event_partition(point_in_time TIMESTAMPTZ)
RETURNS TABLE (partition_name TEXT, created BOOLEAN)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
    month_start TIMESTAMP := date_trunc('month', point_in_time AT TIME ZONE 'UTC');
    month_end   TIMESTAMP := date_trunc('month', point_in_time AT TIME ZONE 'UTC') + INTERVAL '1 month';
BEGIN
    partition_name := 'events_' || to_char(month_start, 'YYYY_MM');
    PERFORM pg_advisory_xact_lock(hashtext('sluice.events.partitions'));
    IF to_regclass(quote_ident(partition_name)) IS NOT NULL THEN
        created := false;
        RETURN NEXT;
        RETURN;
    END IF;
    EXECUTE format(
        'CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
        partition_name,
        to_char(month_start, 'YYYY-MM-DD HH24:MI:SS') || '+00',
        to_char(month_end, 'YYYY-MM-DD HH24:MI:SS') || '+00'
    );
    created := true;
    RETURN NEXT;
END;
$$;

REVOKE ALL ON FUNCTION sluice_ensure_event_partition(TIMESTAMPTZ) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sluice_ensure_event_partition(TIMESTAMPTZ) TO sluice_loader;
