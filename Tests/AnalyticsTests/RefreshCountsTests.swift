import Analytics
import EventContracts
import Foundation
import Postgres
import Testing
import TestSupport

/// What `sluice refresh` reports per object — rows inserted, updated and deleted — against what
/// the tables actually hold before and after, read with the owner's connection.
@Suite("sluice refresh reports the rows it changed", .serialized)
struct RefreshCountsTests {
    /// The reported objects and their primary keys: a row is "the same row" before and after when
    /// its key is.
    static let keys: [String: String] = [
        "dim_date": "day",
        "identity_links": "tenant_id, alias_kind, alias",
        "dim_devices": "tenant_id, device_id",
        "dim_users": "tenant_id, user_id",
        "kpi_daily": "tenant_id, metric, day",
        "funnel_step": "tenant_id, step, day",
        "inventory_daily": "tenant_id, product_id, warehouse_id, day",
        "device_metrics": "tenant_id, device_type, day",
    ]

    /// Every reported table as [primary key: whole row], both as text.
    static func contents(_ url: String) async throws -> [String: [String: String]] {
        let connection = try await PostgresConnection.connect(url)
        var result: [String: [String: String]] = [:]
        for (table, key) in keys {
            var rows: [String: String] = [:]
            for row in try await connection.query("SELECT (\(unsafeSQL: key))::text AS key, t::text AS row FROM analytics.\(unsafeSQL: table) AS t") {
                rows[try row.decode("key", as: String.self)] = try row.decode("row", as: String.self)
            }
            result[table] = rows
        }
        await connection.close()
        return result
    }

    struct Changes: Equatable, CustomStringConvertible {
        var inserted: Int64
        var updated: Int64
        var deleted: Int64
        var description: String { "\(inserted) inserted, \(updated) updated, \(deleted) deleted" }
    }

    /// What changed between two contents of a table, row by row: keys that appeared, rows whose
    /// text differs, keys that disappeared.
    static func changes(_ before: [String: String], _ after: [String: String]) -> Changes {
        Changes(inserted: Int64(after.keys.filter { before[$0] == nil }.count),
                updated: Int64(after.filter { key, row in before[key].map { $0 != row } ?? false }.count),
                deleted: Int64(before.keys.filter { after[$0] == nil }.count))
    }

    static func reported(_ report: RefreshReport) -> [String: Changes] {
        Dictionary(uniqueKeysWithValues: report.objects.map { ($0.name, Changes(inserted: $0.inserted, updated: $0.updated, deleted: $0.deleted)) })
    }

    /// An incremental refresh, checked: every object reports exactly the row changes of its table.
    @discardableResult
    static func refreshMatchingTheTables(_ url: String, _ label: String) async throws -> (report: [String: Changes], after: [String: [String: String]]) {
        let before = try await contents(url)
        let report = try await AnalyticsFixture.refresh(url)
        let after = try await contents(url)
        let got = reported(report)
        #expect(Set(got.keys) == Set(keys.keys), "\(label): objects \(got.keys.sorted())")
        for table in keys.keys.sorted() {
            let want = changes(before[table] ?? [:], after[table] ?? [:])
            #expect(got[table] == want, "\(label): \(table) reported \(got[table].map(\.description) ?? "nothing"); the table shows \(want)")
        }
        return (got, after)
    }

    @Test("first refresh: each table's rows, inserted; again with nothing new: 0 0 0 everywhere; a recompute that changes nothing: 0 0 0")
    func firstThenNothing() async throws {
        let pocm = try RefreshTests.corpus(.pocm, count: 3_000, seed: 41, days: 15)
        let recs = try RefreshTests.corpus(.recs, count: 800, seed: 42, days: 15)
        try await AnalyticsFixture.withMigratedDatabase { url in
            try await AnalyticsFixture.load(url, pocm, contract: .pocm)
            try await AnalyticsFixture.load(url, recs, contract: .recs)
            let (first, after) = try await Self.refreshMatchingTheTables(url, "first refresh")
            for (table, rows) in after {
                #expect(first[table] == Changes(inserted: Int64(rows.count), updated: 0, deleted: 0), "\(table) holds \(rows.count) rows")
            }
            for table in ["dim_users", "identity_links", "kpi_daily", "funnel_step", "inventory_daily", "device_metrics", "dim_devices"] {
                #expect((after[table]?.count ?? 0) > 0, "the corpus should fill \(table)")
            }

            let (again, _) = try await Self.refreshMatchingTheTables(url, "nothing new")
            #expect(again.values.allSatisfy { $0 == Changes(inserted: 0, updated: 0, deleted: 0) }, "\(again)")

            // Days marked without a batch are recomputed whole from their events: the same rows, so
            // nothing is reported (the old refresh counted every row it rewrote).
            let marked = try await AnalyticsFixture.query(url, """
                WITH days AS (SELECT DISTINCT tenant_id, day FROM analytics.user_days ORDER BY 1, 2 LIMIT 5)
                INSERT INTO refresh_dirty_buckets (tenant_id, day) SELECT tenant_id, day FROM days RETURNING 1
                """).count
            #expect(marked == 5)
            let (recomputed, _) = try await Self.refreshMatchingTheTables(url, "whole days recomputed, unchanged")
            #expect(recomputed.values.allSatisfy { $0 == Changes(inserted: 0, updated: 0, deleted: 0) }, "\(recomputed)")
        }
    }

