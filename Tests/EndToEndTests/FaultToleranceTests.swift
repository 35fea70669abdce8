import Foundation
import Postgres
import Testing
import TestSupport

/// The loader's exactly-once promise under crashes of the loader and of PostgreSQL.
@Suite("sluice load survives crashes", .serialized)
struct FaultToleranceTests {
    static let eventCount = 200_000

    static func input() throws -> (url: URL, keys: [String], invalid: Int) {
        var lines: [String] = []
        var keys: [String] = []
        var invalid = 0
        for index in 0..<eventCount {
            let key = "f\(index)"
            keys.append(key)
            lines.append(TestEvents.cartLine(key: key, day: index % 27 + 1, user: "u\(index % 500)"))
            if index % 40_000 == 5 {
                lines.append(#"{"type":"cart","broken":"#)
                invalid += 1
            }
        }
        return (try TestEvents.writeFile(lines), keys.sorted(), invalid)
    }

    static func verify(_ url: String, keys: [String], invalid: Int) async throws {
        let connection = try await PostgresConnection.connect(url)
        let loaded = try await connection.query("SELECT idempotency_key FROM events ORDER BY idempotency_key").map {
            try $0.decode("idempotency_key", as: String.self)
        }
        #expect(loaded.count == keys.count, "events holds \(loaded.count) rows, expected \(keys.count)")
        // Compare as sets and report a short diff (the full lists are 200k keys each).
        let missing = Set(keys).subtracting(loaded)
        let unexpected = Set(loaded).subtracting(keys)
        #expect(missing.isEmpty && unexpected.isEmpty && loaded.count == Set(loaded).count,
                "missing \(missing.count) (e.g. \(missing.sorted().prefix(5))), unexpected \(unexpected.count), duplicated \(loaded.count - Set(loaded).count)")
        let rejected = try await connection.query("SELECT count(*) AS n FROM rejected_events")[0].decode("n", as: Int.self)
        #expect(rejected == invalid)
        let ledger = try await connection.query("SELECT count(*) AS n FROM event_idempotency_keys")[0].decode("n", as: Int.self)
        #expect(ledger == keys.count)
        await connection.close()
    }

    @Test("kill -9 at 10 random moments, each followed by a re-run: exactly the expected set")
    func killNine() async throws {
        let (input, keys, invalid) = try Self.input()
        try await TestDatabase.withFresh { url in
            #expect(try await SluiceCLI.run(["migrate"], environment: ["DATABASE_URL": url]).status == 0)
            try await TestDatabase.ensureTestLogins()
            let env = ["DATABASE_URL": TestDatabase.url(url, as: .loader)]
            var generator = SystemRandomNumberGenerator()
            var killedMidway = 0
            for _ in 0..<10 {
                // Each run gets at most half a second, so ten runs cannot finish the 200k lines.
                let delay = Int.random(in: 50...500, using: &generator)
                let outcome = try await SluiceCLI.runKilled(
                    ["load", "--batch-rows", "2000", input.path], environment: env, after: .milliseconds(delay))
                if outcome.killed { killedMidway += 1 }
            }
            let final = try await SluiceCLI.run(["load", "--json", "--batch-rows", "2000", input.path], environment: env)
            #expect(final.status == 0, "\(final.combined)")
            #expect(killedMidway == 10, "only \(killedMidway) of 10 runs were still loading when killed; the test did not exercise crashes")
            try await Self.verify(url, keys: keys, invalid: invalid)
        }
    }

    @Test("PostgreSQL stopped with `pg_ctl stop -m immediate` mid-load and restarted: the loader waits, retries, finishes")
    func serverCrash() async throws {
        let (input, keys, invalid) = try Self.input()
        let clusterDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-crash-\(UUID().uuidString.prefix(8))")
        let dirArguments = ["--dir", clusterDirectory.path]
        let started = try await SluiceCLI.run(["db", "start"] + dirArguments)
        #expect(started.status == 0, "\(started.combined)")
        let url = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        defer {
            _ = try? ProcessHelpers.runBlocking(SluiceCLI.binary, ["db", "stop"] + dirArguments)
            try? FileManager.default.removeItem(at: clusterDirectory)
        }
        let env = ["DATABASE_URL": url]
        #expect(try await SluiceCLI.run(["migrate"], environment: env).status == 0)

        // A bounded retry window: if the server never came back, fail in a minute rather than hang.
        async let load = SluiceCLI.run(["load", "--json", "--batch-rows", "2000", "--retry-seconds", "60", input.path], environment: env)
        try await Task.sleep(for: .milliseconds(700))
        let crash = try await SluiceCLI.run(["db", "stop", "--immediate"] + dirArguments)
        #expect(crash.status == 0, "\(crash.combined)")
        try await Task.sleep(for: .seconds(2))
        let restarted = try await SluiceCLI.run(["db", "start"] + dirArguments)
        #expect(restarted.status == 0, "\(restarted.combined)")
        #expect(restarted.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == url, "the cluster came back on another port")

        let outcome = try await load
        #expect(outcome.status == 0, "\(outcome.combined.suffix(3000))")
        #expect(outcome.stderr.contains("retrying"), "the loader never noticed the crash:\n\(outcome.stderr)")
        try await Self.verify(url, keys: keys, invalid: invalid)
    }
}

