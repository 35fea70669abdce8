import Foundation
import Postgres
import Testing
import TestSupport

/// `sluice consume kafka` against librdkafka's mock cluster (the real Kafka protocol on loopback):
/// two members of a group, one killed mid-stream, a rebalance, the exact set.
@Suite("sluice consume kafka", .serialized)
struct KafkaConsumerTests {
    static let eventCount = 100_000

    /// The events' lines (no idempotency keys: only the stored offsets prevent a second load),
    /// a few lines that cannot be events, and the markers expected in `events`.
    static func lines(from: Int, to: Int) -> (lines: [String], markers: [String], malformed: Int) {
        var lines: [String] = []
        var markers: [String] = []
        var malformed = 0
        for index in from..<to {
            let marker = "k\(index)"
            markers.append(marker)
            lines.append(TestEvents.unkeyedCartLine(marker: marker, day: index % 27 + 1, user: "u\(index % 900)"))
            if index % 20_000 == 11 {
                lines.append(#"{"type":"cart","data":"#)
                malformed += 1
            }
        }
        return (lines, markers, malformed)
    }

    /// A consumer running in the background until signalled.
    final class Member {
        let process: Process
        let output: CapturedOutput
        let status: Task<Int32, Error>

        init(_ arguments: [String], environment: [String: String]) throws {
            process = SluiceCLI.makeProcess(arguments, environment: environment)
            output = try CapturedOutput(process)
            let process = self.process
            // Bounded: a member that hangs is killed, and the test fails on its status.
            status = Task { try await SluiceCLI.wait(for: process, limit: .seconds(150)) }
            while !process.isRunning && process.processIdentifier == 0 { usleep(10_000) }
        }

        /// What it wrote to stderr so far.
        var stderrSoFar: String { output.outcome(status: -1).stderr }

        /// SIGSTOP / SIGCONT: a frozen process (a GC pause, a frozen VM), not a dead one.
        func pause() async throws { try await send(SIGSTOP) }
        func resume() async throws { try await send(SIGCONT) }

        private func send(_ signal: Int32) async throws {
            for _ in 0..<100 where process.processIdentifier == 0 { try await Task.sleep(for: .milliseconds(20)) }
            kill(process.processIdentifier, signal)
        }

        func signal(_ signal: Int32) async throws -> SluiceCLI.Outcome {
            // The process may not have been launched yet by the waiting task.
            for _ in 0..<100 where process.processIdentifier == 0 { try await Task.sleep(for: .milliseconds(20)) }
            kill(process.processIdentifier, signal)
            return output.outcome(status: try await status.value)
        }
    }

    static func count(_ connection: PostgresConnection, _ table: String) async throws -> Int {
        try await connection.query("SELECT count(*) AS n FROM \(unsafeSQL: table)")[0].decode("n", as: Int.self)
    }

    /// Eager rebalancing (range, the default) revokes every partition at each rebalance;
    /// cooperative-sticky hands over only the partitions that move (incremental assign/unassign).
    @Test("100k events over 4 partitions: two consumers in a group, one killed with SIGKILL mid-stream, a third joining mid-stream; rebalances; the exact set",
          arguments: ["range", "cooperative-sticky"])
    func killAndRebalance(strategy: String) async throws {
        let mock = try KafkaMock(topic: "events", partitions: 4)
        let first = Self.lines(from: 0, to: Self.eventCount / 2)
        let second = Self.lines(from: Self.eventCount / 2, to: Self.eventCount)
        let markers = first.markers + second.markers
        let malformed = first.malformed + second.malformed
        #expect(try mock.produce(try TestEvents.writeFile(first.lines)) == first.lines.count)

        try await TestDatabase.withFresh { url in
            #expect(try await SluiceCLI.run(["migrate"], environment: ["DATABASE_URL": url]).status == 0)
            try await TestDatabase.ensureTestLogins()
            let env = ["DATABASE_URL": TestDatabase.url(url, as: .loader)]
            // A dead member leaves the group after the session timeout: 6 s here (Kafka's default is 45 s).
            let common = ["consume", "kafka", "--brokers", mock.bootstrap, "--topic", "events", "--group", "loaders",
                          "--batch-size", "2000", "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500",
                          "-X", "partition.assignment.strategy=\(strategy)"]
            let connection = try await PostgresConnection.connect(url)

            // librdkafka's mock broker keeps ~5 MB per partition and deletes the oldest beyond it
            // (retention): the second half is produced once the first is loaded, so the test
            // exercises crashes and rebalances, not retention (which stops a consumer: docs/queues.md).
            let a = try Member(common + ["--json"], environment: env)
            let b = try Member(common + ["--json"], environment: env)
            let joinDeadline = ContinuousClock.now + .seconds(60)
            while try await Self.count(connection, "events") < 5_000 && ContinuousClock.now < joinDeadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            let killedAt = try await Self.count(connection, "events")
            _ = try await a.signal(SIGKILL)
            #expect(killedAt < first.markers.count, "the first half was loaded before the kill; the test did not exercise a crash")

            // B takes A's partitions over after the session timeout, from the offsets stored in PostgreSQL.
            func waitForRows(_ expected: Int, seconds: Int) async throws {
                let deadline = ContinuousClock.now + .seconds(seconds)
                while try await Self.count(connection, "events") + Self.count(connection, "rejected_events") < expected,
                      ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(250))
                }
            }
            try await waitForRows(first.markers.count + first.malformed, seconds: 90)

            // The second half, and a third member joining while B works on it: another rebalance,
            // mid-batch. C drains (exits once its partitions are read), handing them back to B.
            #expect(try mock.produce(try TestEvents.writeFile(second.lines)) == second.lines.count)
            let c = try Member(common + ["--json", "--drain"], environment: env)
            try await waitForRows(markers.count + malformed, seconds: 90)
            let joiner = c.output.outcome(status: try await c.status.value)
            #expect(joiner.status == 0, "\(joiner.combined.suffix(2000))")
            try await Task.sleep(for: .milliseconds(500))
            let survivor = try await b.signal(SIGTERM)
            #expect(survivor.status == 0, "\(survivor.combined.suffix(3000))")
            // B saw the kill's rebalance (taking A's partitions at the offsets A stored in PostgreSQL)
            // and the joiner's. (Whether B joined before or after A died, and whether C's leaving
            // completed before B's stop, depends on timing: at least these two always happen.)
            let assignments = survivor.stderr.components(separatedBy: "assigned partitions").count - 1
            #expect(assignments >= 2, "the survivor saw \(assignments) assignments, expected the kill's and the joiner's rebalances:\n\(survivor.stderr.suffix(3000))")
            #expect(survivor.stderr.contains("resuming at stored offsets"), "the survivor never resumed from offsets stored in PostgreSQL:\n\(survivor.stderr.suffix(3000))")

            // A member started afterwards finds nothing left: every offset is stored.
            let after = try await SluiceCLI.run(common + ["--drain", "--json"], environment: env)
            #expect(after.status == 0, "\(after.combined.suffix(2000))")
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [String: Any], "\(after.combined)")
            #expect(summary["read"] as? Int == 0, "\(after.stdout)")

