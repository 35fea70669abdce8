-- sluice_ensure_event_partition(point_in_time): make sure the monthly partition of `events` holding `point_in_time`
-- exists. Returns its name and whether this call created it.
--
-- Safe when several loaders race: a transaction-scoped advisory lock serializes creators, and the
-- existence check runs under it. Bounds are UTC month starts, written with an explicit +00 offset
-- so the session time zone cannot shift them.
--
-- SECURITY DEFINER: only the owner of `events` may add a partition to it, and the loader (a member
-- of sluice_loader, not the owner) must create the months its batches touch. Only the owner and
-- sluice_loader may call it. search_path is pg_catalog, pg_temp and every name is qualified: the
-- existence check asks the catalog whether public.events has that partition, so a temporary table
-- the caller made under the partition's name (which an unqualified lookup would find first) cannot
-- make it skip the CREATE; a table of that name in public that is not a partition of events is an
-- error, never mistaken for one. The point in time must be a finite moment from year 1 AD to 121
-- months ahead (`sluice partitions ensure --months-ahead` goes up to 120): BC years would share a
-- partition name with AD ones, and a caller has no use for partitions decades ahead.
CREATE OR REPLACE FUNCTION sluice_ensure_event_partition(point_in_time TIMESTAMPTZ)
RETURNS TABLE (partition_name TEXT, created BOOLEAN)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    month_start TIMESTAMP := date_trunc('month', point_in_time AT TIME ZONE 'UTC');
    month_end   TIMESTAMP := date_trunc('month', point_in_time AT TIME ZONE 'UTC') + INTERVAL '1 month';
BEGIN
    IF point_in_time IS NULL OR NOT isfinite(point_in_time)
       OR point_in_time < timestamptz '0001-01-01 00:00:00+00' OR point_in_time >= now() + interval '121 months' THEN
        RAISE EXCEPTION 'sluice_ensure_event_partition: % is outside the months events may be partitioned for (year 1 to 121 months ahead)', point_in_time
            USING ERRCODE = '22023';
    END IF;
    partition_name := 'events_' || to_char(month_start, 'YYYY_MM');
    PERFORM pg_advisory_xact_lock(hashtext('sluice.events.partitions'));
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_inherits AS i JOIN pg_catalog.pg_class AS c ON c.oid = i.inhrelid
               WHERE i.inhparent = 'public.events'::regclass AND c.relname = partition_name
                 AND c.relnamespace = 'public'::regnamespace) THEN
        created := false;
        RETURN NEXT;
        RETURN;
    END IF;
    EXECUTE format(
        'CREATE TABLE public.%I PARTITION OF public.events FOR VALUES FROM (%L) TO (%L)',
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
