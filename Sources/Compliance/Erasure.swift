import EventContracts
import Foundation
import Loader
import Postgres

/// GDPR Article 17: `sluice gdpr erase`. The order is what makes an erasure hold (docs/compliance.md,
/// "Erasure"):
///
/// 1. **Tombstones first**: keyed hashes of the subject's user ids and stitched aliases, with
///    `erased_at`, committed with the request row. From then on every batch of `sluice load` and of
///    both consumers drops the subject's events that occurred at or before `erased_at`
///    (`suppressed`).
/// 2. **Wait for the batches in flight**: the suppression lock (taken shared by every batch
///    transaction) is taken exclusively for an instant, so a batch that validated an old event of
///    the subject before the tombstone existed has committed before anything is deleted.
/// 3. **Delete in bounded batches**: the subject's events month by month (a few thousand rows per
///    transaction: no long lock on a hot partition), their ledger keys, their dead letters, the
///    files of earlier exports, and their analytics rows; the days they touched are marked for the
///    next refresh, the aliases that lost pairs for their links to be drawn again, and a device
///    whose first activation went gets its next one.
/// 4. **Done only when nothing is left**: the request is completed, and audited, after a last check
///    that no event of the subject up to `erased_at` remains.
///
/// Every step is idempotent and its progress is committed with it, so a run killed anywhere
/// resumes when the same command is run again (the unfinished request of the same subject).
public struct Erasure: Sendable {
    public struct Options: Sendable {
        public var tenant: String
        public var subject: SubjectName
        public var actor: String
        /// Report exactly what a real run would delete, change nothing.
        public var dryRun = false
        /// Events deleted per transaction.
        public var batchSize = 5_000

        public init(tenant: String, subject: SubjectName, actor: String) {
            self.tenant = tenant
            self.subject = subject
            self.actor = actor
        }
    }

    /// A legal hold that blocks the erasure.
    public struct BlockingHold: Sendable, Encodable, Equatable {
        public var id: Int64
        public var reason: String
        public var until: String?
        public var user_id: String?
        public var category: String?
    }

    /// What an erasure did (or, dry, would do).
    public struct Report: Sendable, Encodable, Equatable {
        /// `completed`, `held` (a legal hold blocks it) or `dry-run`.
        public var status: String
        public var request_id: String?
        public var subject_hash: String
        public var erased_at: String?
        public var resumed: Bool
        public var users: Int
        public var aliases: Int
        public var shared_aliases: Int
        /// Rows deleted (or to delete) per table, and what was marked for the next refresh.
        public var counts: [String: Int64]
        public var holds: [BlockingHold]
    }

    public let connectionString: String
    /// The tenant's keyed-hash key (`SLUICE_PII_HASH_SECRET`, as the loader's).
    public let hashKey: [UInt8]?

    public init(connectionString: String, hashKey: [UInt8]?) {
        self.connectionString = connectionString
        self.hashKey = hashKey
    }

    /// The tables whose rows an erasure counts, in the order it reports them.
    public static let countedTables = [
        "events", "event_idempotency_keys", "rejected_events", "export_files", "identity_pairs", "identity_links", "alias_days",
        "user_days", "user_attribute_values", "dim_users", "funnel_user_days", "dim_devices", "days_marked", "aliases_redrawn",
    ]

    public func run(_ options: Options, progress: @Sendable (String) -> Void = { _ in }) async throws -> Report {
        try await ComplianceSession.withConnection(connectionString, command: "gdpr erase") { connection in
            try await run(options, on: connection, progress: progress)
        }
    }

