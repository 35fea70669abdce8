import EventContracts
import Foundation
import Loader
import Postgres
import Testing
import TestSupport

/// The loader's promise under the faults production brings: rotated and rewritten files, files
/// still being written, two tenants, corrupt gzip, a misconfigured role, a tight statement_timeout.
/// Every test ends with the exact event set, counts that add up, and every rejected line stored for
/// its tenant.
@Suite("sluice load loses nothing", .serialized)
struct NothingLostTests {
    // MARK: - Helpers

    static func lines(_ prefix: String, _ range: Range<Int>) -> [String] {
        range.map { LoaderFixture.cartLine(key: "\(prefix)\($0)", day: $0 % 27 + 1) }
    }

    static func keys(_ prefix: String, _ range: Range<Int>) -> [String] {
        range.map { "\(prefix)\($0)" }
    }

    /// Replaces the file at `url` with a new file (another inode), as log rotation does.
    static func rotate(_ url: URL, to lines: [String]) throws {
        let replacement = url.deletingLastPathComponent().appendingPathComponent("replacement-\(UUID().uuidString.prefix(6))")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: replacement)
        #expect(rename(replacement.path, url.path) == 0)
    }

    static func append(_ text: String, to url: URL) throws {
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    static func expectCountsAddUp(_ summary: LoadSummary, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(summary.read == summary.loaded + summary.duplicates + summary.rejected + summary.sampledOut, sourceLocation: sourceLocation)
    }

    static func loadFailure(_ options: LoadOptions) async throws -> LoadFailure {
        do {
            let summary = try await LoaderFixture.load(options)
            Issue.record("the load succeeded (\(summary.json)) but should have failed")
            throw CancellationError()
        } catch let failure as LoadFailure {
            return failure
        }
    }

    static func checkpointRows(_ url: String) async throws -> Int {
        try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM load_checkpoints")
    }

    /// Runs `sql` as the test cluster's administrator (roles are cluster-wide).
    static func admin(_ sql: String) async throws {
        let connection = try await PostgresConnection.connect(try TestDatabase.adminURL())
        try await connection.execute(unsafeSQL: sql)
        await connection.close()
    }

    /// `url` with its user replaced.
    static func url(_ url: String, user: String) throws -> String {
        var components = try #require(URLComponents(string: url))
        components.user = user
        components.password = nil
        return try #require(components.string)
    }

    /// The partition of last month (where the sample lines fall) made by the owner, so a role that
    /// may not create tables can still load.
    static func makePartitions(_ url: String) async throws {
        let connection = try await PostgresConnection.connect(url)
        try await connection.query("SELECT sluice_ensure_event_partition((\(LoaderFixture.previousMonthPrefix()) || '-15')::timestamptz)")
        await connection.close()
    }

    /// Sets the database's `statement_timeout` and has another session hold the key ledger, so
    /// every key insert waits and times out until the returned connection rolls back.
    static func blockLedger(_ url: String, statementTimeout: String) async throws -> (database: String, blocker: PostgresConnection) {
        try await makePartitions(url)
        let database = String(try #require(URLComponents(string: url)?.path.dropFirst()))
        try await admin("ALTER DATABASE \(database) SET statement_timeout = '\(statementTimeout)'")
        let blocker = try await PostgresConnection.connect(url)
        try await blocker.execute(unsafeSQL: "BEGIN; LOCK TABLE event_idempotency_keys IN SHARE MODE")
        return (database, blocker)
    }

    // MARK: - 1. Checkpoint identity

    @Test("the same file loaded for a second tenant loads again for that tenant, rejects included")
    func secondTenant() async throws {
        let input = try LoaderFixture.writeInput(Self.lines("t", 0..<600) + [#"{"type":"cart","broken":"#] + Self.lines("u", 0..<100) + ["not json"])
        try await LoaderFixture.withMigratedDatabase { url in
            for tenant in ["acme", "globex"] {
                var options = LoaderFixture.options(url, inputs: [input.path], batchRows: 250)
                options.tenant = tenant
                let summary = try await LoaderFixture.load(options)
                #expect(summary.read == 702, "\(tenant): \(summary.json)")
                #expect(summary.loaded == 700)
                #expect(summary.rejected == 2)
                Self.expectCountsAddUp(summary)
            }
            for tenant in ["acme", "globex"] {
                let keys = try await LoaderFixture.scalar(url, "SELECT count(DISTINCT idempotency_key)::int FROM events WHERE tenant_id = \(tenant)")
                #expect(keys == 700)
                let rejects = try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM rejected_events WHERE tenant_id = \(tenant)")
                #expect(rejects == 2, "\(tenant)'s rejected lines are stored for \(tenant)")
            }
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM events") == 1_400)
            // Replay works per tenant: only acme's two lines are examined.
            let replay = try await RejectStore(connectionString: TestDatabase.url(url, as: .loader)).replay(tenant: "acme", source: nil, registry: LoaderFixture.registry.get(), privacy: { _ in PrivacyPolicy() })
            #expect(replay.examined == 2)
            #expect(replay.stillRejected == 2)
        }
    }

    @Test("a file rotated to a longer one at the same path is read from its start")
    func rotatedLonger() async throws {
        let input = try LoaderFixture.writeInput(Self.lines("old", 0..<500))
        try await LoaderFixture.withMigratedDatabase { url in
            let first = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path]))
            #expect(first.loaded == 500)
            try Self.rotate(input, to: Self.lines("new", 0..<800) + ["{bad"])
            let second = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path]))
            #expect(second.read == 801)
            #expect(second.loaded == 800)
            #expect(second.rejected == 1)
            Self.expectCountsAddUp(second)
            #expect(second.notes.map(\.kind) == [.rereadFromStart])
            #expect(second.notes.first?.reason.contains("rotated or replaced") == true, "\(second.notes)")
            #expect(second.json.contains("\"reread_from_start\":[{\"source\":"))
            #expect(try await LoaderFixture.loadedKeys(url) == (Self.keys("old", 0..<500) + Self.keys("new", 0..<800)).sorted())
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM rejected_events WHERE raw = '{bad'::bytea") == 1)
        }
    }

    @Test("a file replaced by a shorter one, and one rewritten in place, are read from their start")
    func shorterAndRewritten() async throws {
        let input = try LoaderFixture.writeInput(Self.lines("long", 0..<800))
        try await LoaderFixture.withMigratedDatabase { url in
            _ = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path]))
            try Self.rotate(input, to: Self.lines("short", 0..<300))
            let shorter = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path]))
            #expect(shorter.loaded == 300)
            #expect(shorter.notes.first?.kind == .rereadFromStart)

            // Same inode, longer, different bytes before the checkpoint (copytruncate, then new data).
            let handle = try FileHandle(forWritingTo: input)
            try handle.truncate(atOffset: 0)
            try handle.write(contentsOf: Data((Self.lines("again", 0..<900).joined(separator: "\n") + "\n").utf8))
            try handle.close()
            let rewritten = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path]))
            #expect(rewritten.loaded == 900)
            #expect(rewritten.notes.first?.reason.contains("rewritten") == true, "\(rewritten.notes)")
            Self.expectCountsAddUp(rewritten)
            let expected = Self.keys("long", 0..<800) + Self.keys("short", 0..<300) + Self.keys("again", 0..<900)
            #expect(try await LoaderFixture.loadedKeys(url) == expected.sorted())

            // Unchanged: the next run reads nothing.
            let again = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path]))
            #expect(again.read == 0)
            #expect(again.notes.isEmpty)
        }
    }

    @Test("a FIFO reused at a path: each stream is loaded whole (streams are not checkpointed unless named)")
    func fifoReused() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-fifo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let fifo = directory.appendingPathComponent("events.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        try await LoaderFixture.withMigratedDatabase { url in
            for (prefix, count) in [("first", 300), ("second", 200)] {
                let fed = LoaderFixture.feedFIFO(fifo, Array((Self.lines(prefix, 0..<count).joined(separator: "\n") + "\n").utf8))
                let summary = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [fifo]))
                fed.wait()
                #expect(summary.loaded == count, "\(prefix): \(summary.json)")
            }
            #expect(try await LoaderFixture.loadedKeys(url) == (Self.keys("first", 0..<300) + Self.keys("second", 0..<200)).sorted())
            #expect(try await Self.checkpointRows(url) == 0, "an unnamed stream leaves no checkpoint")
        }
    }

    @Test("a named stream that does not match its checkpoint stops with a clear error instead of skipping bytes")
    func namedStreamMismatch() async throws {
        let first = try LoaderFixture.writeInput(Self.lines("s", 0..<200))
        let other = try LoaderFixture.writeInput(Self.lines("z", 0..<300))
        try await LoaderFixture.withMigratedDatabase { url in
            // A named FIFO is a stream; a regular file named with --source is checkpointed under the name.
            let directory = first.deletingLastPathComponent()
            let fifo = directory.appendingPathComponent("named.fifo").path
            #expect(mkfifo(fifo, 0o600) == 0)
            func feed(_ file: URL) -> DispatchSemaphore {
                LoaderFixture.feedFIFO(fifo, Array((try? Data(contentsOf: file)) ?? Data()))
            }
            var options = LoaderFixture.options(url, inputs: [fifo])
            options.sourceName = "backfill"
            var fed = feed(first)
            #expect(try await LoaderFixture.load(options).loaded == 200)
            fed.wait()
            fed = feed(other)
            let failure = try await Self.loadFailure(options)
            fed.wait()  // the writer fails (the reader stopped early); it must not feed the next run
            #expect(failure.reason.contains("--restart"), "\(failure.reason)")
            #expect(failure.summary.loaded == 0)
            options.restart = true
            fed = feed(other)
            #expect(try await LoaderFixture.load(options).loaded == 300)
            fed.wait()
            #expect(try await LoaderFixture.loadedKeys(url) == (Self.keys("s", 0..<200) + Self.keys("z", 0..<300)).sorted())
        }
    }

    // MARK: - 2. Faults of the system never dead-letter

    @Test("permission denied: exit with advice, nothing dead-lettered, checkpoint unmoved; after GRANT a re-run loads all once")
    func permissionDenied() async throws {
        let role = "sluice_t_\(UUID().uuidString.prefix(8).lowercased())"
        let input = try LoaderFixture.writeInput(Self.lines("p", 0..<1_000) + ["{bad"])
        try await LoaderFixture.withMigratedDatabase { url in
            try await Self.makePartitions(url)
            // A loader login whose group lost INSERT on events in this database (a DBA's slip).
            try await Self.admin("CREATE ROLE \(role) LOGIN IN ROLE sluice_loader")
            let owner = try await PostgresConnection.connect(url)
            try await owner.execute(unsafeSQL: "REVOKE INSERT ON events FROM sluice_loader")
            let limited = try Self.url(url, user: role)
            let failure = try await Self.loadFailure(LoaderFixture.options(limited, inputs: [input.path], batchRows: 300))
            #expect(failure.reason.contains("permission denied for table events"), "\(failure.reason)")
            #expect(failure.reason.contains("grant") && failure.reason.contains(role), "\(failure.reason)")
            #expect(failure.summary.loaded == 0)
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM rejected_events") == 0)
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM events") == 0)
            #expect(try await Self.checkpointRows(url) == 0)

            try await owner.execute(unsafeSQL: "GRANT INSERT ON events TO sluice_loader")
            await owner.close()
            let fixed = try await LoaderFixture.load(LoaderFixture.options(limited, inputs: [input.path], batchRows: 300))
            #expect(fixed.loaded == 1_000)
            #expect(fixed.rejected == 1)
            #expect(try await LoaderFixture.loadedKeys(url) == Self.keys("p", 0..<1_000).sorted())
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM rejected_events") == 1)
        }
        try await Self.admin("DROP ROLE IF EXISTS \(role)")
    }

    @Test("statement_timeout on every try: stops, nothing dead-lettered, checkpoint unmoved; fixed, a re-run loads all once")
    func statementTimeoutPersists() async throws {
        let input = try LoaderFixture.writeInput(Self.lines("st", 0..<400))
        try await LoaderFixture.withMigratedDatabase { url in
            let (database, blocker) = try await Self.blockLedger(url, statementTimeout: "150ms")
            let failure = try await Self.loadFailure(LoaderFixture.options(url, inputs: [input.path], writers: 1, batchRows: 100))
            #expect(failure.reason.contains("statement timeout") || failure.reason.contains("statement_timeout"), "\(failure.reason)")
            #expect(failure.summary.loaded == 0)
            try await blocker.execute(unsafeSQL: "ROLLBACK")
            await blocker.close()
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM rejected_events") == 0)
            #expect(try await Self.checkpointRows(url) == 0)
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM events") == 0)

            try await Self.admin("ALTER DATABASE \(database) RESET statement_timeout")
            let fixed = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path], batchRows: 100))
            #expect(fixed.loaded == 400)
            #expect(try await LoaderFixture.loadedKeys(url) == Self.keys("st", 0..<400).sorted())
        }
    }

    @Test("statement_timeout for a while: batches are retried and split, everything loads, nothing dead-lettered")
    func statementTimeoutHeals() async throws {
        let input = try LoaderFixture.writeInput(Self.lines("sh", 0..<2_000))
        try await LoaderFixture.withMigratedDatabase { url in
            let (database, blocker) = try await Self.blockLedger(url, statementTimeout: "200ms")
            let release = Task {
                try await Task.sleep(for: .milliseconds(1_500))
                try await blocker.execute(unsafeSQL: "ROLLBACK")
                await blocker.close()
            }
            let logged = LogLines()
            let summary = try await LoadJob(options: LoaderFixture.options(url, inputs: [input.path], batchRows: 500),
                                            registry: LoaderFixture.registry.get()).run(log: { logged.append($0) })
            try await release.value
            #expect(logged.lines.contains { $0.contains("statement timeout") && $0.contains("two transactions") },
                    "the load never had to split a batch: \(logged.lines)")
            #expect(summary.loaded == 2_000)
            #expect(summary.rejected == 0)
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM rejected_events") == 0)
            #expect(try await LoaderFixture.loadedKeys(url) == Self.keys("sh", 0..<2_000).sorted())
            // The split batches' ranges chain: a re-run reads nothing.
            #expect(try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path])).read == 0)
            try await Self.admin("ALTER DATABASE \(database) RESET statement_timeout")
        }
    }

    @Test("a missing database, a missing role and a refused login fail at once; a refused connection after the start window")
    func connectionFailuresThatCannotHeal() async throws {
        let role = "sluice_nologin_\(UUID().uuidString.prefix(8).lowercased())"
        try await Self.admin("CREATE ROLE \(role) NOLOGIN")
        let input = try LoaderFixture.writeInput(Self.lines("c", 0..<10))
        let base = try TestDatabase.url(forDatabase: "postgres")
        let cases = [
            (try TestDatabase.url(forDatabase: "sluice_no_such_db"), "does not exist"),
            (try Self.url(base, user: "sluice_no_such_role"), "does not exist"),
            (try Self.url(base, user: role), "not permitted to log in"),
        ]
        for (url, expected) in cases {
            let started = ContinuousClock.now
            let failure = try await Self.loadFailure(LoaderFixture.options(url, inputs: [input.path]))
            let elapsed = started.duration(to: .now)
            #expect(failure.reason.contains(expected), "\(failure.reason)")
            #expect(elapsed < .seconds(3), "took \(elapsed): retried what cannot heal")
        }
        try await Self.admin("DROP ROLE IF EXISTS \(role)")

        // Nothing listens on this port: refused, retried for the (short) start window only.
        var refused = LoaderFixture.options("postgres://sluice@127.0.0.1:1/none", inputs: [input.path])
        refused.startRetryWindow = .seconds(1)
        let started = ContinuousClock.now
        let failure = try await Self.loadFailure(refused)
        #expect(failure.reason.contains("connection refused"), "\(failure.reason)")
        #expect(started.duration(to: .now) < .seconds(4))
    }

    // MARK: - 4. Partial last line

    @Test("a half-written last line is left for the next run, which loads it once it is complete")
    func halfWrittenLastLine() async throws {
        let complete = Self.lines("h", 0..<101)
        let last = complete[100]
        let cut = last.index(last.startIndex, offsetBy: last.count / 2)
        let input = try LoaderFixture.writeInput(bytes: Array((complete[0..<100].joined(separator: "\n") + "\n" + last[..<cut]).utf8))
        try await LoaderFixture.withMigratedDatabase { url in
            let first = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path]))
            #expect(first.read == 100)
            #expect(first.loaded == 100)
            #expect(first.rejected == 0)
            #expect(first.notes.map(\.kind) == [.incompleteLastLine])
            #expect(first.notes.first?.line == 101)
            #expect(first.json.contains("\"incomplete_last_lines\":[{\"source\":"))

            try Self.append(String(last[cut...]) + "\n" + Self.lines("h", 101..<103).joined(separator: "\n") + "\n", to: input)
            let second = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path]))
            #expect(second.read == 3)
            #expect(second.loaded == 3)
            #expect(second.rejected == 0)
            #expect(second.notes.isEmpty)
            #expect(try await LoaderFixture.loadedKeys(url) == Self.keys("h", 0..<103).sorted())
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM rejected_events") == 0)
        }
    }

    @Test("a complete last line without a newline loads; appending after it adds no blank line and keeps line numbers")
    func completeLastLineThenAppend() async throws {
        let input = try LoaderFixture.writeInput(bytes: Array(Self.lines("n", 0..<50).joined(separator: "\n").utf8))
        try await LoaderFixture.withMigratedDatabase { url in
            let first = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path]))
            #expect(first.loaded == 50)
            #expect(first.notes.isEmpty)
            try Self.append("\n" + Self.lines("n", 50..<60).joined(separator: "\n") + "\n{bad\n", to: input)
            let second = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path]))
            #expect(second.read == 11)
            #expect(second.loaded == 10)
            #expect(second.rejected == 1)
            #expect(try await LoaderFixture.scalar(url, "SELECT line_number::int FROM rejected_events") == 61)
            #expect(try await LoaderFixture.loadedKeys(url) == Self.keys("n", 0..<60).sorted())
        }
    }

    @Test("--final loads an unterminated last line as it is: a broken one is dead-lettered")
    func finalInput() async throws {
        let input = try LoaderFixture.writeInput(bytes: Array((Self.lines("f", 0..<20).joined(separator: "\n") + "\n{\"type\":\"cart\",\"occ").utf8))
        try await LoaderFixture.withMigratedDatabase { url in
            var options = LoaderFixture.options(url, inputs: [input.path])
            options.finalInput = true
            let summary = try await LoaderFixture.load(options)
            #expect(summary.loaded == 20)
            #expect(summary.rejected == 1)
            #expect(summary.notes.isEmpty)
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM rejected_events WHERE line_number = 21") == 1)
        }
    }

    // MARK: - 5. Corrupt gzip

    @Test("corrupt gzip: only verified members commit, no garbage rejects; the repaired file loads the rest exactly once")
    func corruptGzip() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-gz-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func gzip(_ lines: [String]) throws -> [UInt8] {
            let plain = directory.appendingPathComponent("part-\(UUID().uuidString.prefix(6))")
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: plain)
            #expect(try LoaderFixture.run("/bin/gzip", ["-f", plain.path]) == 0)
            return Array(try Data(contentsOf: URL(fileURLWithPath: plain.path + ".gz")))
        }
        let memberOne = try gzip(Self.lines("g", 0..<3_000))
        let memberTwo = try gzip(Self.lines("g", 3_000..<6_000))
        var corrupted = memberTwo
        for index in stride(from: corrupted.count / 3, to: corrupted.count / 3 + 64, by: 1) { corrupted[index] ^= 0x5A }
        let input = directory.appendingPathComponent("events.ndjson.gz")
        try Data(memberOne + corrupted).write(to: input)
        try await LoaderFixture.withMigratedDatabase { url in
            let failure = try await Self.loadFailure(LoaderFixture.options(url, inputs: [input.path], batchRows: 700))
            #expect(failure.reason.contains("gzip"), "\(failure.reason)")
            #expect(failure.reason.contains("member 2"), "\(failure.reason)")
            // What committed is a whole number of batches from the verified first member, never
            // anything decoded from the corrupt second one (not even as rejects).
            let loaded = try await LoaderFixture.loadedKeys(url)
            #expect(loaded.count == failure.summary.loaded)
            #expect(loaded.count > 0 && Set(loaded).isSubset(of: Self.keys("g", 0..<3_000)), "\(loaded.count) keys")
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM rejected_events") == 0)

            // A good copy at the same path: its bytes up to the checkpoint are the verified ones, so
            // the load resumes there and loads the rest once.
            try Data(memberOne + memberTwo).write(to: input)
            let repaired = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path], batchRows: 700))
            #expect(repaired.notes.isEmpty, "\(repaired.notes)")
            #expect(repaired.loaded == 6_000 - loaded.count)
            #expect(try await LoaderFixture.loadedKeys(url) == Self.keys("g", 0..<6_000).sorted())
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM rejected_events") == 0)
            Self.expectCountsAddUp(repaired)
        }
    }

    @Test("truncated gzip (still being written): nothing of the unfinished member commits")
    func truncatedGzip() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-gzt-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let plain = directory.appendingPathComponent("events.ndjson")
        try Data((Self.lines("tr", 0..<2_000).joined(separator: "\n") + "\n").utf8).write(to: plain)
        #expect(try LoaderFixture.run("/bin/gzip", ["-f", plain.path]) == 0)
        let gz = URL(fileURLWithPath: plain.path + ".gz")
        let whole = try Data(contentsOf: gz)
        try whole.prefix(whole.count * 2 / 3).write(to: gz)
        try await LoaderFixture.withMigratedDatabase { url in
            let failure = try await Self.loadFailure(LoaderFixture.options(url, inputs: [gz.path], batchRows: 300))
            #expect(failure.reason.contains("ends early"), "\(failure.reason)")
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM events") == 0)
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*)::int FROM rejected_events") == 0)
            try whole.write(to: gz)
            #expect(try await LoaderFixture.load(LoaderFixture.options(url, inputs: [gz.path])).loaded == 2_000)
        }
    }

    // MARK: - 6. Directories

    @Test("a FIFO inside an input directory is skipped with a note instead of blocking the load")
    func fifoInDirectory() async throws {
        let file = try LoaderFixture.writeInput(Self.lines("d", 0..<100), name: "a.ndjson")
        let directory = file.deletingLastPathComponent()
        #expect(mkfifo(directory.appendingPathComponent("b.fifo").path, 0o600) == 0)
        try await LoaderFixture.withMigratedDatabase { url in
            let load = Task { try await LoaderFixture.load(LoaderFixture.options(url, inputs: [directory.path])) }
            let deadline = Task {
                try await Task.sleep(for: .seconds(30))
                load.cancel()
            }
            let summary = try await load.value
            deadline.cancel()
            #expect(summary.loaded == 100)
            #expect(summary.notes.map(\.kind) == [.skipped])
            #expect(summary.notes.first?.source.hasSuffix("b.fifo") == true)
            #expect(summary.json.contains("\"skipped\":[{\"input\":"))
        }
    }

    // MARK: - Dates and integers by their text

    @Test("an event dated year 1 is rejected with that date in the message")
    func yearOne() async throws {
        let line = LoaderFixture.cartLine(key: "y1").replacingOccurrences(
            of: #""occurred_at":"\#(LoaderFixture.previousMonthPrefix())-10T10:00:00.123456Z""#, with: #""occurred_at":"0001-01-01T00:00:00Z""#)
        #expect(line.contains("0001-01-01"))
        let input = try LoaderFixture.writeInput([line])
        try await LoaderFixture.withMigratedDatabase { url in
            let summary = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path]))
            #expect(summary.rejected == 1)
            let connection = try await PostgresConnection.connect(url)
            let errors = try await connection.query("SELECT errors::text AS e FROM rejected_events")[0].decode("e", as: String.self)
            await connection.close()
            #expect(errors.contains("0001-01-01T00:00:00"), "\(errors)")
        }
    }
}

/// Log lines collected from a load.
final class LogLines: @unchecked Sendable {
    // @unchecked Sendable: `stored` is only touched under `lock`.
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.lock(); stored.append(line); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return stored }
}
