import Foundation
import Postgres

/// `sluice gdpr status` and `sluice gdpr list`: export requests (`gdpr_export_requests`) and
/// erasure requests (`gdpr_erasure_requests`) read together, newest first. Subjects appear as their
/// keyed hashes only.
public enum GDPRRequests {
    /// One request of either kind.
    public struct Request: Sendable, Encodable, Equatable {
        /// `export` or `erasure`.
        public var kind: String
        public var request_id: String
        public var tenant: String
        public var subject_hash: String
        public var status: String
        public var requested_by: String?
        public var created_at: String?
        /// Exports: when the first run began. Erasures: erased_at.
        public var started_at: String?
        public var completed_at: String?
        public var download_url: String?
        public var output_dir: String?
        public var error: String?
        /// Exports: rows per file; erasures: rows deleted per table.
        public var row_counts: [String: Int64]
    }

    /// The requests `tenant` holds (every tenant the login may see when nil), of one subject when
    /// `subjectHash` is given, newest first, at most `limit`.
    public static func list(tenant: String?, subjectHash: String? = nil, requestID: String? = nil, limit: Int?,
                            on connection: PostgresConnection) async throws -> [Request] {
        let body: @Sendable (isolated PostgresConnection) throws -> [Request] = { connection in
            try connection.query("""
                SELECT * FROM (
                    SELECT 'export' AS kind, request_id, tenant_id, user_id AS subject_hash, status, requested_by::text AS requested_by,
                           created_at, started_at, completed_at, download_url, output_dir, error, row_counts::text AS counts, id
                    FROM public.gdpr_export_requests
                    WHERE (\(subjectHash)::text IS NULL OR user_id = \(subjectHash)) AND (\(requestID)::text IS NULL OR request_id = \(requestID))
                    UNION ALL
                    SELECT 'erasure', request_id, tenant_id, subject_hash, status, requested_by,
                           created_at, erased_at, completed_at, NULL, NULL, error, row_counts::text, id
                    FROM public.gdpr_erasure_requests
                    WHERE (\(subjectHash)::text IS NULL OR subject_hash = \(subjectHash)) AND (\(requestID)::text IS NULL OR request_id = \(requestID))
                ) AS r
                ORDER BY r.created_at DESC NULLS LAST, r.id DESC
                LIMIT \(Int64(limit ?? Int(Int32.max)))
                """).map { row in
                Request(kind: try row.decode("kind", as: String.self), request_id: try row.decode("request_id", as: String.self),
                        tenant: try row.decode("tenant_id", as: String.self), subject_hash: try row.decode("subject_hash", as: String.self),
                        status: try row.decode("status", as: String.self), requested_by: try row.decode("requested_by", as: String?.self),
                        created_at: try row.decode("created_at", as: PostgresTimestamp?.self)?.description,
                        started_at: try row.decode("started_at", as: PostgresTimestamp?.self)?.description,
                        completed_at: try row.decode("completed_at", as: PostgresTimestamp?.self)?.description,
                        download_url: try row.decode("download_url", as: String?.self), output_dir: try row.decode("output_dir", as: String?.self),
                        error: try row.decode("error", as: String?.self), row_counts: counts(try row.decode("counts", as: String.self)))
            }
        }
        if let tenant { return try await ComplianceSession.withTenant(connection, tenant, body) }
        return try await connection.withTransaction(body)
    }

    /// An export's row_counts holds files ({name: {rows, bytes, sha256}}); an erasure's, rows per
    /// table. Both read as rows per name.
    static func counts(_ text: String) -> [String: Int64] {
        let data = Data(text.utf8)
        if let progress = try? JSONDecoder().decode(Export.Progress.self, from: data), !progress.files.isEmpty {
            return progress.files.mapValues(\.rows)
        }
        return (try? JSONDecoder().decode([String: Int64].self, from: data)) ?? [:]
    }

    /// Whether the login reads past row-level security (superuser or BYPASSRLS): without
    /// `--tenant`, only such a login sees any request.
    public static func seesEveryTenant(on connection: PostgresConnection) async throws -> Bool {
        try await connection.query("""
            SELECT rolsuper OR rolbypassrls AS every FROM pg_catalog.pg_roles WHERE rolname = current_user
            """).first?.decode("every", as: Bool.self) ?? false
    }
}
