import EventContracts

/// Whom a GDPR request is about, as compliance staff name them.
public enum SubjectName: Sendable, Equatable {
    case user(String)
    case email(String)
    case phone(String)

    /// For messages: the kind and the value (printed only back to the operator who typed it).
    public var label: String {
        switch self {
        case .user(let id): "user \(id)"
        case .email(let email): "email \(email)"
        case .phone(let phone): "phone \(phone)"
        }
    }
}

/// A data subject, resolved: the user ids it goes by in one tenant, the anonymous aliases stitched
/// to them, and the keyed hashes of the email or phone number it was named by. What a request
/// covers follows from it (`sluice_subject_events`).
public struct Subject: Sendable, Equatable {
    /// An anonymous identifier: a pocm or platform session, a recs anonId, a growthos profileId.
    public struct Alias: Sendable, Hashable, Comparable {
        public var kind: String
        public var value: String
        public init(kind: String, value: String) {
            self.kind = kind
            self.value = value
        }
        /// `kind:value`, as `sluice_subject_events` matches them.
        public var key: String { "\(kind):\(value)" }
        public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.kind, lhs.value) < (rhs.kind, rhs.value) }
    }

    public var tenant: String
    public var name: SubjectName
    /// The user ids (one for `--user`; those whose events carry the email or phone otherwise).
    public var userIds: [String]
    /// Aliases whose newest pairing with a user is with one of `userIds` (not shared beyond the
    /// tenant's limit): their anonymous events are credited to the subject.
    public var aliases: [Alias]
    /// Aliases seen with one of `userIds` but credited to someone else (a shared device): named in
    /// `find`, never erased.
    public var sharedAliases: [Alias]
    /// The keyed hashes of the email or phone the subject was named by, as payloads store them.
    public var piiHashes: [String]
    /// The subject's keyed hash (its kind and value: `PIIHash.subject`) — how requests, tombstones
    /// and the audit trail name it, never in clear.
    public var subjectHash: String

    public var aliasKeys: [String] { aliases.map(\.key) }
}
