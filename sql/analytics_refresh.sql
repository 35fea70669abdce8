-- analytics.refresh(p_full, p_yield): bring the analytics tables up to date with public.events.
--
-- Incremental (p_full = false): works from the marks in refresh_dirty_buckets. The events of the
-- batches they name are the new ones (read by events_tenant_batch_idx); they are merged into the
-- identity, user and device tables and added to the per-day counts, each exactly once (the marks
-- read are deleted in the same transaction). Recomputed whole, writing only the rows that differ:
--   * a day marked without a batch (its events may have changed other than by additions);
--   * the days an alias appears on, when its link moved to another user (an anonymous session
--     identified later is credited to its user on every day it appears);
--   * device_metrics on the days a device sent events on, when its first activation arrived or
--     moved earlier; inventory_daily and device_metrics of every marked day (from its inventory
--     and device events only);
--   * dim_users for users whose days were recomputed or whose attributes changed (the others take
--     the same additions as their days); new_users on the old and new first day of a user whose
--     first event moved.
-- Full (p_full = true): rebuilds everything from events; it must give the same rows.
-- p_yield: while loads run, pause up to p_yield × the seconds just worked, at pause points between
-- steps and inside long statements (analytics.pace, analytics.pace_sampled).
--
-- The caller (`sluice refresh`) runs this in one REPEATABLE READ transaction under an advisory
-- lock: every statement sees the same snapshot, BI readers see the old rows until COMMIT, and the
-- marks deleted are exactly those read (a load that commits meanwhile keeps its mark). No lock is
-- taken on events, so loads never wait.
--
-- Returns what it did per analytics object (dim_date, identity_links, dim_devices, dim_users,
-- kpi_daily, funnel_step, inventory_daily, device_metrics): the rows of that object's own table
-- this refresh inserted, updated and deleted (docs/metrics.md, "What a refresh reports"). An
-- incremental refresh writes a row only where it differs, and each of its rows is written by at
-- most one statement, so the counts are what changed: a row whose key is new is inserted, one
-- whose values changed is updated, one that is gone is deleted, and a recomputed row equal to what
-- was there counts nowhere. A full rebuild's TRUNCATE counts as deleting every row the table held
-- (dim_date, which it keeps, aside), and every row it writes as inserted. The bookkeeping tables
-- (identity_pairs, alias_days, user_days, user_attribute_values, device_days, funnel_user_days)
-- are not counted; their time is in the seconds of the object they serve.

-- The funnel step an event is, or NULL (docs/metrics.md).
CREATE OR REPLACE FUNCTION analytics.funnel_step_of(p_contract text, p_type text, p_status text)
RETURNS text
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT CASE WHEN p_contract <> 'pocm' THEN NULL
                WHEN p_type = 'cart' AND p_status = 'item_added' THEN 'cart_item_added'
                WHEN p_type = 'checkout' AND p_status = 'started' THEN 'checkout_started'
                WHEN p_type = 'checkout' AND p_status = 'completed' THEN 'checkout_completed'
                WHEN p_type = 'payment' AND p_status = 'captured' THEN 'payment_captured' END
$$;

-- analytics.loads_running(): whether a load writes events in this database now: a `sluice load`
-- connection holds the shared advisory lock 0x736C75696C6F6164 (LoadTarget.loadingLockKey, for the
-- whole run) or another session holds ROW EXCLUSIVE on events (a batch of a queue consumer or any
-- writer, in its transaction). pg_locks is readable by every role; it lists every database's locks.
CREATE OR REPLACE FUNCTION analytics.loads_running()
RETURNS boolean
LANGUAGE sql
VOLATILE
AS $$
    SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks AS l
                   WHERE l.granted AND l.pid <> pg_backend_pid()
                     AND l.database = (SELECT d.oid FROM pg_catalog.pg_database AS d WHERE d.datname = current_database())
                     AND ((l.locktype = 'relation' AND l.relation = 'public.events'::regclass AND l.mode = 'RowExclusiveLock')
                          OR (l.locktype = 'advisory' AND l.classid = x'736C7569'::int::oid AND l.objid = x'6C6F6164'::int::oid
                              AND l.objsubid = 1)))
$$;

-- analytics.pace(): a refresh's pause point. While loads run, it pauses for up to the ratio
-- (setting sluice.yield_ratio) × the seconds worked since the last pause point (sluice.busy_since)
-- and adds the pause to sluice.yielded; analytics.refresh() sets the three for its transaction.
-- So while loads run a refresh takes at most 1 / (1 + ratio) of the time, like autovacuum's cost
-- delay. The pause is slept in quarter seconds and ends as soon as no load runs; with none running
-- it never waits. On this 2-core class of machine a load alone keeps both cores busy (a client and
-- two COPY backends) and runs at about half speed while the refresh works, hence the default
-- ratio of 4 (docs/performance.md, "Refresh"). Returns true.
CREATE OR REPLACE FUNCTION analytics.pace()
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    ratio   numeric := nullif(current_setting('sluice.yield_ratio', true), '')::numeric;
    started timestamptz := clock_timestamp();
    until   timestamptz;
BEGIN
    IF ratio > 0 AND analytics.loads_running() THEN
        until := started + (started - current_setting('sluice.busy_since')::timestamptz) * ratio;
        WHILE clock_timestamp() < until LOOP
            PERFORM pg_sleep(least(0.25, extract(epoch FROM until - clock_timestamp())));
            EXIT WHEN NOT analytics.loads_running();
        END LOOP;
        PERFORM set_config('sluice.yielded',
                           (current_setting('sluice.yielded')::numeric + extract(epoch FROM clock_timestamp() - started))::text, true);
    END IF;
    PERFORM set_config('sluice.busy_since', clock_timestamp()::text, true);
    RETURN true;
END;
$$;
-- Folded into analytics.pace().
DROP FUNCTION IF EXISTS analytics.yield_to_loads(timestamptz, numeric);

-- analytics.pace_sampled(): a pause point on about one row in 20 000. The refresh's long statements
-- select it as an extra column of what they scan or write (never read, and never trimmed by the
-- planner: it is volatile), so that a load that starts in the middle of a multi-second statement
-- waits tens of milliseconds for the refresh to step aside, not the rest of the statement. A SQL
-- function the planner inlines: per row it costs one random().
CREATE OR REPLACE FUNCTION analytics.pace_sampled()
RETURNS boolean
LANGUAGE sql
VOLATILE
AS $$
    SELECT CASE WHEN random() < 0.00005 THEN analytics.pace() END
$$;

-- Dropped first: CREATE OR REPLACE cannot change the columns a function returns.
DROP FUNCTION IF EXISTS analytics.refresh(boolean);
DROP FUNCTION IF EXISTS analytics.refresh(boolean, numeric);
CREATE FUNCTION analytics.refresh(p_full boolean, p_yield numeric DEFAULT 0)
RETURNS TABLE (object text, buckets integer, inserted bigint, updated bigint, deleted bigint, seconds numeric,
               days_recomputed integer, events_read bigint, read_seconds numeric, yielded_seconds numeric)
LANGUAGE plpgsql
AS $$
DECLARE
    step_started timestamptz;
    n            bigint;
    m            bigint;
    -- The current step's changes to its object's own table (_stats takes them at its end).
    ins          bigint;
    upd          bigint;
    del          bigint;
    day_count    integer;
    fact_count   integer;
    read_count   bigint;
    whole_read   bigint;
    read_time    numeric := 0;
    lo           date;
    hi           date;
    part         record;
    yielded      numeric;
    -- The columns of analytics.event_measures (and of _ev), for the paced reads of them.
    ev_columns   constant text := (SELECT string_agg(format('s.%I', a.attname), ', ' ORDER BY a.attnum)
                                   FROM pg_catalog.pg_attribute AS a
                                   WHERE a.attrelid = 'analytics.event_measures'::regclass AND a.attnum > 0 AND NOT a.attisdropped);
