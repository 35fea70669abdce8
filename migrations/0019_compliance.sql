-- Compliance staff's tools (docs/compliance.md): the tamper-evident audit trail, GDPR erasure with
-- suppression tombstones that hold against replay, export requests that can be resumed, and legal
-- holds. Everything here runs as a member of sluice_compliance, under row-level security: each
-- command names its tenant (sluice.tenant, transaction-local).

-- 1. The audit trail, hash-chained per tenant --------------------------------------------------
-- Each row stores the SHA-256 of the previous row's hash and its own canonical content
-- (sql/compliance_audit_append.sql), so `sluice audit verify` finds the first row that was
-- changed, deleted or inserted out of order. Rows are appended only through
-- sluice_audit_append(), which serializes appends per tenant on the chain's head (below). Nobody
-- but the owner is granted UPDATE or DELETE. user_id holds the subject of the action as a keyed
-- hash (`hmac-sha256:…`), never in clear: an erased person's audit entries need not be rewritten.
ALTER TABLE compliance_audit_logs
    ADD COLUMN actor      TEXT,
    ADD COLUMN row_counts JSONB NOT NULL DEFAULT '{}',
    ADD COLUMN details    JSONB NOT NULL DEFAULT '{}',
    ADD COLUMN chain_seq  BIGINT,
    ADD COLUMN prev_hash  BYTEA,
    ADD COLUMN row_hash   BYTEA;
CREATE UNIQUE INDEX compliance_audit_logs_chain_idx ON compliance_audit_logs (tenant_id, chain_seq);
COMMENT ON COLUMN compliance_audit_logs.user_id IS 'The data subject the action concerned, as a keyed hash (hmac-sha256:…), never in clear; NULL for actions on no person.';
COMMENT ON COLUMN compliance_audit_logs.actor IS 'Who acted: --actor, else the operating-system user, and the database login (actor@login).';
COMMENT ON COLUMN compliance_audit_logs.row_counts IS 'Rows the action read, wrote or deleted, per table.';
COMMENT ON COLUMN compliance_audit_logs.details IS 'What else identifies the action: request ids, options, files.';
COMMENT ON COLUMN compliance_audit_logs.chain_seq IS 'Position in the tenant''s chain, from 1, without gaps.';
COMMENT ON COLUMN compliance_audit_logs.prev_hash IS 'row_hash of the tenant''s previous row (32 zero bytes for the first).';
COMMENT ON COLUMN compliance_audit_logs.row_hash IS 'SHA-256 of prev_hash and this row''s canonical content (sql/compliance_audit_append.sql).';

-- Where each tenant's chain ends: appends lock this row, so they are serialized per tenant and a
-- deleted last row is still found (the head names a position past the last row).
CREATE TABLE sluice_private.audit_chain_heads (
    tenant_id  VARCHAR(64) PRIMARY KEY,
    last_seq   BIGINT      NOT NULL,
    last_hash  BYTEA       NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
REVOKE ALL ON sluice_private.audit_chain_heads FROM PUBLIC;
COMMENT ON TABLE sluice_private.audit_chain_heads IS 'The last position and hash of each tenant''s audit chain (sluice_audit_append).';

-- The definer functions that append to and verify the chain run as the owner, to whom FORCEd
-- row-level security applies too: this policy lets the owner's functions see every tenant's rows.
-- (CURRENT_USER is the role migrating, which owns the functions of sql/.)
CREATE POLICY audit_chain_owner ON compliance_audit_logs TO CURRENT_USER USING (true) WITH CHECK (true);

-- 2. Suppression tombstones --------------------------------------------------------------------
-- An erased subject: keyed hashes of the user id and of every alias stitched to it, never the ids
-- themselves. `sluice load` and both consumers drop (and count as `suppressed`) any event of a
-- tombstoned subject that occurred at or before erased_at, so a replay never brings it back; the
-- subject's later events load normally.
-- (Only if missing, as the column below: a warehouse patched ahead of this migration keeps them.)
CREATE TABLE IF NOT EXISTS suppression_tombstones (
    id           BIGSERIAL,
    tenant_id    VARCHAR(64)  NOT NULL,
    kind         VARCHAR(16)  NOT NULL CHECK (kind IN ('user_id', 'session_id', 'anon_id', 'profile_id')),
    subject_hash TEXT         NOT NULL,
    erased_at    TIMESTAMPTZ  NOT NULL,
    request_id   VARCHAR(255) NOT NULL,
    created_at   TIMESTAMPTZ  NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, kind, subject_hash)
);
COMMENT ON TABLE suppression_tombstones IS 'Erased subjects (sluice gdpr erase): keyed hashes of their user id and aliases. Events of theirs that occurred at or before erased_at are never loaded again (counted suppressed).';
COMMENT ON COLUMN suppression_tombstones.kind IS 'What the hash is of: user_id, or an alias kind (session_id, anon_id, profile_id).';
COMMENT ON COLUMN suppression_tombstones.subject_hash IS 'hmac-sha256:<hex> of kind and value, keyed by the tenant''s key (from SLUICE_PII_HASH_SECRET), never the value.';
COMMENT ON COLUMN suppression_tombstones.erased_at IS 'Events of the subject that occurred at or before this time are suppressed.';

