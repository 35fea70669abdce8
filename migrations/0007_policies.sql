-- Privacy, sampling and opt-out policies (seeds 002, 003 §7, 004) as data: every loader and
-- server reads the same rows (docs/architecture.md, "Policies are data"). Read per tenant when a load starts.

-- Per-tenant privacy actions; the '*' row applies to tenants without a row of their own.
-- Key material is never stored here: it comes from the environment (SLUICE_MEDICAL_KEY,
-- SLUICE_PII_HASH_SECRET).
CREATE TABLE privacy_policies (
    tenant_id      VARCHAR(64) PRIMARY KEY,
    pii_action     VARCHAR(16) NOT NULL DEFAULT 'hash'     CHECK (pii_action IN ('hash', 'strip')),
    ip_action      VARCHAR(16) NOT NULL DEFAULT 'truncate' CHECK (ip_action IN ('truncate', 'strip', 'keep')),
    medical_action VARCHAR(16) NOT NULL DEFAULT 'encrypt'  CHECK (medical_action IN ('encrypt', 'strip')),
    opt_out_action VARCHAR(16) NOT NULL DEFAULT 'flag'     CHECK (opt_out_action IN ('flag', 'drop')),
    sampling_salt  TEXT        NOT NULL DEFAULT '',
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

INSERT INTO privacy_policies (tenant_id) VALUES ('*');

-- Keep-rates per (contract, event type); event_type '*' covers the contract's other types, and
-- tenant_id '*' every tenant without its own rule. Sampling is deterministic on the user id, so a
-- user's whole journey is kept or dropped; sampled-out events are counted, never silently lost.
CREATE TABLE sampling_rules (
    tenant_id  VARCHAR(64) NOT NULL DEFAULT '*',
    contract   VARCHAR(32) NOT NULL,
    event_type VARCHAR(64) NOT NULL DEFAULT '*',
    keep_rate  NUMERIC(7, 6) NOT NULL CHECK (keep_rate BETWEEN 0 AND 1),
    PRIMARY KEY (tenant_id, contract, event_type)
);

-- Users who opted out of personalization (seed 004): their events are flagged `opted_out` (so
-- training views exclude them) or dropped, per privacy_policies.opt_out_action.
CREATE TABLE personalization_opt_outs (
    tenant_id    VARCHAR(64)  NOT NULL,
    user_id      VARCHAR(255) NOT NULL,
    opted_out_at TIMESTAMPTZ  NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id)
);
