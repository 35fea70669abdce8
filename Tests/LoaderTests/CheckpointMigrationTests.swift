import Foundation
import Loader
import Postgres
import Testing
import TestSupport
import Warehouse

/// Migration 0008 applied to a warehouse a previous version loaded into: its checkpoints keep
/// working, under the tenant and contract that wrote them.
@Suite("checkpoints from before migration 0008")
struct CheckpointMigrationTests {
    @Test("old checkpoints are kept for their tenant and resumed (with a note); rows nobody can place are dropped")
    func oldCheckpointsCarryOver() async throws {
        let lines = (0..<1_000).map { LoaderFixture.cartLine(key: "m\($0)") }
        let input = try LoaderFixture.writeInput(lines)
        let path = input.standardizedFileURL.path
        let offsetAfter500 = Int64(lines[0..<500].reduce(0) { $0 + $1.utf8.count + 1 })

        // The schema as it was: migrations up to 0007.
        let oldRoot = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-old-schema-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: oldRoot.appendingPathComponent("migrations"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: oldRoot.appendingPathComponent("sql"), withIntermediateDirectories: true)
        // The sql/ files of that version: the partition function and view.
        for name in try FileManager.default.contentsOfDirectory(atPath: LoaderFixture.repositoryRoot.appendingPathComponent("sql").path)
        where name.hasPrefix("event_partition") {
            try FileManager.default.copyItem(at: LoaderFixture.repositoryRoot.appendingPathComponent("sql/\(name)"),
                                             to: oldRoot.appendingPathComponent("sql/\(name)"))
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: LoaderFixture.repositoryRoot.appendingPathComponent("migrations").path)
        where name < "0008" {
            try FileManager.default.copyItem(at: LoaderFixture.repositoryRoot.appendingPathComponent("migrations/\(name)"),
                                             to: oldRoot.appendingPathComponent("migrations/\(name)"))
        }

        try await TestDatabase.withFresh { url in
            let connection = try await PostgresConnection.connect(url)
            _ = try await Migrator(files: SchemaFiles(root: oldRoot)).run(on: connection)
            // What the previous loader left: a batch of this file's first 500 lines for tenant "acme",
            // a compacted range of another file, an orphan range, and a reject.
            try await connection.execute(unsafeSQL: """
                INSERT INTO batch_operations (batch_id, status, tenant_id, source, contract) VALUES
                    ('old-1', 'completed', 'acme', '\(path)', 'pocm'),
                    ('old-2', 'completed', 'globex', '/data/other.ndjson', 'recs');
                INSERT INTO load_checkpoints (source, start_offset, end_offset, end_line, batch_id) VALUES
                    ('\(path)', 0, \(offsetAfter500), 500, 'old-1'),
                    ('/data/other.ndjson', 0, 999, 9, NULL),
                    ('/data/orphan.ndjson', 0, 10, 1, NULL);
                INSERT INTO rejected_events (tenant_id, source, batch_id, line_number, byte_offset, contract, raw, errors)
                VALUES ('acme', '\(path)', 'old-1', 7, 100, 'pocm', '\\x7b626164'::bytea, '[]');
                """)
            let report = try await Migrator(files: SchemaFiles(root: LoaderFixture.repositoryRoot)).run(on: connection)
            try await TestDatabase.ensureTestLogins()
            #expect(report.applied.map(\.fileName).contains("0008_checkpoint_identity.sql"))

            let rows = try await connection.query("""
                SELECT source, tenant_id, contract, end_fingerprint IS NULL AS legacy FROM load_checkpoints ORDER BY source
                """).map { try ($0.decode("source", as: String.self), $0.decode("tenant_id", as: String.self),
                                $0.decode("contract", as: String.self), $0.decode("legacy", as: Bool.self)) }
            #expect(rows.count == 2, "\(rows)")
            #expect(rows.contains { $0.0 == "/data/other.ndjson" && $0.1 == "globex" && $0.2 == "recs" && $0.3 })
            #expect(rows.contains { $0.0 == path && $0.1 == "acme" && $0.2 == "pocm" && $0.3 })
            let digest = try await connection.query("SELECT raw_digest = sha256('{bad'::bytea) AS same FROM rejected_events")[0]
            #expect(try digest.decode("same", as: Bool.self))
            await connection.close()

            // The old checkpoint still resumes acme's load, unverified and said so; another tenant reads it all.
            var options = LoaderFixture.options(url, inputs: [input.path])
            options.tenant = "acme"
            let resumed = try await LoaderFixture.load(options)
            #expect(resumed.read == 500)
            #expect(resumed.notes.map(\.kind) == [.resumedUnverified])
            options.tenant = "default"
            #expect(try await LoaderFixture.load(options).read == 1_000)
            // The next acme run finds a fingerprinted checkpoint: nothing to read, nothing to note.
            options.tenant = "acme"
            let again = try await LoaderFixture.load(options)
            #expect(again.read == 0)
            #expect(again.notes.isEmpty)
        }
    }
}
