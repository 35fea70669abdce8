import Postgres
import Warehouse

/// Reads `sluice status`'s sections, each as far as the login may: a section the server refuses
/// (42501) or that this schema version lacks is recorded as hidden, with why, instead of failing
/// the command. Anything else (a lost connection) fails it.
struct StatusGatherer {
    let postgres: PostgresConnection
    let detail: Bool
    let tenant: String?
    let warnAboutPrivileges: Bool

    func gather(into report: inout StatusReport) async throws {
        report.database = try await database()
        let state = try await SchemaVersion.state(on: postgres)
        report.migrations = try await migrations(state)
        if let problem = SchemaVersion.problem(state, endpoint: await postgres.endpoint) {
            report.warnings.append(problem)
        }
        if case .unmigrated = state { return }
        if warnAboutPrivileges, let warning = try await privilegeWarning() { report.warnings.append(warning) }
        if let database = report.database, !database.bypasses_row_level_security {
            report.warnings.append(database.tenant.map {
                "row-level security applies to \(database.role): tenant-scoped counts are tenant \($0)'s only"
            } ?? "row-level security applies to \(database.role) and no tenant is named: tenant-scoped counts are 0 (name one with --tenant)")
        }
        report.partitions = try await section("partitions", &report) { try await partitions() }
        if let partitions = report.partitions {
            report.events = .init(partitions: partitions.count, rows_estimate: partitions.reduce(0) { $0 + $1.rows_estimate },
                                  bytes: partitions.reduce(0) { $0 + $1.bytes })
        }
        report.loads = try await section("loads", &report) { try await loads() }
        report.rejects = try await section("rejects", &report) { try await rejects() }
        report.analytics = try await section("analytics", &report) { try await analytics() }
        report.consumers = try await section("consumers", &report) { try await consumers() }
        if detail {
            var detail = StatusReport.Detail()
            detail.events = try await section("detail.events", &report) { try await loadedEvents() }
            detail.reject_reasons = try await section("detail.reject_reasons", &report) { try await rejectReasons() }
            detail.daily = try await section("detail.daily", &report) { try await daily() }
            detail.funnel = try await section("detail.funnel", &report) { try await funnel() }
            report.detail = detail
        }
    }

    /// Runs one section; a refusal or a missing object becomes a `hidden` entry and nil.
    private func section<T>(_ name: String, _ report: inout StatusReport, _ body: () async throws -> T) async throws -> T? {
        do {
            return try await body()
        } catch let error as PostgresError where error.sqlState == "42501" {
            let role = report.database?.role ?? "this login"
            report.hidden.append(.init(section: name, reason: "\(role) may not read it (\(error.message))"))
        } catch let error as PostgresError where ["42P01", "42703", "42883", "3F000"].contains(error.sqlState ?? "") {
            report.hidden.append(.init(section: name, reason: "not in this database's schema (\(error.message)): run `sluice migrate`"))
        }
        return nil
    }

    private func database() async throws -> StatusReport.Database {
        let version = try await postgres.query("SELECT current_setting('server_version') AS v")[0].decode("v", as: String.self)
        // Act as the group role the login's commands act as: a loader sees every tenant's loads,
        // as `sluice load` does.
        if try await !postgres.adoptGroupRole("sluice_loader") {
            try await postgres.adoptGroupRole("sluice_refresher")
        }
        if let tenant { try await postgres.setSessionTenant(tenant) }
        let row = try await postgres.query("""
            SELECT session_user::text AS login, current_user::text AS role, (r.rolsuper OR r.rolbypassrls) AS bypass
            FROM pg_catalog.pg_roles AS r WHERE r.rolname = current_user
            """)[0]
        let bypass = try row.decode("bypass", as: Bool.self)
        var visibleTenant: String?
        if !bypass {
            // Only the Sluice roles may call it; anyone else sees no tenant's rows anyway.
            let callable = try await postgres.query("""
                SELECT to_regprocedure('public.sluice_current_tenant()') IS NOT NULL
                       AND has_function_privilege('public.sluice_current_tenant()', 'EXECUTE') AS callable
                """)[0].decode("callable", as: Bool.self)
            if callable {
                visibleTenant = try await postgres.query("SELECT public.sluice_current_tenant() AS tenant")[0].decode("tenant", as: String?.self)
            }
        }
        return .init(endpoint: await postgres.endpoint, server_version: version, login: try row.decode("login", as: String.self),
                     role: try row.decode("role", as: String.self), bypasses_row_level_security: bypass, tenant: visibleTenant)
    }

