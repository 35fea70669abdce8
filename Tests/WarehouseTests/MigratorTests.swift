import Foundation
import Postgres
import Testing
import TestSupport
@testable import Warehouse

@Suite("Migrations")
struct MigratorTests {
    @Test("a second run has nothing to do")
    func secondRunIsNoOp() async throws {
        try await TestDatabase.withFreshConnection { connection, _ in
            let migrator = Migrator(files: SchemaFixture.files)
            let first = try await migrator.run(on: connection)
            let expected = try SchemaFixture.files.migrations().map(\.fileName)
            #expect(first.applied.map(\.fileName) == expected)
            // Every sql/ file once (a file that needs another's object waits for it, so not
            // necessarily in name order).
            #expect(first.repeatablesApplied.sorted() == (try SchemaFixture.files.repeatables().map(\.fileName)).sorted())

            let second = try await migrator.run(on: connection)
            #expect(second.nothingToDo)
            #expect(second.alreadyApplied == expected.count)
            let ledger = try await connection.query("SELECT count(*) AS n, bool_and(execution_ms >= 0) AS timed FROM sluice_schema_migrations")[0]
            #expect(try ledger.decode("n", as: Int.self) == expected.count)
            #expect(try ledger.decode("timed", as: Bool.self))
        }
    }

    @Test("an applied migration that was edited is refused, by name, before anything runs")
    func editedMigrationIsRefused() async throws {
        let files = try SchemaFixture.copy()
        try await TestDatabase.withFreshConnection { connection, _ in
            _ = try await Migrator(files: files).run(on: connection)
            let edited = files.migrationsDirectory.appendingPathComponent("0002_batch_operations.sql")
            try (String(contentsOf: edited, encoding: .utf8) + "\n-- a harmless-looking edit\n").write(to: edited, atomically: true, encoding: .utf8)
            // A new migration beside the edit must not be applied either.
            try "CREATE TABLE should_not_exist (x int);".write(
                to: files.migrationsDirectory.appendingPathComponent("0099_late_addition.sql"), atomically: true, encoding: .utf8)

            let error = await #expect(throws: MigrationError.self) { try await Migrator(files: files).run(on: connection) }
            #expect(error?.description.contains("0002_batch_operations.sql") == true)
            #expect(error?.description.contains("edited") == true)
            let late = try await connection.query("SELECT to_regclass('should_not_exist') IS NULL AS absent")[0]
            #expect(try late.decode("absent", as: Bool.self))
        }
    }

    @Test("a failing migration leaves no trace and names the file")
    func failingMigrationRollsBack() async throws {
        let files = try SchemaFixture.copy()
        try """
            CREATE TABLE half_done (x int);
            SELECT * FROM this_table_does_not_exist;
            """.write(to: files.migrationsDirectory.appendingPathComponent("0099_broken.sql"), atomically: true, encoding: .utf8)
        try await TestDatabase.withFreshConnection { connection, _ in
            let error = await #expect(throws: MigrationError.self) { try await Migrator(files: files).run(on: connection) }
            #expect(error?.description.contains("0099_broken.sql") == true)
            #expect(error?.description.contains("42P01") == true)
            let state = try await connection.query("""
                SELECT to_regclass('half_done') IS NULL AS absent,
                       (SELECT count(*) FROM sluice_schema_migrations WHERE version = 99) AS recorded
                """)[0]
            #expect(try state.decode("absent", as: Bool.self))
            #expect(try state.decode("recorded", as: Int.self) == 0)
        }
    }

    @Test("badly named migration files are refused")
    func badFileName() async throws {
        let files = try SchemaFixture.copy()
        try "SELECT 1;".write(to: files.migrationsDirectory.appendingPathComponent("6_oops.sql"), atomically: true, encoding: .utf8)
        let error = #expect(throws: MigrationError.self) { try files.migrations() }
        #expect(error?.description.contains("6_oops.sql") == true)
    }

