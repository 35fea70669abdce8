-- analytics.event_measures: each event with who it is about (analytics.event_identities) and the
-- payload fields the aggregates and dimensions read, pulled out once: the source `sluice refresh`
-- copies the events of the days it recomputes from. Attributes (attrs) come only from events that
-- name their user, so a mis-linked alias never moves a person's attributes.
CREATE OR REPLACE VIEW analytics.event_measures WITH (security_invoker = true) AS
SELECT i.id, i.tenant_id, i.contract, i.type, i.occurred_at, i.day, i.own_user_id, i.alias_kind, i.alias,
       CASE WHEN i.contract = 'pocm' THEN
           CASE i.type WHEN 'checkout' THEN i.data_json ->> 'checkout_status'
                       WHEN 'payment' THEN i.data_json ->> 'payment_status'
                       WHEN 'cart' THEN i.data_json ->> 'action'
                       WHEN 'inventory' THEN i.data_json ->> 'action' END END AS status,
       CASE WHEN i.contract = 'pocm' AND i.type = 'payment' THEN (i.data_json ->> 'amount')::numeric END AS amount,
       CASE WHEN i.contract = 'pocm' AND i.type = 'payment' THEN (i.data_json ->> 'refund_amount')::numeric END AS refund_amount,
       CASE WHEN i.contract = 'pocm' AND i.type = 'payment' THEN i.data_json ->> 'currency' END AS currency,
       CASE WHEN i.contract = 'pocm' AND i.type = 'search'
            THEN COALESCE((i.data_json ->> 'zero_result_flag')::boolean, false)
                 OR COALESCE((i.data_json ->> 'results_returned')::numeric::bigint = 0, false) END AS zero_result,
       CASE WHEN i.contract = 'pocm' AND i.type = 'inventory' THEN i.data_json ->> 'product_id' END AS product_id,
       CASE WHEN i.contract = 'pocm' AND i.type = 'inventory' THEN i.data_json ->> 'warehouse_id' END AS warehouse_id,
       CASE WHEN i.contract = 'pocm' AND i.type = 'inventory' THEN (i.data_json ->> 'stock_level')::numeric::bigint END AS stock_level,
       CASE WHEN i.contract = 'pocm' AND i.type = 'inventory' THEN (i.data_json ->> 'quantity_changed')::numeric::bigint END AS quantity,
       CASE WHEN i.contract = 'pocm' AND i.type IN ('device_activation', 'dosage_delivery', 'adverse_event', 'patch_application', 'sensor_reading')
            THEN i.data_json ->> 'device_id' END AS device_id,
       CASE WHEN i.contract = 'pocm' AND i.type = 'device_activation' THEN i.data_json ->> 'device_type' END AS device_type,
       CASE WHEN i.contract = 'pocm' AND i.type = 'device_activation' THEN i.data_json ->> 'batch_number' END AS batch_number,
       CASE WHEN i.contract = 'pocm' AND i.type = 'dosage_delivery' THEN (i.data_json ->> 'delivery_success')::boolean END AS delivery_success,
       -- Attributes, only from events that name their user (a mis-linked alias never moves a
       -- person's attributes), as {attribute: value}.
       CASE WHEN i.own_user_id IS NULL THEN NULL
            WHEN i.contract = 'pocm' AND i.type = 'user' THEN jsonb_strip_nulls(jsonb_build_object(
                'user_type', i.data_json -> 'user_type', 'login_method', i.data_json -> 'login_method',
                'country', i.data_json -> 'geo' -> 'country', 'email_verified', i.data_json -> 'email_verified',
                'mobile_verified', i.data_json -> 'mobile_verified', 'referral_code', i.data_json -> 'referral_code'))
            WHEN i.contract = 'ingestion-api' AND i.type = 'user_profile_update' THEN jsonb_strip_nulls(jsonb_build_object(
                'email_hash', i.data_json -> 'email', 'first_name', i.data_json -> 'firstName', 'last_name', i.data_json -> 'lastName',
                'role', i.data_json -> 'role', 'company', i.data_json -> 'company'))
                || COALESCE((SELECT jsonb_object_agg('customAttributes.' || c.key, c.value)
                             FROM jsonb_each(CASE WHEN jsonb_typeof(i.data_json -> 'customAttributes') = 'object'
                                                  THEN i.data_json -> 'customAttributes' END) AS c), '{}')
            WHEN i.contract = 'platform' AND i.type = 'user_signed_up' THEN jsonb_strip_nulls(jsonb_build_object('signup_method', i.data_json -> 'signup_method'))
            WHEN i.contract = 'platform' AND i.type = 'interest_selected' THEN jsonb_strip_nulls(jsonb_build_object('interest', i.data_json -> 'interest_name'))
            WHEN i.contract = 'platform' AND i.type = 'profile_updated' THEN jsonb_strip_nulls(jsonb_build_object('updated_fields', i.data_json -> 'updated_fields'))
            WHEN i.contract = 'growthos' AND jsonb_typeof(i.data_json -> 'attributes') = 'object' THEN
                -- Expressions, not a subquery per event: rename the three typed keys, keep the rest.
                (i.data_json -> 'attributes') - 'email' - 'firstName' - 'lastName'
                || jsonb_strip_nulls(jsonb_build_object('email_hash', i.data_json -> 'attributes' -> 'email',
                                                        'first_name', i.data_json -> 'attributes' -> 'firstName',
                                                        'last_name', i.data_json -> 'attributes' -> 'lastName'))
       END AS attrs,
       i.batch_id
FROM analytics.event_identities AS i;

GRANT SELECT ON analytics.event_measures TO sluice_refresher;
