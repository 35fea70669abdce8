-- The canonical event table (seed 003 §5.1) and its idempotency key ledger.
--
-- Range-partitioned by month on occurred_at. There is deliberately no DEFAULT partition: a row
-- outside every partition is rejected by the loader with a reason instead of being parked where it
-- blocks later partition maintenance. Partitions are created by sluice_ensure_event_partition()
-- (sql/event_partition_function.sql): ahead of time by `sluice partitions ensure`, and on demand by
-- the loader for the months a batch touches.
--
-- No triggers and no volatile defaults on this table: either would switch COPY to row-at-a-time.
-- (nextval() is exempt in PostgreSQL's COPY and now() is stable, so BIGSERIAL and received_at are fine.)
CREATE TABLE events (
    id              BIGSERIAL,
    type            VARCHAR(64)  NOT NULL,
    occurred_at     TIMESTAMPTZ  NOT NULL,
    received_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
    producer        VARCHAR(255),
    source_service  VARCHAR(255),
    user_id         VARCHAR(255),
    order_id        VARCHAR(255),
    session_id      VARCHAR(255),
    trace_id        VARCHAR(255),
    idempotency_key VARCHAR(255),
    -- Seed 003 §7: every record carries tenant_id for isolation, so it is required here.
    tenant_id       VARCHAR(64)  NOT NULL,
    data_json       JSONB        NOT NULL,
    -- What the loader needs beyond the seed: which contract and schema version validated the row,
    -- the batch that loaded it, and privacy flags (e.g. 'opted_out', 'product_ingestion').
    contract        VARCHAR(32)  NOT NULL,
    schema_version  SMALLINT     NOT NULL DEFAULT 1,
    batch_id        VARCHAR(255),
    flags           TEXT[]       NOT NULL DEFAULT '{}',
    PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);

COMMENT ON TABLE events IS 'Canonical events (seed 003 §5.1), monthly range partitions on occurred_at. Idempotency is enforced by event_idempotency_keys, not by a unique index.';

CREATE INDEX events_occurred_at_idx        ON events (occurred_at DESC);
CREATE INDEX events_type_occurred_at_idx   ON events (type, occurred_at);
CREATE INDEX events_user_occurred_at_idx   ON events (user_id, occurred_at);
CREATE INDEX events_order_occurred_at_idx  ON events (order_id, occurred_at);
CREATE INDEX events_tenant_occurred_at_idx ON events (tenant_id, occurred_at);
CREATE INDEX events_data_json_idx          ON events USING GIN (data_json jsonb_path_ops);

-- The seed asks for "unique on idempotency_key". PostgreSQL cannot enforce a unique index on a
-- partitioned table unless it includes the partition key (occurred_at), and a retry whose timestamp
-- moved to another month must still count as a duplicate. So uniqueness lives in this ledger,
-- keyed by (tenant_id, contract, idempotency_key). The loader writes a batch's keys here in the
-- same transaction as its rows (INSERT … ON CONFLICT DO NOTHING RETURNING tells it which keys are
-- new) and COPYs only the rows whose keys were new.
-- The contract is part of the key because each contract's producers own their key space (a pocm
-- idempotency_key, an ingestion-api transactionId, a growthos eventId): equal strings from two
-- contracts are different events, and treating them as duplicates would lose data.
CREATE TABLE event_idempotency_keys (
    tenant_id       VARCHAR(64)  NOT NULL,
    contract        VARCHAR(32)  NOT NULL,
    idempotency_key VARCHAR(255) NOT NULL,
    occurred_at     TIMESTAMPTZ  NOT NULL,
    batch_id        VARCHAR(255),
    first_seen_at   TIMESTAMPTZ  NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, contract, idempotency_key)
);

COMMENT ON TABLE event_idempotency_keys IS 'Idempotency key ledger: one row per (tenant, contract, key) ever loaded; written in the same transaction as the events.';
