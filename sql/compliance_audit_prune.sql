-- sluice_audit_prune(dry_run, actor): audit retention. Removes, from each tenant's chain, the
-- oldest prefix whose rows are all older than the compliance_audit_logs policy
-- (data_retention_policies.ttl_days, by the server's clock) — never a row after a younger one, so
-- the chain left is whole. For each chain it prunes, in the caller's transaction:
--
-- 1. checks the prefix (gapless from the last checkpoint, every prev_hash linking, every row_hash
--    recomputing) and refuses — pruning nothing — if it is broken: retention must not erase the
--    evidence of tampering (run `sluice audit verify`);
-- 2. writes a signed checkpoint (sluice_private.audit_checkpoints): the last pruned position and
--    its row_hash, where the chain now starts;
-- 3. appends an `audit.prune` entry to the chain naming the same position and hash;
-- 4. deletes the prefix.
--
-- An active legal hold on the category compliance_audit_logs of a tenant keeps that tenant's
-- chain whole (reported as held). dry_run reports what would be pruned and changes nothing.
--
-- SECURITY DEFINER: nobody but the owner may delete audit rows or write checkpoints. The caller
-- chooses nothing but dry_run and the actor recorded: not the time, not the period, not which
-- rows. search_path pinned, every name qualified. Callers: compliance staff (sluice retention apply).
CREATE OR REPLACE FUNCTION sluice_audit_prune(p_dry_run boolean, p_actor text)
RETURNS TABLE (tenant_id text, through_seq bigint, through_hash bytea, pruned_rows bigint, held boolean, prune_entry_seq bigint)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    zero_hash     constant bytea := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
    ttl           integer;
    cutoff        timestamptz;
    signed_at     timestamptz := now();
    chain         record;
    link          record;
    start_seq     bigint;
    expected_seq  bigint;
    expected_prev bytea;
    last_old      bigint;
    appended      record;
BEGIN
    IF p_dry_run IS NULL THEN
        RAISE EXCEPTION 'sluice_audit_prune: dry_run must be true or false' USING ERRCODE = '22023';
    END IF;
    SELECT p.ttl_days INTO ttl FROM public.data_retention_policies AS p WHERE p.category = 'compliance_audit_logs';
    IF ttl IS NULL THEN
        RETURN;  -- no policy: the trail is kept whole
    END IF;
    cutoff := now() - make_interval(days => ttl);

    FOR chain IN SELECT h.tenant_id::text AS tenant_id, h.last_seq FROM sluice_private.audit_chain_heads AS h ORDER BY h.tenant_id LOOP
        -- Appends to this chain wait until the prune commits.
        PERFORM 1 FROM sluice_private.audit_chain_heads AS h WHERE h.tenant_id = chain.tenant_id FOR UPDATE;
        SELECT k.through_seq, k.through_hash INTO start_seq, expected_prev FROM sluice_private.audit_checkpoints AS k
        WHERE k.tenant_id = chain.tenant_id ORDER BY k.through_seq DESC LIMIT 1;
        start_seq := coalesce(start_seq, 0);
        expected_prev := coalesce(expected_prev, zero_hash);
        -- The oldest prefix: up to the row before the first young one.
        SELECT min(a.chain_seq) - 1 INTO last_old FROM public.compliance_audit_logs AS a
        WHERE a.tenant_id = chain.tenant_id AND a.chain_seq > start_seq AND a."timestamp" >= cutoff;
        last_old := least(coalesce(last_old, chain.last_seq), chain.last_seq);
        CONTINUE WHEN last_old <= start_seq;

        tenant_id := chain.tenant_id;
        through_seq := last_old;
        pruned_rows := last_old - start_seq;
        prune_entry_seq := NULL;
        held := EXISTS (SELECT 1 FROM public.legal_holds AS l
                        WHERE l.tenant_id = chain.tenant_id AND l.category = 'compliance_audit_logs' AND l.released_at IS NULL
                          AND (l.until IS NULL OR l.until > now()));
        IF held THEN
            through_hash := NULL;
            pruned_rows := 0;
            RETURN NEXT;
            CONTINUE;
        END IF;

        expected_seq := start_seq + 1;
        FOR link IN
            SELECT a.chain_seq, a.prev_hash, a.row_hash,
                   sha256(a.prev_hash || convert_to(public.sluice_audit_canonical(a.tenant_id, a.chain_seq, a."timestamp", a.user_id, a.actor,
                          a.action, a.resource, a.ip_address, a.user_agent, a.data_classification, a.flags, a.row_counts, a.details), 'UTF8'))
                       AS recomputed
            FROM public.compliance_audit_logs AS a
            WHERE a.tenant_id = chain.tenant_id AND a.chain_seq > start_seq AND a.chain_seq <= last_old
            ORDER BY a.chain_seq
        LOOP
            IF link.chain_seq <> expected_seq OR link.prev_hash IS DISTINCT FROM expected_prev
               OR link.recomputed IS DISTINCT FROM link.row_hash THEN
                RAISE EXCEPTION 'the audit chain of tenant % is broken at position % (run `sluice audit verify`): nothing was pruned',
                    quote_literal(chain.tenant_id), expected_seq USING ERRCODE = '55000';
            END IF;
            expected_seq := expected_seq + 1;
            expected_prev := link.row_hash;
        END LOOP;
        IF expected_seq <> last_old + 1 THEN
            RAISE EXCEPTION 'the audit chain of tenant % is broken at position % (run `sluice audit verify`): nothing was pruned',
                quote_literal(chain.tenant_id), expected_seq USING ERRCODE = '55000';
        END IF;
        through_hash := expected_prev;
        IF p_dry_run THEN
            RETURN NEXT;
            CONTINUE;
        END IF;

        INSERT INTO sluice_private.audit_checkpoints (tenant_id, through_seq, through_hash, pruned_rows, created_at, signature)
        VALUES (chain.tenant_id, last_old, expected_prev, last_old - start_seq, signed_at,
                sluice_private.audit_checkpoint_signature(chain.tenant_id, last_old, expected_prev, last_old - start_seq, signed_at));
        SELECT a.chain_seq INTO appended FROM public.sluice_audit_append(
            chain.tenant_id, 'audit.prune', 'compliance_audit_logs', NULL, p_actor, 'none', '{}'::text[],
            jsonb_build_object('compliance_audit_logs', last_old - start_seq),
            jsonb_build_object('through_seq', last_old::text, 'through_hash', encode(expected_prev, 'hex'), 'ttl_days', ttl::text,
                               'cutoff', to_char(cutoff AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))) AS a;
        prune_entry_seq := appended.chain_seq;
        DELETE FROM public.compliance_audit_logs AS a WHERE a.tenant_id = chain.tenant_id AND a.chain_seq > start_seq AND a.chain_seq <= last_old;
        RETURN NEXT;
    END LOOP;
END;
$$;
REVOKE ALL ON FUNCTION sluice_audit_prune(boolean, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sluice_audit_prune(boolean, text) TO sluice_compliance;
COMMENT ON FUNCTION sluice_audit_prune(boolean, text) IS 'Audit retention: prunes each chain''s expired prefix behind a signed checkpoint and an audit.prune entry.';
