import Crypto
import Foundation

/// Field names compared ignoring ASCII case, `_` and `-` (`phoneNumber` = `phone_number`),
/// bucketed by normalized length so most keys are dismissed without a byte comparison.
struct NameMatcher: Sendable, Equatable {
    private var buckets: [[[UInt8]]] = Array(repeating: [], count: 65)
    private(set) var isEmpty = true

    init(_ names: [String]) {
        for name in names {
            let normalized = name.utf8.compactMap(NameMatcher.normalize)
            guard normalized.count <= 64 else { continue }
            buckets[normalized.count].append(normalized)
            isEmpty = false
        }
    }

    @inline(__always)
    static func normalize(_ byte: UInt8) -> UInt8? {
        if byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") { return nil }
        return byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    /// What the privacy prefilter knows of a name after normalization (bytes other than `_` and
    /// `-`, A-Z lowered): its length and its first, second and last bytes (0 when absent). Two
    /// names that normalize equal have equal shapes, so a shape no rule name has rules a key out.
    struct Shape: Equatable {
        var length = 0
        var first: UInt8 = 0
        var second: UInt8 = 0
        var last: UInt8 = 0

        /// A 12-bit fingerprint for ``CompiledPrivacy``'s bit table.
        @inline(__always)
        var fingerprint: Int {
            let packed = UInt64(length) | UInt64(first) << 16 | UInt64(second) << 24 | UInt64(last) << 32
            return Int(truncatingIfNeeded: (packed &* 0x9E37_79B9_7F4A_7C15) >> 52)
        }
    }

    @inline(__always)
    private static func lowered(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }

    /// ``Shape`` of a name, byte by byte (rule names at start-up; keys near the end of a line).
    static func shape(_ name: UnsafeBufferPointer<UInt8>) -> Shape {
        var shape = Shape()
        for byte in name where byte != UInt8(ascii: "_") && byte != UInt8(ascii: "-") {
            if shape.length == 0 { shape.first = lowered(byte) } else if shape.length == 1 { shape.second = lowered(byte) }
            shape.last = lowered(byte)
            shape.length &+= 1
        }
        return shape
    }

    /// ``Shape`` of a key, eight bytes at a time where the line has room to load whole words.
    @inline(__always)
    static func shape(_ key: UnsafeBufferPointer<UInt8>, readableEnd: UnsafePointer<UInt8>) -> Shape {
        guard let start = key.baseAddress, start + ((key.count &+ 7) & ~7) <= readableEnd else { return shape(key) }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let lows: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let highs: UInt64 = 0x8080_8080_8080_8080
        // High bit of each byte of `word` that is zero (exact, no borrow between bytes).
        @inline(__always) func zeroBytes(_ word: UInt64) -> UInt64 { ~(((word & lows) &+ lows) | word | lows) }
        var separators = 0
        var firstIndex = -1
        var secondIndex = -1
        var lastIndex = -1
        var offset = 0
        while offset < key.count {
            let word = UnsafeRawPointer(start + offset).loadUnaligned(as: UInt64.self)
            let remaining = key.count &- offset
            let inKey: UInt64 = remaining >= 8 ? highs : highs & ((1 << UInt64(remaining &* 8)) &- 1)
            let separatorBytes = (zeroBytes(word ^ (ones &* 0x5F)) | zeroBytes(word ^ (ones &* 0x2D))) & inKey
            // Sum of one per separator byte, by multiplication (no popcount instruction on the baseline target).
            separators &+= Int(truncatingIfNeeded: ((separatorBytes &>> 7) &* ones) &>> 56)
            var others = ~separatorBytes & inKey
            if others != 0 {
                lastIndex = offset &+ (63 &- others.leadingZeroBitCount) &>> 3
                if firstIndex < 0 {
                    firstIndex = offset &+ others.trailingZeroBitCount &>> 3
                    others &= others &- 1
                }
                if secondIndex < 0, others != 0 { secondIndex = offset &+ others.trailingZeroBitCount &>> 3 }
            }
            offset &+= 8
        }
        guard firstIndex >= 0 else { return Shape() }
        return Shape(length: key.count &- separators, first: lowered(start[firstIndex]),
                     second: secondIndex >= 0 ? lowered(start[secondIndex]) : 0, last: lowered(start[lastIndex]))
    }

    func matches(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !isEmpty else { return false }
        var length = 0
        for byte in key where byte != UInt8(ascii: "_") && byte != UInt8(ascii: "-") { length += 1 }
        guard length <= 64 else { return false }
        let candidates = buckets[length]
        guard !candidates.isEmpty else { return false }
        for candidate in candidates {
            var position = 0
            var equal = true
            for byte in key {
                guard let normalized = NameMatcher.normalize(byte) else { continue }
                if candidate[position] != normalized { equal = false; break }
                position += 1
            }
            if equal { return true }
        }
        return false
    }
}

/// A ``PrivacyPolicy`` prepared for the hot path (name matchers, keys). Rebuilt whenever the
/// context's policy changes. A class so contexts and rewriters share it without copying.
///
/// `@unchecked Sendable`: all stored properties are immutable after `init`; the prefilter table is
/// written only there.
final class CompiledPrivacy: @unchecked Sendable {
    let policy: PrivacyPolicy
    let email: NameMatcher
    let phone: NameMatcher
    let freeForm: NameMatcher
    let ipAddress: NameMatcher
    let medical: [Contract: [String: NameMatcher]]
    /// `medical` as short lists indexed by ``Contract/ordinal``: found per event by a length check
    /// and a comparison instead of hashing the type name.
    private let medicalByContract: [[(type: String, matcher: NameMatcher)]]
    /// A bit per ``NameMatcher/Shape/fingerprint`` of every rule name (4096 bits): most keys are
    /// dismissed by this one load, and few that match no rule get through (unlike a check of
    /// length and first byte alone, which `price` and `product_id` passed). Written only in
    /// `init`, freed in `deinit`.
    private let interesting: UnsafeMutablePointer<UInt64>