    private func migrations(_ state: SchemaVersion.State) async throws -> StatusReport.Migrations {
        let name: String
        switch state {
        case .current: name = "current"
        case .older: name = "older"
        case .unmigrated: name = "unmigrated"
        case .unreadable: name = "unreadable"
        }
        var migrations = StatusReport.Migrations(state: name, applied: 0, latest: nil, latest_applied_at: nil, required: SchemaVersion.required)
        switch state {
        case .current, .older:
            let applied = try await Migrator.appliedVersions(on: postgres)
            migrations.applied = applied.count
            migrations.latest = applied.last?.fileName
            migrations.latest_applied_at = applied.last.map { String($0.appliedAt.description.prefix(19)) }
        case .unmigrated, .unreadable:
            break
        }
        return migrations
    }

    /// A superuser or the warehouse's owner bypasses row-level security and may do anything: fine for
    /// the local demo cluster and for migrations, not for the commands that run every day.
    private func privilegeWarning() async throws -> String? {
        let row = try await postgres.query("""
            SELECT session_user::text AS who, r.rolsuper AS superuser,
                   COALESCE((SELECT c.relowner = r.oid FROM pg_class AS c WHERE c.oid = to_regclass('public.events')), false) AS owner
            FROM pg_roles AS r WHERE r.rolname = session_user
            """)[0]
        let who = try row.decode("who", as: String.self)
        let what: String
        if try row.decode("superuser", as: Bool.self) {
            what = "a superuser"
        } else if try row.decode("owner", as: Bool.self) {
            what = "the owner of the warehouse"
        } else {
            return nil
        }
        return "connected as \(who), \(what): fine for `sluice migrate`, but day-to-day commands should run as least-privilege logins "
            + "(members of sluice_loader, sluice_refresher, sluice_compliance; BI tools as `sluice bi grant` logins): see docs/security.md"
    }

    private func partitions() async throws -> [StatusReport.Partition] {
        try await PartitionManager(connection: postgres).list().map(PartitionTable.row)
    }

    private func loads() async throws -> StatusReport.Loads {
        let row = try await postgres.query("SELECT count(*)::int AS batches, max(created_at) AS last_batch FROM public.batch_operations")[0]
        return .init(batches: try row.decode("batches", as: Int.self),
                     last_batch_at: try row.decode("last_batch", as: PostgresTimestamp?.self).map { String($0.description.prefix(19)) })
    }

    private func rejects() async throws -> StatusReport.Rejects {
        .init(waiting: try await postgres.query("SELECT count(*)::int AS n FROM public.rejected_events WHERE replayed_at IS NULL AND discarded_at IS NULL")[0]
            .decode("n", as: Int.self))
    }

    /// When each analytics object was last refreshed, and the oldest day still waiting for it (the
    /// dirty marks are the loader's and the refresh's: BI logins see the objects only).
    private func analytics() async throws -> StatusReport.Analytics {
        let log = try await postgres.query("""
            SELECT object, refreshed_at, full_rebuild, inserted, updated, deleted FROM analytics.refresh_log ORDER BY object
            """).map {
            StatusReport.AnalyticsObject(object: try $0.decode("object", as: String.self),
                                         refreshed_at: String(try $0.decode("refreshed_at", as: PostgresTimestamp.self).description.prefix(19)),
                                         kind: try $0.decode("full_rebuild", as: Bool.self) ? "full" : "incremental",
                                         inserted: try $0.decode("inserted", as: Int64.self), updated: try $0.decode("updated", as: Int64.self),
                                         deleted: try $0.decode("deleted", as: Int64.self))
        }
        var analytics = StatusReport.Analytics(dirty_buckets: nil, oldest_dirty_day: nil, objects: log)
        let readable = try await postgres.query("SELECT has_table_privilege('public.refresh_dirty_buckets', 'SELECT') AS readable")[0]
            .decode("readable", as: Bool.self)
        if readable {
            let waiting = try await postgres.query("""
                SELECT min(day)::text AS oldest, count(DISTINCT (tenant_id, day))::int AS buckets FROM public.refresh_dirty_buckets
                """)[0]
            analytics.dirty_buckets = try waiting.decode("buckets", as: Int.self)
            analytics.oldest_dirty_day = try waiting.decode("oldest", as: String?.self)
        }
        return analytics
    }

    /// Each queue consumer group's position and lag, as its last batch committed them.
    private func consumers() async throws -> [StatusReport.Consumer] {
        try await postgres.query("""
            SELECT kind::text AS kind, queue, group_name, tenant_id::text AS tenant, count(*)::int AS partitions,
                   CASE WHEN kind = 'kafka' THEN sum(next_offset)::text ELSE max(position) END AS position,
                   sum(lag)::int8 AS lag, max(updated_at) AS updated_at
            FROM public.queue_positions
            GROUP BY kind, queue, group_name, tenant_id
            ORDER BY kind, queue, group_name, tenant_id
            """).map {
            StatusReport.Consumer(kind: try $0.decode("kind", as: String.self), queue: try $0.decode("queue", as: String.self),
                                  group: try $0.decode("group_name", as: String.self), tenant: try $0.decode("tenant", as: String.self),
                                  partitions: try $0.decode("partitions", as: Int.self), position: try $0.decode("position", as: String?.self) ?? "",
                                  lag: try $0.decode("lag", as: Int64?.self),
                                  updated_at: String(try $0.decode("updated_at", as: PostgresTimestamp.self).description.prefix(19)))
        }
    }

