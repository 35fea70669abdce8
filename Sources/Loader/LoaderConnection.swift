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

    /// Runs `body` on a fresh connection (closed on every path). A server that refuses
    /// connections, or drops one, is waited for with `Backoff` for the whole `window` (the last
    /// attempt at its end); a missing database or role, or a refused login, fails at once: waiting
    /// cannot fix that.
    static func withConnection<T: Sendable>(_ connectionString: String, tenant: String?, waitingFor window: Duration,
                                            log: @Sendable (String) -> Void,
                                            _ body: (PostgresConnection) async throws -> T) async throws -> T {
        var backoff = Backoff(window: window)
        while true {
            do {
                let connection = try await open(connectionString, tenant: tenant)
                do {
                    let value = try await body(connection)
                    await connection.close()
                    return value
                } catch {
                    await connection.close()
                    throw error
                }
            } catch let error as PostgresError where error.isConnectionFailure {
                guard let pause = backoff.nextPause() else {
                    if backoff.window > .zero {
                        log("gave up after waiting \(Backoff.text(backoff.window)) for the server (--retry-seconds waits longer)")
                    }
                    throw error
                }
                log("\(error.description); retrying in \(Backoff.text(pause))")
                try await Task.sleep(for: pause)
            }
        }
    }
}