    deinit { interesting.deallocate() }

    /// ``mayMatch(_:)`` for a precomputed fingerprint (see ``SchemaStore/propertyFingerprints``).
    @inline(__always)
    func mayMatch(fingerprint bit: Int) -> Bool {
        interesting[bit &>> 6] & (1 << UInt64(bit & 63)) != 0
    }

    @inline(__always)
    func mayMatch(_ shape: NameMatcher.Shape) -> Bool {
        let bit = shape.fingerprint
        return shape.length < 64 && interesting[bit &>> 6] & (1 << UInt64(bit & 63)) != 0
    }

    /// True when some type of `contract` has medical fields.
    func hasMedicalRules(_ contract: Contract) -> Bool { !medicalByContract[contract.ordinal].isEmpty }

    /// The non-empty medical field matcher of (contract, type), if any.
    func medicalMatcher(_ contract: Contract, _ type: String) -> NameMatcher? {
        let candidates = medicalByContract[contract.ordinal]
        guard !candidates.isEmpty else { return nil }
        let length = type.utf8.count
        for candidate in candidates where candidate.type.utf8.count == length && candidate.type == type {
            return candidate.matcher
        }
        return nil
    }
    // Raw bytes, not `SymmetricKey` (not `Sendable`); a key is made only when a value is hashed or sealed.
    let hashSecret: [UInt8]?
    let medicalKeyBytes: [UInt8]?

