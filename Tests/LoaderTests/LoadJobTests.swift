import EventContracts
import Foundation
import Loader
import Postgres
import Testing
import TestSupport

@Suite("sluice load: counts, exactness, resume")
struct LoadJobTests {
    @Test("counts add up and the loaded keys are exactly the expected set")
    func countsAddUp() async throws {
        var lines: [String] = []
        var expected = Set<String>()
        for index in 0..<5_000 {
            let key = "key-\(index % 4_000)"  // 1000 repeats of earlier keys
            expected.insert(key)
            lines.append(LoaderFixture.cartLine(key: key, day: index % 20 + 1))
            if index % 500 == 0 { lines.append(#"{"type":"cart","data":{}}"#) }  // 10 invalid
        }
        let input = try LoaderFixture.writeInput(lines)
        try await LoaderFixture.withMigratedDatabase { url in
            let summary = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path], batchRows: 700))
            #expect(summary.read == lines.count)
            #expect(summary.read == summary.loaded + summary.duplicates + summary.rejected + summary.sampledOut)
            #expect(summary.loaded == 4_000)
            #expect(summary.duplicates == 1_000)
            #expect(summary.rejected == 10)
            #expect(try await LoaderFixture.loadedKeys(url) == expected.sorted())
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*) FROM rejected_events") == 10)
            #expect(try await LoaderFixture.scalar(url, "SELECT sum(read_count)::int FROM batch_operations") == lines.count)
            #expect(try await LoaderFixture.scalar(url, "SELECT count(DISTINCT day)::int FROM refresh_dirty_buckets") == 20)
        }
    }

    @Test("re-running the same input loads nothing new; --restart re-reads it all as duplicates")
    func rerunLoadsNothingNew() async throws {
        let lines = (0..<3_000).map { LoaderFixture.cartLine(key: "k\($0)") } + ["{oops"]
        let input = try LoaderFixture.writeInput(lines)
        try await LoaderFixture.withMigratedDatabase { url in
            let first = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path]))
            #expect(first.loaded == 3_000)
            #expect(first.rejected == 1)
            let keys = try await LoaderFixture.loadedKeys(url)

            let second = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path]))
            #expect(second.read == 0)
            #expect(second.loaded == 0)

            var restart = LoaderFixture.options(url, inputs: [input.path])
            restart.restart = true
            let third = try await LoaderFixture.load(restart)
            #expect(third.read == lines.count)
            #expect(third.loaded == 0)
            #expect(third.duplicates == 3_000)
            #expect(third.rejected == 1)
            #expect(try await LoaderFixture.loadedKeys(url) == keys)
            // The same rejected line is dead-lettered once, however often it is read.
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*) FROM rejected_events") == 1)
        }
    }

    @Test("appending to a file and loading again loads only the new lines")
    func appendedInputResumes() async throws {
        let input = try LoaderFixture.writeInput((0..<1_000).map { LoaderFixture.cartLine(key: "a\($0)") })
        try await LoaderFixture.withMigratedDatabase { url in
            _ = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path]))
            let handle = try FileHandle(forWritingTo: input)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(((0..<500).map { LoaderFixture.cartLine(key: "b\($0)") }.joined(separator: "\n") + "\n{bad\n").utf8))
            try handle.close()
            let second = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path]))
            #expect(second.read == 501)
            #expect(second.loaded == 500)
            #expect(second.rejected == 1)
            // Line numbers continue across the resume.
            #expect(try await LoaderFixture.scalar(url, "SELECT line_number::int FROM rejected_events") == 1_501)
        }
    }

    @Test("two loaders on the same input at once: exactly the expected set")
    func twoLoadersAtOnce() async throws {
        let lines = (0..<6_000).map { LoaderFixture.cartLine(key: "c\($0)", day: $0 % 25 + 1) }
        let input = try LoaderFixture.writeInput(lines)
        try await LoaderFixture.withMigratedDatabase { url in
            async let a = LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path], batchRows: 400))
            async let b = LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path], batchRows: 300))
            let (first, second) = try await (a, b)
            #expect(first.loaded + second.loaded == 6_000)
            #expect(first.read == first.loaded + first.duplicates + first.rejected)
            #expect(second.read == second.loaded + second.duplicates + second.rejected)
            #expect(try await LoaderFixture.loadedKeys(url) == (0..<6_000).map { "c\($0)" }.sorted())
        }
    }

    @Test("equal keys from two contracts are different events: both load")
    func keysAreNamespacedByContract() async throws {
        let month = LoaderFixture.previousMonthPrefix()
        let pocm = try LoaderFixture.writeInput([LoaderFixture.cartLine(key: "txn-42")])
        let partner = try LoaderFixture.writeInput([
            #"{"event_type":"sales_transaction","payload":{"transactionId":"txn-42","userId":"u1","productId":"p1","value":49.99,"currency":"USD","quantity":1,"transactionAt":"\#(month)-05T09:12:35Z"}}"#,
        ])
        try await LoaderFixture.withMigratedDatabase { url in
            let first = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [pocm.path]))
            var partnerOptions = LoaderFixture.options(url, inputs: [partner.path])
            partnerOptions.contract = .ingestionAPI
            let second = try await LoaderFixture.load(partnerOptions)
            #expect(first.loaded == 1)
            #expect(second.loaded == 1)
            #expect(second.duplicates == 0)
            #expect(try await LoaderFixture.scalar(url, "SELECT count(*) FROM events WHERE idempotency_key = 'txn-42'") == 2)
            // …while the same key again in the same contract is a duplicate.
            var again = LoaderFixture.options(url, inputs: [partner.path])
            again.contract = .ingestionAPI
            again.restart = true
            #expect(try await LoaderFixture.load(again).duplicates == 1)
        }
    }

    @Test("gzip input and stdin-like directories load the same events")
    func gzipInput() async throws {
        let lines = (0..<2_000).map { LoaderFixture.cartLine(key: "g\($0)") }
        let plain = try LoaderFixture.writeInput(lines, name: "events.ndjson")
        let gzipped = plain.deletingLastPathComponent().appendingPathComponent("events.ndjson.gz")
        let status = try LoaderFixture.run("/bin/gzip", ["-k", plain.path])
        #expect(status == 0)
        #expect(FileManager.default.fileExists(atPath: gzipped.path))
        try await LoaderFixture.withMigratedDatabase { url in
            let summary = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [gzipped.path]))
            #expect(summary.loaded == 2_000)
            #expect(try await LoaderFixture.loadedKeys(url) == (0..<2_000).map { "g\($0)" }.sorted())
        }
    }

    @Test("a row PostgreSQL refuses is bisected out and dead-lettered with the server's message; the rest load")
    func copyBisection() async throws {
        let lines = (0..<1_000).map { LoaderFixture.cartLine(key: "r\($0)", user: $0 == 617 ? "forbidden-user" : "u\($0)") }
        let input = try LoaderFixture.writeInput(lines)
        try await LoaderFixture.withMigratedDatabase { url in
            let connection = try await PostgresConnection.connect(url)
            try await connection.execute(unsafeSQL: "ALTER TABLE events ADD CONSTRAINT no_forbidden CHECK (user_id IS DISTINCT FROM 'forbidden-user')")
            await connection.close()
            let summary = try await LoaderFixture.load(LoaderFixture.options(url, inputs: [input.path], batchRows: 1_000))
            #expect(summary.loaded == 999)
            #expect(summary.rejected == 1)
            let check = try await PostgresConnection.connect(url)
            let reject = try await check.query("SELECT line_number, errors::text AS errors, raw FROM rejected_events")[0]
            #expect(try reject.decode("line_number", as: Int.self) == 618)
            #expect(try reject.decode("errors", as: String.self).contains("no_forbidden"))
            #expect(try reject.decode("raw", as: PostgresBytes.self).bytes == Array(lines[617].utf8))
            // Its key was released, so a corrected replay can load it.
            let ledger = try await check.query("SELECT count(*) AS n FROM event_idempotency_keys WHERE idempotency_key = 'r617'")[0]
            #expect(try ledger.decode("n", as: Int.self) == 0)
            await check.close()
        }
    }
}
