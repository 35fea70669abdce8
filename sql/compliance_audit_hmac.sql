-- sluice_private.audit_hmac(key, message): HMAC-SHA256 (RFC 2104) from the built-in sha256(), so
-- the audit checkpoints need no extension. Owner only (sluice_private has no grants); called by
-- sluice_private.audit_checkpoint_signature.
CREATE OR REPLACE FUNCTION sluice_private.audit_hmac(p_key bytea, p_message bytea)
RETURNS bytea
LANGUAGE plpgsql
IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    block bytea := p_key;
    inner_pad bytea;
    outer_pad bytea;
BEGIN
    IF length(block) > 64 THEN
        block := sha256(block);
    END IF;
    block := block || decode(repeat('00', 64 - length(block)), 'hex');
    inner_pad := block;
    outer_pad := block;
    FOR i IN 0..63 LOOP
        inner_pad := set_byte(inner_pad, i, get_byte(block, i) # 54);  -- 0x36
        outer_pad := set_byte(outer_pad, i, get_byte(block, i) # 92);  -- 0x5c
    END LOOP;
    RETURN sha256(outer_pad || sha256(inner_pad || p_message));
END;
$$;
REVOKE ALL ON FUNCTION sluice_private.audit_hmac(bytea, bytea) FROM PUBLIC;
