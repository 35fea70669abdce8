import Foundation
import Postgres

/// `sluice retention apply`: deletes what is past its retention policy (`data_retention_policies`),
/// except what an active legal hold covers (docs/compliance.md, "Retention and legal holds").
///
/// Events: each event's category comes from `retention_event_categories` (its type's row, else the
/// contract's `*` row; an uncategorized event is never deleted). For each monthly partition:
///
/// - every row past its category's TTL, and no active hold covering any row (a hold on a user of
///   it, or on a category of it) → the partition is detached (`DETACH PARTITION … CONCURRENTLY`:
///   loads into other months go on) and, after its rows are checked again under an exclusive lock
///   on the detached table, dropped. A row that turns out young, or a hold placed meanwhile, puts it
///   back (re-attached) and only the expired, unheld rows are deleted. Dropping takes the owner of
///   `events`: run as a member of sluice_compliance, such a month is emptied by row deletes instead
///   and reported in `partitions_for_owner`.
/// - otherwise the expired, unheld rows are deleted, a few thousand per transaction.
///
/// Then the bookkeeping is pruned past its own policies: ledger keys, checkpoints of sources that
/// finished loading, dead letters (not a held user's), batch rows, tombstones, export requests and
/// export files. Ledger keys and tombstones are kept at least as long as the loader accepts the
/// events they guard. Days whose events went are marked for the next refresh. Every transaction that
/// deletes appends a `retention.apply` audit entry with its counts; a dry run appends one
/// `retention.apply.dry_run` entry per tenant with the plan.
///
/// Every expiry is measured from one time, `as_of` (the run's start), so a dry run's plan is what a
/// real run then does when nothing else changes in between.
public struct Retention: Sendable {
    public struct Options: Sendable {
        public var actor: String
        /// Plan only: report exactly what a real run would do, change nothing (audited as such).
        public var dryRun = false
        /// Rows deleted per transaction.
        public var batchSize = 5_000
        /// The longest a detach, a drop or a batch waits for a lock before it gives up (the month is
        /// then left for the next run).
        public var lockTimeout = "5s"

        public init(actor: String) { self.actor = actor }
    }

    /// One monthly partition of events and what the run does with it.
    public struct PartitionPlan: Sendable, Encodable, Equatable {
        public var partition: String
        public var range_from: String
        public var range_to: String
        public var rows: Int64
        public var expired: Int64
        /// Rows an active legal hold covers.
        public var held: Int64
        /// Rows with no retention category (never deleted).
        public var uncategorized: Int64
        /// `drop` (the whole partition), `delete` (its expired, unheld rows) or `keep`.
        public var action: String
        /// Rows the action removes.
        public var deleted: Int64
        /// True when every row is expired and unheld but the run is not the owner's: the rows are
        /// deleted and the empty partition is left for the owner's run to drop.
        public var left_for_owner: Bool
    }

    /// What a run did (or, dry, would do).
    public struct Report: Sendable, Encodable, Equatable {
        /// `applied` or `dry-run`.
        public var status: String
        public var as_of: String
        /// Whether this login owns events (and so drops partitions).
        public var owner: Bool
        public var partitions: [PartitionPlan]
        /// Rows removed per table, plus `partitions_dropped`, `export_files` and `days_marked`.
        public var counts: [String: Int64]
        /// Partitions emptied by this run that only the owner may drop.
        public var partitions_for_owner: [String]
        /// Months whose drop was given up (a lock not granted within the timeout): run again.
        public var busy: [String]
    }

    public let connectionString: String

    public init(connectionString: String) {
        self.connectionString = connectionString
    }

    /// The tables (and counters) a report counts, in the order the CLI prints them.
    public static let countedTables = [
        "events", "partitions_dropped", "days_marked", "event_idempotency_keys", "rejected_events", "load_checkpoints",
        "batch_operations", "suppression_tombstones", "gdpr_export_requests", "export_files",
    ]

    public func run(_ options: Options, progress: @Sendable (String) -> Void = { _ in }) async throws -> Report {
        try await ComplianceSession.withConnection(connectionString, command: "retention apply") { connection in
            try await run(options, on: connection, progress: progress)
        }
    }