    @Test("new events of a known user update dim_users (not insert); a new user is inserted")
    func knownUserIsUpdated() async throws {
        try await AnalyticsFixture.withMigratedDatabase { url in
            try await AnalyticsFixture.load(url, [RecsLine.view(daysAgo: 5, user: "dora"), RecsLine.view(daysAgo: 4, user: "eve")], contract: .recs)
            try await Self.refreshMatchingTheTables(url, "first")
            // dora comes back on a day already counted and on a new one; eve does not.
            try await AnalyticsFixture.load(url, [RecsLine.view(daysAgo: 5, time: "18:00:00", user: "dora"),
                                                  RecsLine.view(daysAgo: 1, user: "dora")], contract: .recs)
            let (known, _) = try await Self.refreshMatchingTheTables(url, "a known user's events")
            #expect(known["dim_users"] == Changes(inserted: 0, updated: 1, deleted: 0))
            // Day -5 gains an event (updated), day -1 is new (inserted): events, active_users,
            // new_users (0) and the pocm counts (0) of that day.
            #expect((known["kpi_daily"]?.updated ?? 0) >= 1 && (known["kpi_daily"]?.inserted ?? 0) >= 1, "\(known)")
            #expect(known["identity_links"] == Changes(inserted: 0, updated: 0, deleted: 0))

            try await AnalyticsFixture.load(url, [RecsLine.view(daysAgo: 1, time: "12:00:00", user: "frank")], contract: .recs)
            let (newcomer, _) = try await Self.refreshMatchingTheTables(url, "a new user")
            #expect(newcomer["dim_users"] == Changes(inserted: 1, updated: 0, deleted: 0))
        }
    }

    @Test("a newer event that moves an identity link reports the moved link and the users it moved between")
    func movedLinkIsReported() async throws {
        try await AnalyticsFixture.withMigratedDatabase { url in
            try await AnalyticsFixture.load(url, [RecsLine.view(daysAgo: 9, anon: "shared"), RecsLine.view(daysAgo: 8, anon: "shared"),
                                                  RecsLine.view(daysAgo: 3, user: "newer", anon: "shared"),
                                                  RecsLine.view(daysAgo: 6, user: "older")], contract: .recs)
            let (first, _) = try await Self.refreshMatchingTheTables(url, "first")
            #expect(first["identity_links"] == Changes(inserted: 1, updated: 0, deleted: 0))
            // A late event of the other user with the alias, older than the link's: nothing moves,
            // but the pair is new (the alias was seen with one more user: users_seen changes).
            try await AnalyticsFixture.load(url, [RecsLine.view(daysAgo: 20, user: "older", anon: "shared")], contract: .recs)
            let (late, _) = try await Self.refreshMatchingTheTables(url, "an older sighting")
            #expect(late["identity_links"] == Changes(inserted: 0, updated: 1, deleted: 0))
            let kept = try await AnalyticsFixture.query(url, "SELECT user_id FROM analytics.identity_links WHERE alias = 'shared'")[0]
            #expect(try kept.decode("user_id", as: String?.self) == "newer")

            // A newer sighting with "older" moves the link: the anonymous days -9 and -8 go from
            // "newer" to "older", both users' rows change.
            try await AnalyticsFixture.load(url, [RecsLine.view(daysAgo: 1, user: "older", anon: "shared")], contract: .recs)
            let (moved, after) = try await Self.refreshMatchingTheTables(url, "the link moved")
            #expect(moved["identity_links"] == Changes(inserted: 0, updated: 1, deleted: 0))
            #expect(moved["dim_users"] == Changes(inserted: 0, updated: 2, deleted: 0))
            let link = try await AnalyticsFixture.query(url, "SELECT user_id FROM analytics.identity_links WHERE alias = 'shared'")[0]
            #expect(try link.decode("user_id", as: String?.self) == "older")
            #expect(after["dim_users"]?.count == 2)
        }
    }

