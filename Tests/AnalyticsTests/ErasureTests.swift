import Analytics
import Compliance
import EventContracts
import Foundation
import Loader
import Postgres
import SampleEvents
import Testing
import TestSupport

/// `sluice gdpr erase`, through its Swift API as the compliance test login: what goes, what stays,
/// that no replay brings it back, and that the analytics schema follows (incremental == full).
@Suite("GDPR erasure", .serialized)
struct ErasureTests {
    /// The key AnalyticsFixture.load hashes with (its privacy.piiHashSecret).
    static let hashKey = Array("test-secret".utf8)

    /// pocm lines from the generator, every 7th rewritten to be alice's; the first three of hers
    /// also sent again without a user (same session, another key): credited to her through it.
    static func pocmLines(tenant: String, seed: UInt64 = 5, count: Int = 1_400) throws -> (lines: [String], alice: Int, anonymous: Int) {
        let generator = try EventGenerator(options: .init(contract: .pocm, seed: seed, tenantId: tenant, days: 20,
                                                          now: NormalizationContext.nowMicroseconds() - 3_600_000_000))
        var lines: [String] = []
        var alice = 0
        var anonymous = 0
        for index in 0..<count {
            var line = String(decoding: generator.line(index), as: UTF8.self)
            guard index % 7 == 0, let range = Self.userRange(in: line) else { lines.append(line); continue }
            line.replaceSubrange(range, with: #""user_id":"alice","#)
            alice += 1
            lines.append(line)
            if anonymous < 3, line.contains(#""session_id":""#), let mine = Self.userRange(in: line) {
                var copy = line
                copy.removeSubrange(mine)
                copy = copy.replacingOccurrences(of: #""idempotency_key":""#, with: #""idempotency_key":"anon-"#)
                lines.append(copy)
                anonymous += 1
            }
        }
        return (lines, alice, anonymous)
    }

    /// The `"user_id":"…",` member of a generated pocm line.
    static func userRange(in line: String) -> Range<String.Index>? {
        guard let start = line.range(of: #""user_id":""#),
              let close = line[start.upperBound...].firstIndex(of: "\""),
              line[line.index(after: close)...].hasPrefix(",") else { return nil }
        return start.lowerBound..<line.index(close, offsetBy: 2)
    }

    static let recs = [
        // alice's anon id, and an anonymous view through it: hers.
        RecsLine.view(daysAgo: 6, user: "alice", anon: "anon-alice"), RecsLine.view(daysAgo: 5, anon: "anon-alice"),
        // A kiosk both used, bob last: its anonymous view is bob's and stays.
        RecsLine.view(daysAgo: 9, user: "alice", anon: "kiosk"), RecsLine.view(daysAgo: 3, user: "bob", anon: "kiosk"),
        RecsLine.view(daysAgo: 2, anon: "kiosk"),
        RecsLine.view(daysAgo: 4, user: "bob", anon: "anon-bob"),
    ]

    /// The subject's events as the owner sees them: own (alice), or anonymous with one of `aliases`.
    static func subjectEvents(_ url: String, tenant: String = "acme", aliases: [String]) async throws -> Int {
        try await AnalyticsFixture.query(url, """
            SELECT count(*)::int AS n FROM analytics.event_identities
            WHERE tenant_id = \(tenant) AND (own_user_id = 'alice' OR (own_user_id IS NULL AND alias_kind || ':' || alias = ANY(\(aliases))))
            """)[0].decode("n", as: Int.self)
    }

    static func erase(_ url: String, dryRun: Bool = false, tenant: String = "acme") async throws -> Erasure.Report {
        var options = Erasure.Options(tenant: tenant, subject: .user("alice"), actor: "dpo")
        options.dryRun = dryRun
        options.batchSize = 100
        return try await Erasure(connectionString: TestDatabase.url(url, as: .compliance), hashKey: hashKey).run(options)
    }

    @Test("erase: the subject's own and stitched events go, the shared kiosk's and other tenants' stay; dry-run counted the same; tombstones hold no id; audited")
    func eraseWhatIsTheirs() async throws {
        try await AnalyticsFixture.withMigratedDatabase { url in
            let acme = try Self.pocmLines(tenant: "acme")
            try await AnalyticsFixture.load(url, acme.lines, contract: .pocm)
            try await AnalyticsFixture.load(url, Self.recs, contract: .recs)
            let globex = try Self.pocmLines(tenant: "globex", seed: 6, count: 300)
            try await AnalyticsFixture.load(url, globex.lines, contract: .pocm, tenant: "globex")
            // A dead letter that names her.
            try await AnalyticsFixture.load(url, [#"{"type":"cart","user_id":"alice","broken"#], contract: .pocm)
            _ = try await AnalyticsFixture.refresh(url)

            let resolved = try await SubjectResolver(hashKey: Self.hashKey).resolve(.user("alice"), tenant: "acme",
                                                                                    on: try await ComplianceFixtureLite.compliance(url))
            #expect(resolved.aliases.contains(.init(kind: "anon_id", value: "anon-alice")))
            #expect(resolved.sharedAliases.contains(.init(kind: "anon_id", value: "kiosk")))
            let aliasKeys = resolved.aliasKeys
            let before = try await Self.subjectEvents(url, aliases: aliasKeys)
            #expect(acme.anonymous == 3)
            #expect(before == acme.alice + acme.anonymous + 3, "alice's own \(acme.alice), anonymous \(acme.anonymous), recs 3")
            let othersBefore = try await AnalyticsFixture.query(url, "SELECT count(*)::int AS n FROM events")[0].decode("n", as: Int.self) - before
            let globexAlice = try await Self.subjectEvents(url, tenant: "globex", aliases: [])
            #expect(globexAlice > 0)

            let dry = try await Self.erase(url, dryRun: true)
            #expect(dry.status == "dry-run")
            #expect(try await Self.subjectEvents(url, aliases: aliasKeys) == before, "a dry run deleted something")
            let real = try await Self.erase(url)
            #expect(real.status == "completed")
            #expect(real.counts == dry.counts, "dry run \(dry.counts) vs real \(real.counts)")
            #expect(real.counts["events"] == Int64(before))
            #expect(real.counts["rejected_events"] == 1)

            #expect(try await Self.subjectEvents(url, aliases: aliasKeys) == 0)
            let othersAfter = try await AnalyticsFixture.query(url, "SELECT count(*)::int AS n FROM events")[0].decode("n", as: Int.self)
            #expect(othersAfter == othersBefore, "someone else's events went")
            #expect(try await Self.subjectEvents(url, tenant: "globex", aliases: []) == globexAlice, "another tenant's alice was touched")
            let kiosk = try await AnalyticsFixture.query(url, """
                SELECT count(*)::int AS n FROM events WHERE tenant_id = 'acme' AND session_id = 'kiosk' AND user_id IS NULL
                """)[0].decode("n", as: Int.self)
            #expect(kiosk == 1, "the kiosk's anonymous view is bob's")

            // Tombstones and the request name her by keyed hashes only.
            let clear = try await AnalyticsFixture.query(url, """
                SELECT (SELECT count(*) FROM suppression_tombstones WHERE subject_hash LIKE '%alice%')
                     + (SELECT count(*) FROM gdpr_erasure_requests WHERE subject_hash LIKE '%alice%')
                     + (SELECT count(*) FROM compliance_audit_logs WHERE user_id LIKE '%alice%' OR resource LIKE '%alice%')::int AS n
                """)[0].decode("n", as: Int.self)
            #expect(clear == 0)
            let tombstones = try await AnalyticsFixture.query(url, "SELECT count(*)::int AS n FROM suppression_tombstones WHERE tenant_id = 'acme'")[0]
                .decode("n", as: Int.self)
            #expect(tombstones == 1 + resolved.aliases.count)
            let audited = try await AnalyticsFixture.query(url, """
                SELECT count(*)::int AS n FROM compliance_audit_logs WHERE tenant_id = 'acme' AND action = 'gdpr.erase' AND user_id = \(resolved.subjectHash)
                """)[0].decode("n", as: Int.self)
            #expect(audited == 1)
        }
    }

    @Test("after erase and refresh no analytics row names her or her aliases, and incremental equals full, table by table")
    func analyticsFollow() async throws {
        try await AnalyticsFixture.withMigratedDatabase { url in
            try await AnalyticsFixture.load(url, try Self.pocmLines(tenant: "acme").lines, contract: .pocm)
            try await AnalyticsFixture.load(url, Self.recs, contract: .recs)
            _ = try await AnalyticsFixture.refresh(url)
            let report = try await Self.erase(url)
            #expect(report.status == "completed")
            _ = try await AnalyticsFixture.refresh(url)
            let incremental = try await AnalyticsFixture.snapshot(url)
            for (table, rows) in incremental {
                let naming = rows.filter { $0.contains("alice") }
                #expect(naming.isEmpty, "\(table) still names her: \(naming.prefix(3))")
            }
            _ = try await AnalyticsFixture.refresh(url, full: true)
            let full = try await AnalyticsFixture.snapshot(url)
            #expect(AnalyticsFixture.differences(incremental, full).isEmpty, "\(AnalyticsFixture.differences(incremental, full))")
        }
    }

    @Test("no replay brings her back: the same file again from the start, a dead letter replayed; her events after the erasure load")
    func replaysAreSuppressed() async throws {
        try await AnalyticsFixture.withMigratedDatabase { url in
            let acme = try Self.pocmLines(tenant: "acme")
            try await AnalyticsFixture.load(url, acme.lines, contract: .pocm)
            try await AnalyticsFixture.load(url, Self.recs, contract: .recs)
            let report = try await Self.erase(url)
            let erased = Int(report.counts["events"] ?? 0)
            #expect(erased > 0)
            // The same lines again (a new file: loaded from its start).
            let again = try await AnalyticsFixture.load(url, acme.lines, contract: .pocm)
            let recsAgain = try await AnalyticsFixture.load(url, Self.recs, contract: .recs)
            #expect(again.suppressed + recsAgain.suppressed == erased, "pocm \(again.suppressed) + recs \(recsAgain.suppressed) of \(erased)")
            #expect(again.read == again.loaded + again.duplicates + again.rejected + again.sampledOut + again.suppressed)
            #expect(again.loaded == 0 && recsAgain.loaded == 0)
            // A line of hers dead-lettered after the erasure (no medical key here is not needed: a
            // broken line), then fixed and replayed: still suppressed when it is old.
            let old = RecsLine.view(daysAgo: 8, user: "alice", anon: "anon-alice")
            let later = RecsLine.view(daysAgo: 0, time: String(Self.inAMinute().prefix(8)), user: "alice")
            let loaded = try await AnalyticsFixture.load(url, [old, later], contract: .recs)
            #expect(loaded.suppressed == 1 && loaded.loaded == 1, "old suppressed, the one after the erasure loaded: \(loaded)")
        }
    }

    /// The UTC time of day one minute from now (`HH:MM:SS`): an event after the erasure.
    static func inAMinute() -> String {
        let now = PostgresTimestamp.now().microsecondsSinceUnixEpoch + 60_000_000
        let seconds = (now / 1_000_000) % 86_400
        return String(format: "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
    }

    @Test("a load racing the erasure (started before, committing during) leaves none of her old events")
    func racingLoad() async throws {
        try await AnalyticsFixture.withMigratedDatabase { url in
            // Many small batches of hers, so that some commit before, during and after the erasure.
            let lines = (0..<30_000).map { index in
                RecsLine.view(daysAgo: 1 + index % 5, user: index % 2 == 0 ? "alice" : "bob-\(index % 40)", anon: "s-\(index % 300)")
            }
            try await AnalyticsFixture.load(url, Array(lines.prefix(200)), contract: .recs)
            async let load = AnalyticsFixture.load(url, Array(lines.dropFirst(200)), contract: .recs, writers: 2, batchRows: 100)
            // Erase once some batches of the racing load have committed (not after a fixed sleep:
            // a faster loader would have finished), bounded at 20 s.
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                let loaded = try await AnalyticsFixture.query(url, "SELECT count(*)::int AS n FROM events")[0].decode("n", as: Int.self)
                if loaded >= 1_200 { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            let report = try await Self.erase(url)
            let summary = try await load
            #expect(report.status == "completed")
            #expect(summary.read == summary.loaded + summary.duplicates + summary.rejected + summary.sampledOut + summary.suppressed)
            // It was a race: batches of hers committed before the tombstones (and were deleted),
            // and others came after them (and were suppressed).
            #expect((report.counts["events"] ?? 0) > 100, "\(report.counts)")
            #expect(summary.suppressed > 0, "the load ended before the erasure began: \(summary)")
            let erasedAt = try #require(report.erased_at)
            let left = try await AnalyticsFixture.query(url, """
                SELECT count(*)::int AS n FROM events WHERE tenant_id = 'acme' AND user_id = 'alice' AND occurred_at <= \(erasedAt)::timestamptz
                """)[0].decode("n", as: Int.self)
            #expect(left == 0, "\(left) of her old events survived a racing load")
        }
    }

    @Test("the erasure waits for a batch that began before its tombstones, and deletes what that batch committed")
    func waitsForBatchesInFlight() async throws {
        try await AnalyticsFixture.withMigratedDatabase { url in
            try await AnalyticsFixture.load(url, Self.recs, contract: .recs)
            // A batch in flight, as every loader batch begins: the tenant's suppression lock
            // shared, then an old event of hers, not yet committed.
            let batch = try await PostgresConnection.connect(url)
            try await batch.execute(unsafeSQL: """
                BEGIN; SELECT set_config('sluice.tenant', 'acme', true);
                SELECT pg_advisory_xact_lock_shared(\(0x7375_7070), hashtext('acme'));
                INSERT INTO events (type, occurred_at, user_id, tenant_id, data_json, contract)
                VALUES ('view', now() - interval '2 days', 'alice', 'acme', '{"eventType":"view","userId":"alice"}', 'recs')
                """)
            let started = ContinuousClock.now
            async let erased = Self.erase(url)
            try await Task.sleep(for: .seconds(1.5))
            try await batch.execute(unsafeSQL: "COMMIT")
            await batch.close()
            let report = try await erased
            #expect(report.status == "completed")
            #expect(started.duration(to: .now) >= .seconds(1.5), "the erasure did not wait for the batch in flight")
            let left = try await AnalyticsFixture.query(url, "SELECT count(*)::int AS n FROM events WHERE user_id = 'alice'")[0].decode("n", as: Int.self)
            #expect(left == 0, "the in-flight batch's event of hers survived")
        }
    }

    @Test("a legal hold on her makes the erasure wait, says why, and deletes nothing")
    func heldErasure() async throws {
        try await AnalyticsFixture.withMigratedDatabase { url in
            try await AnalyticsFixture.load(url, Self.recs, contract: .recs)
            let owner = try await PostgresConnection.connect(url)
            try await owner.execute(unsafeSQL: """
                BEGIN; SELECT set_config('sluice.tenant', 'acme', true);
                INSERT INTO legal_holds (tenant_id, user_id, reason, created_by) VALUES ('acme', 'alice', 'litigation 2026-17', 'counsel');
                COMMIT
                """)
            await owner.close()
            let report = try await Self.erase(url)
            #expect(report.status == "held")
            #expect(report.holds.first?.reason == "litigation 2026-17")
            let kept = try await AnalyticsFixture.query(url, "SELECT count(*)::int AS n FROM events WHERE user_id = 'alice'")[0].decode("n", as: Int.self)
            #expect(kept == 2)
            let tombstones = try await AnalyticsFixture.query(url, "SELECT count(*)::int AS n FROM suppression_tombstones")[0].decode("n", as: Int.self)
            #expect(tombstones == 0, "a held erasure must not suppress either")
        }
    }
}

/// A compliance connection for these tests.
enum ComplianceFixtureLite {
    static func compliance(_ url: String) async throws -> PostgresConnection {
        try await ComplianceSession.open(TestDatabase.url(url, as: .compliance), command: "gdpr")
    }
}
