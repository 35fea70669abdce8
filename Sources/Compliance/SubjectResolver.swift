import EventContracts
import Postgres

/// Resolves a `SubjectName` in one tenant: its user ids and the aliases stitched to them, from the
/// events themselves (not only what the last refresh saw), with the same identity rules as the
/// analytics schema (analytics.event_identities; blocked values name nobody; an alias seen with
/// more users than the tenant allows is frozen and credited to nobody).
public struct SubjectResolver: Sendable {
    /// The tenant's key for keyed hashes (`PrivacyPolicy.piiHashSecret`); nil when
    /// `SLUICE_PII_HASH_SECRET` is not set.
    public let hashKey: [UInt8]?

    public init(hashKey: [UInt8]?) {
        self.hashKey = hashKey
    }

    public func resolve(_ name: SubjectName, tenant: String, on connection: PostgresConnection) async throws -> Subject {
        guard let key = hashKey, !key.isEmpty else {
            throw ComplianceError("set SLUICE_PII_HASH_SECRET (the secret the loader hashes emails and phones with): subjects are named by keyed hashes in tombstones and the audit trail, and found by email or phone through them")
        }
        var piiHashes: [String] = []
        var users: [String]
        let subjectHash: String
        switch name {
        case .user(let id):
            guard !id.isEmpty else { throw ComplianceError("--user must not be empty") }
            users = [id]
            subjectHash = PIIHash.subject(kind: "user_id", value: id, key: key)
        case .email(let text), .phone(let text):
            let kind: PIIHash.Kind = if case .email = name { .email } else { .phone }
            let hash = PIIHash.value(text, as: kind, key: key)
            piiHashes = [hash]
            subjectHash = PIIHash.subject(kind: kind == .email ? "email" : "phone", value: hash, key: key)
            users = try await ComplianceSession.withTenant(connection, tenant) { connection in
                // The users whose events carry it, and dim_users' hashed email (after a refresh).
                try connection.query("""
                    SELECT DISTINCT e.own_user_id AS user_id FROM analytics.event_identities AS e
                    WHERE e.tenant_id = \(tenant) AND e.own_user_id IS NOT NULL AND strpos(e.data_json::text, \(hash)) > 0
                    UNION
                    SELECT u.user_id FROM analytics.dim_users AS u WHERE u.tenant_id = \(tenant) AND u.email_hash = \(hash)
                    ORDER BY 1
                    """).map { try $0.decode("user_id", as: String.self) }
            }
        }
        let (stitched, shared) = try await aliases(of: users, tenant: tenant, on: connection)
        return Subject(tenant: tenant, name: name, userIds: users, aliases: stitched, sharedAliases: shared,
                       piiHashes: piiHashes, subjectHash: subjectHash)
    }

    /// The aliases seen with `users`, split into those stitched to them (their newest pairing with
    /// any user is with one of `users`, and the alias is not frozen) and the others.
    private func aliases(of users: [String], tenant: String, on connection: PostgresConnection) async throws
        -> (stitched: [Subject.Alias], shared: [Subject.Alias]) {
        guard !users.isEmpty else { return ([], []) }
        let rows = try await ComplianceSession.withTenant(connection, tenant) { connection in
            try connection.query("""
                -- The aliases on the users' own events: by events' user_id index, and growthos events
                -- (whose user is data.userId) by the payload's GIN index, one probe per user.
                WITH candidates AS (
                    SELECT e.alias_kind, e.alias FROM analytics.event_identities AS e
                    WHERE e.tenant_id = \(tenant) AND e.contract <> 'growthos' AND e.stored_user_id = ANY(\(users))
                      AND e.own_user_id = ANY(\(users)) AND e.alias IS NOT NULL
                    UNION
                    SELECT e.alias_kind, e.alias FROM unnest(\(users)::text[]) AS u(id)
                    CROSS JOIN LATERAL (SELECT g.alias_kind, g.alias FROM analytics.event_identities AS g
                                        WHERE g.tenant_id = \(tenant) AND g.contract = 'growthos'
                                          AND g.data_json @> jsonb_build_object('userId', u.id)
                                          AND g.own_user_id = u.id AND g.alias IS NOT NULL) AS e
                ),
                pairings AS (
                    SELECT e.alias_kind, e.alias, e.own_user_id AS user_id,
                           max(ARRAY[(extract(epoch FROM e.occurred_at) * 1000000)::bigint, e.id]) AS newest
                    FROM analytics.event_identities AS e
                    JOIN candidates AS c ON c.alias_kind = e.alias_kind AND c.alias = e.alias
                    WHERE e.tenant_id = \(tenant) AND e.own_user_id IS NOT NULL
                    GROUP BY e.alias_kind, e.alias, e.own_user_id
                ),
                limits AS (
                    SELECT COALESCE((SELECT s.max_users_per_alias FROM public.identity_settings AS s WHERE s.tenant_id = \(tenant)),
                                    (SELECT s.max_users_per_alias FROM public.identity_settings AS s WHERE s.tenant_id = '*'), 5) AS most
                )
                SELECT p.alias_kind, p.alias,
                       count(*) <= (SELECT most FROM limits)
                       AND (array_agg(p.user_id ORDER BY p.newest DESC))[1] = ANY(\(users)) AS stitched
                FROM pairings AS p
                GROUP BY p.alias_kind, p.alias
                ORDER BY 1, 2
                """)
        }
        var stitched: [Subject.Alias] = []
        var shared: [Subject.Alias] = []
        for row in rows {
            let alias = Subject.Alias(kind: try row.decode("alias_kind", as: String.self), value: try row.decode("alias", as: String.self))
            if try row.decode("stitched", as: Bool.self) { stitched.append(alias) } else { shared.append(alias) }
        }
        return (stitched, shared)
    }
}
