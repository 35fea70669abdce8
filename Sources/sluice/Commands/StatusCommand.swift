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

    @Flag(help: "Also show what is loaded: events per tenant, contract and type, and waiting rejects per reason.")
    var detail = false

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
        try await warnAboutPrivileges(postgres)
        let partitions = try await PartitionManager(connection: postgres).list()
        let rows = partitions.reduce(Int64(0)) { $0 + $1.rowEstimate }
        let bytes = partitions.reduce(Int64(0)) { $0 + $1.totalBytes }
        print("events:     ~\(counted(rows, "row")) in \(counted(partitions.count, "partition")), \(PartitionTable.byteCount(bytes))")
        let loads = try await postgres.query("""
            SELECT (SELECT count(*) FROM batch_operations) AS batches,
                   (SELECT max(created_at) FROM batch_operations) AS last_batch,
                   (SELECT count(*) FROM rejected_events WHERE replayed_at IS NULL) AS waiting
            """)[0]
        let lastBatch = try loads.decode("last_batch", as: PostgresTimestamp?.self)
        print("loads:      \(counted(try loads.decode("batches", as: Int.self), "batch", "batches"))\(lastBatch.map { ", last at \($0)" } ?? "")")
        let waiting = try loads.decode("waiting", as: Int.self)
        print("rejects:    \(waiting) waiting\(waiting > 0 ? " (sluice rejects list)" : "")")
        try await printAnalytics(postgres)
        try await printConsumers(postgres)
        print("")
        print(PartitionTable.render(partitions))
        if detail {
            try await printDetail(postgres)
            try await printAnalyticsDetail(postgres)
        }
        await postgres.close()
    }

    /// A superuser or the warehouse's owner bypasses row-level security and may do anything: fine for
    /// the local demo cluster and for migrations, not for the commands that run every day.
    private func warnAboutPrivileges(_ postgres: PostgresConnection) async throws {
        guard !connection.targetsLocalCluster() else { return }
        let row = try await postgres.query("""
            SELECT current_user::text AS who, r.rolsuper AS superuser,
                   COALESCE((SELECT c.relowner = r.oid FROM pg_class AS c WHERE c.oid = to_regclass('public.events')), false) AS owner
            FROM pg_roles AS r WHERE r.rolname = current_user
            """)[0]
        let who = try row.decode("who", as: String.self)
        let what: String
        if try row.decode("superuser", as: Bool.self) {
            what = "a superuser"
        } else if try row.decode("owner", as: Bool.self) {
            what = "the owner of the warehouse"
        } else {
            return
        }
        FileHandle.standardError.write(Data("""
            warning: connected as \(who), \(what): fine for `sluice migrate`, but day-to-day commands should run as \
            least-privilege logins (members of sluice_loader, sluice_refresher, sluice_compliance; BI tools as \
            `sluice bi grant` logins): see docs/security.md

            """.utf8))
    }

    /// When each analytics object was last refreshed, and the oldest day still waiting for it.
    private func printAnalytics(_ postgres: PostgresConnection) async throws {
        let present = try await postgres.query("SELECT to_regclass('analytics.refresh_log') IS NOT NULL AS present")[0].decode("present", as: Bool.self)
        guard present else { return }
        let waiting = try await postgres.query("""
            SELECT min(day)::text AS oldest, count(DISTINCT (tenant_id, day)) AS buckets FROM refresh_dirty_buckets
            """)[0]
        let buckets = try waiting.decode("buckets", as: Int.self)
        let pending = buckets == 0 ? "nothing waiting" : "\(counted(buckets, "bucket")) waiting, oldest \(try waiting.decode("oldest", as: String.self)) (sluice refresh)"
        let log = try await postgres.query("""
            SELECT object, refreshed_at, full_rebuild, rows_written FROM analytics.refresh_log ORDER BY object
            """)
        guard !log.isEmpty else {
            print("analytics:  never refreshed; \(pending)")
            return
        }
        print("analytics:  \(pending)")
        print("")
        print(StatusTable.render(header: ["ANALYTICS OBJECT", "LAST REFRESH (UTC)", "KIND", "ROWS WRITTEN", "OLDEST DIRTY DAY"], rightAligned: [3], rows: try log.map {
            [try $0.decode("object", as: String.self), String(try $0.decode("refreshed_at", as: PostgresTimestamp.self).description.prefix(19)),
             try $0.decode("full_rebuild", as: Bool.self) ? "full" : "incremental", String(try $0.decode("rows_written", as: Int64.self)),
             buckets == 0 ? "-" : try waiting.decode("oldest", as: String.self)]
        }))
    }

    /// Each queue consumer group's position and lag, as its last batch committed them.
    private func printConsumers(_ postgres: PostgresConnection) async throws {
        let present = try await postgres.query("SELECT to_regclass('queue_positions') IS NOT NULL AS present")[0].decode("present", as: Bool.self)
        guard present else { return }
        let groups = try await postgres.query("""
            SELECT kind::text AS kind, queue, group_name, tenant_id::text AS tenant, count(*) AS partitions,
                   CASE WHEN kind = 'kafka' THEN sum(next_offset)::text ELSE max(position) END AS position,
                   sum(lag)::int8 AS lag, max(updated_at) AS updated_at
            FROM queue_positions
            GROUP BY kind, queue, group_name, tenant_id
            ORDER BY kind, queue, group_name, tenant_id
            """)
        guard !groups.isEmpty else { return }
        print("consumers:  \(counted(groups.count, "consumer group"))")
        print("")
        print(StatusTable.render(header: ["CONSUMER GROUP", "TENANT", "PARTITIONS", "POSITION", "LAG", "LAST COMMIT (UTC)"], rightAligned: [2, 4], rows: try groups.map {
            let kind = try $0.decode("kind", as: String.self)
            let position = try $0.decode("position", as: String.self)
            return ["\(kind):\(try $0.decode("queue", as: String.self))/\(try $0.decode("group_name", as: String.self))",
                    try $0.decode("tenant", as: String.self), String(try $0.decode("partitions", as: Int.self)),
                    kind == "kafka" ? "\(position) messages" : position,
                    try $0.decode("lag", as: Int64?.self).map(String.init) ?? "-",
                    String(try $0.decode("updated_at", as: PostgresTimestamp.self).description.prefix(19))]
        }))
    }

    /// A few numbers BI users look at first: daily active users of the last 7 days, and the funnel.
    private func printAnalyticsDetail(_ postgres: PostgresConnection) async throws {
        let present = try await postgres.query("SELECT to_regclass('analytics.kpi_daily') IS NOT NULL AS present")[0].decode("present", as: Bool.self)
        guard present else { return }
        let daily = try await postgres.query("""
            SELECT tenant_id, day::text AS day,
                   max(value) FILTER (WHERE metric = 'events') AS events,
                   max(value) FILTER (WHERE metric = 'active_users') AS dau,
                   max(value) FILTER (WHERE metric = 'new_users') AS new_users,
                   max(value) FILTER (WHERE metric = 'orders_completed') AS orders
            FROM analytics.kpi_daily
            WHERE day > (SELECT max(day) FROM analytics.kpi_daily) - 7
            GROUP BY tenant_id, day ORDER BY tenant_id, day
            """)
        guard !daily.isEmpty else { return }
        func number(_ row: PostgresRow, _ column: String) throws -> String {
            try row.decode(column, as: String?.self).map { $0.hasSuffix(".000000") ? String($0.dropLast(7)) : $0 } ?? "0"
        }
        print("")
        print(StatusTable.render(header: ["TENANT", "DAY (UTC)", "EVENTS", "ACTIVE USERS", "NEW USERS", "ORDERS"], rightAligned: [2, 3, 4, 5], rows: try daily.map {
            [RejectText.escaped(try $0.decode("tenant_id", as: String.self)), try $0.decode("day", as: String.self),
             try number($0, "events"), try number($0, "dau"), try number($0, "new_users"), try number($0, "orders")]
        }))
        let funnel = try await postgres.query("""
            SELECT tenant_id, step, sum(count) AS events FROM analytics.funnel_step
            GROUP BY tenant_id, step
            ORDER BY tenant_id, array_position(ARRAY['cart_item_added', 'checkout_started', 'checkout_completed', 'payment_captured'], step)
            """)
        guard !funnel.isEmpty else { return }
        print("")
        print(StatusTable.render(header: ["TENANT", "FUNNEL STEP", "EVENTS (ALL DAYS)"], rightAligned: [2], rows: try funnel.map {
            [RejectText.escaped(try $0.decode("tenant_id", as: String.self)), try $0.decode("step", as: String.self),
             String(try $0.decode("events", as: Int64.self))]
        }))
    }

    /// What the warehouse holds, by tenant, contract and type; and why lines wait in the dead letter.
    private func printDetail(_ postgres: PostgresConnection) async throws {
        // The biggest types of each tenant and contract, the rest summed up in one row.
        let shown = 6
        let loaded = try await postgres.query("""
            SELECT tenant_id, contract,
                   CASE WHEN rank <= \(shown) THEN type ELSE '(' || count(*) OVER (PARTITION BY tenant_id, contract, rank > \(shown)) || ' more types)' END AS type,
                   events
            FROM (SELECT tenant_id, contract, type, count(*) AS events,
                         row_number() OVER (PARTITION BY tenant_id, contract ORDER BY count(*) DESC, type) AS rank
                  FROM events GROUP BY tenant_id, contract, type) AS t
            """)
        var rows: [(tenant: String, contract: String, type: String, events: Int64)] = []
        for row in loaded {
            let key = (try row.decode("tenant_id", as: String.self), try row.decode("contract", as: String.self), try row.decode("type", as: String.self))
            let events = try row.decode("events", as: Int64.self)
            if let index = rows.firstIndex(where: { $0.tenant == key.0 && $0.contract == key.1 && $0.type == key.2 }) {
                rows[index].events += events
            } else {
                rows.append((key.0, key.1, key.2, events))
            }
        }
        rows.sort { ($0.tenant, $0.contract, $0.type.hasPrefix("(") ? 1 : 0, -$0.events) < ($1.tenant, $1.contract, $1.type.hasPrefix("(") ? 1 : 0, -$1.events) }
        print("")
        print(StatusTable.render(header: ["TENANT", "CONTRACT", "TYPE", "EVENTS"], rightAligned: [3], rows: rows.map {
            [RejectText.escaped($0.tenant), $0.contract, RejectText.escaped($0.type), String($0.events)]
        }))
        let reasons = try await postgres.query("""
            SELECT contract, errors->0->>'field' AS field, left(errors->0->>'message', 70) AS message, count(*) AS lines
            FROM rejected_events WHERE replayed_at IS NULL
            GROUP BY 1, 2, 3 ORDER BY lines DESC, 1, 2, 3 LIMIT 15
            """)
        guard !reasons.isEmpty else { return }
        print("")
        print(StatusTable.render(header: ["CONTRACT", "FIELD", "FIRST REASON", "LINES"], rightAligned: [3], rows: try reasons.map {
            let field = try $0.decode("field", as: String?.self) ?? ""
            return [try $0.decode("contract", as: String.self), field.isEmpty ? "(line)" : RejectText.escaped(field),
                    RejectText.escaped(try $0.decode("message", as: String?.self) ?? ""), String(try $0.decode("lines", as: Int64.self))]
        }))
    }
}

/// A plain text table: a header, columns as wide as their widest cell.
enum StatusTable {
    static func render(header: [String], rightAligned: Set<Int>, rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? padding + cell : cell + padding
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}
