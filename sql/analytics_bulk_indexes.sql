-- analytics.set_aside_indexes(table) / analytics.restore_indexes(table): a full `sluice refresh`
-- writes a million-row analytics table into an empty, just-truncated table; inserting each row into
-- its B-trees costs 5-7 µs per index on this class of machine, building the index afterwards by
-- sorting about a tenth of that (docs/performance.md, "Refresh"). So the full rebuild sets a
-- table's primary key and indexes aside, inserts, and restores them from their exact definitions
-- before anything reads the table by index, all in the refresh's own transaction: a failure rolls
-- the indexes back with everything else, and BI readers (blocked by the TRUNCATE until COMMIT)
-- never see a table without them. analytics.refresh() restores anything still set aside before it
-- returns.
--
-- SECURITY DEFINER: dropping and creating indexes takes the tables' owner, and the refresh runs as
-- sluice_refresher. Only the per-user and identity tables are accepted, and only while empty
-- (their file was just truncated in this transaction); search_path is pinned.
CREATE OR REPLACE FUNCTION analytics.set_aside_indexes(p_table regclass)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    item   record;
    n      integer := 0;
BEGIN
    IF p_table NOT IN ('analytics.identity_pairs'::regclass, 'analytics.identity_links'::regclass,
                       'analytics.user_days'::regclass, 'analytics.user_attribute_values'::regclass,
                       'analytics.dim_users'::regclass, 'analytics.funnel_user_days'::regclass) THEN
        RAISE EXCEPTION 'analytics.set_aside_indexes: % is not a table a full refresh rebuilds', p_table;
    END IF;
    IF pg_relation_size(p_table) <> 0 THEN
        RAISE EXCEPTION 'analytics.set_aside_indexes: % is not empty (truncate it in this transaction first)', p_table;
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS _set_aside_indexes (
        table_oid regclass, position integer, is_constraint boolean, name text, definition text
    ) ON COMMIT DROP;
    -- Constraints first (their indexes go with them), then the plain indexes.
    FOR item IN
        SELECT c.conname AS name, pg_get_constraintdef(c.oid) AS definition
        FROM pg_constraint AS c WHERE c.conrelid = p_table AND c.contype IN ('p', 'u') ORDER BY c.conname
    LOOP
        n := n + 1;
        INSERT INTO _set_aside_indexes VALUES (p_table, n, true, item.name, item.definition);
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', p_table, item.name);
    END LOOP;
    FOR item IN
        SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
        FROM pg_index AS i WHERE i.indrelid = p_table ORDER BY 1
    LOOP
        n := n + 1;
        INSERT INTO _set_aside_indexes VALUES (p_table, n, false, item.name, item.definition);
        EXECUTE format('DROP INDEX %s', item.name);
    END LOOP;
    RETURN n;
END;
$$;

-- Restores what set_aside_indexes took from p_table (NULL: from every table), in the same order;
-- at most p_at_most of them (NULL: all), so that a caller can pause between index builds (each is
-- one statement of seconds on a million rows). Returns how many it restored.
-- Dropped first: a new argument would otherwise leave the one-argument version beside it.
DROP FUNCTION IF EXISTS analytics.restore_indexes(regclass);
CREATE OR REPLACE FUNCTION analytics.restore_indexes(p_table regclass, p_at_most integer DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    item record;
    n    integer := 0;
BEGIN
    IF to_regclass('pg_temp._set_aside_indexes') IS NULL THEN
        RETURN 0;
    END IF;
    FOR item IN
        SELECT s.table_oid, s.position, s.is_constraint, s.name, s.definition FROM _set_aside_indexes AS s
        WHERE p_table IS NULL OR s.table_oid = p_table ORDER BY s.table_oid, s.position
        LIMIT p_at_most
    LOOP
        IF item.is_constraint THEN
            EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', item.table_oid, item.name, item.definition);
        ELSE
            EXECUTE item.definition;
        END IF;
        DELETE FROM _set_aside_indexes AS s WHERE s.table_oid = item.table_oid AND s.position = item.position;
        n := n + 1;
    END LOOP;
    RETURN n;
END;
$$;

REVOKE ALL ON FUNCTION analytics.set_aside_indexes(regclass), analytics.restore_indexes(regclass, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.set_aside_indexes(regclass), analytics.restore_indexes(regclass, integer) TO sluice_refresher;