            let loaded = try await connection.query("SELECT data_json->>'cart_id' AS marker FROM events").map {
                try $0.decode("marker", as: String.self)
            }
            let missing = Set(markers).subtracting(loaded)
            #expect(loaded.count == markers.count && missing.isEmpty && Set(loaded).count == loaded.count,
                    "\(loaded.count) rows for \(markers.count): missing \(missing.count) (e.g. \(missing.sorted().prefix(5))), duplicated \(loaded.count - Set(loaded).count)")
            #expect(try await Self.count(connection, "rejected_events") == malformed)
            let offsets = try await connection.query("SELECT sum(next_offset)::int8 AS n FROM queue_positions WHERE kind = 'kafka'")[0].decode("n", as: Int64.self)
            #expect(offsets == Int64(markers.count + malformed), "the stored offsets cover \(offsets) messages")
            await connection.close()
        }
    }

    @Test("a member stalled (SIGSTOP) mid-stream loses its partitions; when it resumes, what it read meanwhile is not applied twice: the exact set")
    func stalledMember() async throws {
        let mock = try KafkaMock(topic: "events", partitions: 4)
        var all = Self.lines(from: 0, to: 40_000)
        // Four equal broken messages first: produced round-robin, each is offset 0 of its partition.
        // They are four dead letters, not one.
        all.lines.insert(contentsOf: Array(repeating: #"{"type":"cart","data":"#, count: 4), at: 0)
        all.malformed += 4
        #expect(try mock.produce(try TestEvents.writeFile(all.lines)) == all.lines.count)

        try await TestDatabase.withFresh { url in
            #expect(try await SluiceCLI.run(["migrate"], environment: ["DATABASE_URL": url]).status == 0)
            try await TestDatabase.ensureTestLogins()
            let env = ["DATABASE_URL": TestDatabase.url(url, as: .loader)]
            let common = ["consume", "kafka", "--brokers", mock.bootstrap, "--topic", "events", "--group", "loaders",
                          "--batch-size", "500", "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500"]
            let connection = try await PostgresConnection.connect(url)
            // B first; A joins once B is loading; once both hold partitions and the load goes on,
            // B is frozen in the middle of its work (its heartbeats stop too, so the group gives
            // its partitions to A after the session timeout).
            let b = try Member(common, environment: env)
            let deadline = ContinuousClock.now + .seconds(60)
            while try await Self.count(connection, "events") < 1_000, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let a = try Member(common, environment: env)
            let holding = /assigned partitions \[\d/
            while !(a.stderrSoFar.contains(holding) && b.stderrSoFar.split(separator: "\n").last { $0.contains("partitions") }?.contains(holding) == true),
                  ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let shared = try await Self.count(connection, "events")
            while try await Self.count(connection, "events") < shared + 1_000, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(a.stderrSoFar.contains(holding), "A never got partitions:\n\(a.stderrSoFar)")
            try await b.pause()
            let stalledAt = try await Self.count(connection, "events")
            #expect(stalledAt < all.markers.count, "everything was loaded before the stall; the test did not exercise it")

            // A takes B's partitions over after the session timeout. If B froze inside its batch
            // transaction, A's batches on those partitions wait for B's row lock (PostgreSQL cannot
            // tell a frozen client from a slow one; docs/queues.md): give A 15 s, then wake B.
            func loadedAndRejected() async throws -> Int {
                try await Self.count(connection, "events") + Self.count(connection, "rejected_events")
            }
            let takeover = ContinuousClock.now + .seconds(15)
            while try await loadedAndRejected() < all.lines.count, ContinuousClock.now < takeover {
                try await Task.sleep(for: .milliseconds(250))
            }
            // B wakes up with whatever it had read or was committing: whichever of A's and B's
            // batches commits second finds the offset moved and is rolled back, never applied twice.
            try await b.resume()
            let finish = ContinuousClock.now + .seconds(120)
            while try await loadedAndRejected() < all.lines.count, ContinuousClock.now < finish {
                try await Task.sleep(for: .milliseconds(250))
            }
            try await Task.sleep(for: .seconds(1))
            let stoppedB = try await b.signal(SIGTERM)
            let stoppedA = try await a.signal(SIGTERM)
            #expect(stoppedA.status == 0, "\(stoppedA.combined.suffix(2000))")
            #expect(stoppedB.status == 0, "\(stoppedB.combined.suffix(2000))")
            // A joined when B held every partition, so A holding all four means it took B's over.
            #expect(stoppedA.stderr.contains("assigned partitions [0, 1, 2, 3]"), "A never took B's partitions over:\n\(stoppedA.stderr.suffix(2000))")

            let loaded = try await connection.query("SELECT data_json->>'cart_id' AS marker FROM events").map {
                try $0.decode("marker", as: String.self)
            }
            let missing = Set(all.markers).subtracting(loaded)
            #expect(loaded.count == all.markers.count && missing.isEmpty && Set(loaded).count == loaded.count,
                    "\(loaded.count) rows for \(all.markers.count): missing \(missing.count), duplicated \(loaded.count - Set(loaded).count)\nB: \(stoppedB.stderr.suffix(2000))")
            #expect(try await Self.count(connection, "rejected_events") == all.malformed)
            let rejects = try await SluiceCLI.run(["rejects", "list", "--limit", "100"], environment: ["DATABASE_URL": url])
            for partition in 0..<4 {
                #expect(rejects.stdout.contains("kafka:events/loaders partition \(partition) offset 0 "), "\(rejects.stdout)")
            }
            let offsets = try await connection.query("SELECT sum(next_offset)::int8 AS n FROM queue_positions WHERE kind = 'kafka'")[0].decode("n", as: Int64.self)
            #expect(offsets == Int64(all.lines.count), "the stored offsets cover \(offsets) messages")
            await connection.close()
        }
    }
}