    private func run(_ options: Options, on connection: PostgresConnection, progress: @Sendable (String) -> Void) async throws -> Report {
        let tenant = options.tenant
        let subject = try await SubjectResolver(hashKey: hashKey).resolve(options.subject, tenant: tenant, on: connection)
        var report = Report(status: options.dryRun ? "dry-run" : "completed", request_id: nil, subject_hash: subject.subjectHash,
                            erased_at: nil, resumed: false, users: subject.userIds.count, aliases: subject.aliases.count,
                            shared_aliases: subject.sharedAliases.count, counts: [:], holds: [])
        report.holds = try await Self.blockingHolds(subject, on: connection)
        let pending = try await ComplianceSession.withTenant(connection, tenant) { connection in
            try connection.query("""
                SELECT request_id, status, erased_at FROM public.gdpr_erasure_requests
                WHERE tenant_id = \(tenant) AND subject_hash = \(subject.subjectHash) AND status NOT IN ('completed', 'failed')
                ORDER BY id DESC LIMIT 1
                """).first.map { (try $0.decode("request_id", as: String.self), try $0.decode("status", as: String.self),
                                  try $0.decode("erased_at", as: PostgresTimestamp?.self)) }
        }
        if !report.holds.isEmpty {
            report.status = "held"
            guard !options.dryRun else { return report }
            let requestID = pending?.0 ?? UUID().uuidString.lowercased()
            report.request_id = requestID
            let holds = report.holds
            try await ComplianceSession.withTenant(connection, tenant) { connection in
                try connection.query("""
                    INSERT INTO public.gdpr_erasure_requests (tenant_id, request_id, subject_hash, status, requested_by, error)
                    VALUES (\(tenant), \(requestID), \(subject.subjectHash), 'held', \(options.actor), \(Self.holdText(holds)))
                    ON CONFLICT (tenant_id, request_id) DO UPDATE SET status = 'held', error = EXCLUDED.error
                    WHERE gdpr_erasure_requests.status IN ('pending', 'held')
                    """)
                var entry = AuditEntry(tenant: tenant, action: "gdpr.erase.held", resource: requestID, subjectHash: subject.subjectHash,
                                       actor: options.actor, classification: "pii")
                entry.details = ["holds": holds.map { "#\($0.id)" }.joined(separator: ",")]
                try AuditLog.append(entry, on: connection)
            }
            return report
        }
        if options.dryRun {
            report.counts = try await dryRunCounts(subject, erasedAt: .now(), on: connection)
            return report
        }

        // 1. Tombstones (a resumed request keeps its erased_at).
        let requestID = pending?.0 ?? UUID().uuidString.lowercased()
        report.request_id = requestID
        report.resumed = pending != nil && pending?.1 != "held"
        let erasedAt = try await tombstone(subject, requestID: requestID, keepingErasedAt: pending?.2, actor: options.actor, on: connection)
        report.erased_at = erasedAt.description
        progress("tombstoned \(subject.userIds.count) user id(s) and \(subject.aliases.count) alias(es) as of \(erasedAt)")

        // 2. Every batch that began before the tombstones has ended once this lock is ours.
        try await connection.query("SELECT pg_advisory_lock(\(Self.lockClass), hashtext(\(tenant)))")
        try await connection.query("SELECT pg_advisory_unlock(\(Self.lockClass), hashtext(\(tenant)))")

        // 3. Delete.
        var counts = try await ComplianceSession.withTenant(connection, tenant) { connection in
            try connection.query("""
                UPDATE public.gdpr_erasure_requests SET status = 'deleting'
                WHERE tenant_id = \(tenant) AND request_id = \(requestID) RETURNING row_counts::text AS counts
                """).first.map { try Self.decodeCounts(try $0.decode("counts", as: String.self)) } ?? [:]
        }
        try await deleteEvents(subject, erasedAt: erasedAt, requestID: requestID, batchSize: options.batchSize, counts: &counts,
                               on: connection, progress: progress)
        try await deleteAround(subject, requestID: requestID, counts: &counts, on: connection)

        // 4. Nothing of the subject up to erased_at may remain.
        let left = try await remainingEvents(subject, through: erasedAt, on: connection)
        guard left == 0 else {
            throw ComplianceError("\(left) event(s) of the subject are still there after the deletes (loaded meanwhile by a loader without the tombstones?): run the same command again; the request \(requestID) stays open")
        }
        let finalCounts = counts
        try await ComplianceSession.withTenant(connection, tenant) { connection in
            try connection.query("""
                UPDATE public.gdpr_erasure_requests SET status = 'completed', completed_at = now(), row_counts = \(Self.encodeCounts(finalCounts))::jsonb,
                       error = NULL
                WHERE tenant_id = \(tenant) AND request_id = \(requestID)
                """)
            var entry = AuditEntry(tenant: tenant, action: "gdpr.erase", resource: requestID, subjectHash: subject.subjectHash,
                                   actor: options.actor, classification: "pii")
            entry.rowCounts = finalCounts
            entry.details = ["erased_at": erasedAt.description, "users": String(subject.userIds.count), "aliases": String(subject.aliases.count)]
            try AuditLog.append(entry, on: connection)
        }
        report.counts = counts
        return report
    }

