import Analytics
import EventContracts
import Foundation
import Loader
import Postgres
import SampleEvents
import Testing
import TestSupport
import Warehouse

/// Isolation enforced by PostgreSQL, tried with real logins over real connections.
@Suite("tenant isolation in the database", .serialized)
struct TenantIsolationTests {
    /// What a BI login may read, and whether it carries tenant rows.
    static let biRelations: [(name: String, tenantScoped: Bool)] = [
        ("analytics.dim_date", false), ("analytics.identity_links", true), ("analytics.dim_users", true),
        ("analytics.dim_devices", true), ("analytics.kpi_daily", true), ("analytics.funnel_step", true),
        ("analytics.funnel_user_days", true), ("analytics.inventory_daily", true), ("analytics.device_metrics", true),
        ("analytics.funnel_user_steps", true), ("analytics.funnel_conversion", true), ("analytics.refresh_log", false),
    ]

    /// What no BI login may read.
    static let forbidden = [
        "public.events", "public.rejected_events", "public.event_idempotency_keys", "public.api_keys",
        "public.compliance_audit_logs", "public.tenant_logins", "public.load_checkpoints",
        "analytics.identity_pairs", "analytics.user_days", "analytics.user_attribute_values", "analytics.event_identities",
    ]

    static func suffix() -> String { String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(8)) }

    /// Two tenants' worth of events, refreshed.
    static func twoTenants(_ url: String) async throws {
        let now = NormalizationContext.nowMicroseconds() - 3_600_000_000
        for (tenant, seed) in [("tenant_a", UInt64(21)), ("tenant_b", UInt64(22))] {
            let generator = try EventGenerator(options: .init(contract: .pocm, seed: seed, tenantId: tenant, days: 20, now: now))
            let lines = (0..<2_000).map { String(decoding: generator.line($0), as: UTF8.self) }
            #expect(try await AnalyticsFixture.load(url, lines, contract: .pocm, tenant: tenant).loaded == 2_000)
            let recs = (0..<50).map { RecsLine.view(daysAgo: $0 % 10, user: "\(tenant)-user-\($0 % 7)", anon: "\(tenant)-anon-\($0)") }
            #expect(try await AnalyticsFixture.load(url, recs, contract: .recs, tenant: tenant).loaded == 50)
            // A dead letter for each tenant, which BI must never see.
            _ = try await AnalyticsFixture.load(url, [#"{"type":"cart","broken":"#], contract: .pocm, tenant: tenant)
        }
        _ = try await AnalyticsFixture.refresh(url)
    }

    /// `url` for `login` (the test cluster trusts loopback logins: no password needed here).
    static func url(_ url: String, login: String) throws -> String {
        var components = try #require(URLComponents(string: url))
        components.user = login
        components.password = nil
        return try #require(components.string)
    }

    static func count(_ connection: PostgresConnection, _ relation: String, otherThan tenant: String? = nil) async throws -> Int {
        let filter = tenant.map { " WHERE tenant_id <> '\($0)'" } ?? ""
        return try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int AS n FROM \(relation)\(filter)"))[0].decode("n", as: Int.self)
    }

    @Test("a BI login sees exactly its tenant's rows, cannot read events or the dead letter, cannot write, and cannot switch tenant")
    func biLoginSeesOnlyItsTenant() async throws {
        let login = "bi_a_\(Self.suffix())"
        let unbound = "bi_none_\(Self.suffix())"
        try await AnalyticsFixture.withMigratedDatabase { url in
            try await Self.twoTenants(url)
            let admin = try await PostgresConnection.connect(url)
            let created = try await BILogins(connection: admin).grant(login: login, tenant: "tenant_a", password: "correct horse battery", limits: .init())
            #expect(created)
            try await admin.execute(unsafeSQL: "CREATE ROLE \(unbound) LOGIN IN ROLE sluice_bi")

            let bi = try await PostgresConnection.connect(try Self.url(url, login: login))
            let none = try await PostgresConnection.connect(try Self.url(url, login: unbound))
            for (relation, tenantScoped) in Self.biRelations {
                let seen = try await Self.count(bi, relation)
                if tenantScoped {
                    let expected = try await admin.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int AS n FROM \(relation) WHERE tenant_id = 'tenant_a'"))[0]
                        .decode("n", as: Int.self)
                    #expect(seen == expected, "\(relation): the BI login sees \(seen) rows, tenant_a has \(expected)")
                    #expect(expected > 0, "\(relation) holds no tenant_a rows: the test proves nothing there")
                    #expect(try await Self.count(bi, relation, otherThan: "tenant_a") == 0, "\(relation): another tenant's rows are visible")
                    #expect(try await Self.count(none, relation) == 0, "\(relation): a login without a binding sees rows")
                } else {
                    #expect(seen > 0, "\(relation) should be readable")
                }
            }
            // Another tenant cannot be chosen from inside the session.
            try await bi.execute(unsafeSQL: "SET sluice.tenant = 'tenant_b'")
            #expect(try await Self.count(bi, "analytics.kpi_daily", otherThan: "tenant_a") == 0)
            try await bi.query("SELECT set_config('sluice.tenant', 'tenant_b', false)")
            #expect(try await Self.count(bi, "analytics.dim_users", otherThan: "tenant_a") == 0)
            try await none.execute(unsafeSQL: "SET sluice.tenant = 'tenant_b'")
            #expect(try await Self.count(none, "analytics.kpi_daily") == 0)

            for relation in Self.forbidden {
                await #expect(throws: PostgresError.self, "\(relation) is readable by a BI login") {
                    try await bi.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(relation)"))
                }
            }
            // Read-only sessions, and no write privilege even in a read-write transaction.
            let readOnly = await #expect(throws: PostgresError.self) {
                try await bi.query("INSERT INTO analytics.kpi_daily (tenant_id, metric, day, value) VALUES ('tenant_a', 'x', current_date, 1)")
            }
            #expect(readOnly?.sqlState == "25006", "\(String(describing: readOnly))")
            try await bi.execute(unsafeSQL: "BEGIN READ WRITE")
            let noPrivilege = await #expect(throws: PostgresError.self) {
                try await bi.query("DELETE FROM analytics.kpi_daily")
            }
            #expect(noPrivilege?.sqlState == "42501")
            try await bi.execute(unsafeSQL: "ROLLBACK")

            await bi.close()
            await none.close()
            #expect(try await BILogins(connection: admin).revoke(login: login))
            try await admin.execute(unsafeSQL: "DROP ROLE \(unbound)")
            await admin.close()
        }
    }

    @Test("the loader and the refresh run as least-privilege logins, not superusers")
    func leastPrivilegeLogins() async throws {
        try await AnalyticsFixture.withMigratedDatabase { url in
            let admin = try await PostgresConnection.connect(url)
            for role in [TestRole.loader, .refresher] {
                let row = try await admin.query("SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = \(role.rawValue)")[0]
                #expect(try row.decode("rolsuper", as: Bool.self) == false)
                #expect(try row.decode("rolbypassrls", as: Bool.self) == false, "the login itself must not bypass; it acts as its group")
                #expect(try row.decode("rolcreaterole", as: Bool.self) == false)
            }
            // The loader's login may not read events (it only inserts), nor touch analytics.
            let loader = try await PostgresConnection.connect(TestDatabase.url(url, as: .loader))
            await #expect(throws: PostgresError.self) { try await loader.query("SELECT count(*) FROM events") }
            await #expect(throws: PostgresError.self) { try await loader.query("SELECT count(*) FROM analytics.kpi_daily") }
            await loader.close()
            // The refresher may not write events.
            let refresher = try await PostgresConnection.connect(TestDatabase.url(url, as: .refresher))
            await #expect(throws: PostgresError.self) { try await refresher.query("DELETE FROM events") }
            await refresher.close()
            await admin.close()
            try await Self.twoTenants(url)
            #expect(try await AnalyticsFixture.kpis(url, tenant: "tenant_a")["events"]?.values.reduce(0, +) == 2_050)
        }
    }

    @Test("every unique key of a tenant-scoped table includes tenant_id, RLS is forced on it, and no foreign key crosses tenants")
    func catalogIsCitusReady() async throws {
        // Reference tables: small, read by every tenant's work, replicated whole under Citus.
        let reference: Set<String> = [
            "public.api_keys",  // looked up by key hash before the tenant is known
            "public.tenant_logins", "public.privacy_policies", "public.sampling_rules", "public.personalization_opt_outs",
            "public.identity_settings",
        ]
        try await AnalyticsFixture.withMigratedDatabase { url in
            let connection = try await PostgresConnection.connect(url)
            let scoped = try await connection.query("""
                SELECT c.oid::regclass::text AS name, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced
                FROM pg_class AS c JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
                WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relnamespace IN ('public'::regnamespace, 'analytics'::regnamespace)
                """).map { (try $0.decode("name", as: String.self), try $0.decode("rls", as: Bool.self), try $0.decode("forced", as: Bool.self)) }
            let tenantTables = scoped.filter { !reference.contains($0.0.contains(".") ? $0.0 : "public.\($0.0)") }
            #expect(tenantTables.count >= 20, "\(tenantTables.map(\.0))")
            for (name, rls, forced) in tenantTables {
                #expect(rls && forced, "\(name): row-level security is not enabled and forced")
            }
            let names = tenantTables.map(\.0)
            let keys = try await connection.query("""
                SELECT i.indrelid::regclass::text AS name, i.indexrelid::regclass::text AS index
                FROM pg_index AS i
                WHERE (i.indisunique OR i.indisprimary) AND i.indrelid::regclass::text = ANY(\(names))
                  AND NOT EXISTS (SELECT 1 FROM pg_attribute AS a
                                  WHERE a.attrelid = i.indrelid AND a.attname = 'tenant_id' AND a.attnum = ANY(i.indkey))
                """).map { "\(try $0.decode("name", as: String.self)): \(try $0.decode("index", as: String.self))" }
            #expect(keys.isEmpty, "unique keys without tenant_id: \(keys)")
            let foreignKeys = try await connection.query("""
                SELECT conname::text AS name FROM pg_constraint AS k
                WHERE k.contype = 'f'
                  AND (k.conrelid::regclass::text = ANY(\(names)) OR k.confrelid::regclass::text = ANY(\(names)))
                  AND NOT EXISTS (SELECT 1 FROM pg_attribute AS a WHERE a.attrelid = k.conrelid AND a.attname = 'tenant_id'
                                  AND a.attnum = ANY(k.conkey))
                """).map { try $0.decode("name", as: String.self) }
            #expect(foreignKeys.isEmpty, "foreign keys that may cross tenants: \(foreignKeys)")
            await connection.close()
        }
    }
}
