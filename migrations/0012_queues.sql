-- Queue consumers (`sluice consume redis|kafka`): their positions and the Redis message ledger,
-- both written in each batch's transaction (docs/queues.md).

-- Where each consumer group stands, per (tenant, queue, group, partition): Redis, the last entry id
-- committed (`next_offset` holds it packed as ms << 16 | seq, so parallel writers only move it
-- forward); Kafka, the next offset to read (`next_offset`, checked and advanced by each batch).
-- `lag` is what the queue reported after the batch (Redis XINFO GROUPS lag; Kafka high watermark
-- minus next offset).
CREATE TABLE queue_positions (
    tenant_id   VARCHAR(64)  NOT NULL,
    kind        VARCHAR(16)  NOT NULL CHECK (kind IN ('redis', 'kafka')),
    queue       TEXT         NOT NULL,
    group_name  TEXT         NOT NULL,
    partition   INT          NOT NULL DEFAULT 0,
    position    TEXT         NOT NULL,
    next_offset BIGINT,
    lag         BIGINT,
    batch_id    VARCHAR(255),
    updated_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, kind, queue, group_name, partition)
);
COMMENT ON TABLE queue_positions IS 'Consumer group positions, committed with each batch: Redis last entry id; Kafka next offset (checked, so a consumer that lost its partition cannot commit).';

-- Redis entries committed, one row per batch: a batch's entry ids (packed as ms << 21 | seq, see
-- RedisStreamID) go in with its rows, so an entry delivered again (claimed after a crash between
-- COMMIT and XACK, or taken over from a consumer that was slow, not dead) is found and counted a
-- duplicate, not loaded twice. Batches read fresh (XREADGROUP >) cannot overlap one another; a
-- redelivered batch takes the group's advisory lock exclusively, so its check sees every copy
-- committed before it. Rows are pruned once no copy can still be in flight (docs/queues.md).
CREATE TABLE queue_message_ledger (
    tenant_id    VARCHAR(64)  NOT NULL,
    queue        TEXT         NOT NULL,
    group_name   TEXT         NOT NULL,
    batch_id     VARCHAR(255) NOT NULL,
    first_id     BIGINT       NOT NULL,
    last_id      BIGINT       NOT NULL,
    ids          BIGINT[]     NOT NULL,
    committed_at TIMESTAMPTZ  NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, queue, group_name, batch_id)
);
CREATE INDEX queue_message_ledger_range_idx ON queue_message_ledger (tenant_id, queue, group_name, last_id);
CREATE INDEX queue_message_ledger_age_idx ON queue_message_ledger (committed_at);
COMMENT ON TABLE queue_message_ledger IS 'Redis stream entry ids committed per batch (recent ones): a second delivery is a duplicate.';

ALTER TABLE queue_positions ENABLE ROW LEVEL SECURITY;
ALTER TABLE queue_positions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON queue_positions USING (tenant_id = (SELECT sluice_current_tenant()))
    WITH CHECK (tenant_id = (SELECT sluice_current_tenant()));
ALTER TABLE queue_message_ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE queue_message_ledger FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON queue_message_ledger USING (tenant_id = (SELECT sluice_current_tenant()))
    WITH CHECK (tenant_id = (SELECT sluice_current_tenant()));

GRANT SELECT, INSERT, UPDATE ON queue_positions TO sluice_loader;
GRANT SELECT, INSERT, DELETE ON queue_message_ledger TO sluice_loader;
