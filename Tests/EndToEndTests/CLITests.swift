import Foundation
import Postgres
import Testing
import TestSupport

@Suite("sluice CLI, end to end")
struct CLITests {
    @Test("migrate twice: the second run says there is nothing to do")
    func migrateTwice() async throws {
        try await TestDatabase.withFresh { url in
            let first = try await SluiceCLI.run(["migrate"], environment: ["DATABASE_URL": url])
            #expect(first.status == 0, "\(first.combined)")
            #expect(first.stdout.contains("applied 0001_events.sql"))
            let second = try await SluiceCLI.run(["migrate", "--database-url", url])
            #expect(second.status == 0, "\(second.combined)")
            #expect(second.stdout.contains("nothing to do"))
            #expect(!second.stdout.contains("applied 0"))
        }
    }

    @Test("an edited applied migration is refused by name, exit 1")
    func editedMigration() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-e2e-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        for folder in ["migrations", "sql"] {
            try FileManager.default.copyItem(at: SluiceCLI.repositoryRoot.appendingPathComponent(folder), to: root.appendingPathComponent(folder))
        }
        try await TestDatabase.withFresh { url in
            let env = ["DATABASE_URL": url]
            #expect(try await SluiceCLI.run(["migrate", "--schema-dir", root.path], environment: env).status == 0)
            let file = root.appendingPathComponent("migrations/0003_compliance.sql")
            try (String(contentsOf: file, encoding: .utf8) + "-- edited\n").write(to: file, atomically: true, encoding: .utf8)
            let refused = try await SluiceCLI.run(["migrate", "--schema-dir", root.path], environment: env)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("0003_compliance.sql"))
            #expect(refused.stderr.contains("edited"))
        }
    }

    @Test("two concurrent migrate processes both succeed; the schema is applied once")
    func concurrentMigrate() async throws {
        try await TestDatabase.withFresh { url in
            async let a = SluiceCLI.run(["migrate"], environment: ["DATABASE_URL": url])
            async let b = SluiceCLI.run(["migrate"], environment: ["DATABASE_URL": url])
            let (first, second) = try await (a, b)
            #expect(first.status == 0, "\(first.combined)")
            #expect(second.status == 0, "\(second.combined)")
            let connection = try await PostgresConnection.connect(url)
            let count = try await connection.query("SELECT count(*) AS n FROM sluice_schema_migrations")[0].decode("n", as: Int.self)
            let files = try FileManager.default.contentsOfDirectory(atPath: SluiceCLI.repositoryRoot.appendingPathComponent("migrations").path)
            #expect(count == files.filter { $0.hasSuffix(".sql") }.count)
            await connection.close()
        }
    }

    @Test("partitions ensure, list and status show the monthly partitions")
    func partitionsAndStatus() async throws {
        try await TestDatabase.withFresh { url in
            let env = ["DATABASE_URL": url]
            let unmigrated = try await SluiceCLI.run(["status"], environment: env)
            #expect(unmigrated.stdout.contains("run `sluice migrate`"))
            #expect(try await SluiceCLI.run(["migrate"], environment: env).status == 0)
            let ensured = try await SluiceCLI.run(["partitions", "ensure", "--months-ahead", "2"], environment: env)
            #expect(ensured.status == 0, "\(ensured.combined)")
            #expect(ensured.stdout.split(separator: "\n").filter { $0.hasPrefix("created events_") }.count == 3)
            let again = try await SluiceCLI.run(["partitions", "ensure", "--months-ahead", "2"], environment: env)
            #expect(again.stdout.split(separator: "\n").filter { $0.hasPrefix("exists  events_") }.count == 3)

            let month = PostgresTimestamp.now().description.prefix(7).replacingOccurrences(of: "-", with: "_")
            let listed = try await SluiceCLI.run(["partitions", "list"], environment: env)
            #expect(listed.stdout.contains("events_\(month)"))
            let status = try await SluiceCLI.run(["status"], environment: env)
            #expect(status.status == 0)
            #expect(status.stdout.contains("3 partitions"))
            #expect(status.stdout.contains("events_\(month)"))
        }
    }

    @Test("connection refused: clear message, exit 1, no password")
    func connectionRefused() async throws {
        let outcome = try await SluiceCLI.run(["status"], environment: ["DATABASE_URL": "postgres://ops:Sup3rSecret@127.0.0.1:1/warehouse"])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("cannot connect to postgres://ops@127.0.0.1:1/warehouse"))
        #expect(outcome.stderr.contains("connection refused"))
        #expect(!outcome.combined.contains("Sup3rSecret"))
    }

    @Test("status --detail shows events per tenant, contract and type, and waiting rejects per reason")
    func statusDetail() async throws {
        let lines = (0..<30).map { TestEvents.cartLine(key: "s\($0)") } + [#"{"type":"cart"}"#, #"{"type":"cart"}"#]
        let input = try TestEvents.writeFile(lines)
        try await TestDatabase.withFresh { url in
            let env = ["DATABASE_URL": url]
            #expect(try await SluiceCLI.run(["migrate"], environment: env).status == 0)
            try await TestDatabase.ensureTestLogins()
            let load = try await SluiceCLI.run(["load", "--tenant", "acme", input.path],
                                               environment: ["DATABASE_URL": TestDatabase.url(url, as: .loader)])
            #expect(load.stdout.contains("in 1 batch,"), "\(load.stdout)")
            let status = try await SluiceCLI.run(["status", "--detail"], environment: env)
            #expect(status.status == 0, "\(status.combined)")
            let rows = status.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
            #expect(rows.contains(["acme", "pocm", "cart", "30"]), "\(status.stdout)")
            #expect(rows.contains { $0.first == "pocm" && $0.last == "2" }, "\(status.stdout)")
        }
    }

    @Test("db stop says what it did")
    func databaseStopConfirms() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-stop-\(UUID().uuidString.prefix(8))")
        let nothing = try await SluiceCLI.run(["db", "stop", "--dir", directory.path])
        #expect(nothing.status == 0)
        #expect(nothing.stdout.contains("nothing to stop"), "\(nothing.stdout)")
        #expect(try await SluiceCLI.run(["db", "start", "--dir", directory.path]).status == 0)
        let stopped = try await SluiceCLI.run(["db", "stop", "--dir", directory.path])
        #expect(stopped.status == 0)
        #expect(stopped.stdout.contains("stopped the local cluster"), "\(stopped.stdout)")
        let again = try await SluiceCLI.run(["db", "stop", "--dir", directory.path])
        #expect(again.stdout.contains("was not running"), "\(again.stdout)")
        try? FileManager.default.removeItem(at: directory)
    }

    @Test("a malformed DATABASE_URL is reported as malformed, exit 1")
    func malformedDatabaseURL() async throws {
        let outcome = try await SluiceCLI.run(["status"], environment: ["DATABASE_URL": "not a url"])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("malformed connection string"), "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("does not exist"))
    }

    @Test("usage errors exit 2 and say how to get help")
    func usageErrors() async throws {
        let unknown = try await SluiceCLI.run(["partitions", "ensure", "--months-ahead", "-4"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("--months-ahead"))
        let noSuchFlag = try await SluiceCLI.run(["migrate", "--no-such-flag"])
        #expect(noSuchFlag.status == 2)
        #expect(noSuchFlag.stderr.contains("sluice migrate --help"))
    }

    @Test("--source must be printable text; rejects list and show escape control characters in what they print")
    func sourceNamesAndEscaping() async throws {
        for bad in ["", "evil\u{1B}[2Jname", "line\nbreak", String(repeating: "x", count: 256)] {
            let outcome = try await SluiceCLI.run(["load", "--source", bad, "-"], environment: ["DATABASE_URL": "postgres://nobody@127.0.0.1:1/x"])
            #expect(outcome.status == 2, "--source \(bad.debugDescription): \(outcome.combined)")
            #expect(outcome.stderr.contains("--source"))
        }
        try await TestDatabase.withFresh { url in
            let env = ["DATABASE_URL": url]
            #expect(try await SluiceCLI.run(["migrate"], environment: env).status == 0)
            // A reject stored with hostile text in every printed field (e.g. by an older version).
            let connection = try await PostgresConnection.connect(url)
            try await connection.query("""
                INSERT INTO rejected_events (tenant_id, source, batch_id, line_number, byte_offset, contract, raw, errors)
                VALUES ('t\u{1B}[31m', 'src\u{1B}]0;title\u{07}', 'b\u{1B}1', 1, 0, 'pocm', '\\x1b5b324a'::bytea,
                        '[{"field":"/a","message":"bad \\u001b[2J value"}]')
                """)
            await connection.close()
            for arguments in [["rejects", "list"], ["rejects", "show", "1"]] {
                let outcome = try await SluiceCLI.run(arguments, environment: env)
                #expect(outcome.status == 0, "\(outcome.combined)")
                #expect(!outcome.stdout.contains("\u{1B}") && !outcome.stdout.contains("\u{07}"), "\(arguments): \(outcome.stdout.debugDescription)")
                #expect(outcome.stdout.contains("\\x1B"), "\(outcome.stdout)")
            }
        }
    }
}