    /// Tenants with rows retention may prune or holds (`sluice_retention_tenants()`).
    public static func tenants(on connection: PostgresConnection) async throws -> [String] {
        try await connection.query("SELECT tenant_id FROM public.sluice_retention_tenants()").map { try $0.decode("tenant_id", as: String.self) }
    }

    private func run(_ options: Options, on connection: PostgresConnection, progress: @Sendable (String) -> Void) async throws -> Report {
        let setting = try await connection.query("""
            SELECT now() AS as_of,
                   COALESCE((SELECT r.rolsuper FROM pg_catalog.pg_roles AS r WHERE r.rolname = current_user), false)
                   OR pg_catalog.pg_has_role(current_user, (SELECT c.relowner FROM pg_catalog.pg_class AS c WHERE c.oid = 'public.events'::regclass), 'USAGE') AS owner
            """)[0]
        let asOf = try setting.decode("as_of", as: PostgresTimestamp.self)
        let owner = try setting.decode("owner", as: Bool.self)
        let tenants = try await Self.tenants(on: connection)
        let runID = UUID().uuidString.lowercased()
        var report = Report(status: options.dryRun ? "dry-run" : "applied", as_of: asOf.description, owner: owner, partitions: [],
                            counts: Dictionary(uniqueKeysWithValues: Self.countedTables.map { ($0, 0) }), partitions_for_owner: [], busy: [])
        var audit = AuditCounts()
        var days: Set<String> = []

        // 1. Events, month by month.
        let windows = try await connection.query("""
            SELECT min(p.ttl_days) AS shortest, max(p.ttl_days) AS longest FROM public.data_retention_policies AS p
            WHERE p.category IN (SELECT c.category FROM public.retention_event_categories AS c)
            """)[0]
        let shortest = try windows.decode("shortest", as: Int64?.self)
        let longest = try windows.decode("longest", as: Int64?.self) ?? 0
        let months = try await connection.query("""
            SELECT partition_name, range_from, range_to FROM public.sluice_event_partitions ORDER BY range_from
            """).map { (try $0.decode("partition_name", as: String.self), try $0.decode("range_from", as: PostgresTimestamp.self),
                        try $0.decode("range_to", as: PostgresTimestamp.self)) }
        for (name, from, to) in months {
            var plan = PartitionPlan(partition: name, range_from: from.description, range_to: to.description, rows: 0, expired: 0, held: 0,
                                     uncategorized: 0, action: "keep", deleted: 0, left_for_owner: false)
            var perTenant: [(tenant: String, deletable: Int64, days: [String])] = []
            for tenant in tenants {
                let stats = try await ComplianceSession.withTenant(connection, tenant) { connection in
                    try connection.query(PostgresQuery(unsafeSQL: Self.monthStatsSQL, binds: [tenant.postgresBind, from.postgresBind, to.postgresBind, asOf.postgresBind]))[0]
                }
                plan.rows += try stats.decode("rows", as: Int64.self)
                plan.expired += try stats.decode("expired", as: Int64.self)
                plan.held += try stats.decode("held", as: Int64.self)
                plan.uncategorized += try stats.decode("uncategorized", as: Int64.self)
                let deletable = try stats.decode("deletable", as: Int64.self)
                if deletable > 0 { perTenant.append((tenant, deletable, try stats.decode("days", as: [String].self))) }
            }
            let whole = plan.held == 0 && (plan.rows > 0 ? plan.expired == plan.rows
                                                         : shortest.map { to <= PostgresTimestamp(microsecondsSinceUnixEpoch: asOf.microsecondsSinceUnixEpoch - $0 * 86_400_000_000) } ?? false)
            if whole && owner {
                plan.action = "drop"
            } else if perTenant.contains(where: { $0.deletable > 0 }) {
                plan.action = "delete"
                plan.left_for_owner = whole
            } else if whole {
                plan.left_for_owner = true
            }
            plan.deleted = perTenant.reduce(0) { $0 + $1.deletable }
            for part in perTenant { for day in part.days { days.insert("\(part.tenant)|\(day)") } }

            if options.dryRun {
                if plan.action == "drop" { report.counts["partitions_dropped", default: 0] += 1 }
                report.counts["events", default: 0] += plan.deleted
                for part in perTenant { audit.add(part.tenant, "events", part.deletable) }
            } else if plan.action == "drop" {
                progress("dropping \(name) (\(plan.rows) expired rows)")
                switch try await dropPartition(name, from: from, to: to, asOf: asOf, runID: runID, options: options, on: connection) {
                case .dropped(let rows, let droppedDays):
                    plan.deleted = rows
                    report.counts["partitions_dropped", default: 0] += 1
                    report.counts["events", default: 0] += rows
                    days.formUnion(droppedDays)
                case .busy:
                    plan.action = "keep"
                    plan.deleted = 0
                    report.busy.append(name)
                case .putBack:
                    plan.action = "delete"
                    plan.deleted = 0
                    for part in perTenant {
                        plan.deleted += try await deleteEvents(tenant: part.tenant, partition: name, from: from, to: to, asOf: asOf, runID: runID,
                                                               options: options, on: connection)
                    }
                    report.counts["events", default: 0] += plan.deleted
                }
            } else if plan.action == "delete" {
                progress("deleting \(plan.deleted) expired row(s) of \(name)")
                plan.deleted = 0
                for part in perTenant {
                    plan.deleted += try await deleteEvents(tenant: part.tenant, partition: name, from: from, to: to, asOf: asOf, runID: runID,
                                                           options: options, on: connection)
                }
                report.counts["events", default: 0] += plan.deleted
            }
            if plan.left_for_owner { report.partitions_for_owner.append(name) }
            report.partitions.append(plan)
        }
        report.counts["days_marked"] = Int64(days.count)

        // 2. The bookkeeping, past its own policies.
        for prune in Self.prunes {
            for tenant in tenants {
                let removed = try await self.prune(prune, tenant: tenant, asOf: asOf, longestEventTTL: longest, runID: runID, options: options, on: connection)
                report.counts[prune.table, default: 0] += removed
                if options.dryRun { audit.add(tenant, prune.table, removed) }
            }
        }
        report.counts["export_files", default: 0] += try await pruneExportFiles(tenants: tenants, asOf: asOf, runID: runID, options: options, audit: &audit,
                                                                                 on: connection)
        // The audit trail past its own policy: the owner's function removes only each chain's
        // expired prefix, behind a signed checkpoint (AuditLog.pruneExpired); a prefix that does
        // not verify is refused, and the run stops saying so. Retention never deletes audit rows
        // itself.
        let pruned = try await AuditLog.pruneExpired(on: connection, dryRun: options.dryRun, actor: options.actor)
        report.counts["compliance_audit_logs"] = pruned.chains.reduce(0) { $0 + $1.pruned_rows }

        // 3. A dry run is audited as such, with its plan.
        if options.dryRun {
            for tenant in tenants {
                let counts = audit.counts[tenant] ?? [:]
                try await ComplianceSession.withTenant(connection, tenant) { connection in
                    var entry = AuditEntry(tenant: tenant, action: "retention.apply.dry_run", resource: "retention", actor: options.actor, classification: "none")
                    entry.rowCounts = counts
                    entry.details = ["run_id": runID, "as_of": asOf.description]
                    try AuditLog.append(entry, on: connection)
                }
            }
        }
        return report
    }

