-- Every Sluice role can run the commands meant for it, and `sluice status`, without permission
-- errors (docs/security.md, "Roles").
--
-- 1. The migration ledger is readable by every Sluice role: each command checks the database is
--    migrated for it before it starts (`SchemaVersion`), and `status` shows the version. It holds
--    file names and checksums, nothing of any tenant.
--    (The partition list, sluice_event_partitions, is granted in its sql/ file.)
-- 2. BI logins resolve names in schema analytics first (`SELECT * FROM kpi_daily` in psql, and
--    `\dt` lists what they may read): new logins get it from sluice_bi_grant (sql/); existing ones
--    here, where the migrating role may alter them.
GRANT SELECT ON sluice_schema_migrations, sluice_schema_repeatables
    TO sluice_loader, sluice_refresher, sluice_compliance, sluice_bi;

DO $$
DECLARE
    bi_login name;
BEGIN
    FOR bi_login IN SELECT l.login FROM public.tenant_logins AS l JOIN pg_catalog.pg_roles AS r ON r.rolname = l.login LOOP
        BEGIN
            EXECUTE format('ALTER ROLE %I SET search_path = analytics', bi_login);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING 'could not set search_path = analytics for BI login %', bi_login
                USING HINT = 'run `sluice bi grant` for it again as a role with CREATEROLE';
        END;
    END LOOP;
END
$$;
