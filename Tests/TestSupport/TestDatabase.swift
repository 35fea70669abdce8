import Foundation
import Postgres
import Warehouse

/// Fresh databases for tests, created on the cluster that `make test` starts.
///
/// `make test` exports `SLUICE_TEST_DATABASE_URL` (an admin URL on the test cluster). Each test calls
/// `TestDatabase.withFresh { url in … }` and gets a database nobody else touches, dropped afterwards.
public enum TestDatabase {
    public struct NotConfigured: Error, CustomStringConvertible {
        public var description: String {
            "SLUICE_TEST_DATABASE_URL is not set: run the tests with `make test`, which starts a PostgreSQL cluster and sets it"
        }
    }

    /// The admin URL of the test cluster.
    public static func adminURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["SLUICE_TEST_DATABASE_URL"], !url.isEmpty else {
            throw NotConfigured()
        }
        return url
    }

    /// `adminURL` with its database replaced.
    public static func url(forDatabase name: String) throws -> String {
        guard var components = URLComponents(string: try adminURL()) else { throw NotConfigured() }
        components.path = "/" + name
        guard let url = components.string else { throw NotConfigured() }
        return url
    }

    /// Creates a database, runs `body` with its URL, drops it (also when `body` throws).
    public static func withFresh<T>(_ body: (String) async throws -> T) async throws -> T {
        let name = "sluice_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let admin = try await PostgresConnection.connect(try adminURL())
        try await admin.execute(unsafeSQL: "CREATE DATABASE \(name)")
        let result: Result<T, Error>
        do {
            result = .success(try await body(try url(forDatabase: name)))
        } catch {
            result = .failure(error)
        }
        _ = try? await admin.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        await admin.close()
        return try result.get()
    }

    /// Creates a database and a connection to it for `body`.
    public static func withFreshConnection<T>(_ body: (PostgresConnection, String) async throws -> T) async throws -> T {
        try await withFresh { url in
            let connection = try await PostgresConnection.connect(url)
            defer { Task { await connection.close() } }
            return try await body(connection, url)
        }
    }

    /// The checkout's root (where migrations/ and sql/ are).
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// A fresh database with every migration and sql/ file applied, for `body`.
    public static func withMigrated<T>(_ body: (String) async throws -> T) async throws -> T {
        try await withFresh { url in
            let connection = try await PostgresConnection.connect(url)
            _ = try await Migrator(files: SchemaFiles(root: repositoryRoot)).run(on: connection)
            await connection.close()
            return try await body(url)
        }
    }
}
