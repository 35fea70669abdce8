-- The audit trail's verification and retention (docs/compliance.md, "Audit trail").
--
-- Retention prunes only the oldest prefix of a tenant's chain, and only through
-- sluice_audit_prune() (sql/compliance_audit_prune.sql), which first checks the prefix, then writes
-- a signed checkpoint here — where the chain now starts: the position and row_hash of the last
-- pruned row — and appends an `audit.prune` entry naming the same position and hash to the chain
-- itself. `sluice audit verify` anchors a pruned chain on its latest checkpoint and checks that the
-- chain's own entry agrees with it.
CREATE TABLE sluice_private.audit_checkpoints (
    tenant_id    VARCHAR(64) NOT NULL,
    through_seq  BIGINT      NOT NULL CHECK (through_seq > 0),
    through_hash BYTEA       NOT NULL CHECK (length(through_hash) = 32),
    pruned_rows  BIGINT      NOT NULL CHECK (pruned_rows > 0),
    created_at   TIMESTAMPTZ NOT NULL,
    signature    BYTEA       NOT NULL,
    PRIMARY KEY (tenant_id, through_seq)
);
REVOKE ALL ON sluice_private.audit_checkpoints FROM PUBLIC;
COMMENT ON TABLE sluice_private.audit_checkpoints IS 'Where each tenant''s pruned audit chain starts (sluice_audit_prune): the last pruned position and its row_hash, signed with sluice_private.audit_signing_key.';
COMMENT ON COLUMN sluice_private.audit_checkpoints.signature IS 'HMAC-SHA256 (sluice_private.audit_hmac) of tenant, through_seq, through_hash, pruned_rows and created_at, keyed by sluice_private.audit_signing_key.';

-- The checkpoints' key: random, made here, readable by the owner only (sluice_private has no
-- grants). What its signature proves, and what it cannot: docs/compliance.md, "Audit trail".
CREATE TABLE sluice_private.audit_signing_key (
    singleton  BOOLEAN     PRIMARY KEY DEFAULT true CHECK (singleton),
    key        BYTEA       NOT NULL CHECK (length(key) = 32),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
REVOKE ALL ON sluice_private.audit_signing_key FROM PUBLIC;
-- gen_random_uuid() draws from the server's strong random source (122 random bits each).
INSERT INTO sluice_private.audit_signing_key (key)
VALUES (sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')));
COMMENT ON TABLE sluice_private.audit_signing_key IS 'The key of the audit checkpoints'' signatures; owner only.';
