-- What an erasure (sluice gdpr erase) hands to the next refresh, and may change itself.
--
-- 1. refresh_dirty_identities: aliases whose identity link the next `sluice refresh` must draw
--    again from the pairs that remain, because an erasure deleted some of their pairs (a link to
--    the erased user moves to the next user, or goes; a frozen alias may thaw). Like the dirty
--    marks, the refresh deletes exactly the rows it read. Days whose events an erasure deleted are
--    marked in refresh_dirty_buckets without a batch (recomputed whole).
-- 2. Compliance staff may correct the device dimension of the devices whose first activation an
--    erasure deleted (the next activation becomes the device's, or the device goes).
-- (Only if missing: a warehouse patched ahead of this migration — a test does — keeps it.)
CREATE TABLE IF NOT EXISTS refresh_dirty_identities (
    id         BIGSERIAL,
    tenant_id  VARCHAR(64)  NOT NULL,
    alias_kind VARCHAR(16)  NOT NULL,
    alias      VARCHAR(255) NOT NULL,
    marked_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
COMMENT ON TABLE refresh_dirty_identities IS 'Aliases whose identity_links row the next sluice refresh draws again from the remaining identity_pairs (an erasure deleted some of their pairs).';
ALTER TABLE refresh_dirty_identities ENABLE ROW LEVEL SECURITY;
ALTER TABLE refresh_dirty_identities FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON refresh_dirty_identities USING (tenant_id = (SELECT sluice_current_tenant()))
    WITH CHECK (tenant_id = (SELECT sluice_current_tenant()));

GRANT INSERT ON refresh_dirty_identities TO sluice_compliance;
GRANT USAGE ON SEQUENCE refresh_dirty_identities_id_seq TO sluice_compliance;
GRANT SELECT, DELETE ON refresh_dirty_identities TO sluice_refresher;
GRANT SELECT, INSERT, DELETE ON analytics.dim_devices, analytics.device_days TO sluice_compliance;
