import Analytics
import EventContracts
import Foundation
import Loader
import Postgres
import Testing
import TestSupport
import Warehouse

/// Migrations 0010 and 0011 (roles, tenant-leading keys, row-level security) applied in place to a
/// warehouse loaded and refreshed under the schema before them.
@Suite("migrating a populated warehouse to tenant isolation")
struct PopulatedMigrationTests {
    @Test("events, rejects, batches and analytics survive the key change; loads and refreshes go on, exactly once")
    func populatedWarehouseMigratesInPlace() async throws {
        // The schema before: migrations up to 0009, and the sql/ files (their grants need the roles,
        // which belong to the cluster: create them first, as migration 0010 does).
        let root = TestDatabase.repositoryRoot
        let admin = try await PostgresConnection.connect(try TestDatabase.adminURL())
        try await admin.execute(unsafeSQL: try String(contentsOf: root.appendingPathComponent("migrations/0010_roles.sql"), encoding: .utf8))
        await admin.close()
        let oldRoot = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-before-0010-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: oldRoot.appendingPathComponent("migrations"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: root.appendingPathComponent("sql"), to: oldRoot.appendingPathComponent("sql"))
        // sluice_current_tenant() came with 0011 (its sql/ file reads 0011's tenant_logins).
        try FileManager.default.removeItem(at: oldRoot.appendingPathComponent("sql/sluice_current_tenant.sql"))
        // The compliance and retention functions came with 0019 and later (some read their columns).
        for name in try FileManager.default.contentsOfDirectory(atPath: oldRoot.appendingPathComponent("sql").path)
        where name.hasPrefix("compliance_") || name.hasPrefix("retention_") {
            try FileManager.default.removeItem(at: oldRoot.appendingPathComponent("sql/\(name)"))
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("migrations").path) where name < "0010" {
            try FileManager.default.copyItem(at: root.appendingPathComponent("migrations/\(name)"), to: oldRoot.appendingPathComponent("migrations/\(name)"))
        }
        let lines = (0..<1_500).map { TestEvents.cartLine(key: "m\($0)", day: $0 % 20 + 1, user: "u\($0 % 40)") } + ["{broken"]
        let input = try TestEvents.writeFile(lines)

        try await TestDatabase.withFresh { url in
            let connection = try await PostgresConnection.connect(url)
            _ = try await Migrator(files: SchemaFiles(root: oldRoot)).run(on: connection)
            // This version's loader stands in for the one of that schema; it names its batch in each
            // dirty mark (migration 0013, which adds the column only if missing).
            try await connection.execute(unsafeSQL: "ALTER TABLE refresh_dirty_buckets ADD COLUMN batch_id VARCHAR(255)")
            // It counts suppressed events in each batch row and reads the tombstones of erased
            // subjects (0019 adds both only if missing; their row-level security needs 0011).
            try await connection.execute(unsafeSQL: """
                ALTER TABLE batch_operations ADD COLUMN suppressed_count INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE suppression_tombstones (id BIGSERIAL, tenant_id VARCHAR(64) NOT NULL, kind VARCHAR(16) NOT NULL,
                                                     subject_hash TEXT NOT NULL, erased_at TIMESTAMPTZ NOT NULL, request_id VARCHAR(255) NOT NULL,
                                                     created_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (tenant_id, id),
                                                     UNIQUE (tenant_id, kind, subject_hash))
                """)
            // This version's refresh keeps the indexes it sets aside where 0015 puts them (the
            // migration creates them only if missing).
            try await connection.execute(unsafeSQL: try String(contentsOf: root.appendingPathComponent("migrations/0015_definer_rights.sql"), encoding: .utf8))
            // …and logs its counts in the columns 0016 adds (only if missing, too).
            try await connection.execute(unsafeSQL: try String(contentsOf: root.appendingPathComponent("migrations/0016_refresh_log_counts.sql"), encoding: .utf8))
            // …and reads the aliases erasures hand it (0023 creates the table only if missing; its
            // row-level security needs 0011, so only the table is made here).
            try await connection.execute(unsafeSQL: """
                CREATE TABLE refresh_dirty_identities (id BIGSERIAL, tenant_id VARCHAR(64) NOT NULL, alias_kind VARCHAR(16) NOT NULL,
                                                       alias VARCHAR(255) NOT NULL, marked_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                                                       PRIMARY KEY (tenant_id, id))
                """)
            // …and takes its accepted window from the event categories 0025 maps (a stand-in here,
            // mapping none: the window is open; dropped before the migrations create the real one).
            try await connection.execute(unsafeSQL: "CREATE TABLE retention_event_categories (category VARCHAR(64))")
            // Loaded and refreshed as the owner, as before this version.
            var options = LoadOptions(connectionString: url)
            options.tenant = "acme"
            options.inputs = [input.path]
            let first = try await LoadJob(options: options, registry: AnalyticsFixture.registry.get()).run()
            #expect(first.loaded == 1_500)
            _ = try await RefreshJob(connectionString: url).run(full: false)
            let before = try await AnalyticsFixture.snapshot(url)

            try await connection.execute(unsafeSQL: "DROP TABLE retention_event_categories")
            let report = try await Migrator(files: SchemaFiles(root: root)).run(on: connection)
            // Exactly the migrations after 0009 are applied, the tenant-isolation ones among them.
            let later = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("migrations").path)
                .filter { $0 >= "0010" && $0.hasSuffix(".sql") }.sorted()
            #expect(report.applied.map(\.fileName) == later)
            #expect(later.prefix(2) == ["0010_roles.sql", "0011_tenant_isolation.sql"])
            try await TestDatabase.ensureTestLogins()
            let key = try await connection.query("""
                SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conrelid = 'events'::regclass AND contype = 'p'
                """)[0].decode("definition", as: String.self)
            #expect(key == "PRIMARY KEY (tenant_id, id, occurred_at)")
            #expect(try await connection.query("SELECT count(*) AS n FROM events")[0].decode("n", as: Int.self) == 1_500)
            #expect(try await connection.query("SELECT count(*) AS n FROM rejected_events")[0].decode("n", as: Int.self) == 1)
            #expect(AnalyticsFixture.differences(before, try await AnalyticsFixture.snapshot(url)).isEmpty)

            // The loader login resumes the same file (nothing new), reads it again as duplicates.
            options.connectionString = TestDatabase.url(url, as: .loader)
            #expect(try await LoadJob(options: options, registry: AnalyticsFixture.registry.get()).run().read == 0)
            options.restart = true
            let again = try await LoadJob(options: options, registry: AnalyticsFixture.registry.get()).run()
            #expect(again.duplicates == 1_500)
            #expect(again.loaded == 0)
            #expect(try await connection.query("SELECT count(*) AS n FROM rejected_events")[0].decode("n", as: Int.self) == 1)
            // The refresher login refreshes; incremental still equals full.
            _ = try await AnalyticsFixture.refresh(url)
            let incremental = try await AnalyticsFixture.snapshot(url)
            _ = try await AnalyticsFixture.refresh(url, full: true)
            #expect(AnalyticsFixture.differences(incremental, try await AnalyticsFixture.snapshot(url)).isEmpty)
            await connection.close()
        }
    }
}
