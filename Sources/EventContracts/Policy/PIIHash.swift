import Crypto

/// The keyed hashes Sluice stores instead of identifiers: emails and phone numbers in payloads
/// (the privacy rules), and the subjects of erasures (suppression tombstones, the audit trail).
///
/// Each is `hmac-sha256:<64 hex digits>`, keyed by the tenant's key (`PrivacyPolicy.piiHashSecret`,
/// derived from `SLUICE_PII_HASH_SECRET` and the tenant): equal inputs hash equal within a tenant,
/// and nobody without the secret can test a guess.
public enum PIIHash {
    public enum Kind: Sendable { case email, phone }

    /// What an email or phone number is reduced to before hashing, so that every spelling of one
    /// address or number hashes the same: emails lower-cased without spaces; phones their digits
    /// and `+`.
    public static func normalized(_ bytes: [UInt8], as kind: Kind) -> [UInt8] {
        switch kind {
        case .email:
            bytes.filter { $0 != 0x20 }.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        case .phone:
            bytes.filter { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "+") }
        }
    }

    /// `hmac-sha256:<hex>` of `bytes` under `key`, as UTF-8 bytes (no quotes).
    public static func digestText(_ bytes: [UInt8], key: [UInt8]) -> [UInt8] {
        let mac = HMAC<SHA256>.authenticationCode(for: bytes, using: SymmetricKey(data: key))
        var out = Array("hmac-sha256:".utf8)
        out.reserveCapacity(12 + 64)
        let digits = Array("0123456789abcdef".utf8)
        for byte in mac {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return out
    }

    /// How an email or phone number appears in a stored payload, hashed by the privacy rules.
    public static func value(_ text: String, as kind: Kind, key: [UInt8]) -> String {
        String(decoding: digestText(normalized(Array(text.utf8), as: kind), key: key), as: UTF8.self)
    }

    /// The keyed hash that names a subject in suppression tombstones and the audit trail: of its
    /// kind (`user_id`, `session_id`, `anon_id`, `profile_id`) and its value, so equal values of
    /// different kinds never collide. Never the value itself.
    public static func subject(kind: String, value: String, key: [UInt8]) -> String {
        String(decoding: digestText(Array("sluice.subject\u{0}\(kind)\u{0}\(value)".utf8), key: key), as: UTF8.self)
    }

    /// The digest `subject(kind:value:key:)` is the hex text of, computed from bytes — what the
    /// loader checks every event with (no `String` per event). `prefix` is `subjectPrefix(kind)`.
    public static func subjectDigest(prefix: [UInt8], value: UnsafeBufferPointer<UInt8>, key: SymmetricKey) -> SubjectDigest {
        subjectDigest(value: value, after: subjectHasher(prefix: prefix, key: key))
    }

    /// An HMAC keyed and fed `prefix`, to copy for each value: the key's pads and the prefix are
    /// hashed once per batch, not once per event (`subjectDigest(value:after:)`).
    public static func subjectHasher(prefix: [UInt8], key: SymmetricKey) -> HMAC<SHA256> {
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: prefix)
        return mac
    }

    /// The subject digest of `value` from a keyed, prefixed `hasher` (a copy of it is used).
    public static func subjectDigest(value: UnsafeBufferPointer<UInt8>, after hasher: HMAC<SHA256>) -> SubjectDigest {
        var mac = hasher
        mac.update(data: UnsafeRawBufferPointer(value))
        return SubjectDigest(mac.finalize())
    }

    /// The bytes a subject hash of `kind` starts with (`sluice.subject\0kind\0`).
    public static func subjectPrefix(_ kind: String) -> [UInt8] {
        Array("sluice.subject\u{0}\(kind)\u{0}".utf8)
    }
}

/// A subject hash as 32 bytes, hashable: the loader's lookup key for tombstones.
public struct SubjectDigest: Hashable, Sendable {
    private let a, b, c, d: UInt64

    init(_ code: HMAC<SHA256>.MAC) {
        var words: [UInt64] = [0, 0, 0, 0]
        code.withUnsafeBytes { bytes in
            for index in 0..<4 {
                var word: UInt64 = 0
                for offset in 0..<8 { word = word << 8 | UInt64(bytes[index * 8 + offset]) }
                words[index] = word
            }
        }
        (a, b, c, d) = (words[0], words[1], words[2], words[3])
    }

    /// Parses `hmac-sha256:<64 hex digits>`; nil for anything else.
    public init?(hashText text: String) {
        let prefix = "hmac-sha256:"
        guard text.hasPrefix(prefix) else { return nil }
        let hex = Array(text.utf8.dropFirst(prefix.utf8.count))
        guard hex.count == 64 else { return nil }
        var words: [UInt64] = [0, 0, 0, 0]
        for (index, digit) in hex.enumerated() {
            let value: UInt8
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = digit - UInt8(ascii: "a") + 10
            default: return nil
            }
            words[index / 16] = words[index / 16] << 4 | UInt64(value)
        }
        (a, b, c, d) = (words[0], words[1], words[2], words[3])
    }
}
