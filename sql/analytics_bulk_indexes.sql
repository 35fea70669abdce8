-- analytics.set_aside_indexes(table) / analytics.restore_indexes(table, at_most): a full
-- `sluice refresh` writes a million-row analytics table into an empty, just-truncated table;
-- inserting each row into its B-trees costs 5-7 µs per index on this class of machine, building the
-- index afterwards by sorting about a tenth of that (docs/performance.md, "Refresh"). So the full
-- rebuild sets a table's primary key and indexes aside, inserts, and restores them from their exact
-- definitions before anything reads the table by index, all in the refresh's own transaction: a
-- failure rolls the indexes back with everything else, and BI readers (blocked by the TRUNCATE
-- until COMMIT) never see a table without them. analytics.refresh() restores anything still set
-- aside before it returns.
--
-- SECURITY DEFINER: dropping and creating indexes takes the tables' owner, and the refresh runs as
-- sluice_refresher. So that nothing the caller can write runs with the owner's rights:
--   * the definitions are read from the catalog (pg_get_constraintdef, pg_get_indexdef) of a table
--     the caller cannot alter, and kept in sluice_private.set_aside_indexes, which only the owner
--     can reach (migrations/0015_definer_rights.sql) — never in a temporary table, which the caller
--     could have created first with definitions of its own;
--   * only the six per-user and identity tables are accepted, and only while empty (their file was
--     just truncated in this transaction);
--   * search_path is pg_catalog, pg_temp and every other name is schema-qualified; regclass values
--     print qualified under that path.
-- A row of sluice_private.set_aside_indexes that another transaction left (it set indexes aside
-- and committed without restoring them) is a missing index: restore_indexes builds it too, and
-- set_aside_indexes builds it again before setting the table aside.
CREATE OR REPLACE FUNCTION analytics.set_aside_indexes(p_table regclass)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    item   record;
    n      integer := 0;
    base   integer;
BEGIN
    IF p_table IS NULL OR p_table NOT IN (
            'analytics.identity_pairs'::regclass, 'analytics.identity_links'::regclass,
            'analytics.user_days'::regclass, 'analytics.user_attribute_values'::regclass,
            'analytics.dim_users'::regclass, 'analytics.funnel_user_days'::regclass) THEN
        RAISE EXCEPTION 'analytics.set_aside_indexes: % is not a table a full refresh rebuilds', p_table
            USING ERRCODE = '22023';
    END IF;
    IF pg_catalog.pg_relation_size(p_table) <> 0 THEN
        RAISE EXCEPTION 'analytics.set_aside_indexes: % is not empty (truncate it in this transaction first)', p_table
            USING ERRCODE = '22023';
    END IF;
    -- Whatever an earlier transaction left set aside on this table comes back first.
    PERFORM analytics.restore_indexes(p_table);
    base := (SELECT COALESCE(max(s.position), 0) FROM sluice_private.set_aside_indexes AS s WHERE s.table_oid = p_table);
    -- Constraints first (their indexes go with them), then the plain indexes.
    FOR item IN
        SELECT c.conname::text AS name, pg_catalog.pg_get_constraintdef(c.oid) AS definition
        FROM pg_catalog.pg_constraint AS c WHERE c.conrelid = p_table AND c.contype IN ('p', 'u') ORDER BY c.conname
    LOOP
        n := n + 1;
        INSERT INTO sluice_private.set_aside_indexes (table_oid, position, is_constraint, name, definition)
        VALUES (p_table, base + n, true, item.name, item.definition);
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', p_table, item.name);
    END LOOP;
    FOR item IN
        SELECT i.indexrelid::regclass::text AS name, pg_catalog.pg_get_indexdef(i.indexrelid) AS definition
        FROM pg_catalog.pg_index AS i WHERE i.indrelid = p_table ORDER BY 1
    LOOP
        n := n + 1;
        INSERT INTO sluice_private.set_aside_indexes (table_oid, position, is_constraint, name, definition)
        VALUES (p_table, base + n, false, item.name, item.definition);
        EXECUTE format('DROP INDEX %s', item.name);
    END LOOP;
    RETURN n;
END;
$$;

-- Restores what set_aside_indexes took from p_table (NULL: from every table), in the same order;
-- at most p_at_most of them (NULL: all), so that a caller can pause between index builds (each is
-- one statement of seconds on a million rows). Returns how many it restored. A constraint or index
-- that exists again under its name (someone rebuilt it by hand) is not built twice.
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
    IF p_at_most < 0 THEN
        RAISE EXCEPTION 'analytics.restore_indexes: at most % indexes?', p_at_most USING ERRCODE = '22023';
    END IF;
    FOR item IN
        SELECT s.table_oid, s.position, s.is_constraint, s.name, s.definition
        FROM sluice_private.set_aside_indexes AS s
        WHERE p_table IS NULL OR s.table_oid = p_table
        ORDER BY s.table_oid, s.position
        LIMIT p_at_most
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class AS t WHERE t.oid = item.table_oid) THEN
            NULL;  -- the table was dropped since: nothing to restore
        ELSIF item.is_constraint THEN
            IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint AS c WHERE c.conrelid = item.table_oid AND c.conname = item.name) THEN
                EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', item.table_oid, item.name, item.definition);
            END IF;
        ELSIF to_regclass(item.name) IS NULL THEN
            EXECUTE item.definition;
        END IF;
        DELETE FROM sluice_private.set_aside_indexes AS s WHERE s.table_oid = item.table_oid AND s.position = item.position;
        n := n + 1;
    END LOOP;
    RETURN n;
END;
$$;

REVOKE ALL ON FUNCTION analytics.set_aside_indexes(regclass), analytics.restore_indexes(regclass, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.set_aside_indexes(regclass), analytics.restore_indexes(regclass, integer) TO sluice_refresher;
