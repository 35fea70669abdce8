-- sluice_retention_tenants(): every tenant that has rows retention may prune or holds that may stop
-- it (events, ledger keys, dead letters, checkpoints, batch rows, export requests, tombstones,
-- legal holds). `sluice retention apply` then works tenant by tenant under row-level security, as
-- every compliance command does; this is how it learns which tenants to name.
--
-- SECURITY DEFINER: compliance staff see a tenant's rows only by naming it, and retention governs
-- every tenant. It returns tenant ids only — no row, no count — takes no argument and runs no
-- dynamic SQL. It reads as the owner (the retention_owner_reads policies of migration 0025 let the
-- owner read these tables across tenants). search_path is pg_catalog, pg_temp and every table is
-- qualified, so a caller's temporary table of the same name is never read. Only the owner and
-- sluice_compliance may call it.
CREATE OR REPLACE FUNCTION sluice_retention_tenants()
RETURNS TABLE (tenant_id TEXT)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    -- events: a loose index scan of (tenant_id, occurred_at), one probe per tenant.
    WITH RECURSIVE event_tenants AS (
        (SELECT e.tenant_id FROM public.events AS e ORDER BY e.tenant_id LIMIT 1)
        UNION ALL
        SELECT (SELECT e.tenant_id FROM public.events AS e WHERE e.tenant_id > t.tenant_id ORDER BY e.tenant_id LIMIT 1)
        FROM event_tenants AS t WHERE t.tenant_id IS NOT NULL
    )
    SELECT t.tenant_id::text FROM event_tenants AS t WHERE t.tenant_id IS NOT NULL
    UNION SELECT k.tenant_id::text FROM public.event_idempotency_keys AS k
    UNION SELECT r.tenant_id::text FROM public.rejected_events AS r
    UNION SELECT c.tenant_id::text FROM public.load_checkpoints AS c
    UNION SELECT b.tenant_id::text FROM public.batch_operations AS b WHERE b.tenant_id IS NOT NULL
    UNION SELECT g.tenant_id::text FROM public.gdpr_export_requests AS g WHERE g.tenant_id IS NOT NULL
    UNION SELECT s.tenant_id::text FROM public.suppression_tombstones AS s
    UNION SELECT h.tenant_id::text FROM public.legal_holds AS h
    ORDER BY 1
$$;
COMMENT ON FUNCTION sluice_retention_tenants() IS 'Tenants with rows sluice retention apply may prune or holds that may stop it: tenant ids only.';

REVOKE ALL ON FUNCTION sluice_retention_tenants() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sluice_retention_tenants() TO sluice_compliance;
