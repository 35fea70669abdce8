import Foundation
import Postgres
import Testing
import TestSupport

/// What `sluice refresh` prints, as a script or a person reads it: the counts of its table and
/// --json, and one JSON object with an error when it fails.
@Suite("sluice refresh output", .serialized)
struct RefreshReportTests {
    /// stdout as one JSON object (one line), or a failed expectation.
    static func jsonObject(_ outcome: SluiceCLI.Outcome) throws -> [String: Any] {
        let lines = outcome.stdout.split(separator: "\n")
        #expect(lines.count == 1, "one JSON line expected on stdout:\n\(outcome.combined)")
        return try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any], "\(outcome.combined)")
    }

    @Test("--json on an unmigrated database: exit 1, one object whose error says to run sluice migrate")
    func jsonErrorUnmigrated() async throws {
        try await TestDatabase.withFresh { url in
            let outcome = try await SluiceCLI.run(["refresh", "--json"], environment: ["DATABASE_URL": url])
            #expect(outcome.status == 1, "\(outcome.combined)")
            let object = try Self.jsonObject(outcome)
            #expect(Set(object.keys) == ["error"], "\(object)")
            let error = try #require(object["error"] as? String)
            #expect(error.contains("run `sluice migrate`"), "\(error)")
            #expect(outcome.stderr.contains("sluice refresh: "), "\(outcome.stderr)")
        }
    }

    @Test("--json as a login without the refresher's grants: exit 1, an error naming sluice_refresher, the marks kept")
    func jsonErrorWithoutGrant() async throws {
        try await FaultToleranceTests.withLoadedWarehouse(events: 200, days: 4) { url, _ in
            let owner = try await PostgresConnection.connect(url)
            let marks = try await owner.query("SELECT count(*)::int AS n FROM refresh_dirty_buckets")[0].decode("n", as: Int.self)
            #expect(marks > 0)
            // The loader login may load, not refresh.
            let outcome = try await SluiceCLI.run(["refresh", "--json"], environment: ["DATABASE_URL": TestDatabase.url(url, as: .loader)])
            #expect(outcome.status == 1, "\(outcome.combined)")
            let object = try Self.jsonObject(outcome)
            let error = try #require(object["error"] as? String, "\(object)")
            #expect(error.contains("needs a member of sluice_refresher"), "\(error)")
            #expect(error.contains("GRANT sluice_refresher TO \"\(TestRole.loader.rawValue)\""), "\(error)")
            #expect(try await owner.query("SELECT count(*)::int AS n FROM refresh_dirty_buckets")[0].decode("n", as: Int.self) == marks)
            #expect(try await owner.query("SELECT count(*)::int AS n FROM analytics.refresh_log")[0].decode("n", as: Int.self) == 0)
            // Without --json: the same message on stderr, nothing on stdout, exit 1.
            let plain = try await SluiceCLI.run(["refresh"], environment: ["DATABASE_URL": TestDatabase.url(url, as: .loader)])
            #expect(plain.status == 1)
            #expect(plain.stdout.isEmpty, "\(plain.stdout)")
            #expect(plain.stderr.contains("sluice refresh: ") && plain.stderr.contains("sluice_refresher"), "\(plain.stderr)")
            await owner.close()
        }
    }

    @Test("--json stopped by SIGTERM: exit 143, one object with the error and interrupted_by")
    func jsonErrorWhenStopped() async throws {
        try await FaultToleranceTests.withLoadedWarehouse(events: 2_000, days: 20) { url, refresher in
            // A batch in progress keeps the rebuild pausing: it is still running at the signal.
            let writer = try await FaultToleranceTests.loadInProgress(url)
            let (stopped, wasRunning) = try await SluiceCLI.runSignalled(
                ["refresh", "--full", "--json", "--yield-to-loads", "100"], environment: refresher, signal: SIGTERM,
                after: .milliseconds(1_500), limit: .seconds(20))
            try await writer.execute(unsafeSQL: "ROLLBACK")
            await writer.close()
            #expect(wasRunning, "the refresh finished before the signal; the test did not exercise a stop")
            #expect(stopped.status == 143, "\(stopped.combined)")
            let object = try Self.jsonObject(stopped)
            #expect(object["interrupted_by"] as? String == "SIGTERM", "\(object)")
            #expect((object["error"] as? String)?.contains("rolled back") == true, "\(object)")
        }
    }

    @Test("--json counts and the table: what the tables hold after a first refresh, 0 0 0 after a second")
    func countsInJSONAndTable() async throws {
        try await FaultToleranceTests.withLoadedWarehouse(events: 300, days: 6) { url, refresher in
            let outcome = try await SluiceCLI.run(["refresh", "--json"], environment: refresher)
            #expect(outcome.status == 0, "\(outcome.combined)")
            let report = try Self.jsonObject(outcome)
            let objects = try #require(report["objects"] as? [[String: Any]], "\(report)")
            let owner = try await PostgresConnection.connect(url)
            #expect(objects.count == 8)
            for object in objects {
                #expect(Set(object.keys) == ["object", "inserted", "updated", "deleted", "buckets", "seconds"], "\(object)")
                let name = try #require(object["object"] as? String)
                let rows = try await owner.query("SELECT count(*)::int8 AS n FROM analytics.\(unsafeSQL: name)")[0].decode("n", as: Int64.self)
                #expect((object["inserted"] as? NSNumber)?.int64Value == rows, "\(name): \(object), the table holds \(rows)")
                #expect((object["updated"] as? NSNumber)?.int64Value == 0 && (object["deleted"] as? NSNumber)?.int64Value == 0, "\(object)")
            }
            await owner.close()

            let again = try await SluiceCLI.run(["refresh"], environment: refresher)
            #expect(again.status == 0, "\(again.combined)")
            let lines = again.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first?.contains("no row changed") == true, "\(again.stdout)")
            let header = try #require(lines.first { $0.hasPrefix("OBJECT") }, "\(again.stdout)")
            #expect(header.split(separator: " ", omittingEmptySubsequences: true) == ["OBJECT", "INSERTED", "UPDATED", "DELETED", "SECONDS"])
            let dimUsers = try #require(lines.first { $0.hasPrefix("dim_users ") }, "\(again.stdout)")
            #expect(dimUsers.split(separator: " ", omittingEmptySubsequences: true).dropFirst().prefix(3) == ["0", "0", "0"], "\(dimUsers)")
        }
    }
}
