-- What the loader (`sluice load`) writes in each batch's transaction, beside the events and the
-- idempotency key ledger: its dead letter, its checkpoint, the buckets it dirtied and its counts.

-- Dead letter: every rejected input line, with its raw bytes exactly as received and the
-- field-level reasons. (source, byte_offset) is unique, so a batch that is retried or re-read after
-- a crash never dead-letters the same line twice.
CREATE TABLE rejected_events (
    id           BIGSERIAL    PRIMARY KEY,
    tenant_id    VARCHAR(64)  NOT NULL,
    source       TEXT         NOT NULL,
    batch_id     VARCHAR(255) NOT NULL,
    line_number  BIGINT       NOT NULL,
    byte_offset  BIGINT       NOT NULL,
    contract     VARCHAR(32)  NOT NULL,
    raw          BYTEA        NOT NULL,
    errors       JSONB        NOT NULL,  -- [{"field": JSON Pointer, "message": …}, …]
    received_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    replayed_at  TIMESTAMPTZ,
    replay_batch_id VARCHAR(255),
    UNIQUE (source, byte_offset)
);

CREATE INDEX rejected_events_received_at_idx ON rejected_events (received_at DESC);
CREATE INDEX rejected_events_pending_idx ON rejected_events (source, id) WHERE replayed_at IS NULL;

-- Checkpoints: the byte range of the source each committed batch covered. Batches from parallel
-- writers may commit out of order, so the resume point is the end of the contiguous run of ranges
-- from the start; anything beyond a gap is read again and deduplicated by the key ledger and by
-- rejected_events' unique (source, byte_offset). A finished load compacts its ranges into one.
CREATE TABLE load_checkpoints (
    source       TEXT         NOT NULL,
    start_offset BIGINT       NOT NULL,
    end_offset   BIGINT       NOT NULL CHECK (end_offset >= start_offset),
    end_line     BIGINT       NOT NULL,  -- lines read up to end_offset (to number lines after a resume)
    batch_id     VARCHAR(255),
    committed_at TIMESTAMPTZ  NOT NULL DEFAULT now(),
    PRIMARY KEY (source, start_offset)
);

-- The (tenant, day) buckets whose facts the next `sluice refresh` must recompute. Written by the
-- loader in each batch's transaction (no trigger on events: it would make COPY row-at-a-time).
CREATE TABLE refresh_dirty_buckets (
    tenant_id  VARCHAR(64) NOT NULL,
    day        DATE        NOT NULL,
    dirtied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, day)
);

ALTER TABLE batch_operations
    ADD COLUMN source            TEXT,
    ADD COLUMN contract          VARCHAR(32),
    ADD COLUMN read_count        INT,
    ADD COLUMN loaded_count      INT,
    ADD COLUMN duplicate_count   INT,
    ADD COLUMN rejected_count    INT,
    ADD COLUMN sampled_out_count INT,
    ADD COLUMN start_offset      BIGINT,
    ADD COLUMN end_offset        BIGINT;
