import Foundation
import Postgres

/// `sluice gdpr find`: what a request about one subject covers, counted the way export reads and
/// erasure deletes (the same `sluice_subject_events`, `SubjectDeadLetters` and user-id keys), so
/// the numbers it prints are the numbers they then touch. Changes nothing but the audit trail.
public struct SubjectCoverage: Sendable {
    /// Events of one partition.
    public struct Partition: Sendable, Encodable, Equatable {
        public var partition: String
        public var events: Int64
    }

    /// What was found.
    public struct Report: Sendable, Encodable, Equatable {
        public var subject_hash: String
        public var users: [String]
        /// Stitched aliases (`kind:value`): their anonymous events are the subject's.
        public var aliases: [String]
        /// Aliases seen with the subject but credited to someone else: not covered.
        public var shared_aliases: [String]
        public var events: Int64
        /// Partitions with at least one event of the subject, oldest first.
        public var events_by_partition: [Partition]
        public var dead_letters: Int64
        /// Rows per table keyed by the subject's user ids (analytics tables, opt-outs) and its
        /// audit entries.
        public var rows: [String: Int64]
        /// Files of earlier exports still on disk.
        public var export_files: [String]
        public var export_requests: [GDPRRequests.Request]
        public var erasure_requests: [GDPRRequests.Request]
        public var legal_holds: [Erasure.BlockingHold]
    }

    /// The tables `rows` counts, in the order they are printed.
    public static let countedTables = [
        "dim_users", "identity_links", "identity_pairs", "user_attribute_values", "personalization_opt_outs", "alias_days", "user_days",
        "funnel_user_days", "audit_entries",
    ]

    public let connectionString: String
    public let hashKey: [UInt8]?

    public init(connectionString: String, hashKey: [UInt8]?) {
        self.connectionString = connectionString
        self.hashKey = hashKey
    }

    public func run(tenant: String, subject name: SubjectName, actor: String) async throws -> Report {
        try await ComplianceSession.withConnection(connectionString, command: "gdpr find") { connection in
            try await run(tenant: tenant, subject: name, actor: actor, on: connection)
        }
    }

    private func run(tenant: String, subject name: SubjectName, actor: String, on connection: PostgresConnection) async throws -> Report {
        let subject = try await SubjectResolver(hashKey: hashKey).resolve(name, tenant: tenant, on: connection)
        var report = Report(subject_hash: subject.subjectHash, users: subject.userIds, aliases: subject.aliasKeys,
                            shared_aliases: subject.sharedAliases.map(\.key), events: 0, events_by_partition: [], dead_letters: 0,
                            rows: [:], export_files: [], export_requests: [], erasure_requests: [], legal_holds: [])
        let partitions = try await connection.query("""
            SELECT partition_name, range_from, range_to FROM public.sluice_event_partitions ORDER BY range_from
            """).map { (try $0.decode("partition_name", as: String.self), try $0.decode("range_from", as: PostgresTimestamp.self),
                        try $0.decode("range_to", as: PostgresTimestamp.self)) }
        for (partition, from, to) in partitions {
            let events = try await ComplianceSession.withTenant(connection, tenant) { connection in
                try connection.query("""
                    SELECT count(*)::int8 AS n FROM public.sluice_subject_events(\(tenant), \(from), \(to), \(subject.userIds)::text[],
                                                                                \(subject.aliasKeys)::text[], \(subject.piiHashes)::text[])
                    """)[0].decode("n", as: Int64.self)
            }
            if events > 0 { report.events_by_partition.append(Partition(partition: partition, events: events)) }
            report.events += events
        }
        report.dead_letters = Int64(try await SubjectDeadLetters.ids(of: subject, on: connection).count)
        let users = subject.userIds
        let aliasKinds = subject.aliases.map(\.kind)
        let aliasValues = subject.aliases.map(\.value)
        let counts = try await ComplianceSession.withTenant(connection, tenant) { connection in
            try connection.query("""
                SELECT (SELECT count(*) FROM analytics.dim_users WHERE tenant_id = \(tenant) AND user_id = ANY(\(users)::text[]))::int8 AS dim_users,
                       (SELECT count(*) FROM analytics.identity_links WHERE tenant_id = \(tenant) AND user_id = ANY(\(users)::text[]))::int8 AS identity_links,
                       (SELECT count(*) FROM analytics.identity_pairs WHERE tenant_id = \(tenant) AND user_id = ANY(\(users)::text[]))::int8 AS identity_pairs,
                       (SELECT count(*) FROM analytics.user_attribute_values WHERE tenant_id = \(tenant) AND user_id = ANY(\(users)::text[]))::int8 AS user_attribute_values,
                       (SELECT count(*) FROM public.personalization_opt_outs WHERE tenant_id = \(tenant) AND user_id = ANY(\(users)::text[]))::int8 AS personalization_opt_outs,
                       (SELECT count(*) FROM analytics.alias_days AS a JOIN unnest(\(aliasKinds)::text[], \(aliasValues)::text[]) AS s(kind, alias)
                          ON a.alias_kind = s.kind AND a.alias = s.alias WHERE a.tenant_id = \(tenant))::int8 AS alias_days,
                       (SELECT count(*) FROM analytics.user_days WHERE tenant_id = \(tenant) AND user_id = ANY(\(users)::text[]))::int8 AS user_days,
                       (SELECT count(*) FROM analytics.funnel_user_days WHERE tenant_id = \(tenant) AND user_id = ANY(\(users)::text[]))::int8 AS funnel_user_days,
                       (SELECT count(*) FROM public.compliance_audit_logs WHERE tenant_id = \(tenant) AND user_id = \(subject.subjectHash))::int8 AS audit_entries
                """)[0]
        }
        for table in Self.countedTables { report.rows[table] = try counts.decode(table, as: Int64.self) }
        let requests = try await GDPRRequests.list(tenant: tenant, subjectHash: subject.subjectHash, limit: nil, on: connection)
        report.export_requests = requests.filter { $0.kind == "export" }
        report.erasure_requests = requests.filter { $0.kind == "erasure" }
        for request in report.export_requests {
            guard let directory = request.output_dir, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
            report.export_files += names.filter { $0.hasSuffix(".ndjson.gz") || $0 == "manifest.json" || $0 == "README.txt" || $0.hasPrefix(".") }
                .sorted().map { (directory as NSString).appendingPathComponent($0) }
        }
        report.legal_holds = try await Erasure.blockingHolds(subject, on: connection)

        let found = report
        try await ComplianceSession.withTenant(connection, tenant) { connection in
            var entry = AuditEntry(tenant: tenant, action: "gdpr.find", resource: nil, subjectHash: subject.subjectHash, actor: actor,
                                   classification: "pii")
            entry.rowCounts = found.rows.merging(["events": found.events, "dead_letters": found.dead_letters,
                                                  "export_files": Int64(found.export_files.count)]) { $1 }
            entry.details = ["users": String(found.users.count), "aliases": String(found.aliases.count),
                             "shared_aliases": String(found.shared_aliases.count), "legal_holds": String(found.legal_holds.count)]
            _ = try AuditLog.append(entry, on: connection)
        }
        return report
    }
}
