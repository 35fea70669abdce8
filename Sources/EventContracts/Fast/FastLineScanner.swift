/// Where one value sits in the line: strings between their quotes, other values their bytes.
struct ValueSpan {
    /// Strings: first byte after the opening quote. Others: first byte. -1 when absent.
    var start: Int32 = -1
    /// Strings: offset of the closing quote. Others: one past the last byte.
    var end: Int32 = 0
    var kind = JSONToken.Kind.null
    /// Strings: contains a backslash escape.
    var escaped = false

    @inline(__always)
    var isPresent: Bool { start >= 0 }
}

/// A privacy edit the fast path knows how to apply: an IPv4 string value truncated to /24.
struct FastEdit {
    /// The value's bytes including its quotes.
    var start: Int32
    var end: Int32
    var octets: (UInt8, UInt8, UInt8)
}

/// How the privacy rules see the value being scanned (``PrivacyRewriter``'s walk, fused in).
enum PrivacyScope: UInt8 {
    /// Outside the payload (pocm and ingestion-api envelopes): no rules apply.
    case off
    /// Inside the payload.
    case on
    /// Inside a free-form object (`metadata`, `attributes`, …): string values are checked for
    /// email and phone patterns too.
    case freeForm
}

/// The fast path's single pass over one line: strict JSON reading (the same acceptance as
/// ``JSONTapeReader``), schema validation (the same rules as ``SchemaWalker``), the privacy walk
/// (the same decisions as ``PrivacyRewriter``) and capture of the canonical fields, all at once,
/// with no tape.
///
/// It only ever *accepts*. Whatever it does not handle itself — any rule violation, escapes where
/// they would need decoding, `\u` escapes, whitespace next to a privacy edit, PII or medical
/// fields, a type member after the payload — makes it stop (``bailed``), and the line goes
/// through the general path, which alone produces rejections and their messages. So a line's
/// verdict never depends on which path took it; `SluiceBench --digest` and `FastPathTests` check that.
struct FastLineScanner {
    let base: UnsafePointer<UInt8>
    let count: Int
    var position = 0
    let store: SchemaStore
    let nodes: UnsafePointer<SchemaNode>
    /// The contract's plan: capture names, and the member whose value the contract treats specially.
    let plan: FastPlan
    /// The event type the payload was checked against (index into the contract's types), or -1.
    var chosenType = -1
    /// Its node.
    var chosenNode: Int32 = -1
    /// The payload came before its type and still has to be checked (``scanDeferredPayload()``).
    var deferredPayload = false
    let maxDepth: Int
    let privacy: CompiledPrivacy
    /// The medical-field matcher of the event's (contract, type), set once the type is known.
    var medical: NameMatcher?
    /// Capture slots: 0..<16 top-level members, 16..<32 members of the inner capture object.
    let captures: UnsafeMutablePointer<ValueSpan>
    let edits: UnsafeMutablePointer<FastEdit>
    static let editCapacity = 4
    private(set) var editCount = 0
    private(set) var bailed = false
    /// Insignificant whitespace was seen somewhere (edits are spliced only into compact lines,
    /// where splicing equals ``PrivacyRewriter``'s re-emission).
    private(set) var sawWhitespace = false
    /// The last `date-time` string that passed its format check, and its value.
    private(set) var lastDateTime: (start: Int32, micros: Int64) = (-1, 0)

    init(line: UnsafePointer<UInt8>, count: Int, plan: FastPlan, store: SchemaStore, maxDepth: Int, privacy: CompiledPrivacy,
         captures: UnsafeMutablePointer<ValueSpan>, edits: UnsafeMutablePointer<FastEdit>) {
        base = line
        self.count = count
        self.plan = plan
        self.store = store
        nodes = UnsafePointer(store.nodes.baseAddress.unsafelyUnwrapped)
        self.maxDepth = maxDepth
        self.privacy = privacy
        self.captures = captures
        self.edits = edits
    }

    @inline(__always)
    mutating func bail() {
        bailed = true
        position = count // every loop ends at once
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while position < count {
            let byte = base[position]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            sawWhitespace = true
            position &+= 1
        }
    }

