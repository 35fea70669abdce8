import Postgres

/// Connections of compliance staff's commands (`sluice gdpr`, `sluice retention`, `sluice audit`).
///
/// They run as a member of `sluice_compliance` (or the warehouse's owner), under row-level
/// security: every piece of work names its tenant for its own transaction (`withTenant`), so a
/// command can never read or delete another tenant's rows, even by mistake.
public enum ComplianceSession {
    /// Opens a connection and checks the login may do compliance work; throws
    /// ``ComplianceError`` with what to do otherwise.
    public static func open(_ connectionString: String, command: String) async throws -> PostgresConnection {
        let connection = try await PostgresConnection.connect(connectionString)
        do {
            let row = try await connection.query("""
                SELECT session_user::text AS login,
                       (SELECT r.rolsuper FROM pg_catalog.pg_roles AS r WHERE r.rolname = current_user) AS superuser,
                       to_regrole('sluice_compliance') IS NOT NULL AND pg_has_role(session_user, 'sluice_compliance', 'MEMBER') AS member,
                       COALESCE((SELECT pg_has_role(current_user, c.relowner, 'MEMBER') FROM pg_catalog.pg_class AS c
                                 WHERE c.oid = to_regclass('public.events')), false) AS owner
                """)[0]
            let login = try row.decode("login", as: String.self)
            let allowed = try row.decode("superuser", as: Bool.self) || row.decode("member", as: Bool.self) || row.decode("owner", as: Bool.self)
            guard allowed else {
                throw ComplianceError("`sluice \(command)` is compliance staff's work: run it as a member of sluice_compliance (as the owner: GRANT sluice_compliance TO \"\(login)\"); \(login) is not one")
            }
            return connection
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Opens a compliance connection (`open`), runs `body` on it and closes it, also when `body`
    /// throws: what every compliance job's `run` does.
    public static func withConnection<T: Sendable>(_ connectionString: String, command: String,
                                                   _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await open(connectionString, command: command)
        do {
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Runs `body` in one transaction that sees (and may change) only `tenant`'s rows.
    public static func withTenant<T: Sendable>(_ connection: PostgresConnection, _ tenant: String,
                                               _ body: @Sendable (isolated PostgresConnection) throws -> T) async throws -> T {
        try await connection.withTransaction { connection in
            try connection.query("SELECT set_config('sluice.tenant', \(tenant), true)")
            return try body(connection)
        }
    }
}

/// A compliance command's failure, worded for the user.
public struct ComplianceError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
