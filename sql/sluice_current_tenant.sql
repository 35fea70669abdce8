-- sluice_current_tenant(): the tenant this session may see, which every row-level security policy
-- compares tenant_id with (migrations/0011_tenant_isolation.sql; docs/security.md):
--   1. a login listed in tenant_logins (a BI login) sees its bound tenant, whatever it sets;
--   2. any other member of sluice_bi sees nothing;
--   3. anyone else sees the tenant of set_config('sluice.tenant', …, true), or nothing.
--
-- STABLE: the policies call it once per statement, as an InitPlan (`(SELECT sluice_current_tenant())`).
-- session_user, not current_user: SET ROLE does not change who logged in.
-- SECURITY DEFINER: a BI login cannot read tenant_logins itself. search_path is pg_catalog, pg_temp
-- (pg_temp last: a temporary table never shadows a name here) and tenant_logins is qualified. Only
-- the roles whose sessions are filtered by the policies may call it.
CREATE OR REPLACE FUNCTION sluice_current_tenant()
RETURNS text
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE
               WHEN bound.tenant_id IS NOT NULL THEN bound.tenant_id
               -- A BI login without a binding sees nothing; its own setting does not count.
               WHEN pg_catalog.pg_has_role(session_user, 'sluice_bi', 'MEMBER') THEN NULL
               ELSE NULLIF(pg_catalog.current_setting('sluice.tenant', true), '')
           END
    FROM (SELECT (SELECT t.tenant_id FROM public.tenant_logins AS t WHERE t.login = session_user) AS tenant_id) AS bound
$$;
COMMENT ON FUNCTION sluice_current_tenant() IS 'The tenant this session may see: its BI login''s binding, else set_config(''sluice.tenant'', …, true); NULL (no rows) otherwise.';

REVOKE ALL ON FUNCTION sluice_current_tenant() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sluice_current_tenant() TO sluice_loader, sluice_refresher, sluice_compliance, sluice_bi;
