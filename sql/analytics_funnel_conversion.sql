-- analytics.funnel_conversion: per tenant and funnel step, how many distinct users ever reached it
-- and the conversion from the previous step and from the first (0-1, 4 decimals).
CREATE OR REPLACE VIEW analytics.funnel_conversion WITH (security_invoker = true) AS
SELECT c.tenant_id, c.step, c.step_order, c.users,
       round(c.users::numeric / NULLIF(lag(c.users) OVER w, 0), 4) AS conversion_from_previous,
       round(c.users::numeric / NULLIF(first_value(c.users) OVER w, 0), 4) AS conversion_from_first
FROM (SELECT u.tenant_id, u.step, u.step_order, count(*) AS users
      FROM analytics.funnel_user_steps AS u GROUP BY u.tenant_id, u.step, u.step_order) AS c
WINDOW w AS (PARTITION BY c.tenant_id ORDER BY c.step_order);

GRANT SELECT ON analytics.funnel_conversion TO sluice_bi;
