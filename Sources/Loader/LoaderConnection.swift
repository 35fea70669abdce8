import Postgres

/// Connections of the loader: as the group role sluice_loader when the login is a member (its
/// BYPASSRLS is what lets COPY FROM run: PostgreSQL does not support COPY FROM under row-level
/// security), and scoped to the load's tenant for row-level security otherwise.
enum LoaderConnection {
    static func open(_ connectionString: String, tenant: String?,
                     settings: [(name: String, value: String)] = []) async throws -> PostgresConnection {
        let connection = try await PostgresConnection.connect(connectionString)
        do {
            try await connection.adoptGroupRole("sluice_loader")
            if let tenant { try await connection.setSessionTenant(tenant) }
            for setting in settings {
                try await connection.query("SELECT set_config(\(setting.name), \(setting.value), false)")
            }
            return connection
        } catch {
            await connection.close()
            throw error
        }
    }
}
