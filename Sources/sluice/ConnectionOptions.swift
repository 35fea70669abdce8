import ArgumentParser
import Foundation
import Postgres
import Warehouse

/// How every database command finds its server.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "PostgreSQL URL or conninfo, e.g. postgres://user@host:5432/db. Overrides DATABASE_URL.",
            valueName: "url"
        )
    )
    var databaseURL: String?

    /// The connection string in order of precedence: flag, `DATABASE_URL`, libpq's `PG*` variables
    /// (empty string: libpq reads them), the running local cluster, libpq's defaults.
    func resolvedConnectionString() -> String {
        if let databaseURL, !databaseURL.isEmpty { return databaseURL }
        let env = ProcessInfo.processInfo.environment
        if let url = env["DATABASE_URL"], !url.isEmpty { return url }
        let libpqVariables = ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGSERVICE", "PGUSER"]
        if libpqVariables.contains(where: { !(env[$0] ?? "").isEmpty }) { return "" }
        if let local = LocalCluster().runningURL() { return local }
        return ""
    }

    func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(resolvedConnectionString())
    }

    /// Whether the connection goes to the local throwaway cluster of `sluice db start` (the demo):
    /// its superuser is expected there.
    func targetsLocalCluster() -> Bool {
        let resolved = resolvedConnectionString()
        guard let local = LocalCluster().runningURL() else { return false }
        func hostAndPort(_ url: String) -> String? {
            guard let components = URLComponents(string: url), let host = components.host, let port = components.port else { return nil }
            return "\(host):\(port)"
        }
        return resolved == local || (hostAndPort(resolved) != nil && hostAndPort(resolved) == hostAndPort(local))
    }
}
