-- sluice_audit_chain_rows(tenant, after_seq, limit): one batch of a tenant's audit chain, in
-- chain order from after_seq on, each row with its stored hashes and its row_hash recomputed from
-- its content (sluice_audit_canonical, as sluice_audit_append computed it). `sluice audit verify`
-- reads a chain batch by batch (keyset: the last chain_seq it saw), never all of it at once.
--
-- SECURITY DEFINER: verification must see every row whatever row-level security shows the caller.
-- Read-only; returns hashes and positions, no content. search_path pinned, every name qualified.
-- Callers: compliance staff (sluice audit verify).
CREATE OR REPLACE FUNCTION sluice_audit_chain_rows(p_tenant text, p_after_seq bigint, p_limit integer)
RETURNS TABLE (id bigint, chain_seq bigint, prev_hash bytea, row_hash bytea, recomputed_hash bytea)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a.id, a.chain_seq, a.prev_hash, a.row_hash,
           sha256(a.prev_hash || convert_to(public.sluice_audit_canonical(a.tenant_id, a.chain_seq, a."timestamp", a.user_id, a.actor,
                  a.action, a.resource, a.ip_address, a.user_agent, a.data_classification, a.flags, a.row_counts, a.details), 'UTF8'))
    FROM public.compliance_audit_logs AS a
    WHERE a.tenant_id = p_tenant AND a.chain_seq > coalesce(p_after_seq, 0)
    ORDER BY a.chain_seq
    LIMIT least(greatest(coalesce(p_limit, 1000), 1), 10000)
$$;
REVOKE ALL ON FUNCTION sluice_audit_chain_rows(text, bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sluice_audit_chain_rows(text, bigint, integer) TO sluice_compliance;
COMMENT ON FUNCTION sluice_audit_chain_rows(text, bigint, integer) IS 'A batch of a tenant''s audit chain with stored and recomputed hashes, for sluice audit verify.';
