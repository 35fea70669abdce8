import Crypto
import EventContracts
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
    /// Tombstone digest → latest erasure (µs since the epoch). The digest covers the kind.
    private var erasedAt: [SubjectDigest: Int64] = [:]
    private var blocked = SuppressionList.builtInBlocked
    /// The longest blocked value, in bytes: a longer value (once spaces are trimmed) is never blocked.
    private var longestBlocked = 9

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
        var fresh: [SubjectDigest: Int64] = [:]
        for row in try await connection.query("""
            SELECT subject_hash, (extract(epoch FROM erased_at) * 1000000)::int8 AS erased_us
            FROM public.suppression_tombstones WHERE tenant_id = \(tenant)
            """) {
            guard let digest = SubjectDigest(hashText: try row.decode("subject_hash", as: String.self)) else { continue }
            fresh[digest] = max(fresh[digest] ?? .min, try row.decode("erased_us", as: Int64.self))
        }
        erasedAt = fresh
        blocked = Self.builtInBlocked.union(try await connection.query("SELECT value FROM public.identity_blocked_values").map {
            try $0.decode("value", as: String.self)
        })
        longestBlocked = blocked.map(\.utf8.count).max() ?? 0
        knownThrough = latest
    }

    /// The positions (in `events`) of the events to suppress. `key` is the tenant's keyed-hash key;
    /// without one, a tenant with tombstones cannot be checked, and the load must stop. Works on
    /// the events' bytes: one HMAC per event, no `String` (measured: a `String` and a
    /// Foundation trim per event made a load into a tenant with tombstones 1.5× slower).
    func suppressed(_ events: [CanonicalEvent], contract: Contract, key: [UInt8]?) throws -> Set<Int> {
        guard !erasedAt.isEmpty else { return [] }
        guard let key, !key.isEmpty else {
            throw LoadError("this tenant has erased subjects (suppression tombstones), and without SLUICE_PII_HASH_SECRET — the secret compliance staff erased them with — their events cannot be recognized: set it and run the same command again (nothing of this batch was committed)")
        }
        let symmetric = SymmetricKey(data: key)
        let userHasher = PIIHash.subjectHasher(prefix: PIIHash.subjectPrefix("user_id"), key: symmetric)
        let aliasHasher = EventIdentity.aliasKind(of: contract).map { PIIHash.subjectHasher(prefix: PIIHash.subjectPrefix($0), key: symmetric) }
        var suppressed: Set<Int> = []
        for (position, event) in events.enumerated() {
            let at: Int64? = EventIdentity.withIdentity(event, contract: contract, isBlocked: isBlocked) { user, alias in
                if let user { return erasedAt[PIIHash.subjectDigest(value: user, after: userHasher)] }
                if let alias, let aliasHasher { return erasedAt[PIIHash.subjectDigest(value: alias, after: aliasHasher)] }
                return nil
            }
            if let at, event.occurredAt <= at { suppressed.insert(position) }
        }
        return suppressed
    }

    /// lower(btrim(value)) is blocked, as the SQL compares (btrim takes spaces only).
    func isBlocked(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        var start = 0
        var end = value.count
        while start < end && value[start] == 0x20 { start += 1 }
        while end > start && value[end - 1] == 0x20 { end -= 1 }
        guard end - start <= longestBlocked else { return false }
        return blocked.contains(String(decoding: UnsafeBufferPointer(rebasing: value[start..<end]), as: UTF8.self).lowercased())
    }
}

/// Who an event is about, as `analytics.event_identities` reads it.
struct EventIdentity {
    var user: String?
    var aliasKind: String?
    var alias: String?

    /// The alias kind of a contract's events (nil: none).
    static func aliasKind(of contract: Contract) -> String? {
        switch contract {
        case .growthos: "profile_id"
        case .recs: "anon_id"
        case .pocm, .platform: "session_id"
        case .ingestionAPI: nil
        }
    }

    /// Calls `body` with the event's own user (nil when absent or blocked) and, when it has none,
    /// its alias (nil when absent or blocked), as bytes.
    static func withIdentity<R>(_ event: CanonicalEvent, contract: Contract, isBlocked: (UnsafeBufferPointer<UInt8>) -> Bool,
                                _ body: (UnsafeBufferPointer<UInt8>?, UnsafeBufferPointer<UInt8>?) -> R) -> R {
        func named(_ value: UnsafeBufferPointer<UInt8>?) -> UnsafeBufferPointer<UInt8>? {
            guard let value, !isBlocked(value) else { return nil }
            return value
        }
        switch contract {
        case .growthos:
            // Its user and alias are in the payload (its user_id column falls back to the alias).
            let fields = event.withBytes(.payload) { bytes in
                bytes.map { JSONFields.topLevelStrings(["userId", "profileId"], in: $0) } ?? [nil, nil]
            }
            return withBuffer(fields[0].map { Array($0.utf8) }) { user in
                let user = named(user)
                if user != nil { return body(user, nil) }
                return withBuffer(fields[1].map { Array($0.utf8) }) { alias in body(nil, named(alias)) }
            }
        case .recs, .pocm, .platform, .ingestionAPI:
            return event.withBytes(.userId) { user in
                let user = named(user)
                if user != nil || contract == .ingestionAPI { return body(user, nil) }
                return event.withBytes(.sessionId) { alias in body(nil, named(alias)) }
            }
        }
    }

    private static func withBuffer<R>(_ bytes: [UInt8]?, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        guard let bytes else { return body(nil) }
        return bytes.withUnsafeBufferPointer { body($0) }
    }

    /// As strings (for tests and messages): the alias is read whether or not the event has a user,
    /// as event_identities shows both.
    init(_ event: CanonicalEvent, contract: Contract, blocked: Set<String>) {
        func named(_ value: String?) -> String? {
            guard var text = value else { return nil }
            while text.hasPrefix(" ") { text.removeFirst() }
            while text.hasSuffix(" ") { text.removeLast() }
            return blocked.contains(text.lowercased()) ? nil : value
        }
        switch contract {
        case .growthos:
            let fields = event.withBytes(.payload) { bytes in
                bytes.map { JSONFields.topLevelStrings(["userId", "profileId"], in: $0) } ?? [nil, nil]
            }
            user = named(fields[0])
            alias = named(fields[1])
        case .ingestionAPI:
            user = named(event.userId)
        case .recs, .pocm, .platform:
            user = named(event.userId)
            alias = named(event.sessionId)
        }
        aliasKind = alias == nil ? nil : Self.aliasKind(of: contract)
    }
}