    /// Rows a dry run counts per tenant, for its audit entries.
    struct AuditCounts {
        var counts: [String: [String: Int64]] = [:]
        mutating func add(_ tenant: String, _ table: String, _ n: Int64) {
            guard n > 0 else { return }
            counts[tenant, default: [:]][table, default: 0] += n
        }
    }

    // MARK: - Events

    /// An event's retention category and whether it is past its TTL as of $4, and whether an active
    /// hold of its tenant covers it (its user, or its category). Used on the month of $2…$3 of the
    /// tenant $1 — through public.events (row-level security) or, by the owner, a detached month.
    static func classifiedEvents(from table: String, asOf: String = "$4") -> String {
        """
        SELECT e.id, e.occurred_at, e.tenant_id, (e.occurred_at AT TIME ZONE 'UTC')::date AS day,
               COALESCE(x.category, w.category) AS category,
               COALESCE(e.occurred_at < \(asOf)::timestamptz - make_interval(days => p.ttl_days), false) AS expired,
               EXISTS (SELECT 1 FROM public.legal_holds AS h
                       WHERE h.tenant_id = e.tenant_id AND h.released_at IS NULL AND (h.until IS NULL OR h.until > now())
                         AND (h.user_id = e.user_id OR h.category = COALESCE(x.category, w.category))) AS held
        FROM \(table) AS e
        LEFT JOIN public.retention_event_categories AS x ON x.contract = e.contract AND x.event_type = e.type
        LEFT JOIN public.retention_event_categories AS w ON w.contract = e.contract AND w.event_type = '*'
        LEFT JOIN public.data_retention_policies AS p ON p.category = COALESCE(x.category, w.category)
        """
    }