-- 3. Erasure requests ------------------------------------------------------------------------
-- One per erasure of a subject: what it did, resumable. The subject is named by its keyed hash.
CREATE TABLE gdpr_erasure_requests (
    id             BIGSERIAL,
    tenant_id      VARCHAR(64)  NOT NULL,
    request_id     VARCHAR(255) NOT NULL,
    subject_hash   TEXT         NOT NULL,
    status         VARCHAR(32)  NOT NULL CHECK (status IN ('pending', 'tombstoned', 'deleting', 'completed', 'held', 'failed')),
    requested_by   TEXT         NOT NULL,
    created_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
    erased_at      TIMESTAMPTZ,
    completed_at   TIMESTAMPTZ,
    row_counts     JSONB        NOT NULL DEFAULT '{}',
    error          TEXT,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, request_id)
);
CREATE INDEX gdpr_erasure_requests_subject_idx ON gdpr_erasure_requests (tenant_id, subject_hash);
COMMENT ON TABLE gdpr_erasure_requests IS 'GDPR Article 17 erasures (sluice gdpr erase): pending → tombstoned → deleting → completed (or held by a legal hold, or failed). Re-running the command resumes the request of the same subject.';

-- 4. Export requests: what a resumable export needs ------------------------------------------
ALTER TABLE gdpr_export_requests
    ADD COLUMN started_at TIMESTAMPTZ,
    ADD COLUMN output_dir TEXT,
    ADD COLUMN row_counts JSONB NOT NULL DEFAULT '{}',
    ADD COLUMN error      TEXT;
COMMENT ON TABLE gdpr_export_requests IS 'GDPR Article 15 exports (sluice gdpr export): pending → running → completed | failed; download_url is the manifest file''s URL.';

-- 5. Legal holds -----------------------------------------------------------------------------
-- A hold on a person (user_id) or a retention category blocks retention's deletions — and an
-- erasure — of what it covers until it is released or its `until` passes.
CREATE TABLE legal_holds (
    id          BIGSERIAL,
    tenant_id   VARCHAR(64)  NOT NULL,
    user_id     VARCHAR(255),
    category    VARCHAR(64),
    reason      TEXT         NOT NULL,
    until       TIMESTAMPTZ,
    created_by  TEXT         NOT NULL,
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    released_at TIMESTAMPTZ,
    released_by TEXT,
    PRIMARY KEY (tenant_id, id),
    CHECK ((user_id IS NULL) <> (category IS NULL))
);
CREATE INDEX legal_holds_user_idx ON legal_holds (tenant_id, user_id) WHERE released_at IS NULL;
COMMENT ON TABLE legal_holds IS 'Legal holds (sluice retention hold|release|holds): while active (not released, until in the future or NULL) nothing they cover is deleted by retention or erasure.';

-- 6. Row-level security on the new tenant-scoped tables, as on every other one ---------------
DO $$
DECLARE
    target regclass;
BEGIN
    FOREACH target IN ARRAY ARRAY['public.suppression_tombstones', 'public.gdpr_erasure_requests', 'public.legal_holds']::regclass[] LOOP
        EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
        EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
        EXECUTE format('CREATE POLICY tenant_isolation ON %s USING (tenant_id = (SELECT sluice_current_tenant())) '
                       'WITH CHECK (tenant_id = (SELECT sluice_current_tenant()))', target);
    END LOOP;
END
$$;

-- 7. Privileges: compliance staff read and delete what export and erasure need, nothing else ---
GRANT SELECT, INSERT, UPDATE, DELETE ON suppression_tombstones TO sluice_compliance;
GRANT SELECT, INSERT, UPDATE ON gdpr_erasure_requests TO sluice_compliance;
GRANT USAGE ON SEQUENCE suppression_tombstones_id_seq, gdpr_erasure_requests_id_seq TO sluice_compliance;
GRANT SELECT, INSERT, UPDATE ON legal_holds TO sluice_compliance;
GRANT USAGE ON SEQUENCE legal_holds_id_seq TO sluice_compliance;
-- Audit rows are appended through sluice_audit_append() only (it keeps the chain).
REVOKE INSERT ON compliance_audit_logs FROM sluice_compliance;
GRANT INSERT ON refresh_dirty_buckets TO sluice_compliance;
GRANT USAGE ON SEQUENCE refresh_dirty_buckets_id_seq TO sluice_compliance;
GRANT SELECT ON personalization_opt_outs, privacy_policies TO sluice_compliance;
GRANT SELECT, DELETE ON analytics.identity_pairs, analytics.identity_links, analytics.alias_days, analytics.user_days,
                        analytics.user_attribute_values, analytics.dim_users, analytics.funnel_user_days TO sluice_compliance;
-- Who each event is about, as the refresh sees it (analytics.event_identities): subjects are
-- resolved and their events found through it, with the same blocked values.
GRANT SELECT ON identity_settings, identity_blocked_values TO sluice_compliance;
-- The loader and the consumers read the tombstones in every batch's transaction, and the blocked
-- identifiers (an event whose user id is blocked is anonymous: its alias decides).
GRANT SELECT ON suppression_tombstones, identity_blocked_values TO sluice_loader;

-- 8. batch_operations counts the new outcome: read = loaded + duplicates + rejected + sampled_out
--    + suppressed.
ALTER TABLE batch_operations ADD COLUMN IF NOT EXISTS suppressed_count INTEGER NOT NULL DEFAULT 0;
COMMENT ON COLUMN batch_operations.suppressed_count IS 'Events of erased subjects (suppression_tombstones) that occurred at or before their erasure: dropped, never loaded.';
