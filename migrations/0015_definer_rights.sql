-- Definer-rights functions keep what they trust where only the owner can write (docs/security.md,
-- "Definer rights").
--
-- 1. Schema sluice_private: state that SECURITY DEFINER functions read and act on. Nobody but the
--    owner has any privilege on it, not even USAGE; the functions qualify every name in it. (The
--    full refresh used to keep the index definitions it set aside in a temporary table, which the
--    caller could create first with definitions of its own: analytics.restore_indexes then ran
--    them with the owner's rights.)
-- 2. sluice_private.set_aside_indexes: the primary keys, unique constraints and indexes a full
--    refresh dropped from a just-truncated analytics table, as pg_get_constraintdef /
--    pg_get_indexdef gave them at that moment (sql/analytics_bulk_indexes.sql). Rows are written
--    and deleted inside the refresh's transaction, so a rolled-back refresh leaves none.
-- 3. CREATE on schema public is revoked from PUBLIC (PostgreSQL 15 does this for new databases;
--    a database created by an older version still lets every login create objects there, where
--    they could shadow what others resolve by search_path). Only the schema's owner or a superuser
--    can revoke it; anyone else gets a warning and should have a DBA run it.
CREATE SCHEMA IF NOT EXISTS sluice_private;
REVOKE ALL ON SCHEMA sluice_private FROM PUBLIC;
COMMENT ON SCHEMA sluice_private IS 'State read by Sluice''s SECURITY DEFINER functions. Owner only: no role is granted anything here.';

CREATE TABLE IF NOT EXISTS sluice_private.set_aside_indexes (
    table_oid     regclass NOT NULL,
    position      integer  NOT NULL,
    is_constraint boolean  NOT NULL,
    name          text     NOT NULL,
    definition    text     NOT NULL,
    set_aside_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_oid, position)
);
REVOKE ALL ON sluice_private.set_aside_indexes FROM PUBLIC;
COMMENT ON TABLE sluice_private.set_aside_indexes IS 'Constraints and indexes a full refresh set aside on a truncated analytics table, restored before its transaction ends (analytics.set_aside_indexes / restore_indexes). A row here outside a refresh means a transaction committed without restoring: the next refresh or restore_indexes(NULL) builds it again.';

DO $$
BEGIN
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'could not revoke CREATE on schema public from PUBLIC (only its owner or a superuser can)'
        USING HINT = 'have a DBA run: REVOKE CREATE ON SCHEMA public FROM PUBLIC';
END
$$;
