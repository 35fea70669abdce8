import Analytics
import EventContracts
import Foundation
import Loader
import Postgres
import TestSupport
import Warehouse

/// Shared set-up for analytics tests: a migrated database, loads, refreshes, and table snapshots.
enum AnalyticsFixture {
    static var repositoryRoot: URL { TestDatabase.repositoryRoot }

    static let registry = Result { try EventContractRegistry() }

    /// Every table `sluice refresh` writes (refresh_log aside: it records when, not what).
    static let tables = [
        "dim_date", "identity_pairs", "alias_days", "identity_links", "user_days", "user_attribute_values", "dim_users",
        "dim_devices", "device_days", "kpi_daily", "funnel_step", "funnel_user_days", "inventory_daily", "device_metrics",
    ]

    static func withMigratedDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
        try await TestDatabase.withMigrated(body)
    }

    /// Loads `lines` of `contract` for `tenant` (medical key set, so clinical events load too).
    @discardableResult
    static func load(_ url: String, _ lines: [String], contract: Contract, tenant: String = "acme", writers: Int = 2,
                     batchRows: Int = 1_000) async throws -> LoadSummary {
        let input = try TestEvents.writeFile(lines)
        var options = LoadOptions(connectionString: TestDatabase.url(url, as: .loader))
        options.contract = contract
        options.tenant = tenant
        options.inputs = [input.path]
        options.writers = writers
        options.limits = .init(maxRows: batchRows, maxBytes: 8 << 20, maxDelay: .seconds(1))
        options.retryWindow = .seconds(30)
        options.privacy.medicalKey = MedicalFieldKey(id: "test", bytes: Array(repeating: 7, count: 32))
        options.privacy.piiHashSecret = Array("test-secret".utf8)
        return try await LoadJob(options: options, registry: registry.get()).run()
    }

    /// `sluice refresh` as the test refresher login (a member of sluice_refresher).
    static func refresh(_ url: String, full: Bool = false) async throws -> RefreshReport {
        try await RefreshJob(connectionString: TestDatabase.url(url, as: .refresher)).run(full: full)
    }

    /// Every row of every analytics table, as sorted text: what "row for row" compares.
    static func snapshot(_ url: String) async throws -> [String: [String]] {
        let connection = try await PostgresConnection.connect(url)
        var result: [String: [String]] = [:]
        for table in tables {
            result[table] = try await connection.query("SELECT t::text AS row FROM analytics.\(unsafeSQL: table) AS t ORDER BY 1")
                .map { try $0.decode("row", as: String.self) }
        }
        await connection.close()
        return result
    }

    /// The tables that differ between two snapshots, with a short diff of each.
    static func differences(_ a: [String: [String]], _ b: [String: [String]]) -> [String] {
        tables.compactMap { table in
            let left = a[table] ?? [], right = b[table] ?? []
            guard left != right else { return nil }
            let onlyLeft = Set(left).subtracting(right).sorted().prefix(3)
            let onlyRight = Set(right).subtracting(left).sorted().prefix(3)
            return "\(table): \(left.count) vs \(right.count) rows; only in the first \(Array(onlyLeft)); only in the second \(Array(onlyRight))"
        }
    }

    static func query(_ url: String, _ query: PostgresQuery) async throws -> PostgresRows {
        let connection = try await PostgresConnection.connect(url)
        defer { Task { await connection.close() } }
        return try await connection.query(query)
    }

    /// `kpi_daily` as [metric: [day: value]] for a tenant.
    static func kpis(_ url: String, tenant: String = "acme") async throws -> [String: [String: Decimal]] {
        var result: [String: [String: Decimal]] = [:]
        for row in try await query(url, "SELECT metric, day::text AS day, value::text AS value FROM analytics.kpi_daily WHERE tenant_id = \(tenant)") {
            let value = Decimal(string: try row.decode("value", as: String.self)) ?? .nan
            result[try row.decode("metric", as: String.self), default: [:]][try row.decode("day", as: String.self)] = value
        }
        return result
    }

    /// A date `daysAgo` days before today, at `time` (UTC), as ISO 8601.
    static func timestamp(daysAgo: Int, _ time: String = "10:00:00") -> String {
        let today = PostgresTimestamp.now().microsecondsSinceUnixEpoch / 86_400_000_000
        let (year, month, day) = CivilDate.fromDaysSinceUnixEpoch(today - Int64(daysAgo))
        return String(format: "%04d-%02d-%02dT%@Z", year, month, day, time)
    }

    static func day(daysAgo: Int) -> String { String(timestamp(daysAgo: daysAgo).prefix(10)) }
}

/// recs lines for identity tests: one event, with a user id, an anon id, or both.
enum RecsLine {
    static func view(daysAgo: Int, time: String = "10:00:00", user: String? = nil, anon: String? = nil) -> String {
        var fields = [#""eventId":"\#(UUID().uuidString.lowercased())""#, #""eventType":"view""#, #""timestamp":"\#(AnalyticsFixture.timestamp(daysAgo: daysAgo, time))""#,
                      #""productId":"sku_1""#, #""metadata":{"schemaVersion":1}"#]
        if let user { fields.append(#""userId":"\#(user)""#) }
        if let anon { fields.append(#""anonId":"\#(anon)""#) }
        return "{" + fields.joined(separator: ",") + "}"
    }
}