extension FaultToleranceTests {
    @Test("SIGTERM and SIGINT mid-load: the summary of what committed, exit 143/130; a re-run gives the exact set", arguments: [SIGTERM, SIGINT])
    func signalStops(signal: Int32) async throws {
        let (input, keys, invalid) = try Self.input()
        try await TestDatabase.withFresh { url in
            #expect(try await SluiceCLI.run(["migrate"], environment: ["DATABASE_URL": url]).status == 0)
            try await TestDatabase.ensureTestLogins()
            let env = ["DATABASE_URL": TestDatabase.url(url, as: .loader)]
            let (stopped, wasRunning) = try await SluiceCLI.runSignalled(
                ["load", "--json", "--batch-rows", "2000", input.path], environment: env, signal: signal, after: .milliseconds(900))
            #expect(wasRunning, "the load finished before the signal; the test did not exercise a stop")
            #expect(stopped.status == 128 + signal, "\(stopped.combined.suffix(2000))")
            #expect(stopped.stderr.contains("stopped by \(signal == SIGINT ? "SIGINT" : "SIGTERM")"), "\(stopped.stderr)")
            // The summary printed is what committed.
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(stopped.stdout.utf8)) as? [String: Any], "\(stopped.stdout)")
            let connection = try await PostgresConnection.connect(url)
            let committed = try await connection.query("SELECT count(*) AS n FROM events")[0].decode("n", as: Int.self)
            await connection.close()
            #expect(summary["loaded"] as? Int == committed)
            #expect(committed < keys.count, "everything loaded before the signal")
            let final = try await SluiceCLI.run(["load", "--json", "--batch-rows", "2000", input.path], environment: env)
            #expect(final.status == 0, "\(final.combined)")
            try await Self.verify(url, keys: keys, invalid: invalid)
        }
    }
}

