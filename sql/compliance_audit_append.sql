-- sluice_audit_append(...): append one row to a tenant's hash-chained audit trail
-- (compliance_audit_logs, migrations/0019_compliance.sql) and return its id, position and hash.
--
-- The chain: row n stores prev_hash = row_hash of row n-1 (32 zero bytes for row 1) and
-- row_hash = SHA-256(prev_hash || canonical content), the canonical content being
-- sluice_audit_canonical() of the row: a jsonb object's text, which PostgreSQL prints with its keys
-- in one fixed order and no insignificant space, so the same row always hashes the same.
-- `sluice audit verify` recomputes it row by row.
--
-- SECURITY DEFINER: nobody but the owner may write compliance_audit_logs or the chain heads
-- (sluice_private.audit_chain_heads): that appends cannot rewrite or reorder the chain is what
-- makes it worth verifying. Appends are serialized per tenant by locking the head row. The caller's
-- login is always recorded beside the actor it names (actor@login), so an entry cannot pass for
-- another login's. search_path is pg_catalog, pg_temp and every name is qualified; every argument
-- is checked. Callers: the loader (rejects discard), compliance staff (gdpr, retention, audit) and
-- the owner (bi grant|revoke).
CREATE OR REPLACE FUNCTION sluice_audit_canonical(p_tenant text, p_seq bigint, p_at timestamptz, p_subject text,
                                                  p_actor text, p_action text, p_resource text, p_ip text,
                                                  p_user_agent text, p_classification text, p_flags text[],
                                                  p_row_counts jsonb, p_details jsonb)
RETURNS text
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_build_object(
        'tenant_id', p_tenant, 'chain_seq', p_seq,
        'timestamp', to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'user_id', p_subject, 'actor', p_actor, 'action', p_action, 'resource', p_resource,
        'ip_address', p_ip, 'user_agent', p_user_agent, 'data_classification', p_classification,
        'flags', to_jsonb(p_flags), 'row_counts', p_row_counts, 'details', p_details)::text
$$;
COMMENT ON FUNCTION sluice_audit_canonical(text, bigint, timestamptz, text, text, text, text, text, text, text, text[], jsonb, jsonb)
    IS 'The canonical text of an audit row, which its row_hash covers (with the previous row''s hash).';

CREATE OR REPLACE FUNCTION sluice_audit_append(p_tenant text, p_action text, p_resource text, p_subject text,
                                               p_actor text, p_classification text, p_flags text[] DEFAULT '{}',
                                               p_row_counts jsonb DEFAULT '{}', p_details jsonb DEFAULT '{}',
                                               p_ip text DEFAULT NULL, p_user_agent text DEFAULT NULL)
RETURNS TABLE (id bigint, chain_seq bigint, row_hash bytea)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    head      record;
    at        timestamptz := clock_timestamp();
    actor     text;
    content   text;
    new_hash  bytea;
BEGIN
    IF p_tenant IS NULL OR length(p_tenant) > 64 THEN
        RAISE EXCEPTION 'sluice_audit_append: the tenant must be text of at most 64 characters ('''' for no tenant)' USING ERRCODE = '22023';
    END IF;
    IF p_action IS NULL OR p_action !~ '^[a-z][a-z_.]{0,63}$' THEN
        RAISE EXCEPTION 'sluice_audit_append: invalid action %', quote_literal(left(coalesce(p_action, 'NULL'), 70)) USING ERRCODE = '22023';
    END IF;
    IF p_classification IS NOT NULL AND p_classification NOT IN ('pii', 'medical', 'behavioural', 'none') THEN
        RAISE EXCEPTION 'sluice_audit_append: data_classification must be pii, medical, behavioural or none' USING ERRCODE = '22023';
    END IF;
    IF p_subject IS NOT NULL AND p_subject !~ '^hmac-sha256:[0-9a-f]{64}$' THEN
        RAISE EXCEPTION 'sluice_audit_append: the subject is recorded as a keyed hash (hmac-sha256:<64 hex digits>), never in clear' USING ERRCODE = '22023';
    END IF;
    IF jsonb_typeof(coalesce(p_row_counts, '{}')) <> 'object' OR jsonb_typeof(coalesce(p_details, '{}')) <> 'object' THEN
        RAISE EXCEPTION 'sluice_audit_append: row_counts and details must be JSON objects' USING ERRCODE = '22023';
    END IF;
    IF length(coalesce(p_resource, '')) > 4096 OR length(coalesce(p_actor, '')) > 255 OR length(coalesce(p_user_agent, '')) > 1024
       OR length(coalesce(p_ip, '')) > 64 THEN
        RAISE EXCEPTION 'sluice_audit_append: resource, actor, user agent or ip too long' USING ERRCODE = '22023';
    END IF;
    actor := coalesce(nullif(p_actor, ''), 'unknown') || '@' || session_user;

    INSERT INTO sluice_private.audit_chain_heads AS h (tenant_id, last_seq, last_hash)
    VALUES (p_tenant, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
    ON CONFLICT (tenant_id) DO NOTHING;
    SELECT h.last_seq, h.last_hash INTO head FROM sluice_private.audit_chain_heads AS h WHERE h.tenant_id = p_tenant FOR UPDATE;

    content := public.sluice_audit_canonical(p_tenant, head.last_seq + 1, at, p_subject, actor, p_action, p_resource, p_ip,
                                             p_user_agent, p_classification, coalesce(p_flags, '{}'),
                                             coalesce(p_row_counts, '{}'), coalesce(p_details, '{}'));
    new_hash := sha256(head.last_hash || convert_to(content, 'UTF8'));
    INSERT INTO public.compliance_audit_logs AS a
        (tenant_id, "timestamp", user_id, actor, action, resource, ip_address, user_agent, data_classification, flags,
         row_counts, details, chain_seq, prev_hash, row_hash)
    VALUES (p_tenant, at, p_subject, actor, p_action, p_resource, p_ip, p_user_agent, p_classification, coalesce(p_flags, '{}'),
            coalesce(p_row_counts, '{}'), coalesce(p_details, '{}'), head.last_seq + 1, head.last_hash, new_hash)
    RETURNING a.id, a.chain_seq, a.row_hash INTO id, chain_seq, row_hash;
    UPDATE sluice_private.audit_chain_heads AS h SET last_seq = head.last_seq + 1, last_hash = new_hash, updated_at = at
    WHERE h.tenant_id = p_tenant;
    RETURN NEXT;
END;
$$;

REVOKE ALL ON FUNCTION sluice_audit_append(text, text, text, text, text, text, text[], jsonb, jsonb, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sluice_audit_append(text, text, text, text, text, text, text[], jsonb, jsonb, text, text)
    TO sluice_loader, sluice_compliance;