    /// What the warehouse holds, by tenant, contract and type: the biggest types of each tenant and
    /// contract, the rest summed up in one row.
    private func loadedEvents() async throws -> [StatusReport.Detail.Loaded] {
        let shown = 6
        let loaded = try await postgres.query("""
            SELECT tenant_id, contract,
                   CASE WHEN rank <= \(shown) THEN type ELSE '(' || count(*) OVER (PARTITION BY tenant_id, contract, rank > \(shown)) || ' more types)' END AS type,
                   events
            FROM (SELECT tenant_id, contract, type, count(*) AS events,
                         row_number() OVER (PARTITION BY tenant_id, contract ORDER BY count(*) DESC, type) AS rank
                  FROM public.events GROUP BY tenant_id, contract, type) AS t
            """)
        var rows: [StatusReport.Detail.Loaded] = []
        for row in loaded {
            let item = StatusReport.Detail.Loaded(tenant: try row.decode("tenant_id", as: String.self), contract: try row.decode("contract", as: String.self),
                                                  type: try row.decode("type", as: String.self), events: try row.decode("events", as: Int64.self))
            if let index = rows.firstIndex(where: { $0.tenant == item.tenant && $0.contract == item.contract && $0.type == item.type }) {
                rows[index].events += item.events
            } else {
                rows.append(item)
            }
        }
        rows.sort { ($0.tenant, $0.contract, $0.type.hasPrefix("(") ? 1 : 0, -$0.events) < ($1.tenant, $1.contract, $1.type.hasPrefix("(") ? 1 : 0, -$1.events) }
        return rows
    }

    /// Why lines wait in the dead letter.
    private func rejectReasons() async throws -> [StatusReport.Detail.RejectReason] {
        try await postgres.query("""
            SELECT contract, errors->0->>'field' AS field, left(errors->0->>'message', 70) AS message, count(*) AS lines
            FROM public.rejected_events WHERE replayed_at IS NULL AND discarded_at IS NULL
            GROUP BY 1, 2, 3 ORDER BY lines DESC, 1, 2, 3 LIMIT 15
            """).map {
            .init(contract: try $0.decode("contract", as: String.self), field: try $0.decode("field", as: String?.self) ?? "",
                  reason: try $0.decode("message", as: String?.self) ?? "", lines: try $0.decode("lines", as: Int64.self))
        }
    }

    /// Daily active users and orders of the last 7 days: what BI users look at first.
    private func daily() async throws -> [StatusReport.Detail.Day] {
        func number(_ row: PostgresRow, _ column: String) throws -> String {
            try row.decode(column, as: String?.self).map { $0.hasSuffix(".000000") ? String($0.dropLast(7)) : $0 } ?? "0"
        }
        return try await postgres.query("""
            SELECT tenant_id, day::text AS day,
                   max(value) FILTER (WHERE metric = 'events') AS events,
                   max(value) FILTER (WHERE metric = 'active_users') AS dau,
                   max(value) FILTER (WHERE metric = 'new_users') AS new_users,
                   max(value) FILTER (WHERE metric = 'orders_completed') AS orders
            FROM analytics.kpi_daily
            WHERE day > (SELECT max(day) FROM analytics.kpi_daily) - 7
            GROUP BY tenant_id, day ORDER BY tenant_id, day
            """).map {
            .init(tenant: try $0.decode("tenant_id", as: String.self), day: try $0.decode("day", as: String.self),
                  events: try number($0, "events"), active_users: try number($0, "dau"), new_users: try number($0, "new_users"),
                  orders: try number($0, "orders"))
        }
    }

    private func funnel() async throws -> [StatusReport.Detail.FunnelStep] {
        try await postgres.query("""
            SELECT tenant_id, step, sum(count)::int8 AS events FROM analytics.funnel_step
            GROUP BY tenant_id, step
            ORDER BY tenant_id, array_position(ARRAY['cart_item_added', 'checkout_started', 'checkout_completed', 'payment_captured'], step)
            """).map {
            .init(tenant: try $0.decode("tenant_id", as: String.self), step: try $0.decode("step", as: String.self),
                  events: try $0.decode("events", as: Int64.self))
        }
    }
}
