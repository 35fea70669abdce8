import Analytics
import EventContracts
import Foundation
import Loader
import Postgres
import SampleEvents
import Testing
import TestSupport

@Suite("sluice refresh: the analytics schema", .serialized)
struct RefreshTests {
    /// Generated valid lines of `contract` for tenant acme over the last `days` days, keeping only
    /// lines whose time the test can read (growthos product ingestion and ingestion-api lines
    /// without a timestamp take their arrival time).
    static func corpus(_ contract: Contract, count: Int, seed: UInt64, days: Int = 20) throws -> [String] {
        let now = NormalizationContext.nowMicroseconds() - 3_600_000_000
        let generator = try EventGenerator(options: .init(contract: contract, seed: seed, tenantId: "acme", days: days, now: now))
        return (0..<count).map { String(decoding: generator.line($0), as: UTF8.self) }.filter { line in
            switch contract {
            case .growthos, .ingestionAPI: line.contains(#""timestamp":"#)
            case .pocm, .platform, .recs: true
            }
        }
    }

    // MARK: - Every metric, computed independently

    @Test("every metric equals the test's own computation from the generated events")
    func metricsMatchIndependentComputation() async throws {
        let corpora: [(Contract, [String])] = [
            (.pocm, try Self.corpus(.pocm, count: 6_000, seed: 3)),
            (.recs, try Self.corpus(.recs, count: 1_500, seed: 4)),
            (.growthos, try Self.corpus(.growthos, count: 1_000, seed: 5)),
            (.platform, try Self.corpus(.platform, count: 1_000, seed: 6)),
            (.ingestionAPI, try Self.corpus(.ingestionAPI, count: 1_000, seed: 7)),
        ]
        var expected = ExpectedAnalytics()
        try await AnalyticsFixture.withMigratedDatabase { url in
            for (contract, lines) in corpora {
                let summary = try await AnalyticsFixture.load(url, lines, contract: contract)
                #expect(summary.loaded == lines.count, "\(contract): \(summary.json)")
                try expected.add(lines, contract: contract)
            }
            _ = try await AnalyticsFixture.refresh(url)

            // kpi_daily: every metric, every day.
            let kpis = try await AnalyticsFixture.kpis(url)
            let wanted = expected.kpis()
            #expect(Set(kpis.keys) == Set(wanted.keys), "metrics: \(kpis.keys.sorted()) vs \(wanted.keys.sorted())")
            for (metric, days) in wanted {
                let got = kpis[metric] ?? [:]
                let wrong = days.filter { got[$0.key] != $0.value }.prefix(3).map { "\($0.key): \(got[$0.key].map { "\($0)" } ?? "none") ≠ \($0.value)" }
                #expect(wrong.isEmpty && got.count == days.count, "\(metric): \(wrong), \(got.count) days vs \(days.count)")
            }
            #expect((wanted["revenue_captured:INR"]?.count ?? 0) > 0, "the corpus should capture payments")
            #expect((kpis["active_users"]?.values.reduce(0, +) ?? 0) > 0)

            // funnel_step
            var funnel: [String: [String: Int]] = [:]
            for row in try await AnalyticsFixture.query(url, "SELECT step, day::text AS day, count FROM analytics.funnel_step WHERE tenant_id = 'acme'") {
                funnel[try row.decode("step", as: String.self), default: [:]][try row.decode("day", as: String.self)] = try row.decode("count", as: Int.self)
            }
            #expect(funnel == expected.funnel())
            #expect(funnel.count == 4)
            var conversion: [String: Int] = [:]
            for row in try await AnalyticsFixture.query(url, "SELECT step, users FROM analytics.funnel_conversion WHERE tenant_id = 'acme'") {
                conversion[try row.decode("step", as: String.self)] = try row.decode("users", as: Int.self)
            }
            #expect(conversion == expected.funnelUsers())

            // inventory_daily
            var inventory: [String: [Int64]] = [:]
            for row in try await AnalyticsFixture.query(url, """
                SELECT product_id || '|' || warehouse_id || '|' || day AS key, stock_level, sold, returns, stockouts
                FROM analytics.inventory_daily WHERE tenant_id = 'acme'
                """) {
                inventory[try row.decode("key", as: String.self)] = [try row.decode("stock_level", as: Int64.self), try row.decode("sold", as: Int64.self),
                                                                      try row.decode("returns", as: Int64.self), try row.decode("stockouts", as: Int64.self)]
            }
            #expect(!inventory.isEmpty)
            #expect(inventory == expected.inventory())

            // device_metrics
            let devices = expected.deviceMetrics()
            let rows = try await AnalyticsFixture.query(url, """
                SELECT device_type || '|' || day AS key, activation, adherence::float8 AS adherence, dosage_success::float8 AS dosage,
                       adverse_count FROM analytics.device_metrics WHERE tenant_id = 'acme'
                """)
            #expect(rows.count == devices.count)
            #expect(!devices.isEmpty)
            for row in rows {
                let key = try row.decode("key", as: String.self)
                let want = try #require(devices[key], "unexpected device_metrics row \(key)")
                #expect(try row.decode("activation", as: Int.self) == want.activation, "\(key)")
                #expect(try row.decode("adverse_count", as: Int.self) == want.adverse, "\(key)")
                #expect(Self.close(try row.decode("adherence", as: Double?.self), want.adherence), "\(key) adherence")
                #expect(Self.close(try row.decode("dosage", as: Double?.self), want.dosageSuccess), "\(key) dosage_success")
            }

            // dim_users
            let users = expected.users()
            let dim = try await AnalyticsFixture.query(url, """
                SELECT user_id, (extract(epoch FROM first_seen_at) * 1000000)::int8 AS first, (extract(epoch FROM last_seen_at) * 1000000)::int8 AS last,
                       event_count, user_type FROM analytics.dim_users WHERE tenant_id = 'acme'
                """)
            #expect(dim.count == users.count)
            var mismatches: [String] = []
            for row in dim {
                let user = try row.decode("user_id", as: String.self)
                guard let want = users[user] else { mismatches.append("extra \(user)"); continue }
                if try row.decode("first", as: Int64.self) != want.first || row.decode("last", as: Int64.self) != want.last
                    || row.decode("event_count", as: Int.self) != want.events || row.decode("user_type", as: String?.self) != want.userType {
                    mismatches.append(user)
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.count) users differ, e.g. \(mismatches.prefix(3))")

            // The same rows from a full rebuild.
            let incremental = try await AnalyticsFixture.snapshot(url)
            _ = try await AnalyticsFixture.refresh(url, full: true)
            #expect(AnalyticsFixture.differences(incremental, try await AnalyticsFixture.snapshot(url)).isEmpty)
        }
    }

    static func close(_ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case (let x?, let y?): abs(x - y) < 1e-6
        default: false
        }
    }

    // MARK: - Incremental equals full

    @Test("incremental equals full, table by table, after several loads, late and out-of-order events, and a load during a refresh")
    func incrementalEqualsFull() async throws {
        let pocm = try Self.corpus(.pocm, count: 8_000, seed: 11, days: 60)
        let recs = try Self.corpus(.recs, count: 2_000, seed: 12, days: 60)
        try await AnalyticsFixture.withMigratedDatabase { url in
            // Several loads, each followed by a refresh; the newest days first, the older ones later
            // (out of order), so late events dirty days refreshed long ago.
            let byAge = pocm.sorted { $0 > $1 }
            for part in stride(from: 0, to: byAge.count, by: 2_000) {
                try await AnalyticsFixture.load(url, Array(byAge[part..<min(part + 2_000, byAge.count)]), contract: .pocm)
                _ = try await AnalyticsFixture.refresh(url)
            }
            try await AnalyticsFixture.load(url, Array(recs[0..<1_000]), contract: .recs)
            _ = try await AnalyticsFixture.refresh(url)
            let afterLoads = try await AnalyticsFixture.snapshot(url)
            _ = try await AnalyticsFixture.refresh(url, full: true)
            let full = try await AnalyticsFixture.snapshot(url)
            #expect(AnalyticsFixture.differences(afterLoads, full).isEmpty, "\(AnalyticsFixture.differences(afterLoads, full))")
            #expect((full["kpi_daily"]?.count ?? 0) > 100)

            // Identities that arrive late: recs anonymous days two months back, identified today.
            var late: [String] = []
            for index in 0..<40 {
                late.append(RecsLine.view(daysAgo: 55, time: "08:00:00", anon: "late-anon-\(index)"))
                late.append(RecsLine.view(daysAgo: 0, time: "00:00:0\(index % 10)", user: "late-user-\(index)", anon: "late-anon-\(index)"))
            }
            try await AnalyticsFixture.load(url, late, contract: .recs)
            _ = try await AnalyticsFixture.refresh(url)
            let afterLate = try await AnalyticsFixture.snapshot(url)
            _ = try await AnalyticsFixture.refresh(url, full: true)
            #expect(AnalyticsFixture.differences(afterLate, try await AnalyticsFixture.snapshot(url)).isEmpty)

            // A refresh while a load commits batch after batch, then one more refresh.
            async let loading = AnalyticsFixture.load(url, Array(recs[1_000...]), contract: .recs, writers: 1, batchRows: 50)
            var refreshes = 0
            while refreshes < 3 {
                _ = try await AnalyticsFixture.refresh(url)
                refreshes += 1
            }
            let loaded = try await loading
            #expect(loaded.loaded == recs.count - 1_000)
            _ = try await AnalyticsFixture.refresh(url)
            let marks = try await AnalyticsFixture.query(url, "SELECT count(*) AS n FROM refresh_dirty_buckets")[0].decode("n", as: Int.self)
            #expect(marks == 0)
            let concurrent = try await AnalyticsFixture.snapshot(url)
            _ = try await AnalyticsFixture.refresh(url, full: true)
            let rebuilt = try await AnalyticsFixture.snapshot(url)
            #expect(AnalyticsFixture.differences(concurrent, rebuilt).isEmpty, "\(AnalyticsFixture.differences(concurrent, rebuilt))")
        }
    }

    @Test("days marked without a batch (marks written before batch ids) are recomputed whole and still equal full")
    func marksWithoutBatchRecomputeWholeDays() async throws {
        let pocm = try Self.corpus(.pocm, count: 4_000, seed: 21, days: 10)
        let recs = try Self.corpus(.recs, count: 1_000, seed: 22, days: 10)
        try await AnalyticsFixture.withMigratedDatabase { url in
            try await AnalyticsFixture.load(url, Array(pocm[0..<2_000]), contract: .pocm)
            try await AnalyticsFixture.load(url, Array(recs[0..<500]), contract: .recs)
            _ = try await AnalyticsFixture.refresh(url)
            // The second half's marks: every other one loses its batch, so most days are marked
            // both ways (whole-day recompute wins there) and some only one way.
            try await AnalyticsFixture.load(url, Array(pocm[2_000...]), contract: .pocm, batchRows: 300)
            try await AnalyticsFixture.load(url, Array(recs[500...]), contract: .recs, batchRows: 100)
            let indexesBefore = try await Self.analyticsIndexes(url)
            let unbatched = try await AnalyticsFixture.query(url, """
                WITH cleared AS (UPDATE refresh_dirty_buckets SET batch_id = NULL WHERE id % 2 = 0 RETURNING 1)
                SELECT count(*) AS n FROM cleared
                """)[0].decode("n", as: Int.self)
            #expect(unbatched > 0)
            _ = try await AnalyticsFixture.refresh(url)
            let incremental = try await AnalyticsFixture.snapshot(url)
            _ = try await AnalyticsFixture.refresh(url, full: true)
            let full = try await AnalyticsFixture.snapshot(url)
            #expect(AnalyticsFixture.differences(incremental, full).isEmpty, "\(AnalyticsFixture.differences(incremental, full))")
            #expect((full["user_days"]?.count ?? 0) > 1_000)
            // The full rebuild set the big tables' indexes aside and built them again: all are back.
            #expect(try await Self.analyticsIndexes(url) == indexesBefore)
            #expect(indexesBefore.contains { $0.hasPrefix("analytics.user_days_pkey") })
        }
    }

    /// Every index of schema analytics with its definition, sorted.
    static func analyticsIndexes(_ url: String) async throws -> [String] {
        try await AnalyticsFixture.query(url, """
            SELECT i.indexrelid::regclass::text || ' ' || pg_get_indexdef(i.indexrelid) AS index
            FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indrelid JOIN pg_namespace AS n ON n.oid = c.relnamespace
            WHERE n.nspname = 'analytics' ORDER BY 1
            """).map { try $0.decode("index", as: String.self) }
    }

    /// Two recs events loaded, and a refresh job that runs as a `sluice_refresher` member.
    static func twoEventsAndARefresher(_ url: String) async throws -> RefreshJob {
        try await AnalyticsFixture.load(url, [RecsLine.view(daysAgo: 3, user: "u1"), RecsLine.view(daysAgo: 2, user: "u2")],
                                        contract: .recs)
        return RefreshJob(connectionString: TestDatabase.url(url, as: .refresher))
    }

    @Test("a refresh pauses between its steps while a load is writing events, and only then")
    func refreshYieldsToLoads() async throws {
        try await AnalyticsFixture.withMigratedDatabase { url in
            let refresher = try await Self.twoEventsAndARefresher(url)
            let alone = try await refresher.run(full: true, yieldRatio: 1)
            #expect(alone.yieldedSeconds == 0, "nothing was loading")
            #expect(alone.eventsRead == 2, "a full refresh reads every event")
            // A load in the middle of a batch: its transaction holds ROW EXCLUSIVE on events.
            let loader = try await PostgresConnection.connect(url)
            try await loader.execute(unsafeSQL: "BEGIN; LOCK TABLE events IN ROW EXCLUSIVE MODE")
            let busy = try await refresher.run(full: true, yieldRatio: 1)
            let never = try await refresher.run(full: true, yieldRatio: 0)
            try await loader.execute(unsafeSQL: "ROLLBACK")
            await loader.close()
            #expect(busy.yieldedSeconds > 0, "the refresh paused for the load")
            // Paused at most as long as it worked (ratio 1), give or take the clock's rounding.
            #expect(busy.yieldedSeconds <= busy.seconds / 2 + 0.05)
            #expect(never.yieldedSeconds == 0, "--yield-to-loads 0 never pauses")
            #expect(busy.objects.map(\.name) == alone.objects.map(\.name))

            // A `sluice load` run between its batches: its connections hold the shared loading lock.
            let loading = try await PostgresConnection.connect(TestDatabase.url(url, as: .loader))
            try await loading.query("SELECT pg_advisory_lock_shared(\(LoadTarget.loadingLockKey))")
            let betweenBatches = try await refresher.run(full: true, yieldRatio: 1)
            try await loading.query("SELECT pg_advisory_unlock_shared(\(LoadTarget.loadingLockKey))")
            await loading.close()
            #expect(betweenBatches.yieldedSeconds > 0, "the refresh paused while a load run was open")
            #expect(try await refresher.run(full: true, yieldRatio: 1).yieldedSeconds == 0, "the load is over")
            // An incremental refresh reads only what arrived since the last one.
            try await AnalyticsFixture.load(url, [RecsLine.view(daysAgo: 3, time: "12:00:00", user: "u3")], contract: .recs)
            #expect(try await refresher.run(full: false).eventsRead == 1)
        }
    }

    @Test("a refresh stops pausing as soon as the load it yields to is over")
    func pauseEndsWithTheLoad() async throws {
        try await AnalyticsFixture.withMigratedDatabase { url in
            let refresher = try await Self.twoEventsAndARefresher(url)
            let loading = try await PostgresConnection.connect(TestDatabase.url(url, as: .loader))
            try await loading.query("SELECT pg_advisory_lock_shared(\(LoadTarget.loadingLockKey))")
            let clock = ContinuousClock()
            // Ratio 100: every step's pause would last a hundred times its work (seconds each).
            async let refreshed = refresher.run(full: true, yieldRatio: 100)
            try await Task.sleep(for: .seconds(2))
            try await loading.query("SELECT pg_advisory_unlock_shared(\(LoadTarget.loadingLockKey))")
            let loadEnded = clock.now
            await loading.close()
            let report = try await refreshed
            let afterLoad = clock.now - loadEnded
            #expect(report.yieldedSeconds >= 1, "it paused while the load ran: \(report.yieldedSeconds) s")
            #expect(afterLoad < .seconds(1), "it went on within a pause slice of the load ending, not \(afterLoad) later")
            #expect(try await refresher.run(full: true, yieldRatio: 100).yieldedSeconds == 0, "no load, no pause")
        }
    }

    @Test("a long statement reaches the pause points from inside while a load runs, and never otherwise")
    func pausesInsideAStatement() async throws {
        try await AnalyticsFixture.withMigratedDatabase { url in
            // What the refresh's long statements do: select analytics.pace_sampled() with each row.
            let statement = """
                BEGIN;
                SELECT set_config('sluice.yield_ratio', '4', true), set_config('sluice.busy_since', clock_timestamp()::text, true),
                       set_config('sluice.yielded', '0', true);
                SELECT count(*) FROM (SELECT s.g FROM (SELECT g, analytics.pace_sampled() AS paced
                                                       FROM generate_series(1, 2000000) AS g) AS s) AS z;
                """
            func run() async throws -> (yielded: Double, seconds: Double) {
                let connection = try await PostgresConnection.connect(url)
                let clock = ContinuousClock()
                let started = clock.now
                try await connection.execute(unsafeSQL: statement)
                let elapsed = (clock.now - started).components
                let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
                let yielded = try await connection.query("SELECT current_setting('sluice.yielded')::float8 AS y")[0].decode("y", as: Double.self)
                try await connection.execute(unsafeSQL: "COMMIT")
                await connection.close()
                return (yielded, seconds)
            }
            #expect(try await run().yielded == 0, "no load, no pause")
            let loading = try await PostgresConnection.connect(TestDatabase.url(url, as: .loader))
            try await loading.query("SELECT pg_advisory_lock_shared(\(LoadTarget.loadingLockKey))")
            let busy = try await run()
            try await loading.query("SELECT pg_advisory_unlock_shared(\(LoadTarget.loadingLockKey))")
            await loading.close()
            #expect(busy.yielded > 0, "the statement paused from inside for the load")
            // At most 4 × the time worked (ratio 4), give or take one quarter-second sleep.
            #expect(busy.yielded <= 4 * (busy.seconds - busy.yielded) + 0.3, "\(busy)")
        }
    }

    @Test("a load committing while a refresh runs keeps its dirty mark for the next refresh")
    func marksSurviveAConcurrentRefresh() async throws {
        try await AnalyticsFixture.withMigratedDatabase { url in
            try await AnalyticsFixture.load(url, [RecsLine.view(daysAgo: 3, user: "u1")], contract: .recs)
            // A refresh transaction that has read the marks but not committed yet …
            let refresher = try await PostgresConnection.connect(url)
            try await refresher.execute(unsafeSQL: "BEGIN ISOLATION LEVEL REPEATABLE READ")
            try await refresher.query("SELECT count(*) FROM analytics.refresh(false)")
            // … while a load of the same day commits (it must not wait).
            let started = ContinuousClock.now
            try await AnalyticsFixture.load(url, [RecsLine.view(daysAgo: 3, time: "11:00:00", user: "u2")], contract: .recs)
            #expect(started.duration(to: .now) < .seconds(5), "the load waited for the refresh")
            try await refresher.execute(unsafeSQL: "COMMIT")
            await refresher.close()
            let day = AnalyticsFixture.day(daysAgo: 3)
            #expect(try await AnalyticsFixture.kpis(url)["active_users"]?[day] == 1, "the first refresh saw one user")
            let pending = try await AnalyticsFixture.query(url, "SELECT count(*) AS n FROM refresh_dirty_buckets")[0].decode("n", as: Int.self)
            #expect(pending == 1, "the load's mark survived")
            _ = try await AnalyticsFixture.refresh(url)
            #expect(try await AnalyticsFixture.kpis(url)["active_users"]?[day] == 2)
        }
    }

    // MARK: - Identity stitching

    @Test("an anonymous session identified later is credited to the user on every day it appears")
    func anonymousSessionIdentifiedLater() async throws {
        try await AnalyticsFixture.withMigratedDatabase { url in
            try await AnalyticsFixture.load(url, [
                RecsLine.view(daysAgo: 9, time: "09:00:00", anon: "a1"),
                RecsLine.view(daysAgo: 9, time: "09:05:00", anon: "a1"),
                RecsLine.view(daysAgo: 8, time: "09:00:00", anon: "a1"),
            ], contract: .recs)
            _ = try await AnalyticsFixture.refresh(url)
            var kpis = try await AnalyticsFixture.kpis(url)
            #expect(kpis["active_users"]?[AnalyticsFixture.day(daysAgo: 9)] == 0, "nobody is known yet")

            try await AnalyticsFixture.load(url, [RecsLine.view(daysAgo: 2, user: "alice", anon: "a1")], contract: .recs)
            _ = try await AnalyticsFixture.refresh(url)
            kpis = try await AnalyticsFixture.kpis(url)
            #expect(kpis["active_users"]?[AnalyticsFixture.day(daysAgo: 9)] == 1)
            #expect(kpis["active_users"]?[AnalyticsFixture.day(daysAgo: 8)] == 1)
            #expect(kpis["new_users"]?[AnalyticsFixture.day(daysAgo: 9)] == 1, "alice's first event is the anonymous one")
            #expect(kpis["new_users"]?[AnalyticsFixture.day(daysAgo: 2)] == 0)
            let alice = try await AnalyticsFixture.query(url, """
                SELECT first_seen_at::date::text AS first, event_count FROM analytics.dim_users WHERE user_id = 'alice'
                """)[0]
            #expect(try alice.decode("first", as: String.self) == AnalyticsFixture.day(daysAgo: 9))
            #expect(try alice.decode("event_count", as: Int.self) == 4)
            let incremental = try await AnalyticsFixture.snapshot(url)
            _ = try await AnalyticsFixture.refresh(url, full: true)
            #expect(AnalyticsFixture.differences(incremental, try await AnalyticsFixture.snapshot(url)).isEmpty)
        }
    }

    @Test("a late event with an older user id does not steal a newer link")
    func lateEventDoesNotStealLink() async throws {
        try await AnalyticsFixture.withMigratedDatabase { url in
            try await AnalyticsFixture.load(url, [RecsLine.view(daysAgo: 2, user: "newer", anon: "shared")], contract: .recs)
            _ = try await AnalyticsFixture.refresh(url)
            try await AnalyticsFixture.load(url, [RecsLine.view(daysAgo: 20, user: "older", anon: "shared"),
                                                  RecsLine.view(daysAgo: 10, anon: "shared")], contract: .recs)
            _ = try await AnalyticsFixture.refresh(url)
            let link = try await AnalyticsFixture.query(url, "SELECT user_id, users_seen FROM analytics.identity_links WHERE alias = 'shared'")[0]
            #expect(try link.decode("user_id", as: String?.self) == "newer")
            #expect(try link.decode("users_seen", as: Int.self) == 2)
            // The anonymous event of day -10 belongs to the link's user.
            let credited = try await AnalyticsFixture.query(url, """
                SELECT user_id FROM analytics.user_days WHERE day = \(AnalyticsFixture.day(daysAgo: 10))::date
                """).map { try $0.decode("user_id", as: String.self) }
            #expect(credited == ["newer"])
            // A newer event with the other user moves the link, and the anonymous day follows it.
            try await AnalyticsFixture.load(url, [RecsLine.view(daysAgo: 1, user: "older", anon: "shared")], contract: .recs)
            _ = try await AnalyticsFixture.refresh(url)
            let moved = try await AnalyticsFixture.query(url, """
                SELECT user_id FROM analytics.user_days WHERE day = \(AnalyticsFixture.day(daysAgo: 10))::date
                """).map { try $0.decode("user_id", as: String.self) }
            #expect(moved == ["older"])
            let incremental = try await AnalyticsFixture.snapshot(url)
            _ = try await AnalyticsFixture.refresh(url, full: true)
            #expect(AnalyticsFixture.differences(incremental, try await AnalyticsFixture.snapshot(url)).isEmpty)
        }
    }

    @Test("blocked values and over-shared aliases never merge users")
    func blockedAndOverSharedAliases() async throws {
        try await AnalyticsFixture.withMigratedDatabase { url in
            let connection = try await PostgresConnection.connect(url)
            try await connection.query("INSERT INTO identity_blocked_values (value) VALUES ('guest-device')")
            await connection.close()
            var lines: [String] = []
            // A kiosk alias seen with six users: frozen, links to nobody.
            for index in 0..<6 { lines.append(RecsLine.view(daysAgo: 5, time: "10:0\(index):00", user: "kiosk-user-\(index)", anon: "kiosk")) }
            lines.append(RecsLine.view(daysAgo: 4, anon: "kiosk"))
            // Blocked aliases and user ids identify nobody.
            for (index, blocked) in ["null", "undefined", "anonymous", "0", "-1", "guest-device", "NULL "].enumerated() {
                lines.append(RecsLine.view(daysAgo: 3, user: "real-\(index)", anon: blocked))
                lines.append(RecsLine.view(daysAgo: 3, time: "11:00:00", user: blocked, anon: "alias-\(index)"))
            }
            try await AnalyticsFixture.load(url, lines, contract: .recs)
            _ = try await AnalyticsFixture.refresh(url)
            let kiosk = try await AnalyticsFixture.query(url, "SELECT user_id, frozen, users_seen FROM analytics.identity_links WHERE alias = 'kiosk'")[0]
            #expect(try kiosk.decode("user_id", as: String?.self) == nil)
            #expect(try kiosk.decode("frozen", as: Bool.self))
            #expect(try kiosk.decode("users_seen", as: Int.self) == 6)
            #expect(try await AnalyticsFixture.kpis(url)["active_users"]?[AnalyticsFixture.day(daysAgo: 4)] == 0, "the kiosk's anonymous event is nobody's")
            let blockedLinks = try await AnalyticsFixture.query(url, """
                SELECT count(*) AS n FROM analytics.identity_links
                WHERE lower(btrim(alias)) IN ('null', 'undefined', 'anonymous', '0', '-1', 'guest-device')
                   OR lower(btrim(user_id)) IN ('null', 'undefined', 'anonymous', '0', '-1', 'guest-device')
                """)[0].decode("n", as: Int.self)
            #expect(blockedLinks == 0)
            let blockedUsers = try await AnalyticsFixture.query(url, """
                SELECT count(*) AS n FROM analytics.dim_users WHERE lower(btrim(user_id)) IN ('null', 'undefined', 'anonymous', '0', '-1', 'guest-device')
                """)[0].decode("n", as: Int.self)
            #expect(blockedUsers == 0)
        }
    }

    @Test("an attribute overwritten by an older late event keeps the newer value")
    func attributesByOccurredAt() async throws {
        func profile(daysAgo: Int, role: String, company: String? = nil) -> String {
            let company = company.map { #","company":"\#($0)""# } ?? ""
            return #"{"event_type":"user_profile_update","timestamp":"\#(AnalyticsFixture.timestamp(daysAgo: daysAgo))","payload":{"userId":"carol","role":"\#(role)"\#(company),"customAttributes":{"plan":"plan-\#(daysAgo)"}}}"#
        }
        try await AnalyticsFixture.withMigratedDatabase { url in
            try await AnalyticsFixture.load(url, [profile(daysAgo: 2, role: "admin")], contract: .ingestionAPI)
            _ = try await AnalyticsFixture.refresh(url)
            try await AnalyticsFixture.load(url, [profile(daysAgo: 12, role: "viewer", company: "Initech")], contract: .ingestionAPI)
            _ = try await AnalyticsFixture.refresh(url)
            let carol = try await AnalyticsFixture.query(url, """
                SELECT role, company, attributes ->> 'customAttributes.plan' AS plan, first_seen_at::date::text AS first
                FROM analytics.dim_users WHERE user_id = 'carol'
                """)[0]
            #expect(try carol.decode("role", as: String?.self) == "admin", "the newer role stays")
            #expect(try carol.decode("company", as: String?.self) == "Initech", "an attribute only the older event carried is still known")
            #expect(try carol.decode("plan", as: String?.self) == "plan-2")
            #expect(try carol.decode("first", as: String.self) == AnalyticsFixture.day(daysAgo: 12))
            let incremental = try await AnalyticsFixture.snapshot(url)
            _ = try await AnalyticsFixture.refresh(url, full: true)
            #expect(AnalyticsFixture.differences(incremental, try await AnalyticsFixture.snapshot(url)).isEmpty)
        }
    }
}