    static let monthStatsSQL = """
        WITH c AS (\(classifiedEvents(from: "public.events"))
                   WHERE e.tenant_id = $1 AND e.occurred_at >= $2::timestamptz AND e.occurred_at < $3::timestamptz)
        SELECT count(*)::int8 AS rows, count(*) FILTER (WHERE expired)::int8 AS expired, count(*) FILTER (WHERE held)::int8 AS held,
               count(*) FILTER (WHERE category IS NULL)::int8 AS uncategorized,
               count(*) FILTER (WHERE expired AND NOT held)::int8 AS deletable,
               COALESCE(array_agg(DISTINCT day::text) FILTER (WHERE expired AND NOT held), '{}') AS days
        FROM c
        """

    /// Deletes a tenant's expired, unheld events of one month, `batchSize` per transaction, each
    /// with its days marked and its audit entry. Returns how many went.
    private func deleteEvents(tenant: String, partition: String, from: PostgresTimestamp, to: PostgresTimestamp, asOf: PostgresTimestamp,
                              runID: String, options: Options, on connection: PostgresConnection) async throws -> Int64 {
        let sql = """
            WITH doomed AS (SELECT c.id, c.occurred_at FROM (\(Self.classifiedEvents(from: "public.events"))
                                                             WHERE e.tenant_id = $1 AND e.occurred_at >= $2::timestamptz AND e.occurred_at < $3::timestamptz) AS c
                            WHERE c.expired AND NOT c.held LIMIT $5),
                 gone AS (DELETE FROM public.events AS e USING doomed AS d
                          WHERE e.tenant_id = $1 AND e.id = d.id AND e.occurred_at = d.occurred_at
                          RETURNING (e.occurred_at AT TIME ZONE 'UTC')::date AS day),
                 marked AS (INSERT INTO public.refresh_dirty_buckets (tenant_id, day) SELECT DISTINCT $1::text, day FROM gone RETURNING 1)
            SELECT (SELECT count(*) FROM gone)::int8 AS n, (SELECT count(*) FROM marked)::int8 AS days
            """
        var total: Int64 = 0
        while true {
            let deleted = try await ComplianceSession.withTenant(connection, tenant) { connection in
                try connection.query("SELECT set_config('lock_timeout', \(options.lockTimeout), true)")
                let n = try connection.query(PostgresQuery(unsafeSQL: sql, binds: [tenant.postgresBind, from.postgresBind, to.postgresBind, asOf.postgresBind,
                                                                                   Int64(options.batchSize).postgresBind]))[0].decode("n", as: Int64.self)
                if n > 0 {
                    var entry = AuditEntry(tenant: tenant, action: "retention.apply", resource: partition, actor: options.actor, classification: "none")
                    entry.rowCounts = ["events": n]
                    entry.details = ["run_id": runID, "as_of": asOf.description]
                    try AuditLog.append(entry, on: connection)
                }
                return n
            }
            total += deleted
            if deleted < Int64(options.batchSize) { return total }
        }
    }

    enum DropOutcome {
        case dropped(rows: Int64, days: Set<String>)
        /// A lock was not granted in time: the month stays (or stays detached, finalized next run).
        case busy
        /// The rows, checked again on the detached table, were not all expired and unheld: attached again.
        case putBack
    }

