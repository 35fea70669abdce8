-- sluice_private.audit_checkpoint_signature(...): the signature of one audit checkpoint
-- (sluice_private.audit_checkpoints): HMAC-SHA256, keyed by sluice_private.audit_signing_key, of
-- the text `tenant|through_seq|hex(through_hash)|pruned_rows|created_at (UTC, microseconds)`.
-- Owner only: it reads the key, so it runs only inside the owner's definer functions
-- (sluice_audit_prune writes checkpoints, sluice_audit_chains checks them).
CREATE OR REPLACE FUNCTION sluice_private.audit_checkpoint_signature(p_tenant text, p_through_seq bigint, p_through_hash bytea,
                                                                      p_pruned_rows bigint, p_created_at timestamptz)
RETURNS bytea
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    signing_key bytea;
BEGIN
    SELECT k.key INTO signing_key FROM sluice_private.audit_signing_key AS k WHERE k.singleton;
    IF signing_key IS NULL THEN
        RAISE EXCEPTION 'sluice_private.audit_signing_key is empty: run `sluice migrate` again' USING ERRCODE = '55000';
    END IF;
    RETURN sluice_private.audit_hmac(signing_key, convert_to(
        p_tenant || '|' || p_through_seq::text || '|' || encode(p_through_hash, 'hex') || '|' || p_pruned_rows::text || '|'
        || to_char(p_created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'UTF8'));
END;
$$;
REVOKE ALL ON FUNCTION sluice_private.audit_checkpoint_signature(text, bigint, bytea, bigint, timestamptz) FROM PUBLIC;