    /// True when only whitespace remains.
    mutating func atEnd() -> Bool {
        skipWhitespace()
        return position == count && !bailed
    }

    // MARK: - Values

    /// Reads the value at `position` and checks it against `node` (-1: no schema). Returns its span.
    mutating func value(_ node: Int32, depth: Int, scope: PrivacyScope, capture: CaptureLevel = .none) -> ValueSpan {
        guard position < count else { bail(); return ValueSpan() }
        var span: ValueSpan
        switch base[position] {
        case UInt8(ascii: "\""):
            let span = stringValue(node, scope: scope, at: position)
            if !bailed { position = Int(span.end) &+ 1 }
            return span
        case UInt8(ascii: "{"):
            span = object(node, depth: depth &+ 1, scope: scope, capture: capture)
        case UInt8(ascii: "["):
            span = array(node, depth: depth &+ 1, scope: scope)
        case UInt8(ascii: "t"):
            span = literal(0x6575_7274, 4, .trueLiteral)
        case UInt8(ascii: "f"):
            span = literal(0x736c_6166, 5, .falseLiteral)
        case UInt8(ascii: "n"):
            span = literal(0x6c6c_756e, 4, .null)
        default:
            let span = number(node, at: position)
            if !bailed { position = Int(span.end) }
            return span
        }
        if node >= 0, !bailed, !accepts(nodes + Int(node), span.kind) { bail() }
        return span
    }

    /// The string value whose opening quote is at `quote`, checked against `node` (the common
    /// value: handled without the general dispatch of ``value(_:depth:scope:capture:)``). Leaves
    /// `position` alone: the caller moves on from the span's end, so the position stays in a
    /// register rather than going through memory around the call.
    @inline(__always)
    mutating func stringValue(_ node: Int32, scope: PrivacyScope, at quote: Int) -> ValueSpan {
        let span = string(at: quote)
        guard span.isPresent else { bail(); return span }
        if node >= 0 {
            let schema = nodes + Int(node)
            let check = schema.pointee.stringCheck
            if check.contains(.refused) { bail(); return span }
            if check.contains(.rules) {
                guard !span.escaped else { bail(); return span }
                switch store.checkString(schema, node, buffer(span)) {
                case .valid: break
                case .validDateTime(let micros): lastDateTime = (span.start, micros)
                case .notInEnum, .tooShort, .tooLong, .wrongFormat: bail(); return span
                }
            }
        }
        if scope == .freeForm { freeFormString(span) }
        return span
    }

    @inline(__always)
    private func accepts(_ node: UnsafePointer<SchemaNode>, _ kind: JSONToken.Kind) -> Bool {
        let types = node.pointee.types
        if types.isEmpty { return true }
        switch kind {
        case .object: return types.contains(.object)
        case .array: return types.contains(.array)
        case .string: return types.contains(.string)
        case .trueLiteral, .falseLiteral: return types.contains(.boolean)
        case .null: return types.contains(.null)
        case .number: return true // checked in `number(_:)`
        }
    }

