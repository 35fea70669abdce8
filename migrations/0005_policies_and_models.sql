-- Retention policies and the ML model registry (seed 003 §5.5).
-- Policies are data: every loader and server reads the same rows (docs/architecture.md).
CREATE TABLE data_retention_policies (
    id          BIGSERIAL   PRIMARY KEY,
    category    VARCHAR(64) NOT NULL UNIQUE,
    ttl_days    INTEGER     NOT NULL CHECK (ttl_days > 0),
    description TEXT,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Documented defaults (docs/operations.md, "Retention"); change them with UPDATE, not a migration.
INSERT INTO data_retention_policies (category, ttl_days, description) VALUES
    ('events',                730, 'Behavioural and commerce events: monthly partitions older than this are dropped.'),
    ('clinical_events',      3650, 'pocm device and clinical event types (device_activation … regulatory_report): regulatory record keeping.'),
    ('rejected_events',        30, 'Dead-lettered input lines kept for inspection and replay.'),
    ('batch_operations',      180, 'Load batch bookkeeping.'),
    ('compliance_audit_logs', 2555, 'Audit trail of reads, exports and erasures (7 years).'),
    ('gdpr_export_requests',  1095, 'Record of GDPR requests and their outcome (3 years).'),
    ('gdpr_export_files',        7, 'Generated export files and their download links.');

CREATE TABLE ml_models (
    id         BIGSERIAL    PRIMARY KEY,
    name       VARCHAR(255) NOT NULL,
    version    VARCHAR(64)  NOT NULL,
    uri        TEXT,
    created_at TIMESTAMPTZ  NOT NULL DEFAULT now(),
    UNIQUE (name, version)
);
