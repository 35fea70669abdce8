-- Nothing lost when an input changes under the loader, and dead letters per tenant.
--
-- 1. A checkpoint belongs to (tenant, contract, source) — the same file loaded for a second tenant
--    or under another contract is a separate load — and records what it read: the device and inode
--    of the file, and a fingerprint of the bytes up to its end (SHA-256 over the offset, the first
--    and the last 4 KiB before it). A resume checks both; a rotated, truncated or rewritten file is
--    read from its start (the key ledger makes that safe).
ALTER TABLE load_checkpoints
    ADD COLUMN tenant_id       VARCHAR(64),
    ADD COLUMN contract        VARCHAR(32),
    ADD COLUMN file_device     BIGINT,   -- st_dev, its 64 bits read as signed
    ADD COLUMN file_inode      BIGINT,   -- st_ino, likewise
    -- NULL: recorded before this migration (resumed without checking, with a note);
    -- empty: unknown for this range (never a resume point of its own).
    ADD COLUMN end_fingerprint BYTEA;

-- Existing checkpoints belong to the tenant and contract of the batch that wrote them; a compacted
-- range (no batch id) to the first batch loaded from its source (later tenants were, wrongly,
-- skipped by it). Ranges with no batch to tell are dropped: their source is then read again from
-- its start, which the key ledger makes safe.
UPDATE load_checkpoints AS c
SET tenant_id = b.tenant_id, contract = b.contract
FROM batch_operations AS b
WHERE b.batch_id = c.batch_id AND b.tenant_id IS NOT NULL AND b.contract IS NOT NULL;

UPDATE load_checkpoints AS c
SET tenant_id = first.tenant_id, contract = first.contract
FROM (
    SELECT DISTINCT ON (source) source, tenant_id, contract
    FROM batch_operations
    WHERE source IS NOT NULL AND tenant_id IS NOT NULL AND contract IS NOT NULL
    ORDER BY source, id
) AS first
WHERE c.tenant_id IS NULL AND first.source = c.source;

DELETE FROM load_checkpoints WHERE tenant_id IS NULL OR contract IS NULL;

ALTER TABLE load_checkpoints
    ALTER COLUMN tenant_id SET NOT NULL,
    ALTER COLUMN contract SET NOT NULL,
    DROP CONSTRAINT load_checkpoints_pkey,
    ADD PRIMARY KEY (tenant_id, contract, source, start_offset);

COMMENT ON TABLE load_checkpoints IS 'Byte ranges of each (tenant, contract, source) that committed batches covered, with the file identity and a fingerprint of the bytes up to each range end.';

-- 2. Dead letters per tenant and contract. A line is identified by where it was (source, byte
--    offset) and by what it was (a SHA-256 of its raw bytes): re-reading the same file never
--    stores a line twice, while a rotated or rewritten file's different line at the same offset is
--    stored as the new line it is.
ALTER TABLE rejected_events
    ADD COLUMN raw_digest BYTEA GENERATED ALWAYS AS (sha256(raw)) STORED,
    DROP CONSTRAINT rejected_events_source_byte_offset_key,
    ADD CONSTRAINT rejected_events_line_key UNIQUE (tenant_id, contract, source, byte_offset, raw_digest);

DROP INDEX rejected_events_pending_idx;
CREATE INDEX rejected_events_pending_idx ON rejected_events (tenant_id, source, id) WHERE replayed_at IS NULL;