    @inline(__always)
    func buffer(_ span: ValueSpan) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + Int(span.start), count: Int(span.end &- span.start))
    }

    /// `true`, `false`, `null`: the word's bytes little-endian in `word` (`false` checks its `e` apart).
    @inline(__always)
    private mutating func literal(_ word: UInt32, _ length: Int, _ kind: JSONToken.Kind) -> ValueSpan {
        guard position &+ length <= count,
              UInt32(littleEndian: UnsafeRawPointer(base + position).loadUnaligned(as: UInt32.self)) == word,
              length == 4 || base[position &+ 4] == UInt8(ascii: "e") else {
            bail()
            return ValueSpan()
        }
        let span = ValueSpan(start: Int32(position), end: Int32(position &+ length), kind: kind)
        position &+= length
        return span
    }

    /// The number starting at `start`, checked against `node`. Leaves `position` alone (as
    /// ``stringValue(_:scope:at:)``): the caller moves on from the span's end.
    private mutating func number(_ node: Int32, at start: Int) -> ValueSpan {
        guard case .valid(let end, let integer) = JSONBytes.number(base, start, count) else { bail(); return ValueSpan() }
        let span = ValueSpan(start: Int32(start), end: Int32(end), kind: .number)
        if node >= 0 {
            let schema = nodes + Int(node)
            let types = schema.pointee.types
            if !types.isEmpty, !types.contains(.number) {
                guard types.contains(.integer), integer || FastLineScanner.isIntegral(buffer(span)) else { bail(); return span }
            }
            if schema.pointee.hasRange {
                let value = JSONView.parseDouble(buffer(span))
                if value < schema.pointee.minimum || value > schema.pointee.maximum { bail() }
            }
        }
        return span
    }

    /// `5.0` and `5e2` are integers in JSON Schema (as ``JSONView/isInteger(_:)``).
    static func isIntegral(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        JSONBytes.isIntegral(text)
    }

    /// Reads the string whose opening quote is at `quote` (strict UTF-8, no control characters;
    /// the simple escapes are accepted, `\u` escapes — which may hide `\u0000` or a lone surrogate —
    /// are not): its span (end: the closing quote), or an absent span when the fast path cannot
    /// take it. Touches no state, so the caller keeps the position in a register.
    @inline(__always)
    func string(at quote: Int) -> ValueSpan {
        let start = quote &+ 1
        var at = start
        var escaped = false
        while true {
            at = JSONBytes.plainStringEnd(base, at, count)
            guard at < count else { return ValueSpan() }
            let byte = base[at]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") {
                guard at &+ 1 < count else { return ValueSpan() }
                switch base[at &+ 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    escaped = true
                    at &+= 2
                default:
                    return ValueSpan()
                }
            } else if byte >= 0x80 {
                let length = JSONBytes.scalarLength(base, at, count)
                guard length > 0 else { return ValueSpan() }
                at &+= length
            } else {
                return ValueSpan() // control character
            }
        }
        return ValueSpan(start: Int32(start), end: Int32(at), kind: .string, escaped: escaped)
    }

    // MARK: - Containers

    /// Which capture slots an object's members are recorded in.
    enum CaptureLevel: UInt8 {
        case none
        /// Top-level members, slots 0..<16, matched against the plan's `topNames`.
        case top
        /// Members of one inner object, slots 16..<32, matched against the plan's `innerNames`.
        case inner
    }


    private mutating func object(_ node: Int32, depth: Int, scope: PrivacyScope, capture: CaptureLevel) -> ValueSpan {
        let start = position
        guard depth <= maxDepth else { bail(); return ValueSpan() }
        position &+= 1
        let schema: UnsafePointer<SchemaNode>? = node >= 0 ? nodes + Int(node) : nil
        let propertyStart = Int(schema?.pointee.properties.start ?? 0)
        let propertyCount = Int(schema?.pointee.properties.count ?? 0)
        let table = node >= 0 && propertyCount > 0 ? Int(store.propertyTable[Int(node)]) : -1
        let captureTable = capture != .none && node >= 0 ? Int(plan.captureOffsets[Int(node)]) : -1
        var present: UInt64 = 0
        var conditionValue = ValueSpan()
        // The slot a conditional rule compares with a constant (`Int.min`: none, never a slot).
        let conditionSlot = schema.map { $0.pointee.conditionSlot >= 0 ? Int($0.pointee.conditionSlot) : Int.min } ?? Int.min
        skipWhitespace()
        if position < count, base[position] == UInt8(ascii: "}") {
            position &+= 1
        } else {
            while !bailed {
                guard position < count, base[position] == UInt8(ascii: "\"") else { bail(); break }
                let key = string(at: position)
                guard key.isPresent, !key.escaped else { bail(); break }
                position = Int(key.end) &+ 1
                let keyBase = base + Int(key.start)
                let keyLength = Int(key.end &- key.start)
                skipWhitespace()
                guard position < count, base[position] == UInt8(ascii: ":") else { bail(); break }
                position &+= 1
                skipWhitespace()
                guard position < count else { bail(); break }

                // The schema's property for this key (only names of its length are compared).
                var slot = -1
                if table >= 0 {
                    var candidates = store.lengthMasks[table &+ min(keyLength, SchemaStore.lengthBuckets &- 1)]
                    while candidates != 0 {
                        let candidate = candidates.trailingZeroBitCount
                        candidates &= candidates &- 1
                        let name = store.bytes(store.properties[propertyStart &+ candidate].name)
                        if name.count == keyLength, memcmpEqual(name.baseAddress.unsafelyUnwrapped, keyBase, keyLength) {
                            slot = candidate
                            break
                        }
                    }
                }
                var childNode: Int32 = -1
                if slot >= 0 {
                    let bit: UInt64 = 1 << UInt64(slot)
                    guard present & bit == 0 else { bail(); break } // duplicate key
                    present |= bit
                    childNode = store.properties[propertyStart &+ slot].node
                } else if let schema, !schema.pointee.additionalPropertiesAllowed {
                    bail() // unknown field
                    break
                }

                // Privacy: the member as PrivacyRewriter.visitMember sees it.
                var childScope = scope
                var ipMember = false
                if scope != .off {
                    let fingerprint = slot >= 0 ? Int(store.propertyFingerprints[propertyStart &+ slot]) : -1
                    let mayMatch = fingerprint >= 0
                        ? privacy.mayMatch(fingerprint: fingerprint)
                        : privacy.mayMatch(NameMatcher.shape(UnsafeBufferPointer(start: keyBase, count: keyLength), readableEnd: base + count))
                    if mayMatch {
                        let name = UnsafeBufferPointer(start: keyBase, count: keyLength)
                        let first = base[position]
                        let isNull = first == UInt8(ascii: "n")
                        let isString = first == UInt8(ascii: "\"")
                        let isContainer = first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
                        let isScalar = isString || !(isContainer || isNull || first == UInt8(ascii: "t") || first == UInt8(ascii: "f"))
                        if let medical, !isNull, medical.matches(name) { bail(); break }
                        if isScalar, privacy.email.matches(name) || privacy.phone.matches(name) { bail(); break }
                        if isString, privacy.ipAddress.matches(name) {
                            switch privacy.policy.ipAddressAction {
                            case .keep: childScope = .on // kept as is; not pattern-checked either
                            case .truncate: ipMember = true; childScope = .on
                            case .strip: bail()
                            }
                            if bailed { break }
                        } else if isContainer, scope != .freeForm, privacy.freeForm.matches(name) {
                            childScope = .freeForm
                        }
                    }
                }

                // Captured members (canonical fields), and the contract's say over the payload.
                var captureSlot = -1
                var childCapture = CaptureLevel.none
                if capture != .none {
                    if captureTable >= 0, slot >= 0 {
                        captureSlot = Int(plan.captureSlots[captureTable &+ slot])
                    } else if capture == .top {
                        captureSlot = plan.topNames.index(of: keyBase, keyLength)
                    } else {
                        captureSlot = plan.innerNames.index(of: keyBase, keyLength)
                        if captureSlot >= 0 { captureSlot &+= 16 }
                    }
                }
                let special = captureSlot >= 0 && captureSlot == plan.specialSlot
                if special {
                    // pocm `data`, ingestion-api `payload`: the event type's schema; recs `metadata`: captured.
                    plan.special(&self, node: &childNode, scope: &childScope, capture: &childCapture)
                    if bailed { break }
                }

                // Strings and numbers, the common values, are read here and the position moved
                // on from their spans (it stays in a register; see stringValue(_:scope:at:)).
                let child: ValueSpan
                let first = base[position]
                if first == UInt8(ascii: "\"") {
                    child = stringValue(childNode, scope: childScope, at: position)
                    if bailed { break }
                    position = Int(child.end) &+ 1
                } else if first &- UInt8(ascii: "0") < 10 || first == UInt8(ascii: "-") {
                    child = number(childNode, at: position)
                    if bailed { break }
                    position = Int(child.end)
                } else {
                    child = value(childNode, depth: depth, scope: childScope, capture: childCapture)
                    if bailed { break }
                }
                if special, child.kind != .object { bail(); break }
                if captureSlot >= 0 { captures[captureSlot] = child } // last one wins, as in jsonb
                if slot == conditionSlot { conditionValue = child }
                if ipMember { truncateIP(child) }

                if !nextMember(closing: UInt8(ascii: "}")) { break }
            }
        }
        if bailed { return ValueSpan() }
        if let schema { checkObjectRules(schema, propertyStart, present, conditionValue) }
        return ValueSpan(start: Int32(start), end: Int32(position), kind: .object)
    }

    /// Required members, `anyOf` groups and conditional rules (as ``SchemaWalker``; any miss bails).
    private mutating func checkObjectRules(_ schema: UnsafePointer<SchemaNode>, _ propertyStart: Int, _ present: UInt64, _ conditionValue: ValueSpan) {
        if schema.pointee.requiredMask & ~present != 0 { return bail() }
        if !anyOfHolds(schema.pointee.anyOf, present) { return bail() }
        for ruleIndex in Int(schema.pointee.rules.start)..<Int(schema.pointee.rules.start + schema.pointee.rules.count) {
            let rule = store.rules[ruleIndex]
            var holds = rule.ifPresent & present == rule.ifPresent
            if holds, rule.constSlot >= 0 {
                guard !conditionValue.isPresent || conditionValue.kind != .string || !conditionValue.escaped else { return bail() }
                let expected = store.bytes(rule.constValue)
                holds = conditionValue.isPresent && conditionValue.kind == .string
                    && Int(conditionValue.end &- conditionValue.start) == expected.count
                    && (expected.count == 0 || memcmpEqual(base + Int(conditionValue.start), expected.baseAddress.unsafelyUnwrapped, expected.count))
            }
            let required = holds ? rule.thenRequired : rule.elseRequired
            if required & ~present != 0 { return bail() }
            if !anyOfHolds(holds ? rule.thenAnyOf : rule.elseAnyOf, present) { return bail() }
        }
    }

    @inline(__always)
    private func anyOfHolds(_ groups: TableRange, _ present: UInt64) -> Bool {
        guard groups.count > 0 else { return true }
        for group in Int(groups.start)..<Int(groups.start + groups.count) {
            let mask = store.requiredGroups[group]
            if mask & present == mask { return true }
        }
        return false
    }

    private mutating func array(_ node: Int32, depth: Int, scope: PrivacyScope) -> ValueSpan {
        let start = position
        guard depth <= maxDepth else { bail(); return ValueSpan() }
        position &+= 1
        let items: Int32 = node >= 0 ? nodes[Int(node)].items : -1
        var itemCount: Int32 = 0
        skipWhitespace()
        if position < count, base[position] == UInt8(ascii: "]") {
            position &+= 1
        } else {
            while !bailed {
                _ = value(items, depth: depth, scope: scope)
                itemCount &+= 1
                if !nextMember(closing: UInt8(ascii: "]")) { break }
            }
        }
        if bailed { return ValueSpan() }
        if node >= 0, itemCount < nodes[Int(node)].minItems { bail() }
        return ValueSpan(start: Int32(start), end: Int32(position), kind: .array)
    }

    /// After a member or element: true at `,` (another follows), false at `closing` or on bail.
    @inline(__always)
    private mutating func nextMember(closing: UInt8) -> Bool {
        skipWhitespace()
        guard position < count else { bail(); return false }
        let byte = base[position]
        position &+= 1
        if byte == UInt8(ascii: ",") {
            skipWhitespace()
            return true
        }
        if byte != closing { bail() }
        return false
    }

    // MARK: - Privacy

    /// A string value inside a free-form object: an email or phone number there needs an edit,
    /// which only the general path makes.
    @inline(__always)
    private mutating func freeFormString(_ span: ValueSpan) {
        guard !span.escaped else { return bail() }
        let text = buffer(span)
        if PIIPatterns.looksLikeEmail(text) || PIIPatterns.looksLikePhone(text) { bail() }
    }

    /// An `ip_address`-like string member under the `truncate` action: IPv4 becomes a /24 edit;
    /// anything else (IPv6, not an address, escapes) is left to the general path.
    private mutating func truncateIP(_ span: ValueSpan) {
        guard span.kind == .string, !span.escaped, editCount < FastLineScanner.editCapacity,
              let octets = IPAddressTruncation.ipv4Prefix(buffer(span)) else { return bail() }
        edits[editCount] = FastEdit(start: span.start &- 1, end: span.end &+ 1, octets: octets)
        editCount &+= 1
    }
}
