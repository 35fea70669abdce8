import Foundation
import Postgres
import Testing
import TestSupport
@testable import Warehouse

@Suite("Partitions")
struct PartitionManagerTests {
    static let november2026 = PostgresTimestamp(microsecondsSinceUnixEpoch: 1_795_428_000_000_000)  // 2026-11-23T10:00Z

    @Test("ensure creates this month and N ahead, then reports them as existing")
    func ensureIsIdempotent() async throws {
        try await TestDatabase.withFreshConnection { connection, _ in
            _ = try await Migrator(files: SchemaFixture.files).run(on: connection)
            let manager = PartitionManager(connection: connection)
            let first = try await manager.ensure(monthsAhead: 3, now: Self.november2026)
            #expect(first.map(\.name) == ["events_2026_11", "events_2026_12", "events_2027_01", "events_2027_02"])
            #expect(first.allSatisfy { $0.created })
            let second = try await manager.ensure(monthsAhead: 3, now: Self.november2026)
            #expect(second.map(\.name) == first.map(\.name))
            #expect(second.allSatisfy { !$0.created })

            let listed = try await manager.list()
            #expect(listed.map(\.name) == first.map(\.name))
            #expect(listed[0].from.description == "2026-11-01T00:00:00.000000Z")
            #expect(listed[0].to.description == "2026-12-01T00:00:00.000000Z")
            #expect(listed[3].to.description == "2027-03-01T00:00:00.000000Z")
            #expect(listed.allSatisfy { $0.totalBytes > 0 } == true)
        }
    }

    @Test("rows route to their month; the boundary instant belongs to the later month")
    func routing() async throws {
        try await TestDatabase.withFreshConnection { connection, _ in
            _ = try await Migrator(files: SchemaFixture.files).run(on: connection)
            _ = try await PartitionManager(connection: connection).ensure(monthsAhead: 1, now: Self.november2026)
            try await connection.query("""
                INSERT INTO events (type, occurred_at, tenant_id, data_json, contract) VALUES
                  ('cart', '2026-11-30T23:59:59.999999Z', 't', '{}', 'pocm'),
                  ('cart', '2026-12-01T00:00:00Z', 't', '{}', 'pocm')
                """)
            let rows = try await connection.query("SELECT tableoid::regclass::text AS part FROM events ORDER BY occurred_at").map {
                try $0.decode("part", as: String.self)
            }
            #expect(rows == ["events_2026_11", "events_2026_12"])
            try await connection.execute(unsafeSQL: "ANALYZE events")
            let listed = try await PartitionManager(connection: connection).list()
            #expect(listed.map(\.rowEstimate) == [1, 1])
        }
    }

    @Test("concurrent ensure calls from several sessions all succeed and create each month once")
    func concurrentEnsure() async throws {
        try await TestDatabase.withFresh { url in
            let setup = try await PostgresConnection.connect(url)
            _ = try await Migrator(files: SchemaFixture.files).run(on: setup)
            let results = try await withThrowingTaskGroup(of: [(name: String, created: Bool)].self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        let connection = try await PostgresConnection.connect(url)
                        defer { Task { await connection.close() } }
                        return try await PartitionManager(connection: connection).ensure(monthsAhead: 5, now: Self.november2026)
                    }
                }
                var all: [[(name: String, created: Bool)]] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(results.count == 6)
            let creations = results.flatMap { $0 }.filter(\.created).map(\.name)
            #expect(creations.sorted() == Set(creations).sorted(), "a month was created twice: \(creations)")
            #expect(Set(creations).count == 6)
            #expect(try await PartitionManager(connection: setup).list().count == 6)
            await setup.close()
        }
    }
}