BEGIN
    -- Pause points (analytics.pace) share these with the statements that call it from inside.
    PERFORM set_config('sluice.yield_ratio', COALESCE(p_yield, 0)::text, true),
            set_config('sluice.busy_since', clock_timestamp()::text, true),
            set_config('sluice.yielded', '0', true);
    DROP VIEW IF EXISTS _new, _day_ev, _paced_ev, _count_events, _link_source, _links_drawn, _user_day_source, _attribute_source,
                        _users_rebuilt, _user_events, _funnel_user_days_source, _inventory_source, _device_metrics_source;
    DROP TABLE IF EXISTS _stats, _marks, _dirty_identities, _days, _whole_days, _new_batches, _new_events, _ev, _pairs, _touched, _old_links,
                         _changed_aliases, _changed_devices, _fact_days, _recompute_days, _affected_users, _affected,
                         _newuser_days, _merged_users, _alias_days_new, _device_days_new, _user_days_new, _funnel_user_days_new, _typed_ev,
                         _links_new, _users_new, _kpi_new, _funnel_new, _inventory_new, _device_metrics_new;
    -- Indexes a transaction set aside and committed without restoring come back before anything
    -- relies on them (ON CONFLICT needs the primary keys); a no-op otherwise.
    PERFORM analytics.restore_indexes(NULL);
    CREATE TEMP TABLE _stats (object text PRIMARY KEY, inserted bigint NOT NULL, updated bigint NOT NULL,
                              deleted bigint NOT NULL, seconds numeric NOT NULL) ON COMMIT DROP;
    INSERT INTO _stats
    SELECT o, 0, 0, 0, 0
    FROM unnest(ARRAY['dim_date', 'identity_links', 'dim_devices', 'dim_users', 'kpi_daily', 'funnel_step', 'inventory_daily',
                      'device_metrics']) AS o;
    CREATE TEMP TABLE _marks ON COMMIT DROP AS SELECT d.id, d.tenant_id, d.day, d.batch_id FROM public.refresh_dirty_buckets AS d;
    -- Aliases an erasure took pairs from: their links are drawn again (deleted exactly as read).
    CREATE TEMP TABLE _dirty_identities ON COMMIT DROP AS
    SELECT i.id, i.tenant_id, i.alias_kind, i.alias FROM public.refresh_dirty_identities AS i;

    -- The events to work from: every event (full), or those of the marked days, with the fields
    -- the aggregates and dimensions read pulled out of the payload once (analytics.event_measures).
    -- A full rebuild empties the tables with TRUNCATE: BI queries wait for its COMMIT (they never
    -- see a partial rebuild), loads do not (they never touch analytics).
    step_started := clock_timestamp();
    CREATE TEMP TABLE _days (tenant_id varchar(64), day date, PRIMARY KEY (tenant_id, day)) ON COMMIT DROP;
    IF p_full THEN
        -- The TRUNCATE deletes every row the reported tables held: counted as deleted.
        UPDATE _stats AS s SET deleted = c.held
        FROM (VALUES ('identity_links', (SELECT count(*) FROM analytics.identity_links)),
                     ('dim_devices', (SELECT count(*) FROM analytics.dim_devices)),
                     ('dim_users', (SELECT count(*) FROM analytics.dim_users)),
                     ('kpi_daily', (SELECT count(*) FROM analytics.kpi_daily)),
                     ('funnel_step', (SELECT count(*) FROM analytics.funnel_step)),
                     ('inventory_daily', (SELECT count(*) FROM analytics.inventory_daily)),
                     ('device_metrics', (SELECT count(*) FROM analytics.device_metrics))) AS c(name, held)
        WHERE s.object = c.name;
        TRUNCATE analytics.identity_pairs, analytics.alias_days, analytics.identity_links, analytics.user_days,
                 analytics.user_attribute_values, analytics.dim_users, analytics.dim_devices, analytics.device_days,
                 analytics.kpi_daily, analytics.funnel_step, analytics.funnel_user_days, analytics.inventory_daily,
                 analytics.device_metrics;
        -- The big per-identity and per-user tables take their rows with no index to update; each
        -- gets its indexes back, built by sorting, right after its rows are in and before anything
        -- reads it by index (sql/analytics_bulk_indexes.sql).
        PERFORM analytics.set_aside_indexes(t)
        FROM unnest(ARRAY['analytics.identity_pairs', 'analytics.identity_links', 'analytics.user_days',
                          'analytics.user_attribute_values', 'analytics.dim_users', 'analytics.funnel_user_days']::regclass[]) AS t;
        -- A month partition at a time, with pause points between them and inside (paced: see
        -- _paced_ev below; a month of a busy tenant is seconds of reading).
        CREATE TEMP TABLE _ev ON COMMIT DROP AS SELECT f.* FROM analytics.event_measures AS f WITH NO DATA;
        FOR part IN SELECT p.range_from, p.range_to FROM public.sluice_event_partitions AS p ORDER BY p.range_from LOOP
            EXECUTE format('INSERT INTO _ev SELECT %s FROM (SELECT f.*, analytics.pace_sampled() AS paced'
                           ' FROM analytics.event_measures AS f WHERE f.occurred_at >= $1 AND f.occurred_at < $2) AS s',
                           ev_columns)
            USING part.range_from, part.range_to;
            PERFORM analytics.pace();
        END LOOP;
        INSERT INTO _days SELECT DISTINCT e.tenant_id, e.day FROM _ev AS e;
    ELSE
        INSERT INTO _days SELECT DISTINCT k.tenant_id, k.day FROM _marks AS k;
        ANALYZE _days;
        -- Every event of the days marked without a batch (recomputed whole): a range scan of
        -- events' (tenant_id, occurred_at) index per day, in its month's partition only (OFFSET 0
        -- keeps the planner from turning this into a scan of every event).
        CREATE TEMP TABLE _ev ON COMMIT DROP AS
        SELECT f.* FROM (SELECT DISTINCT k.tenant_id, k.day FROM _marks AS k WHERE k.batch_id IS NULL) AS d
        JOIN LATERAL (SELECT m.* FROM analytics.event_measures AS m
                      WHERE m.tenant_id = d.tenant_id
                        AND m.occurred_at >= (d.day::timestamp AT TIME ZONE 'UTC')
                        AND m.occurred_at < ((d.day + 1)::timestamp AT TIME ZONE 'UTC')
                      OFFSET 0) AS f ON true;
    END IF;
    ANALYZE _ev;
    ANALYZE _days;
    -- The events as the long statements read them: each row of _ev, with pause points
    -- (analytics.pace_sampled; the volatile column keeps the subquery from being flattened or
    -- trimmed, so they run wherever the view is scanned; it is not selected).
    EXECUTE format('CREATE TEMP VIEW _paced_ev AS SELECT %s FROM (SELECT e.*, analytics.pace_sampled() AS paced FROM _ev AS e) AS s',
                   ev_columns);
    SELECT count(*) INTO day_count FROM _days;
    SELECT count(*) INTO whole_read FROM _ev;

    -- The new events (_new): those not yet counted. Incrementally, the events of the batches the
    -- marks name (an index range of events_tenant_batch_idx each), plus every event of a day marked
    -- without a batch (_whole_days, read above into _ev: such a day is recomputed whole). Each
    -- event is merged exactly once: its mark is deleted in this transaction. Identities, users and
    -- the additive per-day counts (kpi_daily, funnel_step) take the new events; inventory_daily and
    -- device_metrics recompute their marked days from those days' inventory and device events.
    CREATE TEMP TABLE _whole_days (tenant_id varchar(64), day date, PRIMARY KEY (tenant_id, day)) ON COMMIT DROP;
    IF p_full THEN
        INSERT INTO _whole_days SELECT d.tenant_id, d.day FROM _days AS d;
        CREATE TEMP VIEW _new AS SELECT e.* FROM _paced_ev AS e;
    ELSE
        INSERT INTO _whole_days SELECT DISTINCT k.tenant_id, k.day FROM _marks AS k WHERE k.batch_id IS NULL;
        CREATE TEMP TABLE _new_batches ON COMMIT DROP AS
        SELECT DISTINCT k.tenant_id, k.batch_id FROM _marks AS k WHERE k.batch_id IS NOT NULL;
        ANALYZE _new_batches;
        ANALYZE _whole_days;
        CREATE TEMP TABLE _new_events ON COMMIT DROP AS
        SELECT f.* FROM _new_batches AS b
        JOIN LATERAL (SELECT m.* FROM analytics.event_measures AS m
                      WHERE m.tenant_id = b.tenant_id AND m.batch_id = b.batch_id
                      OFFSET 0) AS f ON true
        WHERE NOT EXISTS (SELECT 1 FROM _whole_days AS w WHERE w.tenant_id = f.tenant_id AND w.day = f.day)
        UNION ALL
        SELECT e.* FROM _ev AS e;
        ANALYZE _new_events;
        CREATE TEMP VIEW _new AS SELECT e.* FROM _new_events AS e;
    END IF;
    read_time := extract(epoch FROM clock_timestamp() - step_started);

    -- Calendar: every day of the partitions' span.
    step_started := clock_timestamp();
    ins := 0; upd := 0; del := 0;
    SELECT (min(p.range_from) AT TIME ZONE 'UTC')::date, (max(p.range_to) AT TIME ZONE 'UTC')::date INTO lo, hi
    FROM public.sluice_event_partitions AS p;
    DELETE FROM analytics.dim_date AS dd WHERE lo IS NULL OR dd.day < lo OR dd.day >= hi;
    GET DIAGNOSTICS del = ROW_COUNT;
    INSERT INTO analytics.dim_date
    SELECT g::date, extract(isoyear FROM g), extract(week FROM g), extract(year FROM g), extract(quarter FROM g),
           extract(month FROM g), trim(to_char(g, 'Month')), extract(day FROM g), extract(isodow FROM g),
           trim(to_char(g, 'Day')), extract(isodow FROM g) >= 6
    FROM generate_series(lo, hi - 1, interval '1 day') AS g
    WHERE lo IS NOT NULL
    ON CONFLICT (day) DO NOTHING;
    GET DIAGNOSTICS ins = ROW_COUNT;
    UPDATE _stats AS s SET inserted = s.inserted + ins, deleted = s.deleted + del,
                           seconds = extract(epoch FROM clock_timestamp() - step_started)
    WHERE s.object = 'dim_date';

    -- Identities: pairs seen together, the days each alias appears on, and the links of the
    -- aliases seen with a user in these days.
    step_started := clock_timestamp();
    ins := 0; upd := 0; del := 0;
    -- One pass: first and last time per pair; the last event's id rides on the (time, id) maximum.
    CREATE TEMP TABLE _touched (tenant_id varchar(64), alias_kind varchar(16), alias varchar(255)) ON COMMIT DROP;
    -- (The outer query adds pause points while the groups are written, as the paced sources do
    -- while rows are scanned.)
    CREATE TEMP TABLE _pairs ON COMMIT DROP AS
    SELECT g.tenant_id, g.alias_kind, g.alias, g.user_id, g.first_seen_at, g.newest
    FROM (SELECT e.tenant_id, e.alias_kind, e.alias, e.own_user_id AS user_id, min(e.occurred_at) AS first_seen_at,
                 max(ARRAY[(extract(epoch FROM e.occurred_at) * 1000000)::bigint, e.id]) AS newest, analytics.pace_sampled() AS paced
          FROM _new AS e
          WHERE e.alias IS NOT NULL AND e.own_user_id IS NOT NULL
          GROUP BY e.tenant_id, e.alias_kind, e.alias, e.own_user_id) AS g;
    PERFORM analytics.pace();
    IF p_full THEN
        INSERT INTO analytics.identity_pairs (tenant_id, alias_kind, alias, user_id, first_seen_at, last_seen_at, last_event_id)
        SELECT x.tenant_id, x.alias_kind, x.alias, x.user_id, x.first_seen_at, timestamptz 'epoch' + x.newest[1] * interval '1 microsecond', x.newest[2]
        FROM (SELECT p.*, analytics.pace_sampled() AS paced FROM _pairs AS p) AS x;
        PERFORM analytics.pace();
        WHILE analytics.restore_indexes('analytics.identity_pairs', 1) > 0 LOOP
            PERFORM analytics.pace();
        END LOOP;
    ELSE
        -- Only pairs that gained an earlier first or a later last sighting are written; their
        -- aliases are the touched ones, whose links are redrawn. A pair seen again on a day being
        -- recomputed, with nothing new, costs a read.
        WITH upserted AS (
            INSERT INTO analytics.identity_pairs AS p (tenant_id, alias_kind, alias, user_id, first_seen_at, last_seen_at, last_event_id)
            SELECT x.tenant_id, x.alias_kind, x.alias, x.user_id, x.first_seen_at, timestamptz 'epoch' + x.newest[1] * interval '1 microsecond', x.newest[2]
            FROM _pairs AS x
            ON CONFLICT (tenant_id, alias_kind, alias, user_id) DO UPDATE
            SET first_seen_at = LEAST(p.first_seen_at, EXCLUDED.first_seen_at),
                last_seen_at = CASE WHEN (EXCLUDED.last_seen_at, EXCLUDED.last_event_id) > (p.last_seen_at, p.last_event_id)
                                    THEN EXCLUDED.last_seen_at ELSE p.last_seen_at END,
                last_event_id = CASE WHEN (EXCLUDED.last_seen_at, EXCLUDED.last_event_id) > (p.last_seen_at, p.last_event_id)
                                     THEN EXCLUDED.last_event_id ELSE p.last_event_id END
            WHERE EXCLUDED.first_seen_at < p.first_seen_at
               OR (EXCLUDED.last_seen_at, EXCLUDED.last_event_id) > (p.last_seen_at, p.last_event_id)
            RETURNING p.tenant_id, p.alias_kind, p.alias
        )
        INSERT INTO _touched SELECT DISTINCT u.tenant_id, u.alias_kind, u.alias FROM upserted AS u;
        INSERT INTO _touched
        SELECT DISTINCT d.tenant_id, d.alias_kind, d.alias FROM _dirty_identities AS d
        WHERE NOT EXISTS (SELECT 1 FROM _touched AS t
                          WHERE t.tenant_id = d.tenant_id AND t.alias_kind = d.alias_kind AND t.alias = d.alias);
    END IF;

    -- Only the days an alias appears without a user: those are the days its link decides.
    -- New events add days; a day recomputed whole also loses the ones it no longer has.
    CREATE TEMP TABLE _alias_days_new ON COMMIT DROP AS
    SELECT DISTINCT e.tenant_id, e.alias_kind, e.alias, e.day FROM _new AS e WHERE e.alias IS NOT NULL AND e.own_user_id IS NULL;
    IF NOT p_full THEN
        ANALYZE _alias_days_new;
        DELETE FROM analytics.alias_days AS a USING _whole_days AS d
        WHERE a.tenant_id = d.tenant_id AND a.day = d.day
          AND NOT EXISTS (SELECT 1 FROM _alias_days_new AS x
                          WHERE x.tenant_id = a.tenant_id AND x.alias_kind = a.alias_kind AND x.alias = a.alias AND x.day = a.day);
    END IF;
    INSERT INTO analytics.alias_days SELECT x.* FROM _alias_days_new AS x ON CONFLICT DO NOTHING;

    ANALYZE _touched;
    -- The pairs to draw links from: all (full), or those of the touched aliases, found by an index
    -- probe each (a lateral join) rather than a scan of every pair.
    IF p_full THEN
        CREATE TEMP VIEW _link_source AS SELECT p.* FROM (SELECT q.*, analytics.pace_sampled() AS paced FROM analytics.identity_pairs AS q) AS p;
    ELSE
        CREATE TEMP VIEW _link_source AS
        SELECT p.* FROM _touched AS t
        CROSS JOIN LATERAL (SELECT q.* FROM analytics.identity_pairs AS q
                            WHERE q.tenant_id = t.tenant_id AND q.alias_kind = t.alias_kind AND q.alias = t.alias) AS p;
    END IF;
    -- Most aliases were seen with one user: its link needs no ordering. The few seen with several
    -- look up their newest pair by index (ties: the larger event id).
    CREATE TEMP VIEW _links_drawn AS
    SELECT g.tenant_id, g.alias_kind, g.alias,
           CASE WHEN g.users_seen > COALESCE(own.max_users_per_alias, fallback.max_users_per_alias, 5) THEN NULL
                WHEN g.users_seen = 1 THEN g.only_user
                ELSE (SELECT q.user_id FROM analytics.identity_pairs AS q
                      WHERE q.tenant_id = g.tenant_id AND q.alias_kind = g.alias_kind AND q.alias = g.alias
                      ORDER BY q.last_seen_at DESC, q.last_event_id DESC LIMIT 1) END AS user_id,
           g.users_seen, g.users_seen > COALESCE(own.max_users_per_alias, fallback.max_users_per_alias, 5) AS frozen,
           g.first_seen_at, g.last_seen_at
    FROM (SELECT p.tenant_id, p.alias_kind, p.alias, min(p.user_id) AS only_user, count(*) AS users_seen,
                 min(p.first_seen_at) AS first_seen_at, max(p.last_seen_at) AS last_seen_at, analytics.pace_sampled() AS paced
          FROM _link_source AS p
          GROUP BY p.tenant_id, p.alias_kind, p.alias) AS g
    LEFT JOIN public.identity_settings AS own ON own.tenant_id = g.tenant_id
    LEFT JOIN public.identity_settings AS fallback ON fallback.tenant_id = '*';
    IF p_full THEN
        INSERT INTO analytics.identity_links (tenant_id, alias_kind, alias, user_id, users_seen, frozen, first_seen_at, last_seen_at)
        SELECT x.tenant_id, x.alias_kind, x.alias, x.user_id, x.users_seen, x.frozen, x.first_seen_at, x.last_seen_at
        FROM _links_drawn AS x;
        GET DIAGNOSTICS ins = ROW_COUNT;
        WHILE analytics.restore_indexes('analytics.identity_links', 1) > 0 LOOP
            PERFORM analytics.pace();
        END LOOP;
    ELSE
        -- The touched aliases' links are redrawn, and written only where they differ (most touched
        -- aliases gained a sighting that moves nothing). _old_links keeps their old users: the
        -- days a moved link reaches are recomputed below.
        CREATE TEMP TABLE _old_links ON COMMIT DROP AS
        SELECT l.tenant_id, l.alias_kind, l.alias, l.user_id
        FROM analytics.identity_links AS l JOIN _touched AS t USING (tenant_id, alias_kind, alias);
        ANALYZE _old_links;
        CREATE TEMP TABLE _links_new ON COMMIT DROP AS SELECT x.* FROM _links_drawn AS x;
        ANALYZE _links_new;
        DELETE FROM analytics.identity_links AS l USING _touched AS t
        WHERE l.tenant_id = t.tenant_id AND l.alias_kind = t.alias_kind AND l.alias = t.alias
          AND NOT EXISTS (SELECT 1 FROM _links_new AS x
                          WHERE x.tenant_id = l.tenant_id AND x.alias_kind = l.alias_kind AND x.alias = l.alias);
        GET DIAGNOSTICS del = ROW_COUNT;
        WITH written AS (
            INSERT INTO analytics.identity_links AS l (tenant_id, alias_kind, alias, user_id, users_seen, frozen, first_seen_at, last_seen_at)
            SELECT x.tenant_id, x.alias_kind, x.alias, x.user_id, x.users_seen, x.frozen, x.first_seen_at, x.last_seen_at
            FROM _links_new AS x
            ON CONFLICT (tenant_id, alias_kind, alias) DO UPDATE
            SET user_id = EXCLUDED.user_id, users_seen = EXCLUDED.users_seen, frozen = EXCLUDED.frozen,
                first_seen_at = EXCLUDED.first_seen_at, last_seen_at = EXCLUDED.last_seen_at
            WHERE (l.user_id, l.users_seen, l.frozen, l.first_seen_at, l.last_seen_at)
                  IS DISTINCT FROM (EXCLUDED.user_id, EXCLUDED.users_seen, EXCLUDED.frozen, EXCLUDED.first_seen_at, EXCLUDED.last_seen_at)
            -- xmax is 0 on a row this statement inserted, set on one it updated.
            RETURNING l.xmax = 0 AS fresh
        )
        SELECT count(*) FILTER (WHERE w.fresh), count(*) FILTER (WHERE NOT w.fresh) INTO ins, upd FROM written AS w;
    END IF;
    DROP VIEW _links_drawn, _link_source;
    PERFORM analytics.pace();
    UPDATE _stats AS s SET inserted = s.inserted + ins, updated = s.updated + upd, deleted = s.deleted + del,
                           seconds = extract(epoch FROM clock_timestamp() - step_started)
    WHERE s.object = 'identity_links';

    -- Devices: each device's first activation, and the days each device sent events on.
    step_started := clock_timestamp();
    ins := 0; upd := 0; del := 0;
    CREATE TEMP TABLE _changed_devices (tenant_id varchar(64), device_id varchar(255)) ON COMMIT DROP;
    WITH upserted AS (
        INSERT INTO analytics.dim_devices AS d (tenant_id, device_id, device_type, batch_number, activated_at, activation_day, activation_event_id)
        SELECT DISTINCT ON (e.tenant_id, e.device_id) e.tenant_id, e.device_id, COALESCE(e.device_type, 'unknown'), e.batch_number,
               e.occurred_at, e.day, e.id
        FROM _new AS e
        WHERE e.type = 'device_activation' AND e.device_id IS NOT NULL
        ORDER BY e.tenant_id, e.device_id, e.occurred_at, e.id
        ON CONFLICT (tenant_id, device_id) DO UPDATE
        SET device_type = EXCLUDED.device_type, batch_number = EXCLUDED.batch_number, activated_at = EXCLUDED.activated_at,
            activation_day = EXCLUDED.activation_day, activation_event_id = EXCLUDED.activation_event_id
        WHERE (EXCLUDED.activated_at, EXCLUDED.activation_event_id) < (d.activated_at, d.activation_event_id)
        RETURNING d.tenant_id, d.device_id, d.xmax = 0 AS fresh
    ),
    changed AS (
        INSERT INTO _changed_devices SELECT u.tenant_id, u.device_id FROM upserted AS u
    )
    SELECT count(*) FILTER (WHERE u.fresh), count(*) FILTER (WHERE NOT u.fresh) INTO ins, upd FROM upserted AS u;
    CREATE TEMP TABLE _device_days_new ON COMMIT DROP AS
    SELECT DISTINCT e.tenant_id, e.device_id, e.day FROM _new AS e WHERE e.device_id IS NOT NULL;
    IF NOT p_full THEN
        ANALYZE _device_days_new;
        DELETE FROM analytics.device_days AS a USING _whole_days AS d
        WHERE a.tenant_id = d.tenant_id AND a.day = d.day
          AND NOT EXISTS (SELECT 1 FROM _device_days_new AS x
                          WHERE x.tenant_id = a.tenant_id AND x.device_id = a.device_id AND x.day = a.day);
    END IF;
    INSERT INTO analytics.device_days SELECT x.* FROM _device_days_new AS x ON CONFLICT DO NOTHING;
    UPDATE _stats AS s SET inserted = s.inserted + ins, updated = s.updated + upd,
                           seconds = extract(epoch FROM clock_timestamp() - step_started)
    WHERE s.object = 'dim_devices';
    PERFORM analytics.pace();

    -- The days whose figures change (_fact_days): the marked ones, and (incrementally) those a
    -- moved link or a device's new first activation reaches.
    -- The days whose per-user rows are recomputed whole (_recompute_days): those marked without a
    -- batch, and the days a moved link reaches; their events join _ev. The other marked days take
    -- only their new events.
    CREATE TEMP TABLE _fact_days (tenant_id varchar(64), day date, PRIMARY KEY (tenant_id, day)) ON COMMIT DROP;
    INSERT INTO _fact_days SELECT d.tenant_id, d.day FROM _days AS d;
    CREATE TEMP TABLE _recompute_days (tenant_id varchar(64), day date, PRIMARY KEY (tenant_id, day)) ON COMMIT DROP;
    INSERT INTO _recompute_days SELECT d.tenant_id, d.day FROM _whole_days AS d;
    IF NOT p_full THEN
        step_started := clock_timestamp();
        CREATE TEMP TABLE _changed_aliases ON COMMIT DROP AS
        SELECT l.tenant_id, l.alias_kind, l.alias
        FROM analytics.identity_links AS l
        JOIN _touched AS t USING (tenant_id, alias_kind, alias)
        LEFT JOIN _old_links AS o USING (tenant_id, alias_kind, alias)
        WHERE l.user_id IS DISTINCT FROM o.user_id;
        INSERT INTO _recompute_days
        SELECT DISTINCT a.tenant_id, a.day FROM analytics.alias_days AS a JOIN _changed_aliases AS c USING (tenant_id, alias_kind, alias)
        ON CONFLICT DO NOTHING;
        INSERT INTO _fact_days
        SELECT r.tenant_id, r.day FROM _recompute_days AS r
        UNION
        SELECT DISTINCT a.tenant_id, a.day FROM analytics.device_days AS a JOIN _changed_devices AS c USING (tenant_id, device_id)
        ON CONFLICT DO NOTHING;
        INSERT INTO _ev
        SELECT i.* FROM (SELECT r.tenant_id, r.day FROM _recompute_days AS r EXCEPT SELECT w.tenant_id, w.day FROM _whole_days AS w) AS x
        JOIN LATERAL (SELECT m.* FROM analytics.event_measures AS m
                      WHERE m.tenant_id = x.tenant_id
                        AND m.occurred_at >= (x.day::timestamp AT TIME ZONE 'UTC')
                        AND m.occurred_at < ((x.day + 1)::timestamp AT TIME ZONE 'UTC')
                      OFFSET 0) AS i ON true;
        ANALYZE _ev;
        read_time := read_time + extract(epoch FROM clock_timestamp() - step_started);
    END IF;
    ANALYZE _fact_days;
    ANALYZE _recompute_days;
    -- inventory_daily and device_metrics are recomputed for every day whose figures change: from
    -- _ev for the days recomputed whole, else from those days' inventory and device events only
    -- (an index range of events_type_occurred_at_idx per type and day).
    step_started := clock_timestamp();
    CREATE TEMP TABLE _typed_ev ON COMMIT DROP AS
    SELECT i.* FROM (SELECT f.tenant_id, f.day FROM _fact_days AS f EXCEPT SELECT w.tenant_id, w.day FROM _whole_days AS w) AS x
    CROSS JOIN unnest(ARRAY['inventory', 'device_activation', 'dosage_delivery', 'adverse_event', 'patch_application',
                            'sensor_reading']) AS t(type)
    JOIN LATERAL (SELECT m.* FROM analytics.event_measures AS m
                  WHERE m.type = t.type AND m.contract = 'pocm' AND m.tenant_id = x.tenant_id
                    AND m.occurred_at >= (x.day::timestamp AT TIME ZONE 'UTC')
                    AND m.occurred_at < ((x.day + 1)::timestamp AT TIME ZONE 'UTC')
                  OFFSET 0) AS i ON true;
    ANALYZE _typed_ev;
    read_time := read_time + extract(epoch FROM clock_timestamp() - step_started);
    CREATE TEMP VIEW _day_ev AS
    SELECT e.* FROM _ev AS e WHERE EXISTS (SELECT 1 FROM _whole_days AS w WHERE w.tenant_id = e.tenant_id AND w.day = e.day)
    UNION ALL
    SELECT t.* FROM _typed_ev AS t;
    SELECT count(*) INTO fact_count FROM _fact_days;
    -- Events read: _ev (days recomputed whole), the new events of batches (_new_events holds them
    -- and the first whole_read rows of _ev), and _typed_ev.
    IF p_full THEN
        read_count := whole_read;
    ELSE
        SELECT (SELECT count(*) FROM _new_events) - whole_read + (SELECT count(*) FROM _ev) + (SELECT count(*) FROM _typed_ev)
        INTO read_count;
    END IF;

    -- Users: events per canonical user and day, attributes, then the users those touched.
    step_started := clock_timestamp();
    ins := 0; upd := 0; del := 0;
    CREATE TEMP TABLE _affected_users (tenant_id varchar(64), user_id varchar(255)) ON COMMIT DROP;
    CREATE TEMP TABLE _newuser_days (tenant_id varchar(64), user_id varchar(255), day date) ON COMMIT DROP;
    CREATE TEMP TABLE _affected (tenant_id varchar(64), user_id varchar(255)) ON COMMIT DROP;
    -- The events each per-user table takes: every event of a day recomputed whole (whole = true),
    -- and the new events of the other marked days (whole = false). A full rebuild recomputes every
    -- day whole. Each event counts for its canonical user (a link that moved made its alias's days
    -- recompute days, so every alias counted incrementally links where it did before).
    -- The link is looked up only for events without a user id of their own (COALESCE evaluates its
    -- second argument only then): an index probe each, not a hash of every link.
    CREATE TEMP VIEW _user_events AS
    SELECT e.* FROM (
        SELECT w.tenant_id, w.day, w.occurred_at, w.contract, w.type, w.status, w.whole,
               COALESCE(w.own_user_id, (SELECT l.user_id FROM analytics.identity_links AS l
                                        WHERE l.tenant_id = w.tenant_id AND l.alias_kind = w.alias_kind AND l.alias = w.alias)) AS user_id
        FROM (SELECT x.tenant_id, x.day, x.occurred_at, x.contract, x.type, x.status, x.own_user_id, x.alias_kind, x.alias,
                     true AS whole
              FROM _paced_ev AS x
              WHERE EXISTS (SELECT 1 FROM _recompute_days AS r WHERE r.tenant_id = x.tenant_id AND r.day = x.day)
              UNION ALL
              SELECT x.tenant_id, x.day, x.occurred_at, x.contract, x.type, x.status, x.own_user_id, x.alias_kind, x.alias,
                     false AS whole
              FROM _new AS x
              WHERE NOT EXISTS (SELECT 1 FROM _recompute_days AS r WHERE r.tenant_id = x.tenant_id AND r.day = x.day)) AS w
    ) AS e
    WHERE e.user_id IS NOT NULL;
    IF p_full THEN
        INSERT INTO analytics.user_days (tenant_id, user_id, day, events, first_at, last_at)
        SELECT g.tenant_id, g.user_id, g.day, g.events, g.first_at, g.last_at
        FROM (SELECT u.tenant_id, u.user_id, u.day, count(*) AS events, min(u.occurred_at) AS first_at,
                     max(u.occurred_at) AS last_at, analytics.pace_sampled() AS paced
              FROM _user_events AS u GROUP BY u.tenant_id, u.user_id, u.day) AS g;
    ELSE
        CREATE TEMP TABLE _user_days_new ON COMMIT DROP AS
        SELECT u.tenant_id, u.user_id, u.day, count(*) AS events, min(u.occurred_at) AS first_at, max(u.occurred_at) AS last_at,
               u.whole
        FROM _user_events AS u GROUP BY u.tenant_id, u.user_id, u.day, u.whole;
        ANALYZE _user_days_new;
        -- Days recomputed whole: only the differences are written (rows that vanished or changed
        -- deleted, new and changed ones inserted). The other days: new events added to their
        -- user's day. The users of every row written are the affected ones.
        WITH removed AS (
            DELETE FROM analytics.user_days AS u USING _recompute_days AS f
            WHERE u.tenant_id = f.tenant_id AND u.day = f.day
              AND NOT EXISTS (SELECT 1 FROM _user_days_new AS x
                              WHERE x.tenant_id = u.tenant_id AND x.user_id = u.user_id AND x.day = u.day
                                AND x.events = u.events AND x.first_at = u.first_at AND x.last_at = u.last_at)
            RETURNING u.tenant_id, u.user_id
        )
        INSERT INTO _affected_users SELECT r.tenant_id, r.user_id FROM removed AS r;
        WITH added AS (
            INSERT INTO analytics.user_days (tenant_id, user_id, day, events, first_at, last_at)
            SELECT x.tenant_id, x.user_id, x.day, x.events, x.first_at, x.last_at FROM _user_days_new AS x WHERE x.whole
            ON CONFLICT (tenant_id, user_id, day) DO NOTHING
            RETURNING tenant_id, user_id
        )
        INSERT INTO _affected_users SELECT a.tenant_id, a.user_id FROM added AS a;
        -- Their users' dim_users rows take the same additions below (_merged_users).
        INSERT INTO analytics.user_days AS u (tenant_id, user_id, day, events, first_at, last_at)
        SELECT x.tenant_id, x.user_id, x.day, x.events, x.first_at, x.last_at FROM _user_days_new AS x WHERE NOT x.whole
        ON CONFLICT (tenant_id, user_id, day) DO UPDATE
        SET events = u.events + EXCLUDED.events, first_at = LEAST(u.first_at, EXCLUDED.first_at),
            last_at = GREATEST(u.last_at, EXCLUDED.last_at);
        CREATE TEMP TABLE _merged_users ON COMMIT DROP AS
        SELECT x.tenant_id, x.user_id, min(x.first_at) AS first_at, max(x.last_at) AS last_at, sum(x.events) AS events
        FROM _user_days_new AS x WHERE NOT x.whole GROUP BY x.tenant_id, x.user_id;
    END IF;
    PERFORM analytics.pace();

    IF p_full THEN
        INSERT INTO analytics.user_attribute_values (tenant_id, user_id, attribute, value, observed_at, event_id)
        SELECT DISTINCT ON (e.tenant_id, e.own_user_id, a.key) e.tenant_id, e.own_user_id, a.key, a.value, e.occurred_at, e.id
        FROM _new AS e CROSS JOIN LATERAL jsonb_each(e.attrs) AS a
        WHERE e.attrs IS NOT NULL AND a.value <> 'null'::jsonb
        ORDER BY e.tenant_id, e.own_user_id, a.key, e.occurred_at DESC, e.id DESC;
    ELSE
        WITH upserted AS (
            INSERT INTO analytics.user_attribute_values AS v (tenant_id, user_id, attribute, value, observed_at, event_id)
            SELECT DISTINCT ON (e.tenant_id, e.own_user_id, a.key) e.tenant_id, e.own_user_id, a.key, a.value, e.occurred_at, e.id
            FROM _new AS e CROSS JOIN LATERAL jsonb_each(e.attrs) AS a
            WHERE e.attrs IS NOT NULL AND a.value <> 'null'::jsonb
            ORDER BY e.tenant_id, e.own_user_id, a.key, e.occurred_at DESC, e.id DESC
            ON CONFLICT (tenant_id, user_id, attribute) DO UPDATE
            SET value = EXCLUDED.value, observed_at = EXCLUDED.observed_at, event_id = EXCLUDED.event_id
            WHERE (EXCLUDED.observed_at, EXCLUDED.event_id) > (v.observed_at, v.event_id)
            RETURNING v.tenant_id, v.user_id
        )
        INSERT INTO _affected_users SELECT u.tenant_id, u.user_id FROM upserted AS u;
    END IF;
    PERFORM analytics.pace();

    IF NOT p_full THEN
        -- Users rebuilt from all their rows: those whose days were recomputed (a moved link takes
        -- days away from one user and gives them to another: both are here) or whose attributes
        -- changed.
        INSERT INTO _affected SELECT DISTINCT a.tenant_id, a.user_id FROM _affected_users AS a;
        ANALYZE _affected;
        -- The others who only gained events: their rows take the same additions as their days
        -- (earliest first, latest last, counts added: each is a change); a user seen for the first
        -- time is added.
        DELETE FROM _merged_users AS x USING _affected AS a WHERE x.tenant_id = a.tenant_id AND x.user_id = a.user_id;
        ANALYZE _merged_users;
        INSERT INTO _newuser_days
        SELECT x.tenant_id, x.user_id, day FROM _merged_users AS x
        JOIN analytics.dim_users AS d ON d.tenant_id = x.tenant_id AND d.user_id = x.user_id
        CROSS JOIN LATERAL (VALUES ((d.first_seen_at AT TIME ZONE 'UTC')::date), ((x.first_at AT TIME ZONE 'UTC')::date)) AS v(day)
        WHERE (x.first_at AT TIME ZONE 'UTC')::date < (d.first_seen_at AT TIME ZONE 'UTC')::date;
        UPDATE analytics.dim_users AS d
        SET first_seen_at = LEAST(d.first_seen_at, x.first_at), last_seen_at = GREATEST(d.last_seen_at, x.last_at),
            event_count = d.event_count + x.events
        FROM _merged_users AS x
        WHERE d.tenant_id = x.tenant_id AND d.user_id = x.user_id;
        GET DIAGNOSTICS upd = ROW_COUNT;
        WITH added AS (
            INSERT INTO analytics.dim_users (tenant_id, user_id, first_seen_at, last_seen_at, event_count)
            SELECT x.tenant_id, x.user_id, x.first_at, x.last_at, x.events FROM _merged_users AS x
            WHERE NOT EXISTS (SELECT 1 FROM analytics.dim_users AS d WHERE d.tenant_id = x.tenant_id AND d.user_id = x.user_id)
            RETURNING tenant_id, user_id, (first_seen_at AT TIME ZONE 'UTC')::date AS day
        )
        INSERT INTO _newuser_days SELECT a.tenant_id, a.user_id, a.day FROM added AS a;
        GET DIAGNOSTICS ins = ROW_COUNT;
        -- The first days of the users rebuilt below, before (their new ones are added with them).
        INSERT INTO _newuser_days
        SELECT d.tenant_id, d.user_id, (d.first_seen_at AT TIME ZONE 'UTC')::date
        FROM _affected AS a JOIN analytics.dim_users AS d ON d.tenant_id = a.tenant_id AND d.user_id = a.user_id;
    END IF;
    -- The users to rebuild: all (full), or the affected ones, an index probe each.
    IF p_full THEN
        CREATE TEMP VIEW _user_day_source AS SELECT u.* FROM (SELECT q.*, analytics.pace_sampled() AS paced FROM analytics.user_days AS q) AS u;
        CREATE TEMP VIEW _attribute_source AS SELECT x.* FROM (SELECT q.*, analytics.pace_sampled() AS paced FROM analytics.user_attribute_values AS q) AS x;
    ELSE
        CREATE TEMP VIEW _user_day_source AS
        SELECT u.* FROM _affected AS a
        CROSS JOIN LATERAL (SELECT q.* FROM analytics.user_days AS q WHERE q.tenant_id = a.tenant_id AND q.user_id = a.user_id) AS u;
        CREATE TEMP VIEW _attribute_source AS
        SELECT x.* FROM _affected AS a
        CROSS JOIN LATERAL (SELECT q.* FROM analytics.user_attribute_values AS q
                            WHERE q.tenant_id = a.tenant_id AND q.user_id = a.user_id) AS x;
    END IF;
    CREATE TEMP VIEW _users_rebuilt AS
    WITH days AS (
        SELECT u.tenant_id, u.user_id, min(u.first_at) AS first_seen_at, max(u.last_at) AS last_seen_at, sum(u.events) AS event_count
        FROM _user_day_source AS u
        GROUP BY u.tenant_id, u.user_id
    ),
    attributes AS (
        SELECT x.tenant_id, x.user_id,
               max(x.value #>> '{}') FILTER (WHERE x.attribute = 'email_hash') AS email_hash,
               max(x.value #>> '{}') FILTER (WHERE x.attribute = 'first_name') AS first_name,
               max(x.value #>> '{}') FILTER (WHERE x.attribute = 'last_name') AS last_name,
               max(x.value #>> '{}') FILTER (WHERE x.attribute = 'role') AS role,
               max(x.value #>> '{}') FILTER (WHERE x.attribute = 'company') AS company,
               max(x.value #>> '{}') FILTER (WHERE x.attribute = 'user_type') AS user_type,
               max(x.value #>> '{}') FILTER (WHERE x.attribute = 'login_method') AS login_method,
               max(x.value #>> '{}') FILTER (WHERE x.attribute = 'country') AS country,
               max(x.value #>> '{}') FILTER (WHERE x.attribute = 'signup_method') AS signup_method,
               jsonb_object_agg(x.attribute, x.value) FILTER (WHERE x.attribute NOT IN
                   ('email_hash', 'first_name', 'last_name', 'role', 'company', 'user_type', 'login_method', 'country', 'signup_method')) AS rest
        FROM _attribute_source AS x
        GROUP BY x.tenant_id, x.user_id
    )
    SELECT d.tenant_id, d.user_id, d.first_seen_at, d.last_seen_at, d.event_count, v.email_hash, v.first_name, v.last_name,
           v.role, v.company, v.user_type, v.login_method, v.country, v.signup_method, COALESCE(v.rest, '{}') AS attributes
    FROM (SELECT x.*, analytics.pace_sampled() AS paced FROM days AS x) AS d
    LEFT JOIN attributes AS v ON v.tenant_id = d.tenant_id AND v.user_id = d.user_id;
    IF p_full THEN
        INSERT INTO analytics.dim_users (tenant_id, user_id, first_seen_at, last_seen_at, event_count, email_hash, first_name,
                                         last_name, role, company, user_type, login_method, country, signup_method, attributes)
        SELECT x.tenant_id, x.user_id, x.first_seen_at, x.last_seen_at, x.event_count, x.email_hash, x.first_name, x.last_name,
               x.role, x.company, x.user_type, x.login_method, x.country, x.signup_method, x.attributes
        FROM _users_rebuilt AS x;
        GET DIAGNOSTICS ins = ROW_COUNT;
    ELSE
        -- The rebuilt users are written only where they differ: one whose recomputed days and
        -- attributes add up to the row it has keeps it untouched. A user left without days is gone.
        CREATE TEMP TABLE _users_new ON COMMIT DROP AS SELECT x.* FROM _users_rebuilt AS x;
        ANALYZE _users_new;
        INSERT INTO _newuser_days SELECT x.tenant_id, x.user_id, (x.first_seen_at AT TIME ZONE 'UTC')::date FROM _users_new AS x;
        DELETE FROM analytics.dim_users AS d USING _affected AS a
        WHERE d.tenant_id = a.tenant_id AND d.user_id = a.user_id
          AND NOT EXISTS (SELECT 1 FROM _users_new AS x WHERE x.tenant_id = d.tenant_id AND x.user_id = d.user_id);
        GET DIAGNOSTICS del = ROW_COUNT;
        WITH written AS (
            INSERT INTO analytics.dim_users AS d (tenant_id, user_id, first_seen_at, last_seen_at, event_count, email_hash, first_name,
                                                  last_name, role, company, user_type, login_method, country, signup_method, attributes)
            SELECT x.tenant_id, x.user_id, x.first_seen_at, x.last_seen_at, x.event_count, x.email_hash, x.first_name, x.last_name,
                   x.role, x.company, x.user_type, x.login_method, x.country, x.signup_method, x.attributes
            FROM _users_new AS x
            ON CONFLICT (tenant_id, user_id) DO UPDATE
            SET first_seen_at = EXCLUDED.first_seen_at, last_seen_at = EXCLUDED.last_seen_at, event_count = EXCLUDED.event_count,
                email_hash = EXCLUDED.email_hash, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
                role = EXCLUDED.role, company = EXCLUDED.company, user_type = EXCLUDED.user_type,
                login_method = EXCLUDED.login_method, country = EXCLUDED.country, signup_method = EXCLUDED.signup_method,
                attributes = EXCLUDED.attributes
            -- attributes compared as text: jsonb equality takes 1.0 and 1.00 for the same value,
            -- and a full rebuild would write the newer spelling.
            WHERE (d.first_seen_at, d.last_seen_at, d.event_count, d.email_hash, d.first_name, d.last_name, d.role, d.company,
                   d.user_type, d.login_method, d.country, d.signup_method, d.attributes::text)
                  IS DISTINCT FROM (EXCLUDED.first_seen_at, EXCLUDED.last_seen_at, EXCLUDED.event_count, EXCLUDED.email_hash,
                                    EXCLUDED.first_name, EXCLUDED.last_name, EXCLUDED.role, EXCLUDED.company, EXCLUDED.user_type,
                                    EXCLUDED.login_method, EXCLUDED.country, EXCLUDED.signup_method, EXCLUDED.attributes::text)
            RETURNING d.xmax = 0 AS fresh
        )
        SELECT count(*) FILTER (WHERE w.fresh), count(*) FILTER (WHERE NOT w.fresh) INTO n, m FROM written AS w;
        ins := ins + n;
        upd := upd + m;
    END IF;
    DROP VIEW _users_rebuilt, _user_day_source, _attribute_source;
    PERFORM analytics.pace();
    IF p_full THEN
        WHILE analytics.restore_indexes('analytics.user_days', 1) > 0 LOOP
            PERFORM analytics.pace();
        END LOOP;
        WHILE analytics.restore_indexes('analytics.user_attribute_values', 1) > 0 LOOP
            PERFORM analytics.pace();
        END LOOP;
        WHILE analytics.restore_indexes('analytics.dim_users', 1) > 0 LOOP
            PERFORM analytics.pace();
        END LOOP;
    END IF;
    UPDATE _stats AS s SET inserted = s.inserted + ins, updated = s.updated + upd, deleted = s.deleted + del,
                           seconds = extract(epoch FROM clock_timestamp() - step_started)
    WHERE s.object = 'dim_users';

    -- kpi_daily. The counts and sums: a day recomputed whole gets them from all its events
    -- (replacing what is there: whole = true); the other marked days add their new events' (whole =
    -- false). Then, for every day whose figures change, active_users from user_days and new_users
    -- from dim_users (also where a user's first day moved), replacing. Only rows that differ are
    -- written, each by one statement.
    step_started := clock_timestamp();
    ins := 0; upd := 0; del := 0;
    CREATE TEMP VIEW _count_events AS
    SELECT e.*, true AS whole FROM _paced_ev AS e
    WHERE EXISTS (SELECT 1 FROM _whole_days AS w WHERE w.tenant_id = e.tenant_id AND w.day = e.day)
    UNION ALL
    SELECT e.*, false AS whole FROM _new AS e
    WHERE NOT EXISTS (SELECT 1 FROM _whole_days AS w WHERE w.tenant_id = e.tenant_id AND w.day = e.day);
    CREATE TEMP TABLE _kpi_new ON COMMIT DROP AS
    SELECT g.tenant_id, x.metric, g.day, x.value, g.whole
    FROM (SELECT e.tenant_id, e.day, e.whole, count(*) AS events,
                 count(*) FILTER (WHERE e.contract = 'pocm' AND e.type = 'checkout' AND e.status = 'completed') AS orders,
                 count(*) FILTER (WHERE e.contract = 'pocm' AND e.type = 'search') AS searches,
                 count(*) FILTER (WHERE e.contract = 'pocm' AND e.type = 'search' AND e.zero_result) AS zero_results
          FROM _count_events AS e GROUP BY e.tenant_id, e.day, e.whole) AS g
    CROSS JOIN LATERAL (VALUES ('events', g.events), ('orders_completed', g.orders), ('searches', g.searches),
                               ('zero_result_searches', g.zero_results)) AS x(metric, value)
    UNION ALL
    SELECT e.tenant_id, 'revenue_captured:' || e.currency, e.day, sum(e.amount), e.whole
    FROM _count_events AS e
    WHERE e.contract = 'pocm' AND e.type = 'payment' AND e.status = 'captured' AND e.currency IS NOT NULL AND e.amount IS NOT NULL
    GROUP BY e.tenant_id, e.currency, e.day, e.whole
    UNION ALL
    SELECT e.tenant_id, 'refunds:' || e.currency, e.day, sum(COALESCE(e.refund_amount, e.amount)), e.whole
    FROM _count_events AS e
    WHERE e.contract = 'pocm' AND e.type = 'payment' AND e.status IN ('refunded', 'partially_refunded')
      AND e.currency IS NOT NULL AND COALESCE(e.refund_amount, e.amount) IS NOT NULL
    GROUP BY e.tenant_id, e.currency, e.day, e.whole
    UNION ALL
    SELECT f.tenant_id, 'active_users', f.day, count(u.user_id), true
    FROM _fact_days AS f LEFT JOIN analytics.user_days AS u ON u.tenant_id = f.tenant_id AND u.day = f.day
    GROUP BY f.tenant_id, f.day;
    IF p_full THEN
        INSERT INTO _kpi_new
        SELECT f.tenant_id, 'new_users', f.day, COALESCE(c.users, 0), true
        FROM _fact_days AS f
        LEFT JOIN (SELECT u.tenant_id, (u.first_seen_at AT TIME ZONE 'UTC')::date AS day, count(*) AS users
                   FROM analytics.dim_users AS u GROUP BY 1, 2) AS c ON c.tenant_id = f.tenant_id AND c.day = f.day;
    ELSE
        -- The first days that moved: a user rebuilt with the same first day is listed twice
        -- (before and after) and changes nothing.
        DELETE FROM _newuser_days AS d
        USING (SELECT x.tenant_id, x.user_id, x.day FROM _newuser_days AS x
               GROUP BY x.tenant_id, x.user_id, x.day HAVING count(*) > 1) AS same
        WHERE d.tenant_id = same.tenant_id AND d.user_id = same.user_id AND d.day = same.day;
        INSERT INTO _kpi_new
        SELECT x.tenant_id, 'new_users', x.day,
               (SELECT count(*) FROM analytics.dim_users AS u
                WHERE u.tenant_id = x.tenant_id
                  AND u.first_seen_at >= (x.day::timestamp AT TIME ZONE 'UTC')
                  AND u.first_seen_at < ((x.day + 1)::timestamp AT TIME ZONE 'UTC')),
               true
        FROM (SELECT f.tenant_id, f.day FROM _fact_days AS f UNION SELECT d.tenant_id, d.day FROM _newuser_days AS d) AS x;
    END IF;
    ANALYZE _kpi_new;
    -- What a day recomputed whole no longer has (a currency without payments, a day without events).
    DELETE FROM analytics.kpi_daily AS k USING _whole_days AS w
    WHERE k.tenant_id = w.tenant_id AND k.day = w.day
      AND NOT EXISTS (SELECT 1 FROM _kpi_new AS x WHERE x.tenant_id = k.tenant_id AND x.metric = k.metric AND x.day = k.day);
    GET DIAGNOSTICS del = ROW_COUNT;
    -- Values compared as text: numeric equality takes 1.5 and 1.50 for the same amount, and a full
    -- rebuild would write the sum's own scale.
    WITH written AS (
        INSERT INTO analytics.kpi_daily AS k (tenant_id, metric, day, value)
        SELECT x.tenant_id, x.metric, x.day, x.value FROM _kpi_new AS x WHERE x.whole
        ON CONFLICT (tenant_id, metric, day) DO UPDATE SET value = EXCLUDED.value
        WHERE k.value::text <> EXCLUDED.value::text
        RETURNING k.xmax = 0 AS fresh
    )
    SELECT count(*) FILTER (WHERE w.fresh), count(*) FILTER (WHERE NOT w.fresh) INTO ins, upd FROM written AS w;
    WITH written AS (
        INSERT INTO analytics.kpi_daily AS k (tenant_id, metric, day, value)
        SELECT x.tenant_id, x.metric, x.day, x.value FROM _kpi_new AS x WHERE NOT x.whole
        ON CONFLICT (tenant_id, metric, day) DO UPDATE SET value = k.value + EXCLUDED.value
        WHERE (k.value + EXCLUDED.value)::text <> k.value::text
        RETURNING k.xmax = 0 AS fresh
    )
    SELECT count(*) FILTER (WHERE w.fresh), count(*) FILTER (WHERE NOT w.fresh) INTO n, m FROM written AS w;
    UPDATE _stats AS s SET inserted = s.inserted + ins + n, updated = s.updated + upd + m, deleted = s.deleted + del,
                           seconds = extract(epoch FROM clock_timestamp() - step_started)
    WHERE s.object = 'kpi_daily';
    PERFORM analytics.pace();

    -- funnel_step: counts, kept like kpi_daily's (an addition is always a change: a step's count
    -- of new events is at least 1).
    step_started := clock_timestamp();
    ins := 0; upd := 0; del := 0;
    CREATE TEMP TABLE _funnel_new ON COMMIT DROP AS
    SELECT x.tenant_id, x.step, x.day, count(*) AS count, x.whole
    FROM (SELECT e.tenant_id, e.day, e.whole, analytics.funnel_step_of(e.contract, e.type, e.status) AS step
          FROM _count_events AS e WHERE e.contract = 'pocm' AND e.type IN ('cart', 'checkout', 'payment')) AS x
    WHERE x.step IS NOT NULL
    GROUP BY x.tenant_id, x.step, x.day, x.whole;
    ANALYZE _funnel_new;
    DELETE FROM analytics.funnel_step AS s USING _whole_days AS w
    WHERE s.tenant_id = w.tenant_id AND s.day = w.day
      AND NOT EXISTS (SELECT 1 FROM _funnel_new AS x WHERE x.tenant_id = s.tenant_id AND x.step = s.step AND x.day = s.day);
    GET DIAGNOSTICS del = ROW_COUNT;
    WITH written AS (
        INSERT INTO analytics.funnel_step AS s (tenant_id, step, day, count)
        SELECT x.tenant_id, x.step, x.day, x.count FROM _funnel_new AS x WHERE x.whole
        ON CONFLICT (tenant_id, step, day) DO UPDATE SET count = EXCLUDED.count
        WHERE s.count <> EXCLUDED.count
        RETURNING s.xmax = 0 AS fresh
    )
    SELECT count(*) FILTER (WHERE w.fresh), count(*) FILTER (WHERE NOT w.fresh) INTO ins, upd FROM written AS w;
    WITH written AS (
        INSERT INTO analytics.funnel_step AS s (tenant_id, step, day, count)
        SELECT x.tenant_id, x.step, x.day, x.count FROM _funnel_new AS x WHERE NOT x.whole
        ON CONFLICT (tenant_id, step, day) DO UPDATE SET count = s.count + EXCLUDED.count
        RETURNING s.xmax = 0 AS fresh
    )
    SELECT count(*) FILTER (WHERE w.fresh), count(*) FILTER (WHERE NOT w.fresh) INTO n, m FROM written AS w;
    ins := ins + n;
    upd := upd + m;
    -- Per canonical user and day, for the per-user conversion views; kept like user_days (the
    -- earliest time wins when new events are added to a day).
    CREATE TEMP VIEW _funnel_user_days_source AS
    SELECT u.tenant_id, u.user_id, x.step, u.day, min(u.occurred_at) AS first_at, u.whole
    FROM _user_events AS u
    CROSS JOIN LATERAL (SELECT analytics.funnel_step_of(u.contract, u.type, u.status) AS step) AS x
    WHERE u.contract = 'pocm' AND u.type IN ('cart', 'checkout', 'payment') AND x.step IS NOT NULL
    GROUP BY u.tenant_id, u.user_id, x.step, u.day, u.whole;
    IF p_full THEN
        INSERT INTO analytics.funnel_user_days (tenant_id, user_id, step, day, first_at)
        SELECT f.tenant_id, f.user_id, f.step, f.day, f.first_at FROM (SELECT x.*, analytics.pace_sampled() AS paced FROM _funnel_user_days_source AS x) AS f;
        WHILE analytics.restore_indexes('analytics.funnel_user_days', 1) > 0 LOOP
            PERFORM analytics.pace();
        END LOOP;
    ELSE
        CREATE TEMP TABLE _funnel_user_days_new ON COMMIT DROP AS SELECT f.* FROM _funnel_user_days_source AS f;
        ANALYZE _funnel_user_days_new;
        DELETE FROM analytics.funnel_user_days AS s USING _recompute_days AS f
        WHERE s.tenant_id = f.tenant_id AND s.day = f.day
          AND NOT EXISTS (SELECT 1 FROM _funnel_user_days_new AS x
                          WHERE x.tenant_id = s.tenant_id AND x.user_id = s.user_id AND x.step = s.step AND x.day = s.day
                            AND x.first_at = s.first_at);
        INSERT INTO analytics.funnel_user_days (tenant_id, user_id, step, day, first_at)
        SELECT x.tenant_id, x.user_id, x.step, x.day, x.first_at FROM _funnel_user_days_new AS x WHERE x.whole
        ON CONFLICT (tenant_id, user_id, step, day) DO NOTHING;
        INSERT INTO analytics.funnel_user_days AS f (tenant_id, user_id, step, day, first_at)
        SELECT x.tenant_id, x.user_id, x.step, x.day, x.first_at FROM _funnel_user_days_new AS x WHERE NOT x.whole
        ON CONFLICT (tenant_id, user_id, step, day) DO UPDATE SET first_at = EXCLUDED.first_at
        WHERE EXCLUDED.first_at < f.first_at;
    END IF;
    DROP VIEW _funnel_user_days_source, _user_events, _count_events;
    DROP VIEW _new;
    DROP VIEW _paced_ev;
    UPDATE _stats AS s SET inserted = s.inserted + ins, updated = s.updated + upd, deleted = s.deleted + del,
                           seconds = extract(epoch FROM clock_timestamp() - step_started)
    WHERE s.object = 'funnel_step';
    PERFORM analytics.pace();

    -- inventory_daily, and device_metrics below: each day whose figures change is recomputed from
    -- its events (_day_ev); incrementally, only the rows that differ are written, and the rows the
    -- recompute no longer has are deleted.
    step_started := clock_timestamp();
    ins := 0; upd := 0; del := 0;
    CREATE TEMP VIEW _inventory_source AS
    SELECT e.tenant_id, e.product_id, e.warehouse_id, e.day,
           (array_agg(e.stock_level ORDER BY e.occurred_at DESC, e.id DESC))[1] AS stock_level,
           COALESCE(sum(abs(e.quantity)) FILTER (WHERE e.status = 'sale'), 0) AS sold,
           COALESCE(sum(abs(e.quantity)) FILTER (WHERE e.status = 'return'), 0) AS returns,
           count(*) FILTER (WHERE e.stock_level = 0) AS stockouts
    FROM _day_ev AS e
    WHERE e.contract = 'pocm' AND e.type = 'inventory' AND e.product_id IS NOT NULL AND e.warehouse_id IS NOT NULL
      AND e.stock_level IS NOT NULL
    GROUP BY e.tenant_id, e.product_id, e.warehouse_id, e.day;
    IF p_full THEN
        INSERT INTO analytics.inventory_daily (tenant_id, product_id, warehouse_id, day, stock_level, sold, returns, stockouts)
        SELECT x.tenant_id, x.product_id, x.warehouse_id, x.day, x.stock_level, x.sold, x.returns, x.stockouts
        FROM _inventory_source AS x;
        GET DIAGNOSTICS ins = ROW_COUNT;
    ELSE
        CREATE TEMP TABLE _inventory_new ON COMMIT DROP AS SELECT x.* FROM _inventory_source AS x;
        ANALYZE _inventory_new;
        DELETE FROM analytics.inventory_daily AS s USING _fact_days AS f
        WHERE s.tenant_id = f.tenant_id AND s.day = f.day
          AND NOT EXISTS (SELECT 1 FROM _inventory_new AS x
                          WHERE x.tenant_id = s.tenant_id AND x.product_id = s.product_id AND x.warehouse_id = s.warehouse_id
                            AND x.day = s.day);
        GET DIAGNOSTICS del = ROW_COUNT;
        WITH written AS (
            INSERT INTO analytics.inventory_daily AS s (tenant_id, product_id, warehouse_id, day, stock_level, sold, returns, stockouts)
            SELECT x.tenant_id, x.product_id, x.warehouse_id, x.day, x.stock_level, x.sold, x.returns, x.stockouts
            FROM _inventory_new AS x
            ON CONFLICT (tenant_id, product_id, warehouse_id, day) DO UPDATE
            SET stock_level = EXCLUDED.stock_level, sold = EXCLUDED.sold, returns = EXCLUDED.returns, stockouts = EXCLUDED.stockouts
            WHERE (s.stock_level, s.sold, s.returns, s.stockouts)
                  IS DISTINCT FROM (EXCLUDED.stock_level, EXCLUDED.sold, EXCLUDED.returns, EXCLUDED.stockouts)
            RETURNING s.xmax = 0 AS fresh
        )
        SELECT count(*) FILTER (WHERE w.fresh), count(*) FILTER (WHERE NOT w.fresh) INTO ins, upd FROM written AS w;
    END IF;
    DROP VIEW _inventory_source;
    UPDATE _stats AS s SET inserted = s.inserted + ins, updated = s.updated + upd, deleted = s.deleted + del,
                           seconds = extract(epoch FROM clock_timestamp() - step_started)
    WHERE s.object = 'inventory_daily';
    PERFORM analytics.pace();

    -- device_metrics: events with a device_id, typed by the event (activation) or dim_devices.
    step_started := clock_timestamp();
    ins := 0; upd := 0; del := 0;
    CREATE TEMP VIEW _device_metrics_source AS
    WITH typed AS (
        SELECT e.tenant_id, e.day, e.type, e.device_id, e.delivery_success,
               CASE WHEN e.type = 'device_activation' THEN COALESCE(e.device_type, 'unknown')
                    ELSE COALESCE(d.device_type, 'unknown') END AS device_type
        FROM _day_ev AS e
        LEFT JOIN analytics.dim_devices AS d ON d.tenant_id = e.tenant_id AND d.device_id = e.device_id
        WHERE e.device_id IS NOT NULL
    ),
    per_device AS (
        SELECT t.tenant_id, t.device_type, t.day, t.device_id,
               bool_or(t.type = 'dosage_delivery' AND COALESCE(t.delivery_success, false)) AS dosed
        FROM typed AS t GROUP BY t.tenant_id, t.device_type, t.day, t.device_id
    ),
    adherence AS (
        SELECT p.tenant_id, p.device_type, p.day, round(avg(CASE WHEN p.dosed THEN 1 ELSE 0 END), 6) AS adherence
        FROM per_device AS p GROUP BY p.tenant_id, p.device_type, p.day
    )
    SELECT t.tenant_id, t.device_type, t.day,
           count(*) FILTER (WHERE t.type = 'device_activation') AS activation,
           max(a.adherence) AS adherence,
           round(avg(CASE WHEN t.delivery_success THEN 1 ELSE 0 END) FILTER (WHERE t.type = 'dosage_delivery'), 6) AS dosage_success,
           count(*) FILTER (WHERE t.type = 'adverse_event') AS adverse_count
    FROM typed AS t
    JOIN adherence AS a ON a.tenant_id = t.tenant_id AND a.device_type = t.device_type AND a.day = t.day
    GROUP BY t.tenant_id, t.device_type, t.day;
    IF p_full THEN
        INSERT INTO analytics.device_metrics (tenant_id, device_type, day, activation, adherence, dosage_success, adverse_count)
        SELECT x.tenant_id, x.device_type, x.day, x.activation, x.adherence, x.dosage_success, x.adverse_count
        FROM _device_metrics_source AS x;
        GET DIAGNOSTICS ins = ROW_COUNT;
    ELSE
        CREATE TEMP TABLE _device_metrics_new ON COMMIT DROP AS SELECT x.* FROM _device_metrics_source AS x;
        ANALYZE _device_metrics_new;
        DELETE FROM analytics.device_metrics AS s USING _fact_days AS f
        WHERE s.tenant_id = f.tenant_id AND s.day = f.day
          AND NOT EXISTS (SELECT 1 FROM _device_metrics_new AS x
                          WHERE x.tenant_id = s.tenant_id AND x.device_type = s.device_type AND x.day = s.day);
        GET DIAGNOSTICS del = ROW_COUNT;
        -- The shares compared as text, like kpi_daily's values.
        WITH written AS (
            INSERT INTO analytics.device_metrics AS s (tenant_id, device_type, day, activation, adherence, dosage_success, adverse_count)
            SELECT x.tenant_id, x.device_type, x.day, x.activation, x.adherence, x.dosage_success, x.adverse_count
            FROM _device_metrics_new AS x
            ON CONFLICT (tenant_id, device_type, day) DO UPDATE
            SET activation = EXCLUDED.activation, adherence = EXCLUDED.adherence, dosage_success = EXCLUDED.dosage_success,
                adverse_count = EXCLUDED.adverse_count
            WHERE (s.activation, s.adherence::text, s.dosage_success::text, s.adverse_count)
                  IS DISTINCT FROM (EXCLUDED.activation, EXCLUDED.adherence::text, EXCLUDED.dosage_success::text, EXCLUDED.adverse_count)
            RETURNING s.xmax = 0 AS fresh
        )
        SELECT count(*) FILTER (WHERE w.fresh), count(*) FILTER (WHERE NOT w.fresh) INTO ins, upd FROM written AS w;
    END IF;
    DROP VIEW _device_metrics_source;
    UPDATE _stats AS s SET inserted = s.inserted + ins, updated = s.updated + upd, deleted = s.deleted + del,
                           seconds = extract(epoch FROM clock_timestamp() - step_started)
    WHERE s.object = 'device_metrics';
    DROP VIEW _day_ev;

    -- The marks read are done; marks committed since stay for the next refresh.
    DELETE FROM public.refresh_dirty_buckets AS d USING _marks AS k WHERE d.id = k.id;
    DELETE FROM public.refresh_dirty_identities AS d USING _dirty_identities AS k WHERE d.tenant_id = k.tenant_id AND d.id = k.id;

    -- refresh_log keeps one number of rows per object (sluice status shows it): the sum.
    INSERT INTO analytics.refresh_log AS r (object, refreshed_at, full_rebuild, buckets, rows_written, inserted, updated, deleted, seconds)
    SELECT s.object, now(), p_full, day_count, s.inserted + s.updated + s.deleted, s.inserted, s.updated, s.deleted, round(s.seconds, 3)
    FROM _stats AS s
    ON CONFLICT ON CONSTRAINT refresh_log_pkey DO UPDATE
    SET refreshed_at = EXCLUDED.refreshed_at, full_rebuild = EXCLUDED.full_rebuild, buckets = EXCLUDED.buckets,
        rows_written = EXCLUDED.rows_written, inserted = EXCLUDED.inserted, updated = EXCLUDED.updated,
        deleted = EXCLUDED.deleted, seconds = EXCLUDED.seconds;

    -- Nothing may stay without its indexes (a no-op when every table got them back above).
    PERFORM analytics.restore_indexes(NULL);
    yielded := current_setting('sluice.yielded')::numeric;
    RETURN QUERY SELECT s.object, day_count, s.inserted, s.updated, s.deleted, round(s.seconds, 3), fact_count, read_count,
                        round(read_time, 3), round(yielded, 3)
                 FROM _stats AS s ORDER BY s.object;
END;
$$;

REVOKE ALL ON FUNCTION analytics.refresh(boolean, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.refresh(boolean, numeric) TO sluice_refresher;

-- The number sluice status shows: what this function writes there (migration 0009 called it rows
-- written).
COMMENT ON COLUMN analytics.refresh_log.rows_written IS 'Rows the last refresh inserted, updated or deleted in the object''s table (a full rebuild: the rows it held plus the rows it holds); docs/metrics.md, "What a refresh reports".';
