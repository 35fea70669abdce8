import Foundation
import Postgres
import Testing
import TestSupport

/// `sluice consume redis` against the redis-server `make test` starts: exactly-once effect in the
/// warehouse from an at-least-once stream, through crashes and a takeover.
@Suite("sluice consume redis", .serialized)
struct RedisConsumerTests {
    static let eventCount = 100_000

    /// The stream's entries: `eventCount` valid events (no idempotency key: only the queue ledger
    /// can tell a second delivery), entries that cannot be events, and the markers expected.
    struct Stream {
        var entries: [[(String, String)]] = []
        var markers: [String] = []
        var malformed = 0
    }

    static func stream() -> Stream {
        var stream = Stream()
        for index in 0..<eventCount {
            let marker = "r\(index)"
            stream.markers.append(marker)
            stream.entries.append([("event", TestEvents.unkeyedCartLine(marker: marker, day: index % 27 + 1, user: "u\(index % 700)"))])
            if index % 25_000 == 7 {
                // An entry without the event field, and one whose event is not JSON.
                stream.entries.append([("payload", TestEvents.unkeyedCartLine(marker: "nofield\(index)"))])
                stream.entries.append([("event", #"{"type":"cart","data":"#)])
                stream.malformed += 2
            }
        }
        stream.markers.sort()
        return stream
    }

    static func summary(_ outcome: SluiceCLI.Outcome) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any], "\(outcome.combined.suffix(2000))")
    }

    /// Pending entries of the group (all consumers, or one).
    static func pending(_ stream: String, group: String, consumer: String? = nil) throws -> Int {
        if let consumer {
            let output = try TestRedis.command(["XPENDING", stream, group, "-", "+", "1000000", consumer])
            return output.isEmpty ? 0 : output.split(separator: "\n").count / 4
        }
        return Int(try TestRedis.command(["XPENDING", stream, group]).split(separator: "\n").first ?? "0") ?? -1
    }

