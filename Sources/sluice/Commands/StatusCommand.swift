import ArgumentParser
import Foundation
import Postgres
import Warehouse

/// `sluice status`.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the database, the applied migrations, loads, waiting rejects and the event partitions."
    )

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let postgres = try await connection.connect()
        let version = try await postgres.query("SELECT current_setting('server_version') AS v")[0].decode("v", as: String.self)
        print("database:   \(await postgres.endpoint) (PostgreSQL \(version))")
        let applied = try await Migrator.appliedVersions(on: postgres)
        guard let latest = applied.last else {
            print("migrations: none applied: run `sluice migrate`")
            await postgres.close()
            return
        }
        print("migrations: \(applied.count) applied, latest \(latest.fileName) at \(latest.appliedAt)")
        let partitions = try await PartitionManager(connection: postgres).list()
        let rows = partitions.reduce(Int64(0)) { $0 + $1.rowEstimate }
        let bytes = partitions.reduce(Int64(0)) { $0 + $1.totalBytes }
        print("events:     ~\(rows) rows in \(partitions.count) partitions, \(PartitionTable.byteCount(bytes))")
        let loads = try await postgres.query("""
            SELECT (SELECT count(*) FROM batch_operations) AS batches,
                   (SELECT max(created_at) FROM batch_operations) AS last_batch,
                   (SELECT count(*) FROM rejected_events WHERE replayed_at IS NULL) AS waiting
            """)[0]
        let lastBatch = try loads.decode("last_batch", as: PostgresTimestamp?.self)
        print("loads:      \(try loads.decode("batches", as: Int.self)) batches\(lastBatch.map { ", last at \($0)" } ?? "")")
        let waiting = try loads.decode("waiting", as: Int.self)
        print("rejects:    \(waiting) waiting\(waiting > 0 ? " (sluice rejects list)" : "")")
        print("")
        print(PartitionTable.render(partitions))
        await postgres.close()
    }
}