    init(_ policy: PrivacyPolicy) {
        self.policy = policy
        email = NameMatcher(policy.emailFieldNames)
        phone = NameMatcher(policy.phoneFieldNames)
        freeForm = NameMatcher(policy.freeFormFieldNames)
        ipAddress = NameMatcher(policy.ipAddressFieldNames)
        medical = policy.medicalFields.mapValues { types in types.mapValues { NameMatcher($0) } }
        var byContract = [[(type: String, matcher: NameMatcher)]](repeating: [], count: Contract.allCases.count)
        for (contract, types) in medical {
            byContract[contract.ordinal] = types.filter { !$0.value.isEmpty }.map { (type: $0.key, matcher: $0.value) }
        }
        medicalByContract = byContract
        let table = UnsafeMutablePointer<UInt64>.allocate(capacity: 64)
        table.initialize(repeating: 0, count: 64)
        // Same normalization as NameMatcher; names of normalized length >= 64 never match a key.
        for name in policy.emailFieldNames + policy.phoneFieldNames + policy.freeFormFieldNames + policy.ipAddressFieldNames
            + policy.medicalFields.values.flatMap({ $0.values.flatMap { $0 } }) {
            let shape = Array(name.utf8).withUnsafeBufferPointer { NameMatcher.shape($0) }
            if shape.length > 0, shape.length < 64 { table[shape.fingerprint >> 6] |= 1 << UInt64(shape.fingerprint & 63) }
        }
        interesting = table
        hashSecret = policy.piiHashSecret.flatMap { $0.isEmpty ? nil : $0 }
        medicalKeyBytes = policy.medicalKey.flatMap { $0.bytes.count == 32 ? $0.bytes : nil }
    }
}

/// Applies the privacy rules to one payload subtree: collects edits in one walk, then re-emits
/// the payload only if something changed (the common case copies the original bytes once).
extension FieldError {
    /// A medical field refused because no key is configured (`SLUICE_MEDICAL_KEY`): fixed by the
    /// operator, then `sluice rejects replay`, not by the producer.
    public var isMissingMedicalKey: Bool { message == PrivacyRewriter.missingMedicalKeyMessage }
}

struct PrivacyRewriter {
    /// The rejection of a medical field when no key is configured: fail closed, and say how to fix
    /// it (the key lives in the environment only; the lines wait in the dead letter meanwhile).
    static let missingMedicalKeyMessage = "medical field cannot be stored without an encryption key: set SLUICE_MEDICAL_KEY "
        + "(32 bytes, e.g. `openssl rand -hex 32`), then `sluice rejects replay`; or strip medical fields (privacy_policies.medical_action = 'strip')"
    enum Edit {
        case remove
        case replace([UInt8])
    }

    let view: JSONView
    let privacy: CompiledPrivacy
    let medical: NameMatcher?
    let tenantId: String
    /// One past the last byte of the line's root value: words may be loaded up to here.
    private let readableEnd: UnsafePointer<UInt8>
    private(set) var edits: [(token: Int, edit: Edit)] = []
    private(set) var flags: Set<String> = []
    private(set) var failures: [PendingError] = []

    init(view: JSONView, privacy: CompiledPrivacy, contract: Contract, type: String, tenantId: String) {
        self.view = view
        self.privacy = privacy
        self.tenantId = tenantId
        readableEnd = view.bytes + Int(view[0].end)
        medical = privacy.medicalMatcher(contract, type)
    }

    /// Walks the payload at `root` and returns its bytes after the rules, or the reason it cannot be stored.
    mutating func rewrite(root: Int) -> Result<[UInt8], PrivacyFailure> {
        visit(root, freeForm: false)
        if !failures.isEmpty { return .failure(PrivacyFailure(errors: failures)) }
        if edits.isEmpty { return .success(Array(view.rawValue(root))) }
        var out: [UInt8] = []
        out.reserveCapacity(view.rawValue(root).count + 64)
        emit(root, into: &out)
        return .success(out)
    }

    private mutating func visit(_ index: Int, freeForm: Bool) {
        let token = view[index]
        switch token.kind {
        case .object:
            var key = index + 1
            while key < Int(token.next) {
                let value = key + 1
                visitMember(key: key, value: value, freeForm: freeForm)
                key = Int(view[value].next)
            }
        case .array:
            var child = index + 1
            while child < Int(token.next) {
                if freeForm, view[child].kind == .string { checkFreeFormValue(child) } else { visit(child, freeForm: freeForm) }
                child = Int(view[child].next)
            }
        case .string, .number, .trueLiteral, .falseLiteral, .null:
            break
        }
    }

