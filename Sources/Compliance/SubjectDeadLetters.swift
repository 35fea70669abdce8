import Postgres

/// The dead-lettered lines that name a subject: their raw bytes (possibly not JSON) contain one of
/// its user ids or stitched aliases as a JSON string (`"value"`), or its email/phone hash. Erring
/// on the side of the subject: a line that merely contains the quoted id counts.
public enum SubjectDeadLetters {
    public static func ids(of subject: Subject, on connection: PostgresConnection) async throws -> [Int64] {
        let needles = subject.userIds.map { "\"\($0)\"" } + subject.aliases.map { "\"\($0.value)\"" } + subject.piiHashes
        guard !needles.isEmpty else { return [] }
        return try await ComplianceSession.withTenant(connection, subject.tenant) { connection in
            try connection.query("""
                SELECT r.id FROM public.rejected_events AS r
                WHERE r.tenant_id = \(subject.tenant)
                  AND EXISTS (SELECT 1 FROM unnest(\(needles)::text[]) AS n(value) WHERE position(convert_to(n.value, 'UTF8') IN r.raw) > 0)
                ORDER BY r.id
                """).map { try $0.decode("id", as: Int64.self) }
        }
    }
}
