-- BI logins (`sluice bi grant|revoke`): a LOGIN role in sluice_bi, bound to one tenant in
-- tenant_logins, read-only, with a statement timeout and a connection limit.
--
-- The DDL is built here, with format(%I, %L), so no client ever assembles SQL from a login name.
-- The password arrives as a SCRAM verifier computed by the client (libpq's
-- PQencryptPasswordConn): the clear password never reaches the server or its logs.
-- SECURITY INVOKER: the caller needs CREATEROLE (or superuser); nobody else may call these.
-- Login names are cluster-wide; the binding is this database's. A login already bound to another
-- tenant is moved only when p_move says so: a typo in --tenant must not silently hand one tenant's
-- dashboards another's data.
-- The session resolves names in schema analytics first (search_path), so `SELECT * FROM kpi_daily`
-- works in psql and `\dt` lists what the login may read.
-- Dropped first: a new argument would otherwise leave the five-argument version beside it.
DROP FUNCTION IF EXISTS sluice_bi_grant(text, text, text, integer, text);
CREATE OR REPLACE FUNCTION sluice_bi_grant(p_login text, p_tenant text, p_password_verifier text,
                                           p_connection_limit integer, p_statement_timeout text,
                                           p_move boolean DEFAULT false)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    created boolean := false;
BEGIN
    IF p_login !~ '^[a-z_][a-z0-9_]{0,62}$' OR p_login LIKE 'pg\_%' OR p_login LIKE 'sluice\_%' THEN
        RAISE EXCEPTION 'invalid BI login name "%"', p_login
            USING ERRCODE = '22023', HINT = 'use lower-case letters, digits and _ (at most 63), not starting with pg_ or sluice_';
    END IF;
    IF p_tenant IS NULL OR p_tenant = '' OR length(p_tenant) > 64 THEN
        RAISE EXCEPTION 'a BI login needs a tenant of 1 to 64 characters' USING ERRCODE = '22023';
    END IF;
    IF p_connection_limit IS NULL OR p_connection_limit < 1 THEN
        RAISE EXCEPTION 'the connection limit must be at least 1' USING ERRCODE = '22023';
    END IF;
    IF NOT p_move AND EXISTS (SELECT 1 FROM public.tenant_logins WHERE login = p_login AND tenant_id <> p_tenant) THEN
        RAISE EXCEPTION 'BI login "%" is bound to tenant "%", not "%"', p_login,
                        (SELECT tenant_id FROM public.tenant_logins WHERE login = p_login), p_tenant
            USING ERRCODE = '55000', HINT = 'to move it to the other tenant (its dashboards then show that tenant''s rows), grant again with --move';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_login) THEN
        IF NOT EXISTS (SELECT 1 FROM public.tenant_logins WHERE login = p_login) THEN
            RAISE EXCEPTION 'role "%" exists and is not a BI login of this database: choose another name', p_login
                USING ERRCODE = '42710';
        END IF;
        EXECUTE format('ALTER ROLE %I WITH LOGIN PASSWORD %L CONNECTION LIMIT %s', p_login, p_password_verifier, p_connection_limit);
    ELSE
        EXECUTE format('CREATE ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD %L CONNECTION LIMIT %s IN ROLE sluice_bi',
                       p_login, p_password_verifier, p_connection_limit);
        created := true;
    END IF;
    EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', p_login, p_statement_timeout);
    EXECUTE format('ALTER ROLE %I SET default_transaction_read_only = on', p_login);
    EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', p_login, '5min');
    EXECUTE format('ALTER ROLE %I SET search_path = analytics', p_login);
    INSERT INTO public.tenant_logins (login, tenant_id) VALUES (p_login, p_tenant)
    ON CONFLICT (login) DO UPDATE SET tenant_id = EXCLUDED.tenant_id;
    RETURN created;
END
$$;

REVOKE ALL ON FUNCTION sluice_bi_grant(text, text, text, integer, text, boolean) FROM PUBLIC;