    private mutating func visitMember(key: Int, value: Int, freeForm: Bool) {
        let valueKind = view[value].kind
        let name = view.rawString(key)
        if !view[key].isEscaped {
            if !privacy.mayMatch(NameMatcher.shape(name, readableEnd: readableEnd)) {
                switch valueKind {
                case .object, .array: visit(value, freeForm: freeForm)
                case .string: if freeForm { checkFreeFormValue(value) }
                case .number, .trueLiteral, .falseLiteral, .null: break
                }
                return
            }
        }
        if let medical, valueKind != .null, matches(medical, key, name) {
            return encryptMedical(value)
        }
        let isScalar = valueKind == .string || valueKind == .number
        if isScalar, matches(privacy.email, key, name) { return handlePII(value, kind: .email) }
        if isScalar, matches(privacy.phone, key, name) { return handlePII(value, kind: .phone) }
        if valueKind == .string, matches(privacy.ipAddress, key, name) { return handleIPAddress(value) }
        switch valueKind {
        case .object, .array:
            visit(value, freeForm: freeForm || matches(privacy.freeForm, key, name))
        case .string:
            if freeForm { checkFreeFormValue(value) }
        case .number, .trueLiteral, .falseLiteral, .null:
            break
        }
    }

    private func matches(_ matcher: NameMatcher, _ key: Int, _ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        if !view[key].isEscaped { return matcher.matches(raw) }
        return view.withString(key) { matcher.matches($0) }
    }

    private enum PIIKind { case email, phone }

    private mutating func checkFreeFormValue(_ value: Int) {
        let kind: PIIKind? = view.withString(value) { text in
            if PIIPatterns.looksLikeEmail(text) { return .email }
            if PIIPatterns.looksLikePhone(text) { return .phone }
            return nil
        }
        if let kind { handlePII(value, kind: kind) }
    }

    private mutating func handlePII(_ value: Int, kind: PIIKind) {
        guard privacy.policy.piiAction == .hash, let secret = privacy.hashSecret else {
            edits.append((value, .remove))
            flags.insert("pii_stripped")
            return
        }
        // Normalize first so the same address or number always hashes the same way (PIIHash: the
        // erasure of a person found by email hashes it the same way to find them).
        let text = view[value].kind == .string ? view.decodedString(value) : Array(view.rawValue(value))
        let normalized = PIIHash.normalized(text, as: kind == .email ? .email : .phone)
        var out = [UInt8(ascii: "\"")]
        out.append(contentsOf: PIIHash.digestText(normalized, key: secret))
        out.append(UInt8(ascii: "\""))
        edits.append((value, .replace(out)))
        flags.insert("pii_hashed")
    }

    private mutating func handleIPAddress(_ value: Int) {
        switch privacy.policy.ipAddressAction {
        case .keep:
            return
        case .strip:
            edits.append((value, .remove))
        case .truncate:
            if let quoted = view.withString(value, IPAddressTruncation.quotedTruncatedIPv4) {
                edits.append((value, .replace(quoted)))
            } else if let truncated = view.withString(value, IPAddressTruncation.truncate) {
                edits.append((value, .replace(Array("\"\(truncated)\"".utf8))))
            } else {
                edits.append((value, .remove))
            }
        }
        flags.insert("ip_truncated")
    }

    private mutating func encryptMedical(_ value: Int) {
        switch privacy.policy.medicalAction {
        case .strip:
            edits.append((value, .remove))
            flags.insert("medical_stripped")
        case .encrypt:
            guard let key = privacy.medicalKeyBytes.map({ SymmetricKey(data: $0) }), let keyID = privacy.policy.medicalKey?.id else {
                failures.append(PendingError(token: Int32(value), missingField: nil,
                                             message: PrivacyRewriter.missingMedicalKeyMessage))
                return
            }
            do {
                let sealed = try MedicalFieldCipher.seal(Array(view.rawValue(value)), key: key, keyID: keyID, tenantId: tenantId)
                edits.append((value, .replace(sealed)))
                flags.insert("medical_encrypted")
            } catch {
                failures.append(PendingError(token: Int32(value), missingField: nil, message: "medical field encryption failed: \(error)"))
            }
        }
    }

