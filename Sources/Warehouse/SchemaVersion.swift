import Postgres

/// The schema this version of Sluice works with, and how a database compares to it.
///
/// Commands other than `sluice migrate` check it first (`sluice status` reports it), so that a
/// database that was never migrated, or was migrated by an older Sluice, gets "run `sluice
/// migrate`" instead of `relation "…" does not exist` halfway through the work.
public enum SchemaVersion {
    /// The highest migration this build's code relies on. `SchemaVersionTests` checks that it
    /// equals the newest file of migrations/: adding a migration means raising it.
    public static let required = 25

    /// What a database holds, as far as the session may tell.
    public enum State: Sendable, Equatable {
        /// No migration ledger: `sluice migrate` never ran here.
        case unmigrated
        /// Migrated up to `version`, older than this Sluice needs.
        case older(version: Int)
        /// Migrated up to `version` (at least `required`).
        case current(version: Int)
        /// The ledger exists but this login may not read it: it is in none of the Sluice roles, or
        /// the database is older than the grant that lets every Sluice role read it (0018).
        case unreadable(role: String, inSluiceRole: Bool)
    }

    /// Reads the migration ledger.
    public static func state(on connection: PostgresConnection) async throws -> State {
        let present = try await connection.query("SELECT to_regclass('public.sluice_schema_migrations') IS NOT NULL AS present")[0]
            .decode("present", as: Bool.self)
        guard present else { return .unmigrated }
        let readable = try await connection.query("""
            SELECT has_table_privilege('public.sluice_schema_migrations', 'SELECT') AS readable, session_user::text AS role,
                   EXISTS (SELECT 1 FROM pg_catalog.pg_roles AS g
                           WHERE g.rolname IN ('sluice_loader', 'sluice_refresher', 'sluice_compliance', 'sluice_bi')
                             AND pg_has_role(session_user, g.oid, 'MEMBER')) AS member
            """)[0]
        guard try readable.decode("readable", as: Bool.self) else {
            return .unreadable(role: try readable.decode("role", as: String.self), inSluiceRole: try readable.decode("member", as: Bool.self))
        }
        let version = try await connection.query("SELECT COALESCE(max(version), 0)::int AS version FROM public.sluice_schema_migrations")[0]
            .decode("version", as: Int.self)
        if version == 0 { return .unmigrated }
        return version >= required ? .current(version: version) : .older(version: version)
    }

    /// What to tell the user about `state`, or nil when the database is current.
    public static func problem(_ state: State, endpoint: String) -> String? {
        switch state {
        case .current:
            return nil
        case .unmigrated:
            return "\(endpoint) is not migrated: run `sluice migrate` (as the login that is to own the warehouse) first"
        case .older(let version):
            return "\(endpoint) is migrated to version \(version), older than this sluice (which needs \(required)): run `sluice migrate` as the warehouse's owner"
        case .unreadable(let role, inSluiceRole: false):
            return "\(role) is in none of Sluice's roles (sluice_loader, sluice_refresher, sluice_compliance, sluice_bi), so it may not read \(endpoint): grant it the role its work needs (docs/security.md)"
        case .unreadable(let role, inSluiceRole: true):
            return "\(endpoint) is not migrated for this sluice (\(role) may not read its migration ledger, which migration 0018 grants its roles): run `sluice migrate` as the warehouse's owner"
        }
    }
}
