import Foundation
import Postgres

extension AuditLog {
    /// Which entries `list` returns; nil members do not narrow.
    public struct Filter: Sendable, Equatable {
        public var tenant: String?
        public var since: PostgresTimestamp?
        /// The name given to `--actor` (entries record `name@login`), or a whole `name@login`.
        public var actor: String?
        /// An action or its family: `gdpr` matches `gdpr.erase` and `gdpr.erase.held`.
        public var action: String?
        public var limit = 50

        public init(tenant: String? = nil, since: PostgresTimestamp? = nil, actor: String? = nil, action: String? = nil, limit: Int = 50) {
            self.tenant = tenant
            self.since = since
            self.actor = actor
            self.action = action
            self.limit = limit
        }
    }

    /// One entry as `sluice audit list` shows it.
    public struct Listed: Sendable, Encodable, Equatable {
        public var id: Int64
        public var tenant: String
        public var timestamp: String
        public var chain_seq: Int64?
        public var actor: String?
        public var action: String?
        public var resource: String?
        public var subject_hash: String?
        public var classification: String?
        public var row_counts: [String: Int64]
        public var details: [String: String]
    }

    /// The entries `filter` selects, newest first, of every tenant (through `sluice_audit_entries`,
    /// compliance staff's definer function: row-level security would show one tenant at a time).
    public static func list(_ filter: Filter, on connection: PostgresConnection) async throws -> [Listed] {
        try await connection.query("""
            SELECT e.id, e.tenant_id, e.at, e.chain_seq, e.actor, e.action, e.resource, e.subject_hash, e.classification,
                   e.row_counts::text AS row_counts, e.details::text AS details
            FROM public.sluice_audit_entries(\(filter.tenant), \(filter.since), \(filter.actor), \(filter.action), \(Int32(clamping: filter.limit))) AS e
            """).map { row in
            Listed(id: try row.decode("id", as: Int64.self), tenant: try row.decode("tenant_id", as: String.self),
                   timestamp: try row.decode("at", as: PostgresTimestamp.self).description,
                   chain_seq: try row.decode("chain_seq", as: Int64?.self), actor: try row.decode("actor", as: String?.self),
                   action: try row.decode("action", as: String?.self), resource: try row.decode("resource", as: String?.self),
                   subject_hash: try row.decode("subject_hash", as: String?.self),
                   classification: try row.decode("classification", as: String?.self),
                   row_counts: decodeObject(try row.decode("row_counts", as: String.self)) { ($0 as? NSNumber)?.int64Value },
                   details: decodeObject(try row.decode("details", as: String.self)) { value in
                       (value as? String) ?? (value as? NSNumber)?.stringValue
                   })
        }
    }

    /// A JSON object's members that `convert` accepts (an entry written by hand may hold others).
    static func decodeObject<Value>(_ text: String, _ convert: (Any) -> Value?) -> [String: Value] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else { return [:] }
        return object.compactMapValues(convert)
    }
}