    /// The suppression lock's classid, shared with the loader (`SuppressionList`).
    static let lockClass: Int32 = 0x7375_7070

    // MARK: - Holds

    /// The active legal holds that cover the subject (``LegalHolds/blocking(_:connection:)``): a hold
    /// on one of its user ids, or on a retention category one of its events belongs to.
    static func blockingHolds(_ subject: Subject, on connection: PostgresConnection) async throws -> [BlockingHold] {
        try await LegalHolds.blocking(subject, connection: connection).map {
            BlockingHold(id: $0.id, reason: $0.reason, until: $0.until, user_id: $0.user_id, category: $0.category)
        }
    }

    static func holdText(_ holds: [BlockingHold]) -> String {
        "waits for legal hold(s) " + holds.map { hold in
            "#\(hold.id) (\(hold.reason)\(hold.until.map { ", until \($0)" } ?? ""))"
        }.joined(separator: ", ") + ": release them with `sluice retention release`, then run the erasure again"
    }

    // MARK: - Tombstones

    /// Writes the request and the tombstones in one transaction, and returns erased_at. A subject
    /// erased before gets new tombstone rows (the loader notices a new id), at the later time.
    private func tombstone(_ subject: Subject, requestID: String, keepingErasedAt kept: PostgresTimestamp?, actor: String,
                           on connection: PostgresConnection) async throws -> PostgresTimestamp {
        guard let key = hashKey else { throw ComplianceError("set SLUICE_PII_HASH_SECRET") }
        var hashes: [(kind: String, hash: String)] = subject.userIds.map { ("user_id", PIIHash.subject(kind: "user_id", value: $0, key: key)) }
        hashes += subject.aliases.map { ($0.kind, PIIHash.subject(kind: $0.kind, value: $0.value, key: key)) }
        let kinds = hashes.map(\.kind)
        let values = hashes.map(\.hash)
        let tenant = subject.tenant
        return try await ComplianceSession.withTenant(connection, tenant) { connection in
            let erasedAt = try kept ?? connection.query("SELECT now() AS at")[0].decode("at", as: PostgresTimestamp.self)
            try connection.query("""
                INSERT INTO public.gdpr_erasure_requests (tenant_id, request_id, subject_hash, status, requested_by, erased_at)
                VALUES (\(tenant), \(requestID), \(subject.subjectHash), 'tombstoned', \(actor), \(erasedAt))
                ON CONFLICT (tenant_id, request_id) DO UPDATE SET status = 'tombstoned', erased_at = EXCLUDED.erased_at, error = NULL
                WHERE gdpr_erasure_requests.status IN ('pending', 'held')
                """)
            // Replace what an earlier erasure left for the same values (a new row: the loaders see a
            // new id), unless it is this request's own (a resumed run).
            try connection.query("""
                DELETE FROM public.suppression_tombstones AS t
                USING unnest(\(kinds)::text[], \(values)::text[]) AS n(kind, hash)
                WHERE t.tenant_id = \(tenant) AND t.kind = n.kind AND t.subject_hash = n.hash AND t.request_id <> \(requestID)
                """)
            try connection.query("""
                INSERT INTO public.suppression_tombstones (tenant_id, kind, subject_hash, erased_at, request_id)
                SELECT \(tenant), n.kind, n.hash, \(erasedAt), \(requestID) FROM unnest(\(kinds)::text[], \(values)::text[]) AS n(kind, hash)
                ON CONFLICT (tenant_id, kind, subject_hash) DO NOTHING
                """)
            return erasedAt
        }
    }

    // MARK: - Events

    /// The months events are partitioned in, oldest first.
    private static func months(on connection: PostgresConnection) async throws -> [(from: PostgresTimestamp, to: PostgresTimestamp)] {
        try await connection.query("SELECT range_from, range_to FROM public.sluice_event_partitions ORDER BY range_from").map {
            (try $0.decode("range_from", as: PostgresTimestamp.self), try $0.decode("range_to", as: PostgresTimestamp.self))
        }
    }

