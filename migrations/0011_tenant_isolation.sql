-- Tenant isolation enforced by PostgreSQL itself (docs/security.md).
--
-- 1. Every primary and unique key of a tenant-scoped table leads with tenant_id, so that Citus can
--    distribute these tables by tenant_id, co-located (docs/scaling.md).
-- 2. Row-level security, FORCEd (the owner too), on every tenant-scoped table: a row is visible
--    and writable only when its tenant_id is sluice_current_tenant() — the tenant a BI login is
--    bound to (tenant_logins), else the transaction's `sluice.tenant` setting. A connection with
--    neither sees no rows, never all of them. Superusers and BYPASSRLS roles (sluice_loader,
--    sluice_refresher) are not filtered.
-- 3. Least privilege: each group role gets what its commands need, nothing else.

-- 1. Tenant-leading keys. Rows from before this version without a tenant get '' (no tenant).
UPDATE batch_operations SET tenant_id = '' WHERE tenant_id IS NULL;
UPDATE compliance_audit_logs SET tenant_id = '' WHERE tenant_id IS NULL;
UPDATE gdpr_export_requests SET tenant_id = '' WHERE tenant_id IS NULL;

ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD PRIMARY KEY (tenant_id, id, occurred_at);

ALTER TABLE rejected_events DROP CONSTRAINT rejected_events_pkey;
ALTER TABLE rejected_events ADD PRIMARY KEY (tenant_id, id);

ALTER TABLE batch_operations ALTER COLUMN tenant_id SET NOT NULL;
ALTER TABLE batch_operations DROP CONSTRAINT batch_operations_pkey;
ALTER TABLE batch_operations DROP CONSTRAINT batch_operations_batch_id_key;
ALTER TABLE batch_operations ADD PRIMARY KEY (tenant_id, id);
ALTER TABLE batch_operations ADD CONSTRAINT batch_operations_batch_id_key UNIQUE (tenant_id, batch_id);

ALTER TABLE refresh_dirty_buckets DROP CONSTRAINT refresh_dirty_buckets_pkey;
ALTER TABLE refresh_dirty_buckets ADD PRIMARY KEY (tenant_id, id);

