-- Batch bookkeeping (seed 003 §5.2). The loader writes one row per committed batch.
CREATE TABLE batch_operations (
    id           BIGSERIAL    PRIMARY KEY,
    batch_id     VARCHAR(255) UNIQUE NOT NULL,
    status       VARCHAR(32)  NOT NULL,  -- pending | processing | completed | failed
    total_events INT,
    created_at   TIMESTAMPTZ  DEFAULT now(),
    updated_at   TIMESTAMPTZ  DEFAULT now(),
    tracking_url TEXT,
    tenant_id    VARCHAR(64)
);

CREATE INDEX batch_operations_created_at_idx ON batch_operations (created_at DESC);
