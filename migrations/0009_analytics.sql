-- The `analytics` schema that BI tools (Metabase, Superset, psql) read: a calendar, stitched
-- identities, users with their latest-known attributes, and the seed 003 §6.2 aggregates.
--
-- Every object is a TABLE maintained by `sluice refresh` (sql/analytics_refresh.sql), not a
-- materialized view: PostgreSQL cannot put row-level security on a materialized view, and tenant
-- isolation will. Every tenant-scoped table's primary key starts with tenant_id. `sluice refresh`
-- recomputes only the (tenant, day) buckets the loader marked dirty, and gives the same rows as
-- `sluice refresh --full` (docs/metrics.md says what each number means).

CREATE SCHEMA analytics;
COMMENT ON SCHEMA analytics IS 'Tables for BI, maintained by `sluice refresh` from public.events: dim_date, identity_links, dim_users, dim_devices, kpi_daily, funnel_step, inventory_daily, device_metrics. Metric definitions: docs/metrics.md.';

-- Dirty marks become append-only: a load inserts one row per (tenant, day) it touched, and a
-- refresh deletes exactly the rows it read. A load never waits for a refresh (no row both touch),
-- and a mark committed while a refresh runs survives for the next one.
ALTER TABLE refresh_dirty_buckets DROP CONSTRAINT refresh_dirty_buckets_pkey;
ALTER TABLE refresh_dirty_buckets ADD COLUMN id BIGSERIAL PRIMARY KEY;
CREATE INDEX refresh_dirty_buckets_bucket_idx ON refresh_dirty_buckets (tenant_id, day);
COMMENT ON TABLE refresh_dirty_buckets IS 'One row per (tenant, UTC day) a committed load batch touched; `sluice refresh` recomputes those days and deletes the rows it read.';

-- Identity stitching settings (policies are data). The built-in blocked values — '', 'null',
-- 'undefined', 'anonymous', '0', '-1' — are always blocked; rows here add to them.
CREATE TABLE identity_settings (
    tenant_id           VARCHAR(64) PRIMARY KEY,   -- '*': every tenant without a row of its own
    max_users_per_alias INT NOT NULL DEFAULT 5 CHECK (max_users_per_alias >= 1)
);
INSERT INTO identity_settings (tenant_id) VALUES ('*');
COMMENT ON TABLE identity_settings IS 'Identity stitching: an alias seen with more than max_users_per_alias users is frozen (links to nobody) instead of merging them.';