    @Test("no-transaction migrations run outside a transaction")
    func noTransactionMarker() async throws {
        let files = try SchemaFixture.copy()
        try """
            -- sluice:no-transaction
            CREATE INDEX CONCURRENTLY batch_operations_status_idx ON batch_operations (status);
            """.write(to: files.migrationsDirectory.appendingPathComponent("0099_concurrent_index.sql"), atomically: true, encoding: .utf8)
        #expect(try files.migrations().last?.runsInTransaction == false)
        try await TestDatabase.withFreshConnection { connection, _ in
            let report = try await Migrator(files: files).run(on: connection)
            #expect(report.applied.last?.fileName == "0099_concurrent_index.sql")
            #expect(try await connection.query("SELECT to_regclass('batch_operations_status_idx') IS NOT NULL AS present")[0].decode("present", as: Bool.self))
        }
    }

    @Test("two concurrent runs: one waits, both succeed, each migration is applied once")
    func concurrentRuns() async throws {
        try await TestDatabase.withFresh { url in
            let first = try await PostgresConnection.connect(url)
            let second = try await PostgresConnection.connect(url)
            // Hold the lock from a third session so both runs must queue behind it.
            let holder = try await PostgresConnection.connect(url)
            try await holder.query("SELECT pg_advisory_lock(\(Migrator.lockKey))")
            let migrator = Migrator(files: SchemaFixture.files)
            async let a = migrator.run(on: first)
            async let b = migrator.run(on: second)
            try await Task.sleep(for: .milliseconds(300))
            try await holder.query("SELECT pg_advisory_unlock(\(Migrator.lockKey))")
            let (reportA, reportB) = try await (a, b)
            #expect(reportA.waitedForLock && reportB.waitedForLock)
            let count = try SchemaFixture.files.migrations().count
            #expect(reportA.applied.count + reportB.applied.count == count)
            #expect(reportA.nothingToDo || reportB.nothingToDo)
            let ledger = try await first.query("SELECT count(*) AS n, count(DISTINCT version) AS d FROM sluice_schema_migrations")[0]
            #expect(try ledger.decode("n", as: Int.self) == count)
            #expect(try ledger.decode("d", as: Int.self) == count)
            for connection in [first, second, holder] { await connection.close() }
        }
    }

    @Test("a migration edited in its comments only (a known edit) is accepted and its checksum brought up to date")
    func commentOnlyEditIsAccepted() async throws {
        let old = try SchemaFixture.copy()
        // The files as they were released: the same SQL, the comments naming the old design notes.
        for (fileName, checksums) in Migrator.commentOnlyEdits {
            let url = old.migrationsDirectory.appendingPathComponent(fileName)
            let released = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "docs/architecture.md", with: "DESIGN" + ".md")
            try released.write(to: url, atomically: true, encoding: .utf8)
            #expect(checksums.contains(Checksum.sha256Hex(Data(released.utf8))), "\(fileName): the known edit is not the released text")
        }
        try await TestDatabase.withFreshConnection { connection, _ in
            _ = try await Migrator(files: old).run(on: connection)
            let lines = LinesBox()
            let report = try await Migrator(files: SchemaFixture.files).run(on: connection, progress: { lines.append($0) })
            #expect(report.applied.isEmpty)
            #expect(lines.all.filter { $0.contains("comments were edited") }.count == Migrator.commentOnlyEdits.count, "\(lines.all)")
            let current = Dictionary(uniqueKeysWithValues: try SchemaFixture.files.migrations().map { ($0.fileName, $0.checksum) })
            for row in try await connection.query("SELECT file_name, checksum FROM sluice_schema_migrations") {
                let fileName = try row.decode("file_name", as: String.self)
                #expect(try row.decode("checksum", as: String.self) == current[fileName], "\(fileName)")
            }
            #expect(try await Migrator(files: SchemaFixture.files).run(on: connection).nothingToDo)
        }
    }
}

/// Progress lines collected from a migration run.
final class LinesBox: @unchecked Sendable {
    // @unchecked Sendable: `lines` is only touched under `lock`.
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
