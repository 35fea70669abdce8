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

    /// A fresh database with every migration and sql/ file applied, for `body`. The test logins
    /// (``TestRole``) exist once this returns.
    public static func withMigrated<T>(_ body: (String) async throws -> T) async throws -> T {
        try await withFresh { url in
            let connection = try await PostgresConnection.connect(url)
            _ = try await Migrator(files: SchemaFiles(root: repositoryRoot)).run(on: connection)
            await connection.close()
            try await ensureTestLogins()
            return try await body(url)
        }
    }

    /// Creates the least-privilege test logins once (roles are cluster-wide); the group roles come
    /// from migration 0010, so a database must have been migrated first.
    public static func ensureTestLogins() async throws {
        try await TestLogins.shared.ensure(adminURL: try adminURL())
    }

    /// `url` for the given least-privilege login — when it names the test cluster's administrator;
    /// a URL made for another user (a test's own role) is left as it is.
    public static func url(_ url: String, as role: TestRole) -> String {
        guard var components = URLComponents(string: url), let admin = URLComponents(string: (try? adminURL()) ?? ""),
              components.user == admin.user else { return url }
        components.user = role.rawValue
        components.password = nil
        return components.string ?? url
    }
}

/// The logins tests run the loader and the refresh as: members of the group roles of migration
/// 0010, not superusers, so the suite proves the least-privilege grants suffice.
public enum TestRole: String, Sendable, CaseIterable {
    case loader = "sluice_test_loader"
    case refresher = "sluice_test_refresher"
    case compliance = "sluice_test_compliance"

    var group: String {
        switch self {
        case .loader: "sluice_loader"
        case .refresher: "sluice_refresher"
        case .compliance: "sluice_compliance"
        }
    }
}

/// Creates the test logins at most once per process (tests run concurrently). One task does it and
/// every caller awaits that task: the actor alone would let a second caller in at each `await` of the
/// first (reentrancy), and two sessions creating the same roles at once raced (a GRANT failed with
/// "role does not exist" in one CI run).
actor TestLogins {
    static let shared = TestLogins()
    private var creation: Task<Void, Error>?

    func ensure(adminURL: String) async throws {
        if creation == nil {
            creation = Task { try await Self.create(adminURL: adminURL) }
        }
        try await creation?.value
    }

    private static func create(adminURL: String) async throws {
        let admin = try await PostgresConnection.connect(adminURL)
        defer { Task { await admin.close() } }
        for role in TestRole.allCases {
            try await admin.execute(unsafeSQL: """
                DO $$
                BEGIN
                    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(role.rawValue)') THEN
                        BEGIN
                            CREATE ROLE \(role.rawValue) LOGIN;
                        EXCEPTION WHEN duplicate_object OR unique_violation THEN
                            NULL;
                        END;
                    END IF;
                END
                $$;
                GRANT \(role.group) TO \(role.rawValue);
                """)
        }
    }
}