CREATE TABLE identity_blocked_values (
    value TEXT PRIMARY KEY CHECK (value = lower(btrim(value)))
);
COMMENT ON TABLE identity_blocked_values IS 'User ids and aliases that never identify anyone (lower-case, trimmed), besides the built-in '''', null, undefined, anonymous, 0 and -1.';

-- What each refresh did, per object (for `sluice status` and --json).
CREATE TABLE analytics.refresh_log (
    object        TEXT        PRIMARY KEY,
    refreshed_at  TIMESTAMPTZ NOT NULL,
    full_rebuild  BOOLEAN     NOT NULL,
    buckets       INT         NOT NULL,
    rows_written  BIGINT      NOT NULL,
    seconds       NUMERIC(12, 3) NOT NULL
);
COMMENT ON TABLE analytics.refresh_log IS 'The last refresh of each analytics object: when, whether full, how many (tenant, day) buckets, rows written, seconds.';

-- Calendar --------------------------------------------------------------------------------------
CREATE TABLE analytics.dim_date (
    day          DATE     PRIMARY KEY,
    iso_year     SMALLINT NOT NULL,
    iso_week     SMALLINT NOT NULL,
    year         SMALLINT NOT NULL,
    quarter      SMALLINT NOT NULL,
    month        SMALLINT NOT NULL,
    month_name   TEXT     NOT NULL,
    day_of_month SMALLINT NOT NULL,
    day_of_week  SMALLINT NOT NULL,
    day_name     TEXT     NOT NULL,
    is_weekend   BOOLEAN  NOT NULL
);
COMMENT ON TABLE analytics.dim_date IS 'One row per UTC day over the span of the event partitions. Shared by every tenant (a reference table, not tenant-scoped).';
COMMENT ON COLUMN analytics.dim_date.day IS 'The calendar day (UTC).';
COMMENT ON COLUMN analytics.dim_date.iso_year IS 'ISO 8601 week-numbering year.';
COMMENT ON COLUMN analytics.dim_date.iso_week IS 'ISO 8601 week number, 1-53 (weeks start on Monday).';
COMMENT ON COLUMN analytics.dim_date.year IS 'Calendar year.';
COMMENT ON COLUMN analytics.dim_date.quarter IS 'Calendar quarter, 1-4.';
COMMENT ON COLUMN analytics.dim_date.month IS 'Month, 1-12.';
COMMENT ON COLUMN analytics.dim_date.month_name IS 'Month name in English, e.g. November.';
COMMENT ON COLUMN analytics.dim_date.day_of_month IS 'Day of the month, 1-31.';
COMMENT ON COLUMN analytics.dim_date.day_of_week IS 'ISO day of the week: 1 = Monday ... 7 = Sunday.';
COMMENT ON COLUMN analytics.dim_date.day_name IS 'Day name in English, e.g. Monday.';
COMMENT ON COLUMN analytics.dim_date.is_weekend IS 'True on Saturday and Sunday.';

-- Identities ------------------------------------------------------------------------------------
-- Every (alias, user) pair ever seen on one event, with when: the evidence the links are drawn from.
CREATE TABLE analytics.identity_pairs (
    tenant_id     VARCHAR(64)  NOT NULL,
    alias_kind    VARCHAR(16)  NOT NULL,
    alias         VARCHAR(255) NOT NULL,
    user_id       VARCHAR(255) NOT NULL,
    first_seen_at TIMESTAMPTZ  NOT NULL,
    last_seen_at  TIMESTAMPTZ  NOT NULL,
    last_event_id BIGINT       NOT NULL,
    PRIMARY KEY (tenant_id, alias_kind, alias, user_id)
);
COMMENT ON TABLE analytics.identity_pairs IS 'Each (alias, user id) pair seen together on an event, with the first and last time (occurred_at) and the last event id: the evidence identity_links is drawn from.';
COMMENT ON COLUMN analytics.identity_pairs.alias_kind IS 'anon_id (recs anonId), profile_id (growthos profileId) or session_id (pocm and platform session_id).';
COMMENT ON COLUMN analytics.identity_pairs.alias IS 'The anonymous identifier.';
COMMENT ON COLUMN analytics.identity_pairs.user_id IS 'The user id seen on the same event.';
COMMENT ON COLUMN analytics.identity_pairs.first_seen_at IS 'Earliest occurred_at of an event carrying both (UTC).';
COMMENT ON COLUMN analytics.identity_pairs.last_seen_at IS 'Latest occurred_at of an event carrying both (UTC).';
COMMENT ON COLUMN analytics.identity_pairs.last_event_id IS 'events.id of the latest such event (breaks ties of last_seen_at).';

CREATE TABLE analytics.identity_links (
    tenant_id     VARCHAR(64)  NOT NULL,
    alias_kind    VARCHAR(16)  NOT NULL,
    alias         VARCHAR(255) NOT NULL,
    user_id       VARCHAR(255),
    users_seen    INT          NOT NULL,
    frozen        BOOLEAN      NOT NULL,
    first_seen_at TIMESTAMPTZ  NOT NULL,
    last_seen_at  TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (tenant_id, alias_kind, alias)
);
COMMENT ON TABLE analytics.identity_links IS 'Which user each anonymous alias belongs to: the user it was most recently seen with by occurred_at (ties: the larger event id). An alias seen with more users than identity_settings allows is frozen and links to nobody.';
COMMENT ON COLUMN analytics.identity_links.alias_kind IS 'anon_id (recs anonId), profile_id (growthos profileId) or session_id (pocm and platform session_id).';
COMMENT ON COLUMN analytics.identity_links.alias IS 'The anonymous identifier.';
COMMENT ON COLUMN analytics.identity_links.user_id IS 'The user the alias belongs to; NULL when frozen.';
COMMENT ON COLUMN analytics.identity_links.users_seen IS 'How many distinct users the alias was seen with.';
COMMENT ON COLUMN analytics.identity_links.frozen IS 'True when users_seen exceeds the limit: the alias is shared (a kiosk, a test account) and merges nobody.';
COMMENT ON COLUMN analytics.identity_links.first_seen_at IS 'First time (occurred_at, UTC) the alias was seen with any user.';
COMMENT ON COLUMN analytics.identity_links.last_seen_at IS 'Last time (occurred_at, UTC) the alias was seen with any user.';
CREATE INDEX identity_links_user_idx ON analytics.identity_links (tenant_id, user_id);

-- The days each alias appears on (with or without a user): when its link changes, those days'
-- figures are recomputed, so an anonymous session identified later is credited to its user.
CREATE TABLE analytics.alias_days (
    tenant_id  VARCHAR(64)  NOT NULL,
    alias_kind VARCHAR(16)  NOT NULL,
    alias      VARCHAR(255) NOT NULL,
    day        DATE         NOT NULL,
    PRIMARY KEY (tenant_id, alias_kind, alias, day)
);
CREATE INDEX alias_days_day_idx ON analytics.alias_days (tenant_id, day);
COMMENT ON TABLE analytics.alias_days IS 'The UTC days on which each alias appears on an event (bookkeeping for incremental refresh).';

-- Users -----------------------------------------------------------------------------------------
CREATE TABLE analytics.user_days (
    tenant_id VARCHAR(64)  NOT NULL,
    user_id   VARCHAR(255) NOT NULL,
    day       DATE         NOT NULL,
    events    BIGINT       NOT NULL,
    first_at  TIMESTAMPTZ  NOT NULL,
    last_at   TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (tenant_id, user_id, day)
);
CREATE INDEX user_days_day_idx ON analytics.user_days (tenant_id, day);
COMMENT ON TABLE analytics.user_days IS 'Events per canonical user and UTC day (a user''s own id, else the user its alias links to).';
COMMENT ON COLUMN analytics.user_days.events IS 'Events credited to the user that day.';
COMMENT ON COLUMN analytics.user_days.first_at IS 'Earliest occurred_at that day (UTC).';
COMMENT ON COLUMN analytics.user_days.last_at IS 'Latest occurred_at that day (UTC).';

CREATE TABLE analytics.user_attribute_values (
    tenant_id   VARCHAR(64)  NOT NULL,
    user_id     VARCHAR(255) NOT NULL,
    attribute   VARCHAR(255) NOT NULL,
    value       JSONB        NOT NULL,
    observed_at TIMESTAMPTZ  NOT NULL,
    event_id    BIGINT       NOT NULL,
    PRIMARY KEY (tenant_id, user_id, attribute)
);
COMMENT ON TABLE analytics.user_attribute_values IS 'The newest value of each user attribute by occurred_at (ties: the larger event id), from events that name their user.';
COMMENT ON COLUMN analytics.user_attribute_values.attribute IS 'Attribute name, e.g. user_type, country, customAttributes.plan.';
COMMENT ON COLUMN analytics.user_attribute_values.value IS 'The value as sent (after the privacy rules: emails and phones arrive hashed or stripped).';
COMMENT ON COLUMN analytics.user_attribute_values.observed_at IS 'occurred_at of the event that carried it (UTC).';
COMMENT ON COLUMN analytics.user_attribute_values.event_id IS 'events.id of that event.';

CREATE TABLE analytics.dim_users (
    tenant_id     VARCHAR(64)  NOT NULL,
    user_id       VARCHAR(255) NOT NULL,
    first_seen_at TIMESTAMPTZ  NOT NULL,
    last_seen_at  TIMESTAMPTZ  NOT NULL,
    event_count   BIGINT       NOT NULL,
    email_hash    TEXT,
    first_name    TEXT,
    last_name     TEXT,
    role          TEXT,
    company       TEXT,
    user_type     TEXT,
    login_method  TEXT,
    country       TEXT,
    signup_method TEXT,
    attributes    JSONB        NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX dim_users_first_seen_idx ON analytics.dim_users (tenant_id, first_seen_at);
COMMENT ON TABLE analytics.dim_users IS 'One row per canonical user: first and last event, and each attribute''s newest value by occurred_at (not by arrival order). Nothing here re-identifies a person: emails arrive hashed by the privacy rules.';
COMMENT ON COLUMN analytics.dim_users.user_id IS 'The user id as producers send it.';
COMMENT ON COLUMN analytics.dim_users.first_seen_at IS 'occurred_at of the user''s first event, own or through an alias (UTC).';
COMMENT ON COLUMN analytics.dim_users.last_seen_at IS 'occurred_at of the user''s latest event (UTC).';
COMMENT ON COLUMN analytics.dim_users.event_count IS 'Events credited to the user.';
COMMENT ON COLUMN analytics.dim_users.email_hash IS 'Keyed hash of the email ("hmac-sha256:..."), never the address.';
COMMENT ON COLUMN analytics.dim_users.first_name IS 'First name (ingestion-api firstName, growthos attributes).';
COMMENT ON COLUMN analytics.dim_users.last_name IS 'Last name.';
COMMENT ON COLUMN analytics.dim_users.role IS 'Job role (ingestion-api, growthos attributes).';
COMMENT ON COLUMN analytics.dim_users.company IS 'Company (ingestion-api, growthos attributes).';
COMMENT ON COLUMN analytics.dim_users.user_type IS 'pocm user_type: guest, registered, premium, business.';
COMMENT ON COLUMN analytics.dim_users.login_method IS 'pocm login_method of the latest user event.';
COMMENT ON COLUMN analytics.dim_users.country IS 'ISO 3166 alpha-2 country (pocm geo.country, growthos attributes.country).';
COMMENT ON COLUMN analytics.dim_users.signup_method IS 'platform user_signed_up signup_method.';
COMMENT ON COLUMN analytics.dim_users.attributes IS 'Every other attribute by name, e.g. {"customAttributes.plan": "pro", "interest": "jazz"}.';

-- Devices ---------------------------------------------------------------------------------------
CREATE TABLE analytics.dim_devices (
    tenant_id      VARCHAR(64)  NOT NULL,
    device_id      VARCHAR(255) NOT NULL,
    device_type    TEXT         NOT NULL,
    batch_number   TEXT,
    activated_at   TIMESTAMPTZ  NOT NULL,
    activation_day DATE         NOT NULL,
    activation_event_id BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, device_id)
);
COMMENT ON TABLE analytics.dim_devices IS 'pocm devices from their first device_activation event (by occurred_at): events that carry only device_id are attributed to the device type through it.';
COMMENT ON COLUMN analytics.dim_devices.device_type IS 'insulin_patch, pain_relief_patch, hormone_patch_microsizefibers, vaccine_patch, diagnostic_sensor.';
COMMENT ON COLUMN analytics.dim_devices.batch_number IS 'Manufacturing batch (BATCH_YYYYMMDD_XXX).';
COMMENT ON COLUMN analytics.dim_devices.activated_at IS 'occurred_at of the first activation (UTC).';
COMMENT ON COLUMN analytics.dim_devices.activation_day IS 'UTC day of the first activation.';
COMMENT ON COLUMN analytics.dim_devices.activation_event_id IS 'events.id of the first activation.';

CREATE TABLE analytics.device_days (
    tenant_id VARCHAR(64)  NOT NULL,
    device_id VARCHAR(255) NOT NULL,
    day       DATE         NOT NULL,
    PRIMARY KEY (tenant_id, device_id, day)
);
CREATE INDEX device_days_day_idx ON analytics.device_days (tenant_id, day);
COMMENT ON TABLE analytics.device_days IS 'The UTC days on which each device sent events (bookkeeping: a late activation recomputes them).';

-- Aggregates (seed 003 §6.2) --------------------------------------------------------------------
CREATE TABLE analytics.kpi_daily (
    tenant_id VARCHAR(64) NOT NULL,
    metric    TEXT        NOT NULL,
    day       DATE        NOT NULL,
    value     NUMERIC     NOT NULL,
    PRIMARY KEY (tenant_id, metric, day)
);
CREATE INDEX kpi_daily_day_idx ON analytics.kpi_daily (tenant_id, day);
COMMENT ON TABLE analytics.kpi_daily IS 'Daily KPIs per tenant (UTC days of occurred_at): events, active_users, new_users, orders_completed, revenue_captured:<CUR>, refunds:<CUR>, searches, zero_result_searches. Definitions: docs/metrics.md.';
COMMENT ON COLUMN analytics.kpi_daily.metric IS 'Metric name; money metrics carry their ISO 4217 currency after a colon, e.g. revenue_captured:INR.';
COMMENT ON COLUMN analytics.kpi_daily.day IS 'UTC day of occurred_at.';
COMMENT ON COLUMN analytics.kpi_daily.value IS 'The value: a count, or an amount in the currency of the metric name (exact decimal).';

CREATE TABLE analytics.funnel_step (
    tenant_id VARCHAR(64) NOT NULL,
    step      TEXT        NOT NULL,
    day       DATE        NOT NULL,
    count     BIGINT      NOT NULL,
    PRIMARY KEY (tenant_id, step, day)
);
CREATE TABLE analytics.funnel_user_days (
    tenant_id VARCHAR(64)  NOT NULL,
    user_id   VARCHAR(255) NOT NULL,
    step      TEXT         NOT NULL,
    day       DATE         NOT NULL,
    first_at  TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (tenant_id, user_id, step, day)
);
CREATE INDEX funnel_user_days_day_idx ON analytics.funnel_user_days (tenant_id, day);
COMMENT ON TABLE analytics.funnel_user_days IS 'When each canonical user first reached each funnel step on each UTC day; funnel_user_steps and funnel_conversion read it.';
COMMENT ON COLUMN analytics.funnel_user_days.step IS 'cart_item_added, checkout_started, checkout_completed or payment_captured.';
COMMENT ON COLUMN analytics.funnel_user_days.first_at IS 'occurred_at of the user''s first event of that step that day (UTC).';

COMMENT ON TABLE analytics.funnel_step IS 'pocm purchase funnel: events per step and UTC day. Steps in order: cart_item_added, checkout_started, checkout_completed, payment_captured.';
COMMENT ON COLUMN analytics.funnel_step.step IS 'cart_item_added (cart, action item_added), checkout_started, checkout_completed (checkout by checkout_status), payment_captured (payment, payment_status captured).';
COMMENT ON COLUMN analytics.funnel_step.count IS 'Events of that step that day.';

CREATE TABLE analytics.inventory_daily (
    tenant_id    VARCHAR(64)  NOT NULL,
    product_id   VARCHAR(255) NOT NULL,
    warehouse_id VARCHAR(255) NOT NULL,
    day          DATE         NOT NULL,
    stock_level  BIGINT       NOT NULL,
    sold         BIGINT       NOT NULL,
    returns      BIGINT       NOT NULL,
    stockouts    BIGINT       NOT NULL,
    PRIMARY KEY (tenant_id, product_id, warehouse_id, day)
);
COMMENT ON TABLE analytics.inventory_daily IS 'pocm inventory per product, warehouse and UTC day.';
COMMENT ON COLUMN analytics.inventory_daily.stock_level IS 'Units in stock after the day''s last inventory event (by occurred_at, ties: larger event id).';
COMMENT ON COLUMN analytics.inventory_daily.sold IS 'Units sold: the sum of |quantity_changed| over action = sale.';
COMMENT ON COLUMN analytics.inventory_daily.returns IS 'Units returned: the sum of |quantity_changed| over action = return.';
COMMENT ON COLUMN analytics.inventory_daily.stockouts IS 'Inventory events that day that left stock_level at 0.';

CREATE TABLE analytics.device_metrics (
    tenant_id      VARCHAR(64) NOT NULL,
    device_type    TEXT        NOT NULL,
    day            DATE        NOT NULL,
    activation     BIGINT      NOT NULL,
    adherence      NUMERIC,
    dosage_success NUMERIC,
    adverse_count  BIGINT      NOT NULL,
    PRIMARY KEY (tenant_id, device_type, day)
);
COMMENT ON TABLE analytics.device_metrics IS 'pocm devices per type and UTC day. Events that carry only device_id get their type from dim_devices (unknown until the device''s activation arrives).';
COMMENT ON COLUMN analytics.device_metrics.device_type IS 'The device type, or unknown for a device whose activation has not arrived.';
COMMENT ON COLUMN analytics.device_metrics.activation IS 'device_activation events that day.';
COMMENT ON COLUMN analytics.device_metrics.adherence IS 'Of the devices of this type that sent any event that day, the share (0-1) with at least one successful dosage delivery. NULL when none sent events.';
COMMENT ON COLUMN analytics.device_metrics.dosage_success IS 'Share (0-1) of dosage_delivery events with delivery_success = true; NULL without deliveries.';
COMMENT ON COLUMN analytics.device_metrics.adverse_count IS 'adverse_event events that day.';
