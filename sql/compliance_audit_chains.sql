-- sluice_audit_chains(tenant): what `sluice audit verify` checks each tenant's chain against — its
-- head (sluice_private.audit_chain_heads), its anchor (the latest checkpoint of a pruned chain,
-- with whether its signature holds and whether the chain's own `audit.prune` entry names the same
-- position and hash), how many rows it has, and the first row without a chain position.
-- NULL: every tenant that has a head or a row.
--
-- SECURITY DEFINER: verification must see every row, whatever row-level security shows the
-- caller, and the heads and checkpoints are the owner's (sluice_private). Read-only; search_path
-- pinned, every name qualified. Callers: compliance staff (sluice audit verify).
CREATE OR REPLACE FUNCTION sluice_audit_chains(p_tenant text DEFAULT NULL)
RETURNS TABLE (tenant_id text, head_seq bigint, head_hash bytea, anchor_seq bigint, anchor_hash bytea, anchor_signed boolean,
               anchor_recorded boolean, chained_rows bigint, unchained_rows bigint, first_unchained_id bigint)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    WITH tenants AS (
        SELECT h.tenant_id::text AS tenant_id FROM sluice_private.audit_chain_heads AS h
        WHERE p_tenant IS NULL OR h.tenant_id = p_tenant
        UNION
        SELECT DISTINCT a.tenant_id::text FROM public.compliance_audit_logs AS a
        WHERE p_tenant IS NULL OR a.tenant_id = p_tenant
    )
    SELECT t.tenant_id, h.last_seq, h.last_hash, c.through_seq, c.through_hash,
           c.signature = sluice_private.audit_checkpoint_signature(c.tenant_id, c.through_seq, c.through_hash, c.pruned_rows, c.created_at),
           EXISTS (SELECT 1 FROM public.compliance_audit_logs AS e
                   WHERE e.tenant_id = t.tenant_id AND e.action = 'audit.prune' AND e.chain_seq > c.through_seq
                     AND e.details ->> 'through_seq' = c.through_seq::text
                     AND e.details ->> 'through_hash' = encode(c.through_hash, 'hex')),
           (SELECT count(*) FROM public.compliance_audit_logs AS a WHERE a.tenant_id = t.tenant_id AND a.chain_seq IS NOT NULL),
           (SELECT count(*) FROM public.compliance_audit_logs AS a WHERE a.tenant_id = t.tenant_id AND a.chain_seq IS NULL),
           (SELECT min(a.id) FROM public.compliance_audit_logs AS a WHERE a.tenant_id = t.tenant_id AND a.chain_seq IS NULL)
    FROM tenants AS t
    LEFT JOIN sluice_private.audit_chain_heads AS h ON h.tenant_id = t.tenant_id
    LEFT JOIN LATERAL (SELECT k.* FROM sluice_private.audit_checkpoints AS k WHERE k.tenant_id = t.tenant_id
                       ORDER BY k.through_seq DESC LIMIT 1) AS c ON true
    ORDER BY t.tenant_id
$$;
REVOKE ALL ON FUNCTION sluice_audit_chains(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sluice_audit_chains(text) TO sluice_compliance;
COMMENT ON FUNCTION sluice_audit_chains(text) IS 'Each tenant''s audit chain head, checkpoint anchor and row counts, for sluice audit verify.';