enum ProcessHelpers {
    static func runBlocking(_ path: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

extension FaultToleranceTests {
    /// `sluice refresh`'s advisory lock key ("refresh" in ASCII, RefreshJob.lockKey).
    static let refreshLockKey = Int64(0x72_6566_7265_7368)

    /// A migrated database with `events` cart events over `days` days loaded by the loader login;
    /// `body` gets its owner URL and the refresher login's environment.
    static func withLoadedWarehouse(events: Int, days: Int, _ body: (String, [String: String]) async throws -> Void) async throws {
        let lines = (0..<events).map { TestEvents.cartLine(key: "r\($0)", day: $0 % days + 1, user: "u\($0 % 300)") }
        let input = try TestEvents.writeFile(lines)
        try await TestDatabase.withFresh { url in
            #expect(try await SluiceCLI.run(["migrate"], environment: ["DATABASE_URL": url]).status == 0)
            try await TestDatabase.ensureTestLogins()
            let loaded = try await SluiceCLI.run(["load", input.path], environment: ["DATABASE_URL": TestDatabase.url(url, as: .loader)])
            #expect(loaded.status == 0, "\(loaded.combined)")
            try await body(url, ["DATABASE_URL": TestDatabase.url(url, as: .refresher)])
        }
    }

    /// A batch in progress (ROW EXCLUSIVE on events, as a writer holds it) keeps a refresh pausing
    /// between its steps: a long refresh to interrupt. ROLLBACK on the connection ends it.
    static func loadInProgress(_ url: String) async throws -> PostgresConnection {
        let writer = try await PostgresConnection.connect(url)
        try await writer.execute(unsafeSQL: "BEGIN; LOCK TABLE events IN ROW EXCLUSIVE MODE")
        return writer
    }

    @Test("SIGINT during `sluice refresh` cancels it on the server: exit 130, nothing kept, the refresh lock free at once")
    func signalCancelsRefresh() async throws {
        try await Self.withLoadedWarehouse(events: 2_000, days: 20) { url, refresher in
            let writer = try await Self.loadInProgress(url)
            let started = ContinuousClock.now
            let (stopped, wasRunning) = try await SluiceCLI.runSignalled(
                ["refresh", "--full", "--yield-to-loads", "100"], environment: refresher, signal: SIGINT, after: .milliseconds(1_500),
                limit: .seconds(20))
            #expect(wasRunning, "the refresh finished before the signal; the test did not exercise a stop")
            #expect(stopped.status == 130, "\(stopped.combined)")
            #expect(stopped.stderr.contains("stopped by SIGINT"), "\(stopped.stderr)")
            #expect(started.duration(to: .now) < .seconds(15), "the refresh did not stop promptly")
            try await writer.execute(unsafeSQL: "ROLLBACK")
            await writer.close()
            // Nothing of the cancelled rebuild was kept, and no server session still runs it.
            let owner = try await PostgresConnection.connect(url)
            let running = try await owner.query("""
                SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%analytics.refresh(%'
                  AND pid <> pg_backend_pid() AND state <> 'idle'
                """)[0].decode("n", as: Int.self)
            #expect(running == 0)
            let logged = try await owner.query("SELECT count(*) AS n FROM analytics.refresh_log")[0].decode("n", as: Int.self)
            #expect(logged == 0, "a cancelled refresh logged itself")
            await owner.close()
            // The next refresh does not wait for a lock, and takes the marks the cancelled one left.
            let next = try await SluiceCLI.run(["refresh", "--json"], environment: refresher)
            #expect(next.status == 0, "\(next.combined)")
            #expect(!next.stderr.contains("waiting"), "\(next.stderr)")
            #expect(next.stdout.contains("\"buckets\":20"), "\(next.stdout)")
        }
    }
}

extension FaultToleranceTests {
    @Test("kill -9 of `sluice refresh --full`: the server ends its session within 5 s, the lock is free, the next refresh reports no wait")
    func killedRefreshEndsOnTheServer() async throws {
        try await Self.withLoadedWarehouse(events: 2_000, days: 20) { url, refresher in
            // Server-side work that, without the client check, would go on for as long as the
            // batch stays open.
            let writer = try await Self.loadInProgress(url)
            let (killed, _) = try await SluiceCLI.runKilled(["refresh", "--full", "--yield-to-loads", "100"], environment: refresher,
                                                            after: .milliseconds(1_500))
            #expect(killed, "the refresh finished before it was killed; the test did not exercise a kill")
            let killedAt = ContinuousClock.now
            let owner = try await PostgresConnection.connect(url)
            var remaining = -1
            var lockHeld = true
            while killedAt.duration(to: .now) < .seconds(5) {
                remaining = try await owner.query("""
                    SELECT count(*)::int AS n FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%analytics.refresh(%'
                    """)[0].decode("n", as: Int.self)
                lockHeld = try await owner.query("""
                    SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
                                   AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = \(Self.refreshLockKey)) AS held
                    """)[0].decode("held", as: Bool.self)
                if remaining == 0 && !lockHeld { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            let gone = killedAt.duration(to: .now)
            #expect(remaining == 0, "the killed refresh's backend still runs \(gone) after the kill")
            #expect(!lockHeld, "the refresh lock is still held \(gone) after the kill")
            let logged = try await owner.query("SELECT count(*)::int AS n FROM analytics.refresh_log")[0].decode("n", as: Int.self)
            #expect(logged == 0, "the killed refresh committed")
            try await writer.execute(unsafeSQL: "ROLLBACK")
            await writer.close()
            await owner.close()
            // The next refresh starts at once: no wait in its report, and it does the work.
            let next = try await SluiceCLI.run(["refresh", "--json"], environment: refresher)
            #expect(next.status == 0, "\(next.combined)")
            #expect(!next.stderr.contains("waiting"), "\(next.stderr)")
            #expect(next.stdout.contains("\"waited_seconds\":0,"), "\(next.stdout)")
            #expect(next.stdout.contains("\"buckets\":20"), "\(next.stdout)")
        }
    }

    @Test("a refresh that waits for another reports the wait apart from its own time")
    func refreshReportsItsWait() async throws {
        try await Self.withLoadedWarehouse(events: 500, days: 5) { url, refresher in
            // Another refresh holds the lock for 3 s.
            let holder = try await PostgresConnection.connect(url)
            try await holder.query("SELECT pg_advisory_lock(\(Self.refreshLockKey))")
            async let waited = SluiceCLI.run(["refresh"], environment: refresher)
            try await Task.sleep(for: .seconds(3))
            try await holder.query("SELECT pg_advisory_unlock(\(Self.refreshLockKey))")
            let outcome = try await waited
            await holder.close()
            #expect(outcome.status == 0, "\(outcome.combined)")
            #expect(outcome.stderr.contains("another `sluice refresh` is running; waiting"), "\(outcome.stderr)")
            // "waited 3.01 s for another refresh; refreshed 5 dirty buckets (incremental) in 0.12 s; …"
            let line = try #require(outcome.stdout.split(separator: "\n").first.map(String.init))
            let wait = line.firstMatch(of: #/^waited ([0-9.]+) s for another refresh; /#).flatMap { Double($0.1) }
            let work = line.firstMatch(of: #/\) in ([0-9.]+) s; /#).flatMap { Double($0.1) }
            #expect((wait ?? 0) >= 2.5, "the wait is not reported: \(line)")
            #expect((work ?? .infinity) < 2.5, "the refresh's own time includes the wait: \(line)")
        }
    }
}
