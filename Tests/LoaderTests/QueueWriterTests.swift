import Foundation
@testable import Loader
import Postgres
import Testing
import TestSupport

/// The queue consumers' writer sessions, against a real PostgreSQL.
@Suite("queue writers")
struct QueueWriterTests {
    static func messages(_ range: Range<Int64>) -> (bytes: [[UInt8]], refs: [QueueMessageRef]) {
        (range.map { Array(TestEvents.unkeyedCartLine(marker: "q\($0)").utf8) },
         range.map { QueueMessageRef(id: "0:\($0)", partition: 0, offset: $0) })
    }

    static func progress(_ refs: [QueueMessageRef], start: Int64) -> QueueProgress {
        var progress = QueueProgress(kind: .kafka, queue: "events", group: "loaders", messages: refs)
        progress.starts = [0: start]
        return progress
    }

    @Test("Redis entry ids parse and pack in stream order")
    func streamIDs() {
        let id = RedisStreamID("1796155495408-7")
        #expect(id.milliseconds == 1_796_155_495_408 && id.sequence == 7)
        #expect(id.packed == (1_796_155_495_408 << 21) | 7)
        #expect(RedisStreamID(packed: id.packed).text == "1796155495408-7")
        #expect(RedisStreamID("1-0") < RedisStreamID("1-1") && RedisStreamID("1-99") < RedisStreamID("2-0"))
        #expect(RedisStreamID("5").milliseconds == 5 && RedisStreamID("5").sequence == 0)
        #expect(RedisStreamID("1-2").packed < RedisStreamID("1-3").packed && RedisStreamID("1-2097151").packed < RedisStreamID("2-0").packed)
        #expect(RedisStreamID("x-1").packed == 0 && RedisStreamID("99999999999999999999-0").packed == 0)
    }

    @Test("a writer frozen inside its transaction is ended by PostgreSQL, so the member that took over commits; the frozen batch is refused when it resumes")
    func frozenWriterIsEnded() async throws {
        try await LoaderFixture.withMigratedDatabase { url in
            var options = QueueSink.Options(connectionString: TestDatabase.url(url, as: .loader), source: "kafka:events/loaders")
            options.idleInTransactionTimeout = .seconds(1)
            options.retryWindow = .seconds(20)
            let sink = try await QueueSink.prepare(options, registry: LoaderFixture.registry.get())
            let first = Self.messages(0..<2)
            let owner = sink.makeWriter(index: 0, log: { _ in })
            _ = try await owner.commit(first.bytes, progress: Self.progress(first.refs, start: 0))

            // The old owner froze mid-batch: its transaction holds the partition's position row.
            let frozen = sink.makeWriter(index: 1, log: { _ in })
            let frozenPID = try await frozen.writer.withConnection { connection in
                try await connection.execute(unsafeSQL: "BEGIN")
                try await connection.execute(unsafeSQL: "UPDATE queue_positions SET updated_at = now() WHERE kind = 'kafka'")
                return try await connection.query("SELECT pg_backend_pid() AS pid")[0].decode("pid", as: Int32.self)
            }

            // The new owner's batch waits for that lock; PostgreSQL ends the idle session after 1 s.
            let next = Self.messages(2..<4)
            // (Bounded: after 15 s the test ends the frozen session itself, and fails below.)
            let started = ContinuousClock.now
            let watchdog = Task {
                try await Task.sleep(for: .seconds(15))
                let admin = try await PostgresConnection.connect(url)
                _ = try await admin.query("SELECT pg_terminate_backend(\(frozenPID))")
                await admin.close()
            }
            let counts = try await owner.commit(next.bytes, progress: Self.progress(next.refs, start: 2))
            watchdog.cancel()
            #expect(counts.loaded == 2)
            #expect(started.duration(to: .now) < .seconds(15), "the new owner waited \(started.duration(to: .now)) for the frozen session")

            // The frozen member resumes with the same messages: its session is gone, it reconnects,
            // finds the offset moved, and nothing is applied twice.
            await #expect(throws: QueuePositionMoved.self) {
                _ = try await frozen.commit(next.bytes, progress: Self.progress(next.refs, start: 2))
            }
            let check = try await PostgresConnection.connect(url)
            #expect(try await check.query("SELECT count(*) AS n FROM events")[0].decode("n", as: Int.self) == 4)
            #expect(try await check.query("SELECT next_offset FROM queue_positions")[0].decode("next_offset", as: Int64.self) == 4)
            await check.close()
            await owner.close()
            await frozen.close()
        }
    }
}