    @Test("100k events, SIGKILL at 6 random moments with restarts, a second consumer takes over the dead one's pending entries, poison dead-lettered: the exact set")
    func killsAndTakeover() async throws {
        let stream = Self.stream()
        let name = TestRedis.streamName("sluice-e2e")
        let group = "loaders"
        defer { _ = try? TestRedis.command(["DEL", name]) }

        // Two poison entries first: valid events, but delivered 31 times already (a consumer that
        // crashed on them over and over), so past --max-deliveries 30.
        _ = try TestRedis.command(["XGROUP", "CREATE", name, group, "0", "MKSTREAM"])
        try TestRedis.xadd(stream: name, entries: [[("event", TestEvents.unkeyedCartLine(marker: "poison-a"))],
                                                   [("event", TestEvents.unkeyedCartLine(marker: "poison-b"))]])
        let poisonIDs = try TestRedis.command(["XRANGE", name, "-", "+"]).split(separator: "\n").map(String.init).filter { $0.contains("-") && !$0.hasPrefix("{") }
        #expect(poisonIDs.count == 2, "\(poisonIDs)")
        _ = try TestRedis.command(["XREADGROUP", "GROUP", group, "crashing", "COUNT", "2", "STREAMS", name, ">"])
        for _ in 0..<30 { _ = try TestRedis.command(["XCLAIM", name, group, "crashing", "0"] + poisonIDs) }
        try TestRedis.xadd(stream: name, entries: stream.entries)

        try await TestDatabase.withFresh { url in
            #expect(try await SluiceCLI.run(["migrate"], environment: ["DATABASE_URL": url]).status == 0)
            try await TestDatabase.ensureTestLogins()
            let env = ["DATABASE_URL": TestDatabase.url(url, as: .loader)]
            let common = ["consume", "redis", "--url", try TestRedis.url(), "--stream", name, "--group", group,
                          "--batch-size", "1000", "--max-deliveries", "30"]

            // Consumer "a" killed at random moments; each restart re-reads its own pending entries first.
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<6 {
                let delay = Int.random(in: 300...900, using: &generator)
                let outcome = try await SluiceCLI.runKilled(common + ["--consumer", "a", "--claim-idle-ms", "100"], environment: env,
                                                            after: .milliseconds(delay))
                #expect(outcome.killed, "consumer a exited before it was killed (status \(outcome.status))")
            }
            // Kill it once more while it holds entries it has not acknowledged (bounded tries).
            var abandoned = 0
            for _ in 0..<10 where abandoned == 0 {
                _ = try await SluiceCLI.runKilled(common + ["--consumer", "a"], environment: env,
                                                  after: .milliseconds(Int.random(in: 300...600, using: &generator)))
                abandoned = try Self.pending(name, group: group, consumer: "a")
            }
            #expect(abandoned > 0, "consumer a never died holding pending entries; the takeover was not exercised")
            let connection = try await PostgresConnection.connect(url)
            let loadedBeforeTakeover = try await connection.query("SELECT count(*) AS n FROM events")[0].decode("n", as: Int.self)
            #expect(loadedBeforeTakeover < Self.eventCount, "consumer a loaded everything before the takeover")

            // Consumer "b" takes over a's entries (idle ≥ 200 ms) and drains the stream.
            try await Task.sleep(for: .milliseconds(300))
            let final = try await SluiceCLI.run(common + ["--consumer", "b", "--claim-idle-ms", "200", "--drain", "--json"], environment: env)
            #expect(final.status == 0, "\(final.combined.suffix(3000))")
            let summary = try Self.summary(final)
            let read = summary["read"] as? Int ?? -1
            let parts = ["loaded", "duplicates", "rejected", "sampled_out"].map { summary[$0] as? Int ?? -1 }
            #expect(read == parts.reduce(0, +), "counts do not add up: \(final.stdout)")
            #expect((summary["redelivered"] as? Int ?? 0) >= abandoned, "b did not take over a's \(abandoned) pending entries: \(final.stdout)")
            #expect(summary["acknowledged"] as? Int == read, "\(final.stdout)")

            // The exact set: every marker once, nothing else.
            let loaded = try await connection.query("SELECT data_json->>'cart_id' AS marker FROM events ORDER BY 1").map {
                try $0.decode("marker", as: String.self)
            }
            let missing = Set(stream.markers).subtracting(loaded)
            let unexpected = Set(loaded).subtracting(stream.markers)
            #expect(loaded.count == stream.markers.count && missing.isEmpty && unexpected.isEmpty,
                    "\(loaded.count) rows: missing \(missing.count) (e.g. \(missing.sorted().prefix(5))), unexpected \(unexpected.sorted().prefix(5)), duplicated \(loaded.count - Set(loaded).count)")

            // Every entry accounted for: loaded or dead-lettered (poison and malformed), nothing pending.
            let rejected = try await connection.query("SELECT errors::text AS error_message FROM rejected_events ORDER BY 1").map {
                try $0.decode("error_message", as: String.self)
            }
            #expect(rejected.count == stream.malformed + 2, "\(rejected)")
            #expect(rejected.filter { $0.contains("poison") }.count == 2, "\(rejected)")
            #expect(rejected.filter { $0.contains("has no field") }.count == stream.malformed / 2, "\(rejected)")
            let length = Int(try TestRedis.command(["XLEN", name])) ?? -1
            #expect(loaded.count + rejected.count == length, "\(loaded.count) loaded + \(rejected.count) dead-lettered ≠ \(length) entries")
            #expect(try Self.pending(name, group: group) == 0)
            let position = try await connection.query("SELECT position FROM queue_positions WHERE kind = 'redis' AND queue = \(name)")
            #expect(position.count == 1)
            await connection.close()
        }
    }

    @Test("a consumer stalled (SIGSTOP) while holding entries: another takes them over and commits; the stalled one resumes and finds them duplicates")
    func stalledConsumer() async throws {
        let name = TestRedis.streamName("sluice-stall")
        let group = "loaders"
        defer { _ = try? TestRedis.command(["DEL", name]) }
        let markers = (0..<20_000).map { "s\($0)" }
        try TestRedis.xadd(stream: name, entries: markers.map { [("event", TestEvents.unkeyedCartLine(marker: $0, user: "u\($0.count)"))] })

        try await TestDatabase.withFresh { url in
            #expect(try await SluiceCLI.run(["migrate"], environment: ["DATABASE_URL": url]).status == 0)
            try await TestDatabase.ensureTestLogins()
            let env = ["DATABASE_URL": TestDatabase.url(url, as: .loader)]
            let common = ["consume", "redis", "--url", try TestRedis.url(), "--stream", name, "--group", group, "--batch-size", "500", "--json"]

            // A reads ahead of its writers; stopped mid-stream it holds entries read but not committed.
            let stalled = SluiceCLI.makeProcess(common + ["--consumer", "a", "--claim-idle-ms", "600000"], environment: env)
            let stalledOutput = try CapturedOutput(stalled)
            let box = SignalledBox()
            async let stalledStatus = SluiceCLI.wait(for: stalled) { pid in
                try? await Task.sleep(for: .milliseconds(700))
                kill(pid, SIGSTOP)
                box.set(true)
            }
            while !box.value { try await Task.sleep(for: .milliseconds(50)) }
            let held = try Self.pending(name, group: group, consumer: "a")

            // B takes over what A holds once it has been idle 500 ms, and drains the stream. If A
            // was stopped inside a transaction, B's takeover waits for it: A resumes after 3 s.
            try await Task.sleep(for: .milliseconds(600))
            async let takerRun = SluiceCLI.run(common + ["--consumer", "b", "--claim-idle-ms", "500", "--drain"], environment: env)
            try await Task.sleep(for: .seconds(3))
            kill(stalled.processIdentifier, SIGCONT)
            let taker = try await takerRun
            #expect(taker.status == 0, "\(taker.combined.suffix(2000))")
            let takerSummary = try Self.summary(taker)

            // A, resumed, commits what it held (duplicates where B was first); SIGTERM stops it, exit 0.
            try await Task.sleep(for: .seconds(1))
            kill(stalled.processIdentifier, SIGTERM)
            #expect(try await stalledStatus == 0, "\(stalledOutput.outcome(status: -1).combined.suffix(2000))")
            let resumed = try Self.summary(stalledOutput.outcome(status: 0))

            #expect(held > 0, "a held no pending entries when stopped; the takeover was not exercised")
            #expect((takerSummary["redelivered"] as? Int ?? 0) > 0, "b took over none of a's \(held) entries: \(taker.stdout)")
            let duplicates = (takerSummary["duplicates"] as? Int ?? 0) + (resumed["duplicates"] as? Int ?? 0)
            #expect(duplicates > 0, "no entry was committed twice and caught: a \(resumed), b \(taker.stdout)")
            for summary in [takerSummary, resumed] {
                let parts = ["loaded", "duplicates", "rejected", "sampled_out"].map { summary[$0] as? Int ?? -1 }
                #expect(summary["read"] as? Int == parts.reduce(0, +), "counts do not add up: \(summary)")
            }

            let connection = try await PostgresConnection.connect(url)
            let loaded = try await connection.query("SELECT data_json->>'cart_id' AS marker FROM events").map {
                try $0.decode("marker", as: String.self)
            }
            await connection.close()
            #expect(loaded.count == markers.count && Set(loaded) == Set(markers),
                    "\(loaded.count) rows for \(markers.count) entries; duplicated \(loaded.count - Set(loaded).count)")
            #expect(try Self.pending(name, group: group) == 0)
        }
    }
}

