import Foundation
import Postgres
import Testing
import TestSupport

/// `sluice consume kafka` started with the wrong contract stops without storing an offset or a
/// dead letter, so the run configured right reads the topic from the start.
@Suite("sluice consume kafka: a misconfiguration stops it (KafkaConsumer)", .serialized)
struct KafkaConsumerMisconfigurationTests {
    @Test("--contract recs on 302 pocm messages: exit 1, no offset stored, nothing dead-lettered (unless its first poll was tiny, which it says); --contract pocm then loads all 302")
    func wrongContract() async throws {
        let mock = try KafkaMock(topic: "events", partitions: 2)
        let lines = MisconfigurationCLITests.cartLines(302, prefix: "k")
        #expect(try mock.produce(try TestEvents.writeFile(lines)) == 302)
        try await TestDatabase.withFresh { url in
            #expect(try await SluiceCLI.run(["migrate"], environment: ["DATABASE_URL": url]).status == 0)
            try await TestDatabase.ensureTestLogins()
            let env = ["DATABASE_URL": TestDatabase.url(url, as: .loader)]
            // A member that left waits out the session timeout before the next is assigned (45 s by default).
            // A first poll that lingers collects the whole topic in one batch, as a backlog usually is.
            let common = ["consume", "kafka", "--brokers", mock.bootstrap, "--topic", "events", "--group", "loaders", "--drain",
                          "--linger-ms", "1500", "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500"]
            func count(_ table: String) async throws -> Int {
                try await RejectsCLITests.rows(url, "SELECT count(*) AS n FROM \(unsafeSQL: table)")[0].decode("n", as: Int.self)
            }

            let wrong = try await SluiceCLI.run(common + ["--contract", "recs"], environment: env)
            #expect(wrong.status == 1, "\(wrong.combined.suffix(3000))")
            #expect(wrong.stderr.contains("rejected for the same reason (/eventType: required field is missing)"), "\(wrong.stderr.suffix(3000))")
            #expect(wrong.stderr.contains("--contract pocm"), "\(wrong.stderr.suffix(3000))")
            #expect(try await count("events") == 0)
            // One writer: while it holds a batch nobody validates the next, so a first poll of fewer
            // than 20 messages (a slow first fetch) is released after 5 s quiet, and the stop comes
            // with the next batch. The error says so; nothing else may have been committed.
            let released = try await count("rejected_events")
            if released == 0 {
                #expect(try await count("queue_positions") == 0)
                #expect(try await count("batch_operations") == 0)
            } else {
                #expect(released < 20)
                #expect(wrong.stderr.contains("except the first \(released), dead-lettered before this could be told"), "\(wrong.stderr.suffix(3000))")
            }

            let right = try await SluiceCLI.run(common + ["--contract", "pocm", "--json"], environment: env)
            #expect(right.status == 0, "\(right.combined.suffix(3000))")
            let summary = try RedisConsumerTests.summary(right)
            #expect(summary["loaded"] as? Int == 302 - released && summary["rejected"] as? Int == 0, "\(right.stdout)")
            if released > 0 {
                let replay = try await SluiceCLI.run(["rejects", "replay", "--source", "kafka:events/loaders", "--as-contract", "pocm"], environment: env)
                #expect(replay.status == 0, "\(replay.combined)")
            }
            #expect(try await count("events") == 302)
            let offsets = try await RejectsCLITests.rows(url, "SELECT sum(next_offset)::int8 AS n FROM queue_positions WHERE kind = 'kafka'")[0].decode("n", as: Int64.self)
            #expect(offsets == 302)
        }
    }
}
