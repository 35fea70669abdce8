import ArgumentParser
import Foundation
import Postgres
import Warehouse

/// `sluice partitions list|ensure`.
struct PartitionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partitions",
        abstract: "List and create the monthly partitions of the events table.",
        discussion: """
            `events` is range-partitioned by occurred_at, one partition per UTC month, with no default \
            partition. `ensure` creates the current month and the next N; the loader also creates the \
            months a batch needs before loading it.
            """,
        subcommands: [List.self, Ensure.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show each partition's range, estimated rows and size.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let postgres = try await connection.connect()
            let partitions = try await PartitionManager(connection: postgres).list()
            print(PartitionTable.render(partitions))
            await postgres.close()
        }
    }

    struct Ensure: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the partitions for this month and the next N months (idempotent).",
            discussion: "Safe to run from cron and from several hosts at once."
        )
        @OptionGroup var connection: ConnectionOptions

        @Option(name: .customLong("months-ahead"), help: "How many months after the current one to create.")
        var monthsAhead = 3

        func validate() throws {
            guard (0...120).contains(monthsAhead) else {
                throw ValidationError("--months-ahead must be between 0 and 120 (got \(monthsAhead))")
            }
        }

        func run() async throws {
            let postgres = try await connection.connect()
            let results = try await PartitionManager(connection: postgres).ensure(monthsAhead: monthsAhead)
            for result in results {
                print("\(result.created ? "created" : "exists ") \(result.name)")
            }
            await postgres.close()
        }
    }
}

/// Text rendering of partitions, shared by `partitions list` and `status`.
enum PartitionTable {
    static func render(_ partitions: [PartitionManager.Partition]) -> String {
        guard !partitions.isEmpty else {
            return "no partitions of events yet: run `sluice partitions ensure`"
        }
        var lines = [pad("PARTITION", 18) + pad("FROM (UTC)", 12) + pad("TO (UTC)", 12) + pad("ROWS (EST.)", 14, right: true) + pad("SIZE", 12, right: true)]
        for partition in partitions {
            lines.append(
                pad(partition.name, 18) + pad(String(partition.from.description.prefix(10)), 12)
                    + pad(String(partition.to.description.prefix(10)), 12)
                    + pad(String(partition.rowEstimate), 14, right: true) + pad(byteCount(partition.totalBytes), 12, right: true)
            )
        }
        return lines.joined(separator: "\n")
    }

    static func byteCount(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }

    private static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(1, width - text.count))
        return right ? padding + text : text + padding
    }
}