ALTER TABLE compliance_audit_logs ALTER COLUMN tenant_id SET NOT NULL;
ALTER TABLE compliance_audit_logs ALTER COLUMN tenant_id SET DEFAULT '';
ALTER TABLE compliance_audit_logs DROP CONSTRAINT compliance_audit_logs_pkey;
ALTER TABLE compliance_audit_logs ADD PRIMARY KEY (tenant_id, id);
COMMENT ON COLUMN compliance_audit_logs.tenant_id IS 'The tenant the action concerned; '''' for actions on no tenant''s data.';

ALTER TABLE gdpr_export_requests ALTER COLUMN tenant_id SET NOT NULL;
ALTER TABLE gdpr_export_requests DROP CONSTRAINT gdpr_export_requests_pkey;
ALTER TABLE gdpr_export_requests DROP CONSTRAINT gdpr_export_requests_request_id_key;
ALTER TABLE gdpr_export_requests ADD PRIMARY KEY (tenant_id, id);
ALTER TABLE gdpr_export_requests ADD CONSTRAINT gdpr_export_requests_request_id_key UNIQUE (tenant_id, request_id);

-- 2. Which tenant a session may see.
CREATE TABLE tenant_logins (
    login      NAME        PRIMARY KEY,
    tenant_id  VARCHAR(64) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
COMMENT ON TABLE tenant_logins IS 'BI logins and the one tenant each may read (sluice bi grant|revoke|list). A reference table: not tenant-scoped.';

-- STABLE and SECURITY DEFINER: a BI login cannot read tenant_logins itself; the policies call this
-- once per statement (as an InitPlan: `(SELECT sluice_current_tenant())`). session_user, not
-- current_user: SET ROLE does not change who logged in.
CREATE OR REPLACE FUNCTION sluice_current_tenant()
RETURNS text
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
    SELECT CASE
               WHEN bound.tenant_id IS NOT NULL THEN bound.tenant_id
               -- A BI login without a binding sees nothing; its own setting does not count.
               WHEN pg_has_role(session_user, 'sluice_bi', 'MEMBER') THEN NULL
               ELSE NULLIF(current_setting('sluice.tenant', true), '')
           END
    FROM (SELECT (SELECT t.tenant_id FROM public.tenant_logins AS t WHERE t.login = session_user) AS tenant_id) AS bound
$$;
COMMENT ON FUNCTION sluice_current_tenant() IS 'The tenant this session may see: its BI login''s binding, else set_config(''sluice.tenant'', …, true); NULL (no rows) otherwise.';

DO $$
DECLARE
    target regclass;
BEGIN
    FOREACH target IN ARRAY ARRAY[
        'public.events', 'public.event_idempotency_keys', 'public.rejected_events', 'public.load_checkpoints',
        'public.batch_operations', 'public.refresh_dirty_buckets', 'public.compliance_audit_logs',
        'public.gdpr_export_requests',
        'analytics.identity_pairs', 'analytics.alias_days', 'analytics.identity_links', 'analytics.user_days',
        'analytics.user_attribute_values', 'analytics.dim_users', 'analytics.dim_devices', 'analytics.device_days',
        'analytics.kpi_daily', 'analytics.funnel_step', 'analytics.funnel_user_days', 'analytics.inventory_daily',
        'analytics.device_metrics'
    ]::regclass[] LOOP
        EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
        EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
        EXECUTE format('CREATE POLICY tenant_isolation ON %s USING (tenant_id = (SELECT sluice_current_tenant())) '
                       'WITH CHECK (tenant_id = (SELECT sluice_current_tenant()))', target);
    END LOOP;
END
$$;

-- 3. Privileges. Partitions of events are reached only through events (nobody is granted a
-- partition), so the parent's policy always applies. Views and functions of sql/ grant their own.
GRANT USAGE ON SCHEMA public TO sluice_loader, sluice_refresher, sluice_compliance;
GRANT USAGE ON SCHEMA analytics TO sluice_refresher, sluice_compliance, sluice_bi;

-- sluice_loader: `sluice load`, `sluice rejects replay`.
GRANT INSERT ON events TO sluice_loader;
GRANT SELECT, INSERT, DELETE ON event_idempotency_keys TO sluice_loader;
GRANT SELECT, INSERT, UPDATE ON rejected_events TO sluice_loader;
GRANT SELECT, INSERT, UPDATE, DELETE ON load_checkpoints TO sluice_loader;
GRANT SELECT, INSERT ON batch_operations TO sluice_loader;
GRANT INSERT ON refresh_dirty_buckets TO sluice_loader;
GRANT SELECT ON privacy_policies, sampling_rules, personalization_opt_outs, data_retention_policies TO sluice_loader;
GRANT USAGE ON SEQUENCE events_id_seq, rejected_events_id_seq, batch_operations_id_seq, refresh_dirty_buckets_id_seq TO sluice_loader;

-- sluice_refresher: `sluice refresh`.
GRANT SELECT ON events, identity_settings, identity_blocked_values TO sluice_refresher;
GRANT SELECT, DELETE ON refresh_dirty_buckets TO sluice_refresher;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA analytics TO sluice_refresher;

-- sluice_compliance: exports and erasure of one subject, retention, the audit trail.
GRANT SELECT, DELETE ON events, event_idempotency_keys, rejected_events TO sluice_compliance;
GRANT SELECT, INSERT ON compliance_audit_logs TO sluice_compliance;
GRANT SELECT, INSERT, UPDATE ON gdpr_export_requests TO sluice_compliance;
GRANT SELECT ON data_retention_policies TO sluice_compliance;
GRANT USAGE ON SEQUENCE compliance_audit_logs_id_seq, gdpr_export_requests_id_seq TO sluice_compliance;
GRANT SELECT ON analytics.dim_users, analytics.identity_links, analytics.user_attribute_values TO sluice_compliance;

-- sluice_bi: the analytics schema's figures; not the bookkeeping, not events, not the dead letter.
GRANT SELECT ON analytics.dim_date, analytics.identity_links, analytics.dim_users, analytics.dim_devices,
                analytics.kpi_daily, analytics.funnel_step, analytics.funnel_user_days, analytics.inventory_daily,
                analytics.device_metrics, analytics.refresh_log TO sluice_bi;
