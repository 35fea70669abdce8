import EventContracts
import Foundation
import Postgres

/// The erased subjects of one tenant, as the loader keeps them out (`suppression_tombstones`,
/// written by `sluice gdpr erase`): an event of a tombstoned user, or an anonymous event of a
/// tombstoned alias, that occurred at or before its erasure is dropped and counted `suppressed` —
/// never loaded, never dead-lettered — so no replay brings it back. Later events load normally.
///
/// Every batch transaction checks it after taking the tenant's suppression lock shared
/// (`lock(on:)`); an erasure takes that lock exclusively for an instant after its tombstones
/// commit, so a batch that validated an erased subject's event before the tombstone existed has
/// committed before the erasure deletes, and every batch after it sees the tombstone.
///
/// Identities are read as `analytics.event_identities` reads them (its SQL is the reference):
/// growthos' user is `data.userId` and its alias `data.profileId`; recs' alias is its anonId (kept
/// as the session id), pocm's and platform's the session id; ingestion-api has none; blocked values
/// identify nobody, so an event whose user id is blocked is anonymous.
struct SuppressionList {
    /// The two-key advisory lock classid of suppression ("supp"); the second key is hashtext(tenant).
    static let lockClass: Int32 = 0x7375_7070

    /// The built-in blocked identifiers (as analytics.blocked_identities() lists them).
    static let builtInBlocked: Set<String> = ["", "null", "undefined", "anonymous", "0", "-1"]

    private var knownThrough: Int64 = -1
    /// `kind \0 hash` → latest erasure (µs since the epoch).
    private var erasedAt: [String: Int64] = [:]
    private var blocked = SuppressionList.builtInBlocked

    var isEmpty: Bool { erasedAt.isEmpty }

    /// Takes the tenant's suppression lock shared for the current transaction.
    static func lock(tenant: String, on connection: PostgresConnection) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock_shared(\(lockClass), hashtext(\(tenant)))")
    }

    /// Reads the tombstones committed since the last look (one index probe when nothing changed).
    /// A subject erased again gets a new tombstone row (the erasure replaces it), so the newest id
    /// tells whether anything changed.
    mutating func update(tenant: String, on connection: PostgresConnection) async throws {
        let latest = try await connection.query("""
            SELECT COALESCE(max(id), 0) AS latest FROM public.suppression_tombstones WHERE tenant_id = \(tenant)
            """)[0].decode("latest", as: Int64.self)
        guard latest != knownThrough else { return }
        var fresh: [String: Int64] = [:]
        for row in try await connection.query("""
            SELECT kind, subject_hash, (extract(epoch FROM erased_at) * 1000000)::int8 AS erased_us
            FROM public.suppression_tombstones WHERE tenant_id = \(tenant)
            """) {
            let key = "\(try row.decode("kind", as: String.self))\u{0}\(try row.decode("subject_hash", as: String.self))"
            fresh[key] = max(fresh[key] ?? .min, try row.decode("erased_us", as: Int64.self))
        }
        erasedAt = fresh
        blocked = Self.builtInBlocked.union(try await connection.query("SELECT value FROM public.identity_blocked_values").map {
            try $0.decode("value", as: String.self)
        })
        knownThrough = latest
    }

    /// The positions (in `events`) of the events to suppress. `key` is the tenant's keyed-hash key;
    /// without one, a tenant with tombstones cannot be checked, and the load must stop.
    func suppressed(_ events: [CanonicalEvent], contract: Contract, key: [UInt8]?) throws -> Set<Int> {
        guard !erasedAt.isEmpty else { return [] }
        guard let key, !key.isEmpty else {
            throw LoadError("this tenant has erased subjects (suppression tombstones), and without SLUICE_PII_HASH_SECRET — the secret compliance staff erased them with — their events cannot be recognized: set it and run the same command again (nothing of this batch was committed)")
        }
        var suppressed: Set<Int> = []
        // A batch repeats its users and sessions: hash each value once.
        var hashes: [String: String] = [:]
        func erased(_ kind: String, _ value: String) -> Int64? {
            let cacheKey = "\(kind)\u{0}\(value)"
            let hash: String
            if let known = hashes[cacheKey] {
                hash = known
            } else {
                hash = PIIHash.subject(kind: kind, value: value, key: key)
                hashes[cacheKey] = hash
            }
            return erasedAt["\(kind)\u{0}\(hash)"]
        }
        for (position, event) in events.enumerated() {
            let identity = EventIdentity(event, contract: contract, blocked: blocked)
            if let user = identity.user {
                if let at = erased("user_id", user), event.occurredAt <= at { suppressed.insert(position) }
            } else if let alias = identity.alias, let kind = identity.aliasKind {
                if let at = erased(kind, alias), event.occurredAt <= at { suppressed.insert(position) }
            }
        }
        return suppressed
    }
}

/// Who an event is about, as `analytics.event_identities` reads it.
struct EventIdentity {
    var user: String?
    var aliasKind: String?
    var alias: String?

    init(_ event: CanonicalEvent, contract: Contract, blocked: Set<String>) {
        func named(_ value: String?) -> String? {
            guard let value else { return nil }
            // lower(btrim(value)), as the SQL compares: btrim takes spaces only.
            let folded = value.trimmingCharacters(in: CharacterSet(charactersIn: " ")).lowercased()
            return blocked.contains(folded) ? nil : value
        }
        switch contract {
        case .growthos:
            let fields = event.withBytes(.payload) { bytes in
                bytes.map { JSONFields.topLevelStrings(["userId", "profileId"], in: $0) } ?? [nil, nil]
            }
            user = named(fields[0])
            aliasKind = "profile_id"
            alias = named(fields[1])
        case .recs:
            user = named(event.userId)
            aliasKind = "anon_id"
            alias = named(event.sessionId)
        case .pocm, .platform:
            user = named(event.userId)
            aliasKind = "session_id"
            alias = named(event.sessionId)
        case .ingestionAPI:
            user = named(event.userId)
        }
        if alias == nil { aliasKind = nil }
    }
}