    /// Detaches a month concurrently (loads into other months go on), checks its rows again under an
    /// exclusive lock on the detached table and with new holds blocked, and drops it — or attaches it
    /// back. Owner only.
    private func dropPartition(_ name: String, from: PostgresTimestamp, to: PostgresTimestamp, asOf: PostgresTimestamp, runID: String,
                               options: Options, on connection: PostgresConnection) async throws -> DropOutcome {
        let statements = try await connection.query("""
            SELECT format('ALTER TABLE public.events DETACH PARTITION public.%I CONCURRENTLY', \(name)::text) AS detach,
                   format('ALTER TABLE public.events DETACH PARTITION public.%I FINALIZE', \(name)::text) AS finalize,
                   format('ALTER TABLE public.events ATTACH PARTITION public.%I FOR VALUES FROM (%L) TO (%L)', \(name)::text, \(from)::timestamptz, \(to)::timestamptz) AS attach,
                   format('public.%I', \(name)::text) AS qualified,
                   COALESCE((SELECT i.inhdetachpending FROM pg_catalog.pg_inherits AS i
                             WHERE i.inhparent = 'public.events'::regclass AND i.inhrelid = to_regclass(format('public.%I', \(name)::text))), false) AS pending
            """)[0]
        let qualified = try statements.decode("qualified", as: String.self)
        // DETACH … CONCURRENTLY runs outside a transaction; lock_timeout bounds its waits.
        let pending = try statements.decode("pending", as: Bool.self)
        let detach = try statements.decode(pending ? "finalize" : "detach", as: String.self)
        guard try await Self.runUnlessBusy(detach, lockTimeout: options.lockTimeout, on: connection) else { return .busy }
        let attach = try statements.decode("attach", as: String.self)
        let check = """
            SELECT count(*)::int8 AS rows, count(*) FILTER (WHERE NOT expired OR held)::int8 AS kept,
                   COALESCE(array_agg(DISTINCT tenant_id || '|' || day::text), '{}') AS days
            FROM (\(Self.classifiedEvents(from: qualified, asOf: "$1"))) AS c
            """
        return try await connection.withTransaction { connection in
            try connection.query("SELECT set_config('lock_timeout', \(options.lockTimeout), true)")
            try connection.execute(unsafeSQL: "LOCK TABLE \(qualified) IN ACCESS EXCLUSIVE MODE")
            // No hold can be placed until this transaction ends.
            try connection.execute(unsafeSQL: "LOCK TABLE public.legal_holds IN SHARE MODE")
            let row = try connection.query(PostgresQuery(unsafeSQL: check, binds: [asOf.postgresBind]))[0]
            guard try row.decode("kept", as: Int64.self) == 0 else {
                try connection.execute(unsafeSQL: attach)
                return .putBack
            }
            let rows = try row.decode("rows", as: Int64.self)
            let days = try row.decode("days", as: [String].self)
            var perTenant: [String: [String]] = [:]
            for key in days {
                guard let bar = key.lastIndex(of: "|") else { continue }
                perTenant[String(key[..<bar]), default: []].append(String(key[key.index(after: bar)...]))
            }
            for (tenant, tenantDays) in perTenant.sorted(by: { $0.key < $1.key }) {
                try connection.query("SELECT set_config('sluice.tenant', \(tenant), true)")
                try connection.query("""
                    INSERT INTO public.refresh_dirty_buckets (tenant_id, day) SELECT \(tenant), d::date FROM unnest(\(tenantDays)::text[]) AS d
                    """)
                let count = Int64(try connection.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int8 AS n FROM \(qualified) WHERE tenant_id = $1",
                                                                     binds: [tenant.postgresBind]))[0].decode("n", as: Int64.self))
                var entry = AuditEntry(tenant: tenant, action: "retention.apply", resource: name, actor: options.actor, classification: "none")
                entry.rowCounts = ["events": count, "partitions_dropped": 1]
                entry.details = ["run_id": runID, "as_of": asOf.description, "partition": name]
                try AuditLog.append(entry, on: connection)
            }
            try connection.execute(unsafeSQL: "DROP TABLE \(qualified)")
            return .dropped(rows: rows, days: Set(days))
        }
    }

    /// Runs one statement outside a transaction with `lock_timeout` set; false when a lock was not
    /// granted in time.
    private static func runUnlessBusy(_ statement: String, lockTimeout: String, on connection: PostgresConnection) async throws -> Bool {
        try await connection.execute(unsafeSQL: "SET lock_timeout = '\(lockTimeout.filter { $0.isLetter || $0.isNumber })'")
        let failure: PostgresError?
        do {
            try await connection.execute(unsafeSQL: statement)
            failure = nil
        } catch {
            failure = error
        }
        try await connection.execute(unsafeSQL: "RESET lock_timeout")
        guard let failure else { return true }
        if failure.sqlState == "55P03" { return false }
        throw failure
    }

    // MARK: - Bookkeeping

    /// One table pruned past its policy: the rows of tenant $1 past `ttl.days` before $2 (the run's
    /// as_of); `w.longest` is the longest event TTL (the loader's accepted window).
    struct Prune: Sendable {
        var table: String
        var category: String
        /// The rows past their policy, as `SELECT key columns FROM … WHERE tenant_id = $1 AND <expired>`.
        var expired: String
        /// How `expired`'s rows are deleted: the `DELETE … USING doomed` body.
        var delete: String
    }

    static let prunes: [Prune] = [
        Prune(table: "event_idempotency_keys", category: "event_idempotency_keys",
              // Never inside the loader's accepted window: a replay of its event must stay a duplicate.
              expired: "SELECT k.contract, k.idempotency_key FROM public.event_idempotency_keys AS k WHERE k.tenant_id = $1 AND k.occurred_at < $2::timestamptz - make_interval(days => greatest(ttl.days, w.longest))",
              delete: "DELETE FROM public.event_idempotency_keys AS t USING doomed AS d WHERE t.tenant_id = $1 AND t.contract = d.contract AND t.idempotency_key = d.idempotency_key"),
        Prune(table: "rejected_events", category: "rejected_events",
              // A held user's dead letters stay (a line naming the quoted id counts, as for erasure).
              expired: """
                  SELECT r.id FROM public.rejected_events AS r WHERE r.tenant_id = $1 AND r.received_at < $2::timestamptz - make_interval(days => ttl.days)
                    AND NOT EXISTS (SELECT 1 FROM public.legal_holds AS h
                                    WHERE h.tenant_id = $1 AND h.released_at IS NULL AND (h.until IS NULL OR h.until > now()) AND h.user_id IS NOT NULL
                                      AND position(convert_to('"' || h.user_id || '"', 'UTF8') IN r.raw) > 0)
                  """,
              delete: "DELETE FROM public.rejected_events AS t USING doomed AS d WHERE t.tenant_id = $1 AND t.id = d.id"),
        Prune(table: "load_checkpoints", category: "load_checkpoints",
              // Sources whose last batch committed before the cutoff: a re-run reads them from the
              // start, and the key ledger makes their events duplicates.
              expired: """
                  SELECT c.contract, c.source, c.start_offset FROM public.load_checkpoints AS c
                  WHERE c.tenant_id = $1 AND (c.contract, c.source) IN (SELECT l.contract, l.source FROM public.load_checkpoints AS l WHERE l.tenant_id = $1
                                                                        GROUP BY l.contract, l.source
                                                                        HAVING max(l.committed_at) < $2::timestamptz - make_interval(days => ttl.days))
                  """,
              delete: "DELETE FROM public.load_checkpoints AS t USING doomed AS d WHERE t.tenant_id = $1 AND t.contract = d.contract AND t.source = d.source AND t.start_offset = d.start_offset"),
        Prune(table: "batch_operations", category: "batch_operations",
              expired: "SELECT b.id FROM public.batch_operations AS b WHERE b.tenant_id = $1 AND b.created_at < $2::timestamptz - make_interval(days => ttl.days)",
              delete: "DELETE FROM public.batch_operations AS t USING doomed AS d WHERE t.tenant_id = $1 AND t.id = d.id"),
        Prune(table: "suppression_tombstones", category: "suppression_tombstones",
              // Never inside the loader's accepted window: an erased person's old events would load again.
              expired: "SELECT s.id FROM public.suppression_tombstones AS s WHERE s.tenant_id = $1 AND s.erased_at < $2::timestamptz - make_interval(days => greatest(ttl.days, w.longest))",
              delete: "DELETE FROM public.suppression_tombstones AS t USING doomed AS d WHERE t.tenant_id = $1 AND t.id = d.id"),
        Prune(table: "gdpr_export_requests", category: "gdpr_export_requests",
              expired: """
                  SELECT g.id FROM public.gdpr_export_requests AS g WHERE g.tenant_id = $1 AND g.status IN ('completed', 'failed')
                    AND g.created_at < $2::timestamptz - make_interval(days => ttl.days)
                  """,
              delete: "DELETE FROM public.gdpr_export_requests AS t USING doomed AS d WHERE t.tenant_id = $1 AND t.id = d.id"),
    ]

    /// Prunes one table of one tenant in batches (each audited), or counts what it would. A table
    /// whose category has no policy row is left alone.
    private func prune(_ prune: Prune, tenant: String, asOf: PostgresTimestamp, longestEventTTL: Int64, runID: String, options: Options,
                       on connection: PostgresConnection) async throws -> Int64 {
        let policy = "(SELECT $3::int AS longest) AS w CROSS JOIN (SELECT p.ttl_days AS days FROM public.data_retention_policies AS p WHERE p.category = '\(prune.category)') AS ttl"
        let binds = [tenant.postgresBind, asOf.postgresBind, longestEventTTL.postgresBind]
        if options.dryRun {
            return try await ComplianceSession.withTenant(connection, tenant) { connection in
                try connection.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int8 AS n FROM \(policy) CROSS JOIN LATERAL (\(prune.expired)) AS x", binds: binds))[0]
                    .decode("n", as: Int64.self)
            }
        }
        let sql = """
            WITH doomed AS (SELECT x.* FROM \(policy) CROSS JOIN LATERAL (\(prune.expired)) AS x LIMIT $4),
                 gone AS (\(prune.delete) RETURNING 1)
            SELECT count(*)::int8 AS n FROM gone
            """
        var total: Int64 = 0
        while true {
            let deleted = try await ComplianceSession.withTenant(connection, tenant) { connection in
                try connection.query("SELECT set_config('lock_timeout', \(options.lockTimeout), true)")
                let n = try connection.query(PostgresQuery(unsafeSQL: sql, binds: binds + [Int64(options.batchSize).postgresBind]))[0].decode("n", as: Int64.self)
                if n > 0 {
                    var entry = AuditEntry(tenant: tenant, action: "retention.apply", resource: prune.table, actor: options.actor, classification: "none")
                    entry.rowCounts = [prune.table: n]
                    entry.details = ["run_id": runID, "as_of": asOf.description]
                    try AuditLog.append(entry, on: connection)
                }
                return n
            }
            total += deleted
            if deleted < Int64(options.batchSize) { return total }
        }
    }

    /// Removes the files of exports completed longer ago than `gdpr_export_files`' TTL (the request
    /// row stays, its download link cleared). Returns how many files went (or would).
    private func pruneExportFiles(tenants: [String], asOf: PostgresTimestamp, runID: String, options: Options, audit: inout AuditCounts,
                                  on connection: PostgresConnection) async throws -> Int64 {
        var total: Int64 = 0
        for tenant in tenants {
            let exports = try await ComplianceSession.withTenant(connection, tenant) { connection in
                try connection.query("""
                    SELECT g.request_id, g.output_dir FROM public.gdpr_export_requests AS g
                    CROSS JOIN (SELECT p.ttl_days FROM public.data_retention_policies AS p WHERE p.category = 'gdpr_export_files') AS ttl
                    WHERE g.tenant_id = \(tenant) AND g.status = 'completed' AND g.output_dir IS NOT NULL AND g.download_url IS NOT NULL
                      AND g.completed_at < \(asOf)::timestamptz - make_interval(days => ttl.ttl_days)
                    ORDER BY g.id
                    """).map { (try $0.decode("request_id", as: String.self), try $0.decode("output_dir", as: String.self)) }
            }
            for (requestID, directory) in exports {
                if options.dryRun {
                    let files = Int64(((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).count {
                        $0.hasSuffix(".ndjson.gz") || $0 == "manifest.json" || $0 == "README.txt" || $0.hasPrefix(".")
                    })
                    audit.add(tenant, "export_files", files)
                    total += files
                    continue
                }
                let removed = try Erasure.removeExportFiles(in: directory)
                try await ComplianceSession.withTenant(connection, tenant) { connection in
                    try connection.query("""
                        UPDATE public.gdpr_export_requests SET download_url = NULL, error = 'the files were removed by retention (gdpr_export_files)'
                        WHERE tenant_id = \(tenant) AND request_id = \(requestID)
                        """)
                    var entry = AuditEntry(tenant: tenant, action: "retention.apply", resource: requestID, actor: options.actor, classification: "pii")
                    entry.rowCounts = ["export_files": removed]
                    entry.details = ["run_id": runID, "as_of": asOf.description]
                    try AuditLog.append(entry, on: connection)
                }
                total += removed
            }
        }
        return total
    }
}