    private func edit(for token: Int) -> Edit? {
        edits.first { $0.token == token }?.edit
    }

    private func hasEdit(inside index: Int) -> Bool {
        let end = Int(view[index].next)
        return edits.contains { $0.token >= index && $0.token < end }
    }

    private func emit(_ index: Int, into out: inout [UInt8]) {
        if let edit = edit(for: index) {
            switch edit {
            case .replace(let bytes): out.append(contentsOf: bytes)
            case .remove: out.append(contentsOf: Array("null".utf8))
            }
            return
        }
        guard hasEdit(inside: index) else {
            out.append(contentsOf: view.rawValue(index))
            return
        }
        let token = view[index]
        switch token.kind {
        case .object:
            out.append(UInt8(ascii: "{"))
            var first = true
            var key = index + 1
            while key < Int(token.next) {
                let value = key + 1
                if case .remove? = edit(for: value) {
                    key = Int(view[value].next)
                    continue
                }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                out.append(contentsOf: view.rawValue(key))
                out.append(UInt8(ascii: ":"))
                emit(value, into: &out)
                key = Int(view[value].next)
            }
            out.append(UInt8(ascii: "}"))
        case .array:
            out.append(UInt8(ascii: "["))
            var first = true
            var child = index + 1
            while child < Int(token.next) {
                if case .remove? = edit(for: child) {
                    child = Int(view[child].next)
                    continue
                }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                emit(child, into: &out)
                child = Int(view[child].next)
            }
            out.append(UInt8(ascii: "]"))
        case .string, .number, .trueLiteral, .falseLiteral, .null:
            out.append(contentsOf: view.rawValue(index))
        }
    }
}

/// Why a payload cannot be stored under the privacy rules (each with its field).
struct PrivacyFailure: Error {
    var errors: [PendingError]
}

/// Value patterns for PII inside free-form objects, where field names say nothing.
enum PIIPatterns {
    /// `local@domain.tld`, no spaces, one `@`.
    static func looksLikeEmail(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard text.count >= 5, text.count <= 254, let at = text.firstIndex(of: UInt8(ascii: "@")), at > 0 else { return false }
        let domain = text[(at + 1)...]
        guard let dot = domain.lastIndex(of: UInt8(ascii: ".")), dot > at + 1, dot < text.count - 1 else { return false }
        return !text.contains { $0 <= 0x20 } && !domain.contains(UInt8(ascii: "@"))
    }

    /// Digits with phone punctuation (`+ - ( ) . space`): `+` and 8–15 digits, or 10–15 digits.
    /// ISO dates (`2024-05-01`) are not phones.
    static func looksLikePhone(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard text.count >= 8, text.count <= 24 else { return false }
        var digits = 0
        for (index, byte) in text.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: "+"): if index != 0 { return false }
            case UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: " "), UInt8(ascii: "."): continue
            default: return false
            }
        }
        if text.count >= 10, Timestamp.parseDate(text, 0) != nil { return false }
        return text[0] == UInt8(ascii: "+") ? (8...15).contains(digits) : (10...15).contains(digits)
    }
}

/// IPv4 → /24, IPv6 → /48, for seed 002's `ip_address`.
enum IPAddressTruncation {
    static func truncate(_ text: UnsafeBufferPointer<UInt8>) -> String? {
        if let octets = ipv4Prefix(text) { return "\(octets.0).\(octets.1).\(octets.2).0" }
        if let groups = parseIPv6(text) {
            return groups[0..<3].map { String($0, radix: 16) }.joined(separator: ":") + "::"
        }
        return nil
    }

