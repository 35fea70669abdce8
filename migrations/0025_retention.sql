-- Retention (sluice retention apply) and its categories: every event type of every contract maps
-- to a retention category of data_retention_policies; the loader accepts events no older than the
-- longest of them; the bookkeeping tables are pruned past policies of their own (docs/operations.md,
-- "Retention"; docs/compliance.md, "Retention and legal holds").

-- 1. Event categories. The two event rows of migration 0005 keep their meaning under the names the
--    holds and the docs use: `events` (behavioural and commerce) becomes `behavioural`, and the
--    commerce, operational and profile types it governed get categories of their own with its TTL
--    (a TTL changed by hand carries over); `clinical_events` becomes `medical`.
UPDATE data_retention_policies SET category = 'behavioural',
       description = 'Behavioural events: views, clicks, searches, recommendations, notifications, experiments.'
WHERE category = 'events';
UPDATE data_retention_policies SET category = 'medical',
       description = 'pocm device and clinical event types (device_activation … regulatory_report): regulatory record keeping.'
WHERE category = 'clinical_events';
INSERT INTO data_retention_policies (category, ttl_days, description)
SELECT c.category, COALESCE((SELECT p.ttl_days FROM data_retention_policies AS p WHERE p.category = 'behavioural'), 730), c.description
FROM (VALUES ('transactional', 'Commerce events: carts, checkouts, payments, orders, subscriptions, tickets.'),
             ('operational',   'Operations and supply-chain events: inventory, logistics, production, quality, content.'),
             ('pii',           'Events that are mostly about the person: profile updates, sign-ups.')) AS c(category, description)
ON CONFLICT (category) DO NOTHING;
-- The bookkeeping that has none yet. Ledger keys and tombstones are kept at least as long as the
-- loader accepts the events they guard (the longest event category), whatever their own TTL says:
-- a pruned key lets a replay load its event again, a pruned tombstone an erased person's.
INSERT INTO data_retention_policies (category, ttl_days, description) VALUES
    ('event_idempotency_keys', 3650, 'Loader ledger keys (by occurred_at); never pruned inside the loader''s accepted window.'),
    ('load_checkpoints',        180, 'Checkpoints of sources whose last batch committed longer ago than this.'),
    ('suppression_tombstones', 3650, 'Erasure tombstones (by erased_at); never pruned inside the loader''s accepted window.')
ON CONFLICT (category) DO NOTHING;

-- Which category each event type belongs to. event_type '*' is the contract's default (growthos
-- event names are free-form). An event type with no row is never deleted by retention (reported
-- as uncategorized); a test checks every type of every registered contract has one.
CREATE TABLE retention_event_categories (
    contract   VARCHAR(32) NOT NULL,
    event_type VARCHAR(64) NOT NULL,
    category   VARCHAR(64) NOT NULL REFERENCES data_retention_policies (category) ON UPDATE CASCADE,
    PRIMARY KEY (contract, event_type)
);
COMMENT ON TABLE retention_event_categories IS 'The retention category (data_retention_policies) of each (contract, event type); event_type ''*'' is the contract''s default. Edit the rows to move a type.';

INSERT INTO retention_event_categories (contract, event_type, category)
SELECT 'pocm', t, 'medical' FROM unnest(ARRAY['device_activation', 'patch_application', 'sensor_reading', 'dosage_delivery', 'adverse_event',
    'efficacy_measurement', 'patient_outcome', 'clinical_data', 'regulatory_report']) AS t
UNION ALL SELECT 'pocm', t, 'transactional' FROM unnest(ARRAY['cart', 'checkout', 'payment', 'subscription', 'bulk_order', 'loyalty',
    'referral', 'affiliate', 'promotion']) AS t
UNION ALL SELECT 'pocm', t, 'operational' FROM unnest(ARRAY['logistics', 'inventory', 'batch_production', 'quality_control', 'sterilization',
    'packaging', 'distribution', 'recall', 'certification', 'training_completion', 'audit_trail', 'provider_onboarding']) AS t
UNION ALL SELECT 'pocm', t, 'pii' FROM unnest(ARRAY['user']) AS t
UNION ALL SELECT 'pocm', t, 'behavioural' FROM unnest(ARRAY['notification', 'feedback', 'search', 'recommendation', 'review', 'wishlist',
    'comparison', 'abandonment', 'ml_prediction', 'anomaly_detection', 'cohort_analysis', 'a_b_test', 'personalization', 'support']) AS t
UNION ALL SELECT 'ingestion-api', t, c FROM (VALUES ('event_attendance', 'behavioural'), ('user_engagement', 'behavioural'),
    ('event_details_update', 'operational'), ('sales_transaction', 'transactional'), ('user_profile_update', 'pii')) AS v(t, c)
UNION ALL SELECT 'platform', t, c FROM (VALUES ('add_to_calendar_clicked', 'behavioural'), ('event_card_clicked', 'behavioural'),
    ('event_viewed', 'behavioural'), ('interest_selected', 'behavioural'), ('recommendation_feedback_provided', 'behavioural'),
    ('rsvp_clicked', 'behavioural'), ('search_performed', 'behavioural'), ('ticket_selected', 'behavioural'), ('user_logged_in', 'behavioural'),
    ('ai_content_generated', 'operational'), ('event_created', 'operational'), ('event_updated', 'operational'),
    ('promotional_content_generated', 'operational'), ('checkout_initiated', 'transactional'), ('rsvp_confirmed', 'transactional'),
    ('ticket_purchased', 'transactional'), ('profile_updated', 'pii'), ('user_signed_up', 'pii')) AS v(t, c)
UNION ALL SELECT 'recs', t, c FROM (VALUES ('click', 'behavioural'), ('search', 'behavioural'), ('view', 'behavioural'),
    ('add_to_cart', 'transactional'), ('purchase', 'transactional')) AS v(t, c)
UNION ALL SELECT 'growthos', t, c FROM (VALUES ('*', 'behavioural'), ('product_ingestion', 'operational')) AS v(t, c);

-- 2. Privileges. The loader reads the categories (its accepted window); compliance staff apply
--    retention: they delete expired events, keys, dead letters, checkpoints, batch rows and export
--    requests (dropping a whole month takes the owner: docs/compliance.md).
GRANT SELECT ON retention_event_categories TO sluice_loader, sluice_compliance;
GRANT SELECT, DELETE ON load_checkpoints, batch_operations TO sluice_compliance;
GRANT DELETE ON gdpr_export_requests TO sluice_compliance;

-- 3. sluice_retention_tenants() (sql/retention_tenants.sql) runs as the owner, to whom FORCEd
--    row-level security applies too: these policies let it (and only the owner) read every
--    tenant's rows of the tables retention prunes, as audit_chain_owner does for the audit trail.
--    Reads only; the owner's writes still name a tenant.
DO $$
DECLARE
    target regclass;
BEGIN
    FOREACH target IN ARRAY ARRAY['public.events', 'public.event_idempotency_keys', 'public.rejected_events', 'public.load_checkpoints',
                                  'public.batch_operations', 'public.gdpr_export_requests', 'public.suppression_tombstones',
                                  'public.legal_holds']::regclass[] LOOP
        EXECUTE format('CREATE POLICY retention_owner_reads ON %s FOR SELECT TO CURRENT_USER USING (true)', target);
    END LOOP;
END
$$;

-- 4. Active holds of a tenant are found by user and by category.
CREATE INDEX legal_holds_category_idx ON legal_holds (tenant_id, category) WHERE released_at IS NULL AND category IS NOT NULL;