    /// Deletes the subject's events up to erased_at, a month and a batch at a time. Each batch's
    /// transaction deletes the events, their ledger keys, marks their days, corrects the devices
    /// whose first activation went, and adds to the request's counts.
    private func deleteEvents(_ subject: Subject, erasedAt: PostgresTimestamp, requestID: String, batchSize: Int,
                              counts: inout [String: Int64], on connection: PostgresConnection,
                              progress: @Sendable (String) -> Void) async throws {
        let tenant = subject.tenant
        let users = subject.userIds
        let aliasKeys = subject.aliasKeys
        let hashes = subject.piiHashes
        for month in try await Self.months(on: connection) where month.from <= erasedAt {
            // The month's events of the subject, once (a session table: a run killed here reads
            // them again from what is left).
            let (found, days) = try await ComplianceSession.withTenant(connection, tenant) { connection in
                try connection.execute(unsafeSQL: "DROP TABLE IF EXISTS pg_temp._erase_events")
                try connection.query("""
                    CREATE TEMP TABLE _erase_events AS
                    SELECT s.id, s.occurred_at, s.day FROM public.sluice_subject_events(\(tenant), \(month.from), \(month.to),
                                                                                    \(users)::text[], \(aliasKeys)::text[], \(hashes)::text[]) AS s
                    WHERE s.occurred_at <= \(erasedAt)
                    """)
                let row = try connection.query("SELECT count(*)::int8 AS n, count(DISTINCT day)::int8 AS days FROM pg_temp._erase_events")[0]
                return (try row.decode("n", as: Int64.self), try row.decode("days", as: Int64.self))
            }
            guard found > 0 else { continue }
            counts["days_marked", default: 0] += days
            progress("deleting \(found) event(s) of \(String(month.from.description.prefix(7)))")
            while true {
                let done = counts
                let (deleted, updated) = try await ComplianceSession.withTenant(connection, tenant) { connection in
                    var counts = done
                    let rows = try connection.query("""
                        WITH chunk AS (
                            DELETE FROM pg_temp._erase_events AS x
                            WHERE x.id IN (SELECT y.id FROM pg_temp._erase_events AS y ORDER BY y.id LIMIT \(batchSize))
                            RETURNING x.id, x.occurred_at, x.day
                        )
                        DELETE FROM public.events AS e USING chunk AS c
                        WHERE e.tenant_id = \(tenant) AND e.id = c.id AND e.occurred_at = c.occurred_at
                        RETURNING e.id, e.contract, e.idempotency_key, c.day::text AS day,
                                  CASE WHEN e.contract = 'pocm' AND e.type = 'device_activation' THEN e.data_json ->> 'device_id' END AS device_id
                        """)
                    if rows.isEmpty {
                        let left = try connection.query("SELECT count(*)::int8 AS n FROM pg_temp._erase_events")[0].decode("n", as: Int64.self)
                        return (left > 0 ? -1 : 0, counts)
                    }
                    var keysByContract: [String: [String]] = [:]
                    var days: Set<String> = []
                    var ids: [Int64] = []
                    var devices: Set<String> = []
                    for row in rows {
                        ids.append(try row.decode("id", as: Int64.self))
                        days.insert(try row.decode("day", as: String.self))
                        if let key = try row.decode("idempotency_key", as: String?.self) {
                            keysByContract[try row.decode("contract", as: String.self), default: []].append(key)
                        }
                        if let device = try row.decode("device_id", as: String?.self) { devices.insert(device) }
                    }
                    var keys: Int64 = 0
                    for (contract, values) in keysByContract {
                        keys += Int64(try connection.query("""
                            DELETE FROM public.event_idempotency_keys
                            WHERE tenant_id = \(tenant) AND contract = \(contract) AND idempotency_key = ANY(\(values)::text[])
                            RETURNING 1
                            """).count)
                    }
                    try connection.query("""
                        INSERT INTO public.refresh_dirty_buckets (tenant_id, day) SELECT \(tenant), d::date FROM unnest(\(Array(days))::text[]) AS d
                        """)
                    let redrawn = try Self.redrawDevices(Array(devices), deletedIDs: ids, tenant: tenant, on: connection)
                    counts["events", default: 0] += Int64(rows.count)
                    counts["event_idempotency_keys", default: 0] += keys
                    counts["dim_devices", default: 0] += redrawn
                    try connection.query("""
                        UPDATE public.gdpr_erasure_requests SET row_counts = \(Self.encodeCounts(counts))::jsonb
                        WHERE tenant_id = \(tenant) AND request_id = \(requestID)
                        """)
                    return (rows.count, counts)
                }
                counts = updated
                if deleted == 0 { break }
            }
        }
        try await connection.execute(unsafeSQL: "DROP TABLE IF EXISTS pg_temp._erase_events")
    }

