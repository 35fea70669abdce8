import Foundation
import Postgres
import Testing
import TestSupport

/// `sluice consume redis` started with the wrong contract or field stops without dead-lettering or
/// acknowledging the stream: its entries stay pending for the run that is configured right.
@Suite("sluice consume redis: a misconfiguration stops it (RedisConsumer)", .serialized)
struct RedisConsumerMisconfigurationTests {
    static func count(_ url: String, _ table: String) async throws -> Int {
        try await RejectsCLITests.rows(url, "SELECT count(*) AS n FROM \(unsafeSQL: table)")[0].decode("n", as: Int.self)
    }

    static func withStream(_ entries: [[(String, String)]], _ body: (String, String, [String: String]) async throws -> Void) async throws {
        let name = TestRedis.streamName("sluice-misconfig")
        defer { _ = try? TestRedis.command(["DEL", name]) }
        try TestRedis.xadd(stream: name, entries: entries)
        try await TestDatabase.withFresh { url in
            #expect(try await SluiceCLI.run(["migrate"], environment: ["DATABASE_URL": url]).status == 0)
            try await TestDatabase.ensureTestLogins()
            try await body(name, url, ["DATABASE_URL": TestDatabase.url(url, as: .loader)])
        }
    }

    @Test("--contract recs on 302 pocm entries: exit 1, nothing dead-lettered or stored, all 302 still pending; --contract pocm then loads them all")
    func wrongContract() async throws {
        let lines = MisconfigurationCLITests.cartLines(302, prefix: "r")
        try await Self.withStream(lines.map { [("event", $0)] }) { name, url, env in
            let common = ["consume", "redis", "--url", try TestRedis.url(), "--stream", name, "--group", "loaders", "--consumer", "c1", "--drain"]
            let wrong = try await SluiceCLI.run(common + ["--contract", "recs"], environment: env)
            #expect(wrong.status == 1, "\(wrong.combined)")
            #expect(wrong.stderr.contains("the first 200 messages were all rejected for the same reason (/eventType: required field is missing)"), "\(wrong.stderr)")
            #expect(wrong.stderr.contains("--contract pocm"), "\(wrong.stderr)")
            #expect(wrong.stderr.contains("nothing of them was committed or acknowledged"), "\(wrong.stderr)")
            // Delivered to c1, never acknowledged.
            #expect(try RedisConsumerTests.pending(name, group: "loaders") == 302)
            #expect(try RedisConsumerTests.pending(name, group: "loaders", consumer: "c1") == 302)
            for table in ["rejected_events", "events", "queue_positions", "queue_message_ledger", "batch_operations"] {
                #expect(try await Self.count(url, table) == 0, "\(table)")
            }

            // The same consumer, configured right, reads its pending entries first.
            let right = try await SluiceCLI.run(common + ["--contract", "pocm", "--json"], environment: env)
            #expect(right.status == 0, "\(right.combined)")
            let summary = try RedisConsumerTests.summary(right)
            #expect(summary["loaded"] as? Int == 302 && summary["rejected"] as? Int == 0 && summary["acknowledged"] as? Int == 302, "\(right.stdout)")
            #expect(try RedisConsumerTests.pending(name, group: "loaders") == 0)
            #expect(try await Self.count(url, "events") == 302)
        }
    }

    @Test("entries that carry their event in another field: stops naming --field (--misconfig-lines 50); --field payload loads them")
    func wrongField() async throws {
        let lines = MisconfigurationCLITests.cartLines(60, prefix: "f")
        try await Self.withStream(lines.map { [("payload", $0)] }) { name, url, env in
            let common = ["consume", "redis", "--url", try TestRedis.url(), "--stream", name, "--group", "loaders", "--consumer", "c1", "--drain"]
            let wrong = try await SluiceCLI.run(common + ["--misconfig-lines", "50"], environment: env)
            #expect(wrong.status == 1, "\(wrong.combined)")
            #expect(wrong.stderr.contains("the first 50 messages were all rejected"), "\(wrong.stderr)")
            #expect(wrong.stderr.contains("set --field"), "\(wrong.stderr)")
            #expect(try RedisConsumerTests.pending(name, group: "loaders") == 60)
            #expect(try await Self.count(url, "rejected_events") == 0)
            let right = try await SluiceCLI.run(common + ["--field", "payload"], environment: env)
            #expect(right.status == 0, "\(right.combined)")
            #expect(try await Self.count(url, "events") == 60)
            #expect(try RedisConsumerTests.pending(name, group: "loaders") == 0)
        }
    }

    @Test("fewer messages than --misconfig-lines, then the stream goes quiet: 30 such stop it unacknowledged, 10 are dead-lettered and acknowledged")
    func quietStream() async throws {
        let lines = MisconfigurationCLITests.cartLines(30, prefix: "q")
        try await Self.withStream(lines.map { [("event", $0)] }) { name, url, env in
            let started = ContinuousClock.now
            let stopped = try await SluiceCLI.run(["consume", "redis", "--url", try TestRedis.url(), "--stream", name, "--group", "loaders",
                                                   "--consumer", "c1", "--drain", "--contract", "recs"], environment: env)
            #expect(stopped.status == 1, "\(stopped.combined)")
            #expect(stopped.stderr.contains("all 30 messages read before the queue went quiet were rejected for the same reason"), "\(stopped.stderr)")
            #expect(started.duration(to: .now) >= .seconds(4), "the messages were not held back while more could come")
            #expect(try RedisConsumerTests.pending(name, group: "loaders") == 30)
            #expect(try await Self.count(url, "rejected_events") == 0)
        }
        let few = MisconfigurationCLITests.cartLines(10, prefix: "w")
        try await Self.withStream(few.map { [("event", $0)] }) { name, url, env in
            let outcome = try await SluiceCLI.run(["consume", "redis", "--url", try TestRedis.url(), "--stream", name, "--group", "loaders",
                                                   "--consumer", "c1", "--drain", "--contract", "recs", "--json"], environment: env)
            #expect(outcome.status == 0, "\(outcome.combined)")
            let summary = try RedisConsumerTests.summary(outcome)
            #expect(summary["rejected"] as? Int == 10 && summary["acknowledged"] as? Int == 10, "\(outcome.stdout)")
            #expect(try RedisConsumerTests.pending(name, group: "loaders") == 0)
            #expect(try await Self.count(url, "rejected_events") == 10)
        }
    }
}
