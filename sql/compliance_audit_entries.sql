-- sluice_audit_entries(tenant, since, actor, action, limit): the audit trail, newest first, for
-- `sluice audit list`. actor matches the name given to --actor (entries record name@login) or the
-- whole name@login; action matches itself or its sub-actions (gdpr matches gdpr.erase). No pattern
-- characters: what the caller types is compared, never matched as LIKE or a regular expression.
--
-- SECURITY DEFINER: compliance staff review every tenant's entries (and the tenant-less ones)
-- without naming each tenant; read-only; search_path pinned, every name qualified.
-- Callers: compliance staff (sluice audit list).
CREATE OR REPLACE FUNCTION sluice_audit_entries(p_tenant text, p_since timestamptz, p_actor text, p_action text, p_limit integer)
RETURNS TABLE (id bigint, tenant_id text, at timestamptz, chain_seq bigint, actor text, action text, resource text, subject_hash text,
               classification text, row_counts jsonb, details jsonb)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a.id, a.tenant_id::text, a."timestamp", a.chain_seq, a.actor, a.action::text, a.resource::text, a.user_id::text,
           a.data_classification::text, a.row_counts, a.details
    FROM public.compliance_audit_logs AS a
    WHERE (p_tenant IS NULL OR a.tenant_id = p_tenant)
      AND (p_since IS NULL OR a."timestamp" >= p_since)
      AND (p_actor IS NULL OR a.actor = p_actor OR left(a.actor, length(p_actor) + 1) = p_actor || '@')
      AND (p_action IS NULL OR a.action = p_action OR left(a.action, length(p_action) + 1) = p_action || '.')
    ORDER BY a."timestamp" DESC, a.id DESC
    LIMIT least(greatest(coalesce(p_limit, 50), 1), 100000)
$$;
REVOKE ALL ON FUNCTION sluice_audit_entries(text, timestamptz, text, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sluice_audit_entries(text, timestamptz, text, text, integer) TO sluice_compliance;
COMMENT ON FUNCTION sluice_audit_entries(text, timestamptz, text, text, integer) IS 'The audit trail, newest first and filtered, for sluice audit list.';