    @Test("--full after incremental refreshes: deleted = the rows the tables held, inserted = the rows they hold; the same rows")
    func fullRebuildCounts() async throws {
        let pocm = try RefreshTests.corpus(.pocm, count: 3_000, seed: 51, days: 30)
        let recs = try RefreshTests.corpus(.recs, count: 600, seed: 52, days: 30)
        try await AnalyticsFixture.withMigratedDatabase { url in
            try await AnalyticsFixture.load(url, Array(pocm[..<2_000]), contract: .pocm)
            try await Self.refreshMatchingTheTables(url, "first")
            try await AnalyticsFixture.load(url, Array(pocm[2_000...]), contract: .pocm)
            try await AnalyticsFixture.load(url, recs, contract: .recs)
            try await Self.refreshMatchingTheTables(url, "second")

            let before = try await Self.contents(url)
            let snapshot = try await AnalyticsFixture.snapshot(url)
            let full = Self.reported(try await AnalyticsFixture.refresh(url, full: true))
            let after = try await Self.contents(url)
            #expect(AnalyticsFixture.differences(snapshot, try await AnalyticsFixture.snapshot(url)).isEmpty)
            for table in Self.keys.keys.sorted() {
                let held = Int64(before[table]?.count ?? 0), holds = Int64(after[table]?.count ?? 0)
                // dim_date is kept by a rebuild, not emptied: it reports what changed in it.
                let want = table == "dim_date" ? Self.changes(before[table] ?? [:], after[table] ?? [:])
                                               : Changes(inserted: holds, updated: 0, deleted: held)
                #expect(full[table] == want, "\(table): reported \(full[table].map(\.description) ?? "nothing"), expected \(want)")
                if table != "dim_date" { #expect(holds > 0, "the corpus should fill \(table)") }
            }
            // After the rebuild, nothing new is nothing changed.
            let (again, _) = try await Self.refreshMatchingTheTables(url, "after the rebuild")
            #expect(again.values.allSatisfy { $0 == Changes(inserted: 0, updated: 0, deleted: 0) }, "\(again)")
        }
    }

    @Test("incremental refreshes of late, out-of-order and re-marked days report exactly the rows that changed")
    func lateAndOutOfOrderLoads() async throws {
        let pocm = try RefreshTests.corpus(.pocm, count: 4_000, seed: 61, days: 40).sorted { $0 > $1 }
        let recs = try RefreshTests.corpus(.recs, count: 1_000, seed: 62, days: 40)
        try await AnalyticsFixture.withMigratedDatabase { url in
            for part in stride(from: 0, to: pocm.count, by: 1_000) {
                try await AnalyticsFixture.load(url, Array(pocm[part..<min(part + 1_000, pocm.count)]), contract: .pocm)
                try await Self.refreshMatchingTheTables(url, "pocm part \(part / 1_000)")
            }
            try await AnalyticsFixture.load(url, recs, contract: .recs)
            // Half of the marks lose their batch: those days are recomputed whole.
            let unbatched = try await AnalyticsFixture.query(url, """
                WITH cleared AS (UPDATE refresh_dirty_buckets SET batch_id = NULL WHERE id % 2 = 0 RETURNING 1)
                SELECT count(*) AS n FROM cleared
                """)[0].decode("n", as: Int.self)
            #expect(unbatched > 0)
            let (mixed, _) = try await Self.refreshMatchingTheTables(url, "recs with days recomputed whole")
            #expect((mixed["identity_links"]?.inserted ?? 0) > 0, "\(mixed)")
            let incremental = try await AnalyticsFixture.snapshot(url)
            _ = try await AnalyticsFixture.refresh(url, full: true)
            #expect(AnalyticsFixture.differences(incremental, try await AnalyticsFixture.snapshot(url)).isEmpty)
        }
    }
}
