import Foundation

/// `sluice status` as text: a few aligned lines, then tables; warnings on stderr.
enum StatusText {
    static func print(_ report: StatusReport) {
        for warning in report.warnings {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        if let database = report.database {
            let acting = database.role == database.login ? "" : ", as \(database.role)"
            Swift.print("database:   \(database.endpoint) (PostgreSQL \(database.server_version)); login \(database.login)\(acting)")
        }
        if let migrations = report.migrations {
            switch migrations.state {
            case "unmigrated":
                Swift.print("migrations: none applied: run `sluice migrate`")
            case "unreadable":
                Swift.print("migrations: not readable by this login (see the warning)")
            default:
                let older = migrations.state == "older" ? " — older than this sluice needs (\(migrations.required)): run `sluice migrate`" : ""
                Swift.print("migrations: \(migrations.applied) applied, latest \(migrations.latest ?? "?") at \(migrations.latest_applied_at ?? "?")\(older)")
            }
        }
        if let events = report.events {
            Swift.print("events:     ~\(counted(events.rows_estimate, "row")) in \(counted(events.partitions, "partition")), \(PartitionTable.byteCount(events.bytes))")
        }
        if let loads = report.loads {
            Swift.print("loads:      \(counted(loads.batches, "batch", "batches"))\(loads.last_batch_at.map { ", last at \($0)" } ?? "")")
        }
        if let rejects = report.rejects {
            Swift.print("rejects:    \(rejects.waiting) waiting\(rejects.waiting > 0 ? " (sluice rejects list)" : "")")
        }
        if let analytics = report.analytics {
            let pending = switch analytics.dirty_buckets {
            case nil: "what waits for the next refresh is not visible to this login"
            case 0: "nothing waiting"
            case let buckets?: "\(counted(buckets, "bucket")) waiting, oldest \(analytics.oldest_dirty_day ?? "?") (sluice refresh)"
            }
            Swift.print(analytics.objects.isEmpty ? "analytics:  never refreshed; \(pending)" : "analytics:  \(pending)")
        }
        if let consumers = report.consumers, !consumers.isEmpty {
            Swift.print("consumers:  \(counted(consumers.count, "consumer group"))")
        }
        for hidden in report.hidden {
            Swift.print("hidden:     \(hidden.section): \(hidden.reason)")
        }
        if let error = report.error {
            Swift.print("error:      \(error)")
        }
        if let analytics = report.analytics, !analytics.objects.isEmpty {
            Swift.print("")
            Swift.print(StatusTable.render(header: ["ANALYTICS OBJECT", "LAST REFRESH (UTC)", "KIND", "INSERTED", "UPDATED", "DELETED", "OLDEST DIRTY DAY"],
                                           rightAligned: [3, 4, 5], rows: analytics.objects.map {
                [$0.object, $0.refreshed_at, $0.kind, String($0.inserted), String($0.updated), String($0.deleted), analytics.oldest_dirty_day ?? "-"]
            }))
        }
        if let consumers = report.consumers, !consumers.isEmpty {
            Swift.print("")
            Swift.print(StatusTable.render(header: ["CONSUMER GROUP", "TENANT", "PARTITIONS", "POSITION", "LAG", "LAST COMMIT (UTC)"], rightAligned: [2, 4],
                                           rows: consumers.map {
                ["\($0.kind):\($0.queue)/\($0.group)", RejectText.escaped($0.tenant), String($0.partitions),
                 $0.kind == "kafka" ? "\($0.position) messages" : $0.position, $0.lag.map(String.init) ?? "-", $0.updated_at]
            }))
        }
        if let partitions = report.partitions {
            Swift.print("")
            Swift.print(PartitionTable.render(partitions))
        }
        if let detail = report.detail {
            printDetail(detail)
        }
    }

    private static func printDetail(_ detail: StatusReport.Detail) {
        let escaped = RejectText.escaped
        if let events = detail.events, !events.isEmpty {
            Swift.print("")
            Swift.print(StatusTable.render(header: ["TENANT", "CONTRACT", "TYPE", "EVENTS"], rightAligned: [3], rows: events.map {
                [escaped($0.tenant), $0.contract, escaped($0.type), String($0.events)]
            }))
        }
        if let reasons = detail.reject_reasons, !reasons.isEmpty {
            Swift.print("")
            Swift.print(StatusTable.render(header: ["CONTRACT", "FIELD", "FIRST REASON", "LINES"], rightAligned: [3], rows: reasons.map {
                [$0.contract, $0.field.isEmpty ? "(line)" : escaped($0.field), escaped($0.reason), String($0.lines)]
            }))
        }
        if let daily = detail.daily, !daily.isEmpty {
            Swift.print("")
            Swift.print(StatusTable.render(header: ["TENANT", "DAY (UTC)", "EVENTS", "ACTIVE USERS", "NEW USERS", "ORDERS"], rightAligned: [2, 3, 4, 5],
                                           rows: daily.map { [escaped($0.tenant), $0.day, $0.events, $0.active_users, $0.new_users, $0.orders] }))
        }
        if let funnel = detail.funnel, !funnel.isEmpty {
            Swift.print("")
            Swift.print(StatusTable.render(header: ["TENANT", "FUNNEL STEP", "EVENTS (ALL DAYS)"], rightAligned: [2], rows: funnel.map {
                [escaped($0.tenant), $0.step, String($0.events)]
            }))
        }
    }
}
