-- analytics.event_identities: who each event is about, before stitching. Per contract:
--   own_user_id: the user id the event names (growthos: userId — its user_id column falls back to
--                profileId, which is an alias here; others: events.user_id);
--   alias_kind, alias: the anonymous identifier beside it — recs anonId (kept in session_id),
--                growthos profileId, pocm and platform session_id; ingestion-api has none.
-- Blocked values (analytics.blocked_identities()) are NULL here: they identify nobody.
-- The canonical user of an event is own_user_id, else identity_links.user_id of its alias.
-- (For `sluice refresh` and the funnel views; BI roles are not given this view: it carries data_json.)
CREATE OR REPLACE VIEW analytics.event_identities WITH (security_invoker = true) AS
SELECT e.id,
       e.tenant_id,
       e.contract,
       e.type,
       e.occurred_at,
       (e.occurred_at AT TIME ZONE 'UTC')::date AS day,
       CASE WHEN lower(btrim(s.own)) = ANY (b.blocked) THEN NULL ELSE s.own END AS own_user_id,
       CASE WHEN s.alias IS NULL OR lower(btrim(s.alias)) = ANY (b.blocked) THEN NULL ELSE s.kind END AS alias_kind,
       CASE WHEN lower(btrim(s.alias)) = ANY (b.blocked) THEN NULL ELSE s.alias END AS alias,
       e.data_json,
       e.batch_id,
       -- The columns as stored, so that a filter on them can use events' indexes (a subject's
       -- events by user id: sluice gdpr).
       e.user_id AS stored_user_id,
       e.session_id AS stored_session_id
FROM public.events AS e
-- OFFSET 0 keeps the list a one-row subquery computed once, not once per event.
CROSS JOIN (SELECT analytics.blocked_identities() AS blocked OFFSET 0) AS b
CROSS JOIN LATERAL (
    SELECT CASE WHEN e.contract = 'growthos' THEN e.data_json ->> 'userId' ELSE e.user_id END AS own,
           CASE e.contract WHEN 'recs' THEN 'anon_id' WHEN 'growthos' THEN 'profile_id'
                           WHEN 'pocm' THEN 'session_id' WHEN 'platform' THEN 'session_id' END AS kind,
           CASE e.contract WHEN 'growthos' THEN e.data_json ->> 'profileId'
                           WHEN 'ingestion-api' THEN NULL ELSE e.session_id END AS alias
) AS s;

-- The refresh reads it; compliance staff find a subject's events through it (under row-level security).
GRANT SELECT ON analytics.event_identities TO sluice_refresher, sluice_compliance;
