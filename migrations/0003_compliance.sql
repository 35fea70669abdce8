-- Compliance tables (seed 003 §5.3, §5.4): the audit log of reads/exports/erasures and GDPR
-- export requests made by compliance staff.
CREATE TABLE compliance_audit_logs (
    id                  BIGSERIAL    PRIMARY KEY,
    "timestamp"         TIMESTAMPTZ  NOT NULL DEFAULT now(),
    user_id             VARCHAR(255),
    action              VARCHAR(64),
    resource            TEXT,
    ip_address          VARCHAR(64),
    user_agent          TEXT,
    data_classification VARCHAR(64),
    flags               TEXT[],
    tenant_id           VARCHAR(64)
);

CREATE INDEX compliance_audit_logs_timestamp_idx ON compliance_audit_logs ("timestamp" DESC);
CREATE INDEX compliance_audit_logs_user_idx      ON compliance_audit_logs (user_id, "timestamp");

CREATE TABLE gdpr_export_requests (
    id           BIGSERIAL    PRIMARY KEY,
    request_id   VARCHAR(255) UNIQUE NOT NULL,
    user_id      VARCHAR(255) NOT NULL,
    status       VARCHAR(32)  NOT NULL,  -- pending | running | completed | failed
    created_at   TIMESTAMPTZ  DEFAULT now(),
    completed_at TIMESTAMPTZ,
    download_url TEXT,
    tenant_id    VARCHAR(64),
    requested_by VARCHAR(255)
);

CREATE INDEX gdpr_export_requests_user_idx ON gdpr_export_requests (tenant_id, user_id);
