-- analytics.funnel_user_steps: per canonical user, when they first reached each step of the pocm
-- purchase funnel (cart_item_added, checkout_started, checkout_completed, payment_captured).
-- Over analytics.funnel_user_days, which `sluice refresh` keeps current with the identity links.
CREATE OR REPLACE VIEW analytics.funnel_user_steps WITH (security_invoker = true) AS
SELECT d.tenant_id, d.user_id, d.step, o.step_order, min(d.first_at) AS first_reached_at
FROM analytics.funnel_user_days AS d
JOIN (VALUES ('cart_item_added', 1), ('checkout_started', 2), ('checkout_completed', 3), ('payment_captured', 4)) AS o(step, step_order)
  ON o.step = d.step
GROUP BY d.tenant_id, d.user_id, d.step, o.step_order;

GRANT SELECT ON analytics.funnel_user_steps TO sluice_bi;
