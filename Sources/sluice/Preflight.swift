import Postgres
import Warehouse

/// What a command checks before it starts work, so that an unmigrated database or the wrong login
/// gets one sentence saying what to do instead of `relation "…" does not exist` or `permission
/// denied for schema analytics` halfway through.
enum Preflight {
    /// The Sluice roles, and what each is for (the commands it runs).
    enum Need: Sendable {
        /// `load`, `consume`, `rejects replay|discard`: INSERT on events.
        case loader(command: String)
        /// `rejects list|show`: the dead letter.
        case rejectsReader(command: String)
        /// `refresh`: the refresh function.
        case refresher
        /// `bi grant|revoke`: CREATEROLE and the BI functions.
        case roleAdmin(command: String)
        /// `bi list`: the BI bindings (the owner's).
        case owner(command: String)
        /// `partitions list`: the partition list.
        case partitionReader
        /// `partitions ensure`: the partition function.
        case partitionCreator

        /// A privilege the server checks the same way as the command's own statements will.
        var check: String {
            switch self {
            case .loader: "has_table_privilege('public.events', 'INSERT')"
            case .rejectsReader: "has_table_privilege('public.rejected_events', 'SELECT')"
            // CASE, not AND: naming a function of a schema the login may not use is an error, not false.
            case .refresher: "CASE WHEN has_schema_privilege('analytics', 'USAGE') THEN has_function_privilege('analytics.refresh(boolean, numeric)', 'EXECUTE') ELSE false END"
            case .roleAdmin: "(SELECT r.rolcreaterole OR r.rolsuper FROM pg_catalog.pg_roles AS r WHERE r.rolname = current_user) AND has_function_privilege('public.sluice_bi_grant(text, text, text, integer, text, boolean)', 'EXECUTE')"
            case .owner: "has_table_privilege('public.tenant_logins', 'SELECT')"
            case .partitionReader: "has_table_privilege('public.sluice_event_partitions', 'SELECT')"
            case .partitionCreator: "has_function_privilege('public.sluice_ensure_event_partition(timestamptz)', 'EXECUTE')"
            }
        }

        /// Who may run it, for the message.
        func advice(role: String) -> String {
            switch self {
            case .loader(let command):
                "`sluice \(command)` needs a member of sluice_loader (GRANT sluice_loader TO \"\(role)\") or the warehouse's owner; \(role) is neither"
            case .rejectsReader(let command):
                "`sluice \(command)` needs a member of sluice_loader or sluice_compliance (GRANT sluice_loader TO \"\(role)\") or the warehouse's owner; \(role) is none of them"
            case .refresher:
                "`sluice refresh` needs a member of sluice_refresher (GRANT sluice_refresher TO \"\(role)\") or the warehouse's owner; \(role) is neither"
            case .roleAdmin(let command):
                "`sluice \(command)` creates and drops login roles: run it as a role with CREATEROLE that may execute the BI functions (the warehouse's owner, or a superuser); \(role) may not"
            case .owner(let command):
                "`sluice \(command)` reads the BI bindings, which only the warehouse's owner (the role that ran `sluice migrate`) may; \(role) may not"
            case .partitionReader:
                "`sluice partitions list` needs a member of sluice_loader, sluice_refresher or sluice_compliance, or the warehouse's owner; \(role) is none of them (BI logins do not see partitions: their row counts span every tenant)"
            case .partitionCreator:
                "`sluice partitions ensure` needs a member of sluice_loader or the warehouse's owner; \(role) is neither"
            }
        }
    }

    /// Fails with what to do unless the database is migrated for this Sluice.
    static func requireMigrated(_ connection: PostgresConnection) async throws {
        let state = try await SchemaVersion.state(on: connection)
        if let problem = SchemaVersion.problem(state, endpoint: await connection.endpoint) {
            throw CLIError(problem)
        }
    }

    /// Fails with the role the command needs unless the login has its key privilege.
    static func require(_ need: Need, on connection: PostgresConnection) async throws {
        let row = try await connection.query(PostgresQuery(unsafeSQL: "SELECT COALESCE(\(need.check), false) AS allowed, session_user::text AS role"))[0]
        guard try row.decode("allowed", as: Bool.self) else {
            throw CLIError(need.advice(role: try row.decode("role", as: String.self)))
        }
    }

    /// Both checks, in order, on a connection opened for them.
    static func check(_ connectionString: String, need: Need?) async throws {
        let connection = try await PostgresConnection.connect(connectionString)
        do {
            try await requireMigrated(connection)
            if let need { try await require(need, on: connection) }
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
    }
}