    /// A device whose first activation was deleted gets the next one of the events that remain (or
    /// leaves dim_devices), and every day it sent events on is marked: its type may have changed
    /// there. Returns how many devices' rows changed.
    private static func redrawDevices(_ devices: [String], deletedIDs: [Int64], tenant: String, on connection: isolated PostgresConnection) throws -> Int64 {
        guard !devices.isEmpty else { return 0 }
        let gone = try connection.query("""
            DELETE FROM analytics.dim_devices AS d
            WHERE d.tenant_id = \(tenant) AND d.device_id = ANY(\(devices)::text[]) AND d.activation_event_id = ANY(\(PostgresInt64Array(deletedIDs))::int8[])
            RETURNING d.device_id
            """).map { try $0.decode("device_id", as: String.self) }
        guard !gone.isEmpty else { return 0 }
        try connection.query("""
            INSERT INTO analytics.dim_devices (tenant_id, device_id, device_type, batch_number, activated_at, activation_day, activation_event_id)
            SELECT DISTINCT ON (m.device_id) m.tenant_id, m.device_id, COALESCE(m.device_type, 'unknown'), m.batch_number, m.occurred_at, m.day, m.id
            FROM unnest(\(gone)::text[]) AS g(device_id)
            CROSS JOIN LATERAL (SELECT e.id, e.tenant_id, e.occurred_at, (e.occurred_at AT TIME ZONE 'UTC')::date AS day,
                                       e.data_json ->> 'device_id' AS device_id, e.data_json ->> 'device_type' AS device_type,
                                       e.data_json ->> 'batch_number' AS batch_number
                                FROM public.events AS e
                                WHERE e.tenant_id = \(tenant) AND e.contract = 'pocm' AND e.type = 'device_activation'
                                  AND e.data_json @> jsonb_build_object('device_id', g.device_id)) AS m
            ORDER BY m.device_id, m.occurred_at, m.id
            """)
        try connection.query("""
            INSERT INTO public.refresh_dirty_buckets (tenant_id, day)
            SELECT DISTINCT d.tenant_id, d.day FROM analytics.device_days AS d WHERE d.tenant_id = \(tenant) AND d.device_id = ANY(\(gone)::text[])
            """)
        return Int64(gone.count)
    }

    // MARK: - Everything else of the subject

    /// Dead letters, export files and analytics rows; the aliases that lost pairs are marked for
    /// their links to be drawn again, in the transaction that deletes the pairs.
    private func deleteAround(_ subject: Subject, requestID: String, counts: inout [String: Int64], on connection: PostgresConnection) async throws {
        let tenant = subject.tenant
        let deadLetters = try await SubjectDeadLetters.ids(of: subject, on: connection)
        let exports = try await ComplianceSession.withTenant(connection, tenant) { connection in
            try connection.query("""
                SELECT request_id, output_dir FROM public.gdpr_export_requests
                WHERE tenant_id = \(tenant) AND user_id = \(subject.subjectHash) AND output_dir IS NOT NULL
                """).map { (try $0.decode("request_id", as: String.self), try $0.decode("output_dir", as: String.self)) }
        }
        var removed: Int64 = 0
        for (_, directory) in exports { removed += try Self.removeExportFiles(in: directory) }
        let removedFiles = removed
        let done = counts
        let users = subject.userIds
        let aliasKinds = subject.aliases.map(\.kind)
        let aliasValues = subject.aliases.map(\.value)
        counts = try await ComplianceSession.withTenant(connection, tenant) { connection in
            var counts = done
            let files = removedFiles
            counts["rejected_events", default: 0] += Int64(try connection.query("""
                DELETE FROM public.rejected_events WHERE tenant_id = \(tenant) AND id = ANY(\(PostgresInt64Array(deadLetters))::int8[]) RETURNING 1
                """).count)
            counts["export_files", default: 0] += files
            try connection.query("""
                UPDATE public.gdpr_export_requests SET download_url = NULL, error = 'the files were deleted by erasure ' || \(requestID)
                WHERE tenant_id = \(tenant) AND user_id = \(subject.subjectHash) AND output_dir IS NOT NULL
                """)
            let pairs = try connection.query("""
                DELETE FROM analytics.identity_pairs WHERE tenant_id = \(tenant) AND user_id = ANY(\(users)::text[])
                RETURNING alias_kind, alias
                """)
            counts["identity_pairs", default: 0] += Int64(pairs.count)
            let redrawn = try connection.query("""
                INSERT INTO public.refresh_dirty_identities (tenant_id, alias_kind, alias)
                SELECT DISTINCT \(tenant), p.kind, p.alias FROM unnest(\(try pairs.map { try $0.decode("alias_kind", as: String.self) })::text[],
                                                                   \(try pairs.map { try $0.decode("alias", as: String.self) })::text[]) AS p(kind, alias)
                RETURNING 1
                """).count
            counts["aliases_redrawn", default: 0] += Int64(redrawn)
            counts["identity_links", default: 0] += Int64(try connection.query("""
                DELETE FROM analytics.identity_links WHERE tenant_id = \(tenant) AND user_id = ANY(\(users)::text[]) RETURNING 1
                """).count)
            counts["alias_days", default: 0] += Int64(try connection.query("""
                DELETE FROM analytics.alias_days AS a USING unnest(\(aliasKinds)::text[], \(aliasValues)::text[]) AS s(kind, alias)
                WHERE a.tenant_id = \(tenant) AND a.alias_kind = s.kind AND a.alias = s.alias RETURNING 1
                """).count)
            for table in ["user_days", "user_attribute_values", "dim_users", "funnel_user_days"] {
                counts[table, default: 0] += Int64(try connection.query(PostgresQuery(unsafeSQL: """
                    DELETE FROM analytics.\(table) WHERE tenant_id = $1 AND user_id = ANY($2::text[]) RETURNING 1
                    """, binds: [tenant.postgresBind, users.postgresBind])).count)
            }
            try connection.query("""
                UPDATE public.gdpr_erasure_requests SET row_counts = \(Self.encodeCounts(counts))::jsonb
                WHERE tenant_id = \(tenant) AND request_id = \(requestID)
                """)
            return counts
        }
    }

