-- Least-privilege group roles (NOLOGIN). Logins join them: `GRANT sluice_loader TO etl_prod`.
-- Roles belong to the cluster, not the database: a second database's migration finds them.
--
--   sluice_loader      `sluice load`, `rejects replay`: writes events, the key ledger, the dead letter,
--                      checkpoints, batches and dirty marks; reads policies. BYPASSRLS, because
--                      COPY FROM is not supported under row-level security; the loader scopes every
--                      row to its --tenant itself (docs/security.md).
--   sluice_refresher   `sluice refresh`: reads events, writes the analytics schema. BYPASSRLS: one
--                      refresh recomputes every tenant's buckets in one pass.
--   sluice_compliance  GDPR export/erase, retention: reads what it must export, writes the audit log
--                      and export requests; subject to row-level security (it names its tenant).
--   sluice_bi          BI logins (`sluice bi grant`): read the analytics schema, their tenant only.
--
-- The owner (whoever runs `sluice migrate`) owns every object. Creating roles with BYPASSRLS needs
-- a superuser: run this migration once as one, or have a DBA create the roles beforehand.
DO $$
DECLARE
    role_name text;
    bypass    boolean;
    attempt   integer;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['sluice_loader', 'sluice_refresher', 'sluice_compliance', 'sluice_bi'] LOOP
        bypass := role_name IN ('sluice_loader', 'sluice_refresher');
        FOR attempt IN 1..20 LOOP
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
                    EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
                END IF;
                IF bypass AND NOT (SELECT rolbypassrls FROM pg_roles WHERE rolname = role_name) THEN
                    EXECUTE format('ALTER ROLE %I BYPASSRLS', role_name);
                END IF;
                EXIT;
            EXCEPTION
                -- Another database's migration created or altered the role at the same moment.
                WHEN duplicate_object OR unique_violation OR internal_error THEN
                    PERFORM pg_sleep(0.05 * attempt);
                WHEN insufficient_privilege THEN
                    RAISE EXCEPTION 'creating role % needs a superuser (or CREATEROLE, and a superuser for BYPASSRLS)', role_name
                        USING HINT = 'run `sluice migrate` once as a superuser, or have a DBA create sluice_loader and sluice_refresher WITH BYPASSRLS, and sluice_compliance and sluice_bi, all NOLOGIN';
            END;
        END LOOP;
    END LOOP;
END
$$;
