-- analytics.blocked_identities(): the user ids and aliases that never identify anyone, lower-case:
-- the built-in '', 'null', 'undefined', 'anonymous', '0', '-1', and the rows of
-- identity_blocked_values. Compare with lower(btrim(value)).
CREATE OR REPLACE FUNCTION analytics.blocked_identities()
RETURNS text[]
LANGUAGE sql
STABLE
AS $$
    SELECT ARRAY['', 'null', 'undefined', 'anonymous', '0', '-1']
           || COALESCE((SELECT array_agg(value ORDER BY value) FROM public.identity_blocked_values), '{}')
$$;
