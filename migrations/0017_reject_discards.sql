-- `sluice rejects discard`: a dead-lettered line nobody will fix is marked discarded, not deleted.
-- It keeps its raw bytes and reasons (why it was rejected), and says who discarded it (the login:
-- session_user, not the group role the loader sets), when, and optionally why. A waiting reject
-- is one with neither replayed_at nor discarded_at: `rejects list` and `rejects replay` leave
-- discarded lines out (`rejects list --all` and `rejects show` still show them).
--
-- New columns without a default: no table rewrite. The CHECK reads every row once (all are NULL
-- here), under this migration's lock.
ALTER TABLE rejected_events
    ADD COLUMN discarded_at   timestamptz,
    ADD COLUMN discarded_by   text,
    ADD COLUMN discard_reason text,
    ADD CONSTRAINT rejected_events_discard_recorded CHECK ((discarded_at IS NULL) = (discarded_by IS NULL));

COMMENT ON COLUMN rejected_events.discarded_at IS 'When `sluice rejects discard` marked the line discarded (NULL: not discarded). A discarded line is neither waiting nor replayed.';
COMMENT ON COLUMN rejected_events.discarded_by IS 'The login (session_user) that discarded it.';
COMMENT ON COLUMN rejected_events.discard_reason IS 'Why, as given with `sluice rejects discard --reason` (NULL: none given).';

-- sluice_loader already may UPDATE rejected_events (0011: replay marks lines replayed); named here
-- so that discarding keeps working should that grant ever be narrowed to columns.
GRANT UPDATE (discarded_at, discarded_by, discard_reason) ON rejected_events TO sluice_loader;