    /// Removes the files an export wrote (and its directory when that leaves it empty). Returns how
    /// many files went.
    static func removeExportFiles(in directory: String) throws -> Int64 {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: directory) else { return 0 }
        var removed: Int64 = 0
        for name in names where name.hasSuffix(".ndjson.gz") || name == "manifest.json" || name == "README.txt" || name.hasPrefix(".") {
            try manager.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
            removed += 1
        }
        if (try? manager.contentsOfDirectory(atPath: directory))?.isEmpty == true {
            try? manager.removeItem(atPath: directory)
        }
        return removed
    }

    /// Events of the subject up to `through` still in the warehouse.
    private func remainingEvents(_ subject: Subject, through: PostgresTimestamp, on connection: PostgresConnection) async throws -> Int64 {
        var left: Int64 = 0
        for month in try await Self.months(on: connection) where month.from <= through {
            left += try await ComplianceSession.withTenant(connection, subject.tenant) { connection in
                try connection.query("""
                    SELECT count(*)::int8 AS n FROM public.sluice_subject_events(\(subject.tenant), \(month.from), \(month.to),
                                                                                \(subject.userIds)::text[], \(subject.aliasKeys)::text[],
                                                                                \(subject.piiHashes)::text[]) AS s
                    WHERE s.occurred_at <= \(through)
                    """)[0].decode("n", as: Int64.self)
            }
        }
        return left
    }

    // MARK: - Dry run

    /// What a real run would delete now, counted the same way.
    private func dryRunCounts(_ subject: Subject, erasedAt: PostgresTimestamp, on connection: PostgresConnection) async throws -> [String: Int64] {
        let tenant = subject.tenant
        var counts: [String: Int64] = [:]
        for month in try await Self.months(on: connection) where month.from <= erasedAt {
            let rows = try await ComplianceSession.withTenant(connection, tenant) { connection in
                try connection.query("""
                    WITH s AS (
                        SELECT s.id, s.occurred_at, s.day FROM public.sluice_subject_events(\(tenant), \(month.from), \(month.to),
                            \(subject.userIds)::text[], \(subject.aliasKeys)::text[], \(subject.piiHashes)::text[]) AS s
                        WHERE s.occurred_at <= \(erasedAt)
                    )
                    SELECT (SELECT count(*) FROM s)::int8 AS events,
                           (SELECT count(*) FROM s JOIN public.events AS e ON e.tenant_id = \(tenant) AND e.id = s.id AND e.occurred_at = s.occurred_at
                            JOIN public.event_idempotency_keys AS k
                              ON k.tenant_id = \(tenant) AND k.contract = e.contract AND k.idempotency_key = e.idempotency_key)::int8 AS keys,
                           (SELECT count(*) FROM s JOIN public.events AS e ON e.tenant_id = \(tenant) AND e.id = s.id AND e.occurred_at = s.occurred_at
                            JOIN analytics.dim_devices AS d ON d.tenant_id = \(tenant) AND d.activation_event_id = e.id
                            WHERE e.contract = 'pocm' AND e.type = 'device_activation')::int8 AS devices,
                           (SELECT count(DISTINCT s.day) FROM s)::int8 AS days
                    """)[0]
            }
            counts["events", default: 0] += try rows.decode("events", as: Int64.self)
            counts["event_idempotency_keys", default: 0] += try rows.decode("keys", as: Int64.self)
            counts["dim_devices", default: 0] += try rows.decode("devices", as: Int64.self)
            counts["days_marked", default: 0] += try rows.decode("days", as: Int64.self)
        }
        let deadLetters = try await SubjectDeadLetters.ids(of: subject, on: connection)
        counts["rejected_events"] = Int64(deadLetters.count)
        var files: Int64 = 0
        let directories = try await ComplianceSession.withTenant(connection, tenant) { connection in
            try connection.query("""
                SELECT output_dir FROM public.gdpr_export_requests
                WHERE tenant_id = \(tenant) AND user_id = \(subject.subjectHash) AND output_dir IS NOT NULL
                """).map { try $0.decode("output_dir", as: String.self) }
        }
        for directory in directories {
            files += Int64(((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).count {
                $0.hasSuffix(".ndjson.gz") || $0 == "manifest.json" || $0 == "README.txt" || $0.hasPrefix(".")
            })
        }
        counts["export_files"] = files
        let users = subject.userIds
        let aliasKinds = subject.aliases.map(\.kind)
        let aliasValues = subject.aliases.map(\.value)
        let analytics = try await ComplianceSession.withTenant(connection, tenant) { connection in
            try connection.query("""
                SELECT (SELECT count(*) FROM analytics.identity_pairs WHERE tenant_id = \(tenant) AND user_id = ANY(\(users)::text[]))::int8 AS identity_pairs,
                       (SELECT count(DISTINCT (alias_kind, alias)) FROM analytics.identity_pairs
                        WHERE tenant_id = \(tenant) AND user_id = ANY(\(users)::text[]))::int8 AS aliases_redrawn,
                       (SELECT count(*) FROM analytics.identity_links WHERE tenant_id = \(tenant) AND user_id = ANY(\(users)::text[]))::int8 AS identity_links,
                       (SELECT count(*) FROM analytics.alias_days AS a JOIN unnest(\(aliasKinds)::text[], \(aliasValues)::text[]) AS s(kind, alias)
                          ON a.alias_kind = s.kind AND a.alias = s.alias WHERE a.tenant_id = \(tenant))::int8 AS alias_days,
                       (SELECT count(*) FROM analytics.user_days WHERE tenant_id = \(tenant) AND user_id = ANY(\(users)::text[]))::int8 AS user_days,
                       (SELECT count(*) FROM analytics.user_attribute_values WHERE tenant_id = \(tenant) AND user_id = ANY(\(users)::text[]))::int8 AS user_attribute_values,
                       (SELECT count(*) FROM analytics.dim_users WHERE tenant_id = \(tenant) AND user_id = ANY(\(users)::text[]))::int8 AS dim_users,
                       (SELECT count(*) FROM analytics.funnel_user_days WHERE tenant_id = \(tenant) AND user_id = ANY(\(users)::text[]))::int8 AS funnel_user_days
                """)[0]
        }
        for table in ["identity_pairs", "aliases_redrawn", "identity_links", "alias_days", "user_days", "user_attribute_values", "dim_users", "funnel_user_days"] {
            counts[table] = try analytics.decode(table, as: Int64.self)
        }
        return counts
    }

    // MARK: - Counts as JSON

    static func encodeCounts(_ counts: [String: Int64]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(counts)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decodeCounts(_ text: String) throws -> [String: Int64] {
        (try? JSONDecoder().decode([String: Int64].self, from: Data(text.utf8))) ?? [:]
    }
}
