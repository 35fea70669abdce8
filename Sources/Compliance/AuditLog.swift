import Foundation
import Postgres

/// One entry of the tamper-evident audit trail (`compliance_audit_logs`).
public struct AuditEntry: Sendable {
    /// The tenant whose data the action concerned; "" for none.
    public var tenant: String
    /// What was done: `gdpr.export`, `gdpr.erase`, `gdpr.find`, `retention.apply`, `bi.grant`, …
    public var action: String
    /// What it was done to: a request id, a login, a table.
    public var resource: String?
    /// The data subject, as its keyed hash (`PIIHash.subject`), never in clear.
    public var subjectHash: String?
    /// Who acted (`--actor`, else the operating-system user); the database login is added.
    public var actor: String
    /// `pii`, `medical`, `behavioural` or `none`.
    public var classification: String?
    public var flags: [String] = []
    /// Rows read, written or deleted, per table.
    public var rowCounts: [String: Int64] = [:]
    /// Anything else that identifies the action (request ids, options, files).
    public var details: [String: String] = [:]
    public var ipAddress: String?
    public var userAgent: String?

    public init(tenant: String, action: String, resource: String? = nil, subjectHash: String? = nil, actor: String,
                classification: String? = nil) {
        self.tenant = tenant
        self.action = action
        self.resource = resource
        self.subjectHash = subjectHash
        self.actor = actor
        self.classification = classification
    }
}

/// Appends to the audit trail through `sluice_audit_append` (sql/compliance_audit_append.sql), which
/// keeps each tenant's hash chain; nothing else may write it.
public enum AuditLog {
    /// Where an appended entry landed in its tenant's chain.
    public struct Appended: Sendable, Equatable {
        public var id: Int64
        public var sequence: Int64
    }

    /// Appends `entry` in the connection's current transaction (or its own, outside one): an
    /// action and its audit entry commit together, or neither does.
    @discardableResult
    public static func append(_ entry: AuditEntry, on connection: isolated PostgresConnection) throws -> Appended {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let counts = String(decoding: (try? encoder.encode(entry.rowCounts)) ?? Data("{}".utf8), as: UTF8.self)
        let details = String(decoding: (try? encoder.encode(entry.details)) ?? Data("{}".utf8), as: UTF8.self)
        let row = try connection.query("""
            SELECT a.id, a.chain_seq FROM public.sluice_audit_append(
                \(entry.tenant), \(entry.action), \(entry.resource), \(entry.subjectHash), \(entry.actor), \(entry.classification),
                \(entry.flags)::text[], \(counts)::jsonb, \(details)::jsonb, \(entry.ipAddress), \(entry.userAgent)) AS a
            """)[0]
        return Appended(id: try row.decode("id", as: Int64.self), sequence: try row.decode("chain_seq", as: Int64.self))
    }
}
