-- sluice_bi_revoke(login): `sluice bi revoke`: unbinds the login from this database's tenant, ends
-- its sessions where the caller may, and drops the role (login names are cluster-wide). Returns
-- false when the login is not a BI login of this database. SECURITY INVOKER: needs CREATEROLE.
CREATE OR REPLACE FUNCTION sluice_bi_revoke(p_login text)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.tenant_logins WHERE login = p_login) THEN
        RETURN false;
    END IF;
    DELETE FROM public.tenant_logins WHERE login = p_login;
    -- Its open sessions end now (where the caller may signal them), not at their next reconnect.
    BEGIN
        PERFORM pg_terminate_backend(a.pid) FROM pg_stat_activity AS a WHERE a.usename = p_login;
    EXCEPTION WHEN insufficient_privilege THEN
        NULL;
    END;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_login) THEN
        EXECUTE format('DROP ROLE %I', p_login);
    END IF;
    RETURN true;
END
$$;

REVOKE ALL ON FUNCTION sluice_bi_revoke(text) FROM PUBLIC;
