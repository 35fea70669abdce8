import Foundation
import Postgres
import Testing
import TestSupport
@testable import Warehouse

@Suite("schema version: what this sluice needs of a database")
struct SchemaVersionTests {
    @Test("SchemaVersion.required is the newest migration: adding one means raising it")
    func requiredIsTheNewestMigration() throws {
        let newest = try #require(try SchemaFixture.files.migrations().last)
        #expect(SchemaVersion.required == newest.version, "raise SchemaVersion.required to \(newest.version) (\(newest.fileName))")
    }

    @Test("a database reads as unmigrated, older, or current as its ledger says")
    func states() async throws {
        try await TestDatabase.withFreshConnection { connection, _ in
            #expect(try await SchemaVersion.state(on: connection) == .unmigrated)
            _ = try await Migrator(files: SchemaFixture.files).run(on: connection)
            #expect(try await SchemaVersion.state(on: connection) == .current(version: SchemaVersion.required))
            try await connection.query("DELETE FROM sluice_schema_migrations WHERE version = \(SchemaVersion.required)")
            let previous = try #require(try SchemaFixture.files.migrations().map(\.version).dropLast().last)
            let older = try await SchemaVersion.state(on: connection)
            #expect(older == .older(version: previous), "\(older)")
            #expect(SchemaVersion.problem(older, endpoint: "db")?.contains("run `sluice migrate`") == true)
        }
    }
}
