import EventContracts
import Postgres

/// One legal hold (`legal_holds`): on a person (`user_id`) or on a retention category. While it is
/// active — not released, and `until` unset or in the future — retention deletes nothing it covers
/// and an erasure of a person it covers waits.
public struct LegalHold: Sendable, Encodable, Equatable {
    public var id: Int64
    public var tenant_id: String
    public var user_id: String?
    public var category: String?
    public var reason: String
    public var until: String?
    public var created_by: String
    public var created_at: String
    public var released_at: String?
    public var released_by: String?
    public var active: Bool
}

/// Placing, releasing and finding legal holds (`sluice retention hold|release|holds`), for compliance
/// staff; retention and erasure ask it what a hold covers. Each change is audited in its own
/// transaction (`retention.hold`, `retention.release`).
public enum LegalHolds {
    /// What a hold is placed on.
    public enum Target: Sendable, Equatable {
        case user(String)
        case category(String)
    }

    /// Places a hold and audits it. `until` is read by PostgreSQL (`2027-01-31`, an ISO 8601 time)
    /// and must be in the future. `hashKey` names the person in the audit entry by keyed hash.
    public static func place(tenant: String, on target: Target, reason: String, until: String?, actor: String, hashKey: [UInt8]?,
                             connection: PostgresConnection) async throws -> LegalHold {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ComplianceError("--reason must say why the hold is placed (a case or request reference)") }
        let user: String?
        let category: String?
        switch target {
        case .user(let id): (user, category) = (id, nil)
        case .category(let name): (user, category) = (nil, name)
        }
        let untilTime = try await until.asyncMap { try await time($0, on: connection) }
        if let untilTime, untilTime <= PostgresTimestamp.now() {
            throw ComplianceError("--until \(until ?? ""): that time has passed; a hold must end in the future (or omit --until for a hold until released)")
        }
        if let category {
            let known = try await connection.query("SELECT category FROM public.data_retention_policies ORDER BY category").map { try $0.decode("category", as: String.self) }
            guard known.contains(category) else {
                throw ComplianceError("--category \(category): no such retention category; the categories are \(known.joined(separator: ", "))")
            }
        }
        let subjectHash = user.flatMap { user in hashKey.map { PIIHash.subject(kind: "user_id", value: user, key: $0) } }
        return try await ComplianceSession.withTenant(connection, tenant) { connection in
            let row = try connection.query("""
                INSERT INTO public.legal_holds (tenant_id, user_id, category, reason, until, created_by)
                VALUES (\(tenant), \(user), \(category), \(reason), \(untilTime), \(actor))
                RETURNING \(unsafeSQL: columns)
                """)[0]
            let hold = try Self.hold(row)
            var entry = AuditEntry(tenant: tenant, action: "retention.hold", resource: "legal_hold #\(hold.id)", subjectHash: subjectHash,
                                   actor: actor, classification: user == nil ? "none" : "pii")
            entry.details = ["reason": reason, "until": hold.until ?? "released by hand", "on": category.map { "category \($0)" } ?? "a user"]
            try AuditLog.append(entry, on: connection)
            return hold
        }
    }

    /// Releases an active hold and audits it.
    public static func release(id: Int64, tenant: String, actor: String, connection: PostgresConnection) async throws -> LegalHold {
        try await ComplianceSession.withTenant(connection, tenant) { connection in
            guard let row = try connection.query("""
                UPDATE public.legal_holds SET released_at = now(), released_by = \(actor)
                WHERE tenant_id = \(tenant) AND id = \(id) AND released_at IS NULL
                RETURNING \(unsafeSQL: columns)
                """).first else {
                let existing = try connection.query("SELECT released_at FROM public.legal_holds WHERE tenant_id = \(tenant) AND id = \(id)").first
                if let released = try existing?.decode("released_at", as: PostgresTimestamp?.self) {
                    throw ComplianceError("legal hold #\(id) of \(tenant) was already released at \(released)")
                }
                throw ComplianceError("tenant \(tenant) has no legal hold #\(id): `sluice retention holds --tenant \(tenant) --all` lists them")
            }
            let hold = try Self.hold(row)
            var entry = AuditEntry(tenant: tenant, action: "retention.release", resource: "legal_hold #\(id)", actor: actor,
                                   classification: hold.user_id == nil ? "none" : "pii")
            entry.details = ["reason": hold.reason]
            try AuditLog.append(entry, on: connection)
            return hold
        }
    }

    /// The holds of `tenant` (every tenant's when nil), active ones only unless `includeInactive`.
    public static func list(tenant: String?, includeInactive: Bool, connection: PostgresConnection) async throws -> [LegalHold] {
        var tenants = [tenant].compactMap { $0 }
        if tenant == nil { tenants = try await Retention.tenants(on: connection) }
        var holds: [LegalHold] = []
        for tenant in tenants {
            holds += try await ComplianceSession.withTenant(connection, tenant) { connection in
                try connection.query("""
                    SELECT \(unsafeSQL: columns) FROM public.legal_holds
                    WHERE tenant_id = \(tenant) AND (\(includeInactive) OR (released_at IS NULL AND (until IS NULL OR until > now())))
                    ORDER BY id
                    """).map(Self.hold)
            }
        }
        return holds
    }

    /// The active holds of the connection's tenant, inside its `withTenant` transaction.
    static func active(tenant: String, on connection: isolated PostgresConnection) throws -> [LegalHold] {
        try connection.query("""
            SELECT \(unsafeSQL: columns) FROM public.legal_holds
            WHERE tenant_id = \(tenant) AND released_at IS NULL AND (until IS NULL OR until > now()) ORDER BY id
            """).map(Self.hold)
    }

    /// The active holds that stop an erasure of `subject`: a hold on one of its user ids, or a hold
    /// on a category some event of the subject (by user id or stitched alias) belongs to.
    public static func blocking(_ subject: Subject, connection: PostgresConnection) async throws -> [LegalHold] {
        let holds = try await ComplianceSession.withTenant(connection, subject.tenant) { try active(tenant: subject.tenant, on: $0) }
        var blocking = holds.filter { $0.user_id.map(subject.userIds.contains) ?? false }
        let categoryHolds = holds.filter { $0.category != nil }
        guard !categoryHolds.isEmpty else { return blocking }
        var categories: Set<String> = []
        let months = try await connection.query("SELECT range_from, range_to FROM public.sluice_event_partitions ORDER BY range_from").map {
            (try $0.decode("range_from", as: PostgresTimestamp.self), try $0.decode("range_to", as: PostgresTimestamp.self))
        }
        for (from, to) in months {
            categories.formUnion(try await ComplianceSession.withTenant(connection, subject.tenant) { connection in
                try connection.query("""
                    SELECT DISTINCT COALESCE(x.category, w.category) AS category
                    FROM public.sluice_subject_events(\(subject.tenant), \(from), \(to), \(subject.userIds)::text[], \(subject.aliasKeys)::text[],
                                                      \(subject.piiHashes)::text[]) AS s
                    JOIN public.events AS e ON e.tenant_id = \(subject.tenant) AND e.id = s.id AND e.occurred_at = s.occurred_at
                    LEFT JOIN public.retention_event_categories AS x ON x.contract = e.contract AND x.event_type = e.type
                    LEFT JOIN public.retention_event_categories AS w ON w.contract = e.contract AND w.event_type = '*'
                    """).compactMap { try $0.decode("category", as: String?.self) }
            })
        }
        blocking += categoryHolds.filter { categories.contains($0.category ?? "") }
        return blocking.sorted { $0.id < $1.id }
    }

    // MARK: - Rows

    static let columns = "id, tenant_id, user_id, category, reason, until, created_by, created_at, released_at, released_by, "
        + "(released_at IS NULL AND (until IS NULL OR until > now())) AS active"

    static func hold(_ row: PostgresRow) throws -> LegalHold {
        LegalHold(id: try row.decode("id", as: Int64.self), tenant_id: try row.decode("tenant_id", as: String.self),
                  user_id: try row.decode("user_id", as: String?.self), category: try row.decode("category", as: String?.self),
                  reason: try row.decode("reason", as: String.self), until: try row.decode("until", as: PostgresTimestamp?.self)?.description,
                  created_by: try row.decode("created_by", as: String.self), created_at: try row.decode("created_at", as: PostgresTimestamp.self).description,
                  released_at: try row.decode("released_at", as: PostgresTimestamp?.self)?.description,
                  released_by: try row.decode("released_by", as: String?.self), active: try row.decode("active", as: Bool.self))
    }

    /// A time as PostgreSQL reads it, or an error that says what to write.
    static func time(_ text: String, on connection: PostgresConnection) async throws -> PostgresTimestamp {
        do {
            return try await connection.query("SELECT \(text)::timestamptz AS t")[0].decode("t", as: PostgresTimestamp.self)
        } catch {
            throw ComplianceError("--until \(text): not a time (\(error.message)); write e.g. 2027-01-31 or 2027-01-31T12:00:00Z")
        }
    }
}

extension Optional {
    /// `map` for an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
