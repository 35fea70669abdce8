import Foundation
import Postgres
import Testing
import TestSupport

/// `sluice gdpr erase` over the built binary, as compliance staff and the loader run it: replays
/// from a file, the dead letter and a Redis stream stay suppressed, and a kill -9 at any point is
/// finished by running the command again.
@Suite("sluice gdpr erase, end to end", .serialized)
struct GDPREraseTests {
    static let secret = ["SLUICE_PII_HASH_SECRET": "e2e-erase-secret"]

    /// A recs view by `user` (and an anonymous one through `anon` when `user` is nil), `daysAgo` days ago.
    static func view(_ index: Int, user: String?, anon: String, daysAgo: Int) -> String {
        let micros = PostgresTimestamp.now().microsecondsSinceUnixEpoch - Int64(daysAgo) * 86_400_000_000 - Int64(index) * 1_000_000
        var fields = [#""eventId":"\#(UUID().uuidString.lowercased())""#, #""eventType":"view""#,
                      #""timestamp":"\#(PostgresTimestamp(microsecondsSinceUnixEpoch: micros).description)""#,
                      #""productId":"sku_\#(index % 9)""#, #""metadata":{"schemaVersion":1}"#, #""anonId":"\#(anon)""#]
        if let user { fields.append(#""userId":"\#(user)""#) }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// Hers: `count` views on her own anon ids, a tenth of them anonymous; bob's beside them.
    static func lines(count: Int) -> (all: [String], hers: Int) {
        var lines: [String] = []
        var hers = 0
        for index in 0..<count {
            // Her anonymous views use anon ids she also used with her user id: credited to her.
            let anon = "anon-\((index + (index % 10 == 1 ? 1 : 0)) % 50)"
            if index % 3 == 0 {
                lines.append(view(index, user: "bob", anon: "bob-\(index % 20)", daysAgo: 1 + index % 10))
            } else {
                lines.append(view(index, user: index % 10 == 1 ? nil : "alice", anon: anon, daysAgo: 1 + index % 10))
                hers += 1
            }
        }
        return (lines, hers)
    }

    static func environment(_ url: String, as role: TestRole) -> [String: String] {
        secret.merging(["DATABASE_URL": TestDatabase.url(url, as: role)]) { $1 }
    }

    static func count(_ url: String, _ query: PostgresQuery) async throws -> Int {
        let connection = try await PostgresConnection.connect(url)
        let value = try await connection.query(query)[0].decode("n", as: Int.self)
        await connection.close()
        return value
    }

    static func aliceLeft(_ url: String) async throws -> Int {
        try await count(url, """
            SELECT count(*)::int AS n FROM events
            WHERE tenant_id = 'acme' AND (user_id = 'alice' OR (user_id IS NULL AND session_id LIKE 'anon-%'))
            """)
    }

    @Test("kill -9 at random points of an erasure, five times: running it again finishes exactly, one request, nothing of hers left")
    func killedErasureResumes() async throws {
        let (lines, hers) = Self.lines(count: 3_000)
        let input = try TestEvents.writeFile(lines)
        try await TestDatabase.withFresh { url in
            #expect(try await SluiceCLI.run(["migrate"], environment: ["DATABASE_URL": url]).status == 0)
            try await TestDatabase.ensureTestLogins()
            let loaded = try await SluiceCLI.run(["load", "--contract", "recs", "--tenant", "acme", input.path], environment: Self.environment(url, as: .loader))
            #expect(loaded.status == 0, "\(loaded.combined)")
            #expect(try await Self.aliceLeft(url) == hers)
            let erase = ["gdpr", "erase", "--tenant", "acme", "--user", "alice", "--batch-size", "40", "--json"]
            let compliance = Self.environment(url, as: .compliance)
            var killedMidway = 0
            for attempt in 0..<5 {
                let delay = Duration.milliseconds(150 + (attempt * 173) % 600)
                let (killed, _) = try await SluiceCLI.runKilled(erase, environment: compliance, after: delay)
                guard killed else { break }  // it finished: nothing left to interrupt
                killedMidway += 1
            }
            let final = try await SluiceCLI.run(erase, environment: compliance)
            #expect(final.status == 0, "\(final.combined)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(final.stdout.utf8)) as? [String: Any])
            #expect(report["status"] as? String == "completed")
            #expect(try await Self.aliceLeft(url) == 0)
            // The killed runs were one request, resumed until it completed (the final run, after a
            // completed one, is a new request that finds nothing).
            #expect(try await Self.count(url, "SELECT count(*)::int AS n FROM gdpr_erasure_requests WHERE status <> 'completed'") == 0)
            let counted = try await Self.count(url, "SELECT COALESCE(sum((row_counts->>'events')::int), 0)::int AS n FROM gdpr_erasure_requests")
            #expect(counted == hers, "the requests count \(counted) events erased, she had \(hers)")
            let first = try await Self.count(url, "SELECT (row_counts->>'events')::int AS n FROM gdpr_erasure_requests ORDER BY id LIMIT 1")
            #expect(first == hers, "the first request, resumed after each kill, erased them all")
            #expect(killedMidway > 0, "no kill landed while the erasure ran; the test exercised nothing")
            #expect(try await Self.count(url, "SELECT count(*)::int AS n FROM events WHERE user_id = 'bob'") == Self.bobCount(lines), "bob's events went too")
        }
    }

    static func bobCount(_ lines: [String]) -> Int { lines.filter { $0.contains(#""userId":"bob""#) }.count }

    @Test("after erase: the file with --restart, a Redis stream of the same events and a rejects replay load none of her old events (suppressed), and her newer ones load")
    func replaysStaySuppressed() async throws {
        let (lines, hers) = Self.lines(count: 600)
        let input = try TestEvents.writeFile(lines)
        let stream = TestRedis.streamName("sluice-erase")
        defer { _ = try? TestRedis.command(["DEL", stream]) }
        try await TestDatabase.withFresh { url in
            #expect(try await SluiceCLI.run(["migrate"], environment: ["DATABASE_URL": url]).status == 0)
            try await TestDatabase.ensureTestLogins()
            let loader = Self.environment(url, as: .loader)
            #expect(try await SluiceCLI.run(["load", "--contract", "recs", "--tenant", "acme", input.path], environment: loader).status == 0)
            let erased = try await SluiceCLI.run(["gdpr", "erase", "--tenant", "acme", "--user", "alice"], environment: Self.environment(url, as: .compliance))
            #expect(erased.status == 0, "\(erased.combined)")
            #expect(erased.stdout.contains("erased user alice of tenant acme"), "\(erased.stdout)")

            let again = try await SluiceCLI.run(["load", "--contract", "recs", "--tenant", "acme", "--restart", "--json", input.path], environment: loader)
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any], "\(again.combined)")
            #expect(summary["suppressed"] as? Int == hers, "\(again.stdout)")
            #expect(summary["loaded"] as? Int == 0)

            try TestRedis.xadd(stream: stream, entries: lines.map { [("event", $0)] })
            let consumed = try await SluiceCLI.run(["consume", "redis", "--url", try TestRedis.url(), "--stream", stream, "--group", "g",
                                                    "--contract", "recs", "--tenant", "acme", "--drain", "--json"], environment: loader)
            #expect(consumed.status == 0, "\(consumed.combined)")
            let queued = try #require(try JSONSerialization.jsonObject(with: Data(consumed.stdout.utf8)) as? [String: Any], "\(consumed.combined)")
            #expect(queued["suppressed"] as? Int == hers, "\(consumed.stdout)")
            #expect(try await Self.aliceLeft(url) == 0)

            // A line of hers dead-lettered now (the loader without its medical key: recs has none;
            // use a broken tenant instead) and replayed under the right one: still suppressed.
            let old = Self.view(1, user: "alice", anon: "anon-1", daysAgo: 3)
            let misfiled = try TestEvents.writeFile([old, Self.view(2, user: "carol", anon: "c-1", daysAgo: 3)])
            _ = try await SluiceCLI.run(["load", "--contract", "pocm", "--tenant", "acme", "--misconfig-lines", "0", misfiled.path], environment: loader)
            let replayed = try await SluiceCLI.run(["rejects", "replay", "--tenant", "acme", "--as-contract", "recs", "--json"], environment: loader)
            #expect(replayed.status == 0, "\(replayed.combined)")
            let replay = try #require(try JSONSerialization.jsonObject(with: Data(replayed.stdout.utf8)) as? [String: Any], "\(replayed.combined)")
            #expect(replay["suppressed"] as? Int == 1, "\(replayed.stdout)")
            #expect(replay["loaded"] as? Int == 1, "carol's line loads: \(replayed.stdout)")
            #expect(try await Self.aliceLeft(url) == 0)

            // Her events after the erasure load normally.
            let fresh = try TestEvents.writeFile(["{" + [#""eventId":"\#(UUID().uuidString.lowercased())""#, #""eventType":"view""#,
                #""timestamp":"\#(PostgresTimestamp(microsecondsSinceUnixEpoch: PostgresTimestamp.now().microsecondsSinceUnixEpoch + 60_000_000).description)""#,
                #""productId":"sku_1""#, #""metadata":{"schemaVersion":1}"#, #""userId":"alice""#].joined(separator: ",") + "}"])
            let after = try await SluiceCLI.run(["load", "--contract", "recs", "--tenant", "acme", "--json", fresh.path], environment: loader)
            #expect(after.stdout.contains(#""loaded":1"#), "\(after.combined)")
        }
    }

    @Test("erase as the wrong login says so; without SLUICE_PII_HASH_SECRET it says to set it; --dry-run changes nothing; a hold exits 1 and names it")
    func errorsAndDryRun() async throws {
        let (lines, hers) = Self.lines(count: 120)
        let input = try TestEvents.writeFile(lines)
        try await TestDatabase.withFresh { url in
            #expect(try await SluiceCLI.run(["migrate"], environment: ["DATABASE_URL": url]).status == 0)
            try await TestDatabase.ensureTestLogins()
            #expect(try await SluiceCLI.run(["load", "--contract", "recs", "--tenant", "acme", input.path], environment: Self.environment(url, as: .loader)).status == 0)
            let erase = ["gdpr", "erase", "--tenant", "acme", "--user", "alice"]
            let wrong = try await SluiceCLI.run(erase, environment: Self.environment(url, as: .loader))
            #expect(wrong.status == 1)
            #expect(wrong.stderr.contains("member of sluice_compliance"), "\(wrong.stderr)")
            let noKey = try await SluiceCLI.run(erase, environment: ["DATABASE_URL": TestDatabase.url(url, as: .compliance)])
            #expect(noKey.status == 1)
            #expect(noKey.stderr.contains("SLUICE_PII_HASH_SECRET"), "\(noKey.stderr)")
            let dry = try await SluiceCLI.run(erase + ["--dry-run"], environment: Self.environment(url, as: .compliance))
            #expect(dry.status == 0, "\(dry.combined)")
            #expect(dry.stdout.contains("ROWS TO DELETE"), "\(dry.stdout)")
            #expect(try await Self.aliceLeft(url) == hers)
            let owner = try await PostgresConnection.connect(url)
            try await owner.execute(unsafeSQL: """
                BEGIN; SELECT set_config('sluice.tenant', 'acme', true);
                INSERT INTO legal_holds (tenant_id, user_id, reason, created_by) VALUES ('acme', 'alice', 'audit by the regulator', 'counsel');
                COMMIT
                """)
            await owner.close()
            let held = try await SluiceCLI.run(erase, environment: Self.environment(url, as: .compliance))
            #expect(held.status == 1)
            #expect(held.stdout.contains("audit by the regulator"), "\(held.stdout)")
            #expect(try await Self.aliceLeft(url) == hers)
        }
    }
}
