-- API keys and their rate limits (seed 003 §5.5).
-- Keys are stored hashed (key_hash); the key itself is shown once when created and never stored.
CREATE TABLE api_keys (
    id           BIGSERIAL    PRIMARY KEY,
    key_hash     TEXT         NOT NULL UNIQUE,
    service      VARCHAR(255) NOT NULL,
    scopes       TEXT[]       NOT NULL DEFAULT '{}',
    created_at   TIMESTAMPTZ  NOT NULL DEFAULT now(),
    rotated_at   TIMESTAMPTZ,
    -- The tenant a key's events belong to (seed 003 §2.2: tenant_id is server-assigned from auth).
    tenant_id    VARCHAR(64)  NOT NULL,
    -- The first characters of the key, so staff can tell keys apart without the secret.
    key_prefix   VARCHAR(16),
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);

CREATE TABLE rate_limits (
    id         BIGSERIAL   PRIMARY KEY,
    key_id     BIGINT      NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    "limit"    INTEGER     NOT NULL CHECK ("limit" > 0),
    "window"   INTERVAL    NOT NULL CHECK ("window" > interval '0'),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (key_id, "window")
);
