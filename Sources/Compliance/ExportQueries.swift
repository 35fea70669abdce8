import Postgres

/// The statements an export reads each file with: every row as one JSON text (column 0), in a
/// stable order. One place for all of them, so that what an export holds is reviewed at a glance
/// and `find` counts the same rows (`SubjectCoverage`).
enum ExportQueries {
    /// The subject's events of one month (`sluice_subject_events`: by user id, by stitched alias,
    /// by the email/phone hash), whole rows.
    static func events(_ subject: Subject, from: PostgresTimestamp, to: PostgresTimestamp) -> PostgresQuery {
        let tenant = subject.tenant
        return """
            SELECT to_jsonb(e)::text AS line
            FROM public.sluice_subject_events(\(tenant), \(from), \(to), \(subject.userIds)::text[], \(subject.aliasKeys)::text[],
                                              \(subject.piiHashes)::text[]) AS s
            JOIN public.events AS e ON e.tenant_id = \(tenant) AND e.id = s.id AND e.occurred_at = s.occurred_at
                                   AND e.occurred_at >= \(from) AND e.occurred_at < \(to)
            ORDER BY e.occurred_at, e.id
            """
    }

    /// Dead letters by id (`SubjectDeadLetters`): the row without `raw` (column 0) and `raw` (column 1).
    static func deadLetters(_ subject: Subject, ids: [Int64]) -> PostgresQuery {
        """
        SELECT (to_jsonb(r) - 'raw')::text AS line, r.raw
        FROM public.rejected_events AS r
        WHERE r.tenant_id = \(subject.tenant) AND r.id = ANY(\(PostgresInt64Array(ids))::int8[])
        ORDER BY r.id
        """
    }

    /// The subject's rows of the tables keyed by user id, and its audit entries.
    static func rows(of file: String, _ subject: Subject) throws -> PostgresQuery {
        let tenant = subject.tenant
        let users = subject.userIds
        switch file {
        case "dim_users.ndjson.gz":
            return """
                SELECT to_jsonb(t)::text FROM analytics.dim_users AS t
                WHERE t.tenant_id = \(tenant) AND t.user_id = ANY(\(users)::text[]) ORDER BY t.user_id
                """
        case "identity_links.ndjson.gz":
            return """
                SELECT to_jsonb(t)::text FROM analytics.identity_links AS t
                WHERE t.tenant_id = \(tenant) AND t.user_id = ANY(\(users)::text[]) ORDER BY t.user_id, t.alias_kind, t.alias
                """
        case "identity_pairs.ndjson.gz":
            return """
                SELECT to_jsonb(t)::text FROM analytics.identity_pairs AS t
                WHERE t.tenant_id = \(tenant) AND t.user_id = ANY(\(users)::text[]) ORDER BY t.user_id, t.alias_kind, t.alias
                """
        case "user_attribute_values.ndjson.gz":
            return """
                SELECT to_jsonb(t)::text FROM analytics.user_attribute_values AS t
                WHERE t.tenant_id = \(tenant) AND t.user_id = ANY(\(users)::text[]) ORDER BY t.user_id, t.attribute
                """
        case "personalization_opt_outs.ndjson.gz":
            return """
                SELECT to_jsonb(t)::text FROM public.personalization_opt_outs AS t
                WHERE t.tenant_id = \(tenant) AND t.user_id = ANY(\(users)::text[]) ORDER BY t.user_id
                """
        case "audit_entries.ndjson.gz":
            // compliance_audit_logs.user_id holds the subject as its keyed hash.
            return """
                SELECT to_jsonb(t)::text FROM public.compliance_audit_logs AS t
                WHERE t.tenant_id = \(tenant) AND t.user_id = \(subject.subjectHash) ORDER BY t.chain_seq
                """
        default:
            throw ComplianceError("no query for export file \(file)")
        }
    }
}
