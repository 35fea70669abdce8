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
        static let configuration = CommandConfiguration(
            abstract: "Show each partition's range, estimated rows and size.",
            discussion: "--json prints {\"partitions\": [{name, from, to, rows_estimate, bytes}]} (from and to are UTC dates; to is exclusive), or {\"error\": …} on failure."
        )
        @OptionGroup var connection: ConnectionOptions
        @Flag(help: "Print one JSON object.") var json = false

        struct Listing: Encodable {
            var partitions: [StatusReport.Partition]
        }

        func run() async throws {
            do {
                let connectionString = connection.resolvedConnectionString()
                try await Preflight.check(connectionString, need: .partitionReader)
                let postgres = try await PostgresConnection.connect(connectionString)
                let listed = try await PartitionManager(connection: postgres).list()
                await postgres.close()
                let partitions = listed.map(PartitionTable.row)
                if json {
                    JSONOutput.print(Listing(partitions: partitions))
                } else {
                    print(PartitionTable.render(partitions))
                }
            } catch {
                throw JSONOutput.fail(error, json: json)
            }
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
            let connectionString = connection.resolvedConnectionString()
            try await Preflight.check(connectionString, need: .partitionCreator)
            let postgres = try await PostgresConnection.connect(connectionString)
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
    /// A partition as `status` and `partitions list` report it.
    static func row(_ partition: PartitionManager.Partition) -> StatusReport.Partition {
        .init(name: partition.name, from: String(partition.from.description.prefix(10)), to: String(partition.to.description.prefix(10)),
              rows_estimate: partition.rowEstimate, bytes: partition.totalBytes)
    }

    static func render(_ partitions: [StatusReport.Partition]) -> String {
        guard !partitions.isEmpty else {
            return "no partitions of events yet: run `sluice partitions ensure`"
        }
        var lines = [pad("PARTITION", 18) + pad("FROM (UTC)", 12) + pad("TO (UTC)", 12) + pad("ROWS (EST.)", 14, right: true) + pad("SIZE", 12, right: true)]
        for partition in partitions {
            lines.append(
                pad(partition.name, 18) + pad(partition.from, 12) + pad(partition.to, 12)
                    + pad(String(partition.rows_estimate), 14, right: true) + pad(byteCount(partition.bytes), 12, right: true)
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