    /// The JSON string `"a.b.c.0"` for an IPv4 address (same parse and output as ``truncate(_:)``),
    /// written straight into bytes: no octet array, no interpolated `String`.
    static func quotedTruncatedIPv4(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let octets = ipv4Prefix(text) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(18)
        appendQuotedPrefix(octets, to: &out)
        return out
    }

    /// The first three octets of a dotted-quad IPv4 address (1–3 digits per octet, each ≤ 255),
    /// without arrays; nil for anything else.
    static func ipv4Prefix(_ text: UnsafeBufferPointer<UInt8>) -> (UInt8, UInt8, UInt8)? {
        var octets: (Int, Int, Int) = (0, 0, 0)
        var count = 0
        var current = -1
        var digits = 0
        for byte in text {
            if byte == UInt8(ascii: ".") {
                guard current >= 0, count < 3 else { return nil }
                switch count {
                case 0: octets.0 = current
                case 1: octets.1 = current
                default: octets.2 = current
                }
                count += 1; current = -1; digits = 0
            } else if byte &- 48 < 10 {
                digits += 1
                guard digits <= 3 else { return nil }
                current = max(current, 0) * 10 + Int(byte - 48)
                guard current <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard current >= 0, count == 3 else { return nil }
        return (UInt8(octets.0), UInt8(octets.1), UInt8(octets.2))
    }

    /// Appends the JSON string `"a.b.c.0"`.
    static func appendQuotedPrefix(_ octets: (UInt8, UInt8, UInt8), to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        func append(_ octet: UInt8) {
            if octet >= 100 { out.append(48 + octet / 100) }
            if octet >= 10 { out.append(48 + octet / 10 % 10) }
            out.append(48 + octet % 10)
            out.append(UInt8(ascii: "."))
        }
        append(octets.0)
        append(octets.1)
        append(octets.2)
        out.append(UInt8(ascii: "0"))
        out.append(UInt8(ascii: "\""))
    }

    static func parseIPv6(_ text: UnsafeBufferPointer<UInt8>) -> [UInt16]? {
        let string = String(decoding: text, as: UTF8.self)
        let halves = string.components(separatedBy: "::")
        guard halves.count <= 2, !string.isEmpty else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            for piece in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 8 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
        return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
    }
}

/// AES-256-GCM envelopes for medical fields: `{"enc":"AES-256-GCM","kid":…,"ct":base64(nonce|ciphertext|tag)}`.
/// The tenant is authenticated data, so a ciphertext cannot be moved to another tenant's row.
public enum MedicalFieldCipher {
    static func seal(_ plaintext: [UInt8], key: SymmetricKey, keyID: String, tenantId: String) throws -> [UInt8] {
        let box = try AES.GCM.seal(plaintext, using: key, authenticating: Array("sluice-medical-v1|\(tenantId)".utf8))
        guard let combined = box.combined else { throw CryptoKitError.incorrectParameterSize }
        var out = Array("{\"enc\":\"AES-256-GCM\",\"kid\":".utf8)
        out.append(contentsOf: JSONText.quotedBytes(keyID))
        out.append(contentsOf: Array(",\"ct\":\"".utf8))
        out.append(contentsOf: Array(combined.base64EncodedString().utf8))
        out.append(contentsOf: Array("\"}".utf8))
        return out
    }

    /// Opens an envelope's `ct` (base64) for a compliance export: returns the original JSON value bytes.
    public static func open(ciphertext base64: String, key: MedicalFieldKey, tenantId: String) throws -> [UInt8] {
        guard let combined = Data(base64Encoded: base64) else { throw CryptoKitError.incorrectParameterSize }
        let box = try AES.GCM.SealedBox(combined: combined)
        let plain = try AES.GCM.open(box, using: SymmetricKey(data: key.bytes), authenticating: Array("sluice-medical-v1|\(tenantId)".utf8))
        return Array(plain)
    }
}
