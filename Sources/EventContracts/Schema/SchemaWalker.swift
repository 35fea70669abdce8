import Foundation

/// One reason an event was rejected: where (a JSON Pointer into the input line, `""` for the whole
/// line) and why, phrased for the producer.
public struct FieldError: Sendable, Equatable, CustomStringConvertible {
    /// RFC 6901 JSON Pointer into the input line, e.g. `/data/cart_total/amount`.
    public var field: String
    /// What is wrong and, where possible, what to send instead.
    public var message: String

    /// Creates a field error.
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field.isEmpty ? "(line)" : field): \(message)" }
}

/// An error found during the walk, kept as a token index until the walk is over, so the JSON
/// Pointer is only built for events that are actually rejected.
struct PendingError: Error {
    var token: Int32
    /// A child name under `token` (missing required field), or nil.
    var missingField: String?
    var message: String
}

/// Collects errors up to a cap (the rest are counted, so the verdict can say so).
struct ErrorSink {
    var errors: [PendingError] = []
    var dropped = 0
    let cap: Int

    @inline(__always)
    var isEmpty: Bool { errors.isEmpty }

    mutating func add(_ token: Int, _ message: @autoclosure () -> String, missingField: String? = nil) {
        if errors.count < cap {
            errors.append(PendingError(token: Int32(token), missingField: missingField, message: message()))
        } else {
            dropped += 1
        }
    }

    func resolve(in view: JSONView) -> [FieldError] {
        var resolved = errors.map { error in
            var pointer = JSONPointer.path(to: Int(error.token), in: view)
            if let missing = error.missingField { pointer += "/" + JSONPointer.escape(missing) }
            return FieldError(field: pointer, message: error.message)
        }
        if dropped > 0 {
            resolved.append(FieldError(field: "", message: "\(dropped) more error(s) not shown"))
        }
        return resolved
    }
}

enum JSONPointer {
    static func escape(_ key: String) -> String {
        guard key.contains("~") || key.contains("/") else { return key }
        return key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    /// The pointer to token `target`, found by descending from the root through the subtree
    /// that contains it (only run for rejected events).
    static func path(to target: Int, in view: JSONView) -> String {
        var path = ""
        var current = 0
        while current != target, current < view.tokens.count {
            let token = view[current]
            var advanced = false
            switch token.kind {
            case .object:
                var key = current + 1
                while key < Int(token.next) {
                    let value = key + 1
                    if target == key || (value <= target && target < Int(view[value].next)) {
                        path += "/" + escape(view.string(key))
                        current = value
                        advanced = true
                        break
                    }
                    key = Int(view[value].next)
                }
            case .array:
                var child = current + 1
                var index = 0
                while child < Int(token.next) {
                    if child <= target && target < Int(view[child].next) {
                        path += "/\(index)"
                        current = child
                        advanced = true
                        break
                    }
                    child = Int(view[child].next)
                    index += 1
                }
            case .string, .number, .trueLiteral, .falseLiteral, .null:
                break
            }
            if !advanced { break }
        }
        return path
    }
}


/// Checks one value of the tape against one compiled node, recursively. Reads schema tables
/// through raw pointers: no reference counting, no `String`, no allocation unless an error is found.
struct SchemaWalker {
    let view: JSONView
    let store: SchemaStore
    var sink: ErrorSink

    /// The privacy rules' prefilter, when the walk should also tell whether the privacy walk can
    /// be skipped (see ``privacyClean``).
    let privacy: CompiledPrivacy?
    /// One past the last byte of the root value: the privacy shape of a key may load words up to here.
    private let readableEnd: UnsafePointer<UInt8>
    /// Since the last ``startPrivacyTracking()``: true while every key the walk met is unescaped and
    /// passes no privacy prefilter, and the walk descended into every object and array it met.
    /// A payload walked entirely this way cannot be changed by ``PrivacyRewriter`` (it would visit
    /// the same keys, dismiss each by the same prefilter, never enter a free-form object, and copy
    /// the bytes unchanged), so the rewrite is skipped.
    private(set) var privacyClean = false
    /// The last string that passed a `date-time` format check and its value (µs), so normalization
    /// does not parse `occurred_at` a second time.
    private(set) var lastDateTime: (token: Int32, micros: Int64) = (-1, 0)

    init(view: JSONView, store: SchemaStore, errorCap: Int, privacy: CompiledPrivacy? = nil) {
        self.view = view
        self.store = store
        self.sink = ErrorSink(cap: errorCap)
        self.privacy = privacy
        readableEnd = view.bytes + Int(view[0].end)
    }

    /// Starts tracking ``privacyClean`` for the walk that follows (the payload's).
    mutating func startPrivacyTracking() {
        privacyClean = privacy != nil
    }

    mutating func check(node nodeIndex: Int32, token index: Int) {
        // A pointer into the frozen table: no copy of the (large) node per visited value.
        let node = UnsafePointer(store.nodes.baseAddress.unsafelyUnwrapped) + Int(nodeIndex)
        let token = view[index]
        if !node.pointee.types.isEmpty {
            let accepted: Bool
            switch token.kind {
            case .object: accepted = node.pointee.types.contains(.object)
            case .array: accepted = node.pointee.types.contains(.array)
            case .string: accepted = node.pointee.types.contains(.string)
            case .trueLiteral, .falseLiteral: accepted = node.pointee.types.contains(.boolean)
            case .null: accepted = node.pointee.types.contains(.null)
            case .number:
                accepted = node.pointee.types.contains(.number) || (node.pointee.types.contains(.integer) && view.isInteger(index))
            }
            guard accepted else {
                return sink.add(index, "expected \(node.pointee.types.names), got \(Self.describe(token, view, index))")
            }
        }
        switch token.kind {
        case .string: checkString(node, nodeIndex, index)
        case .number:
            if node.pointee.hasRange {
                let value = view.double(index)
                if value < node.pointee.minimum || value > node.pointee.maximum {
                    sink.add(index, Self.rangeMessage(node.pointee))
                }
            }
        case .array: checkArray(node, index)
        case .object: checkObject(node, nodeIndex, index)
        case .trueLiteral, .falseLiteral, .null: break
        }
    }

    private static func describe(_ token: JSONToken, _ view: JSONView, _ index: Int) -> String {
        switch token.kind {
        case .object: return "object"
        case .array: return "array"
        case .string: return "string"
        case .number: return view.isInteger(index) ? "integer" : "number \(String(decoding: view.rawValue(index), as: UTF8.self))"
        case .trueLiteral, .falseLiteral: return "boolean"
        case .null: return "null"
        }
    }

    private static func rangeMessage(_ node: SchemaNode) -> String {
        func show(_ value: Double) -> String { value.rounded() == value ? String(Int64(value)) : String(value) }
        switch (node.minimum != -.infinity, node.maximum != .infinity) {
        case (true, true): return "must be between \(show(node.minimum)) and \(show(node.maximum))"
        case (true, false): return "must be >= \(show(node.minimum))"
        case (false, true): return "must be <= \(show(node.maximum))"
        case (false, false): return "out of range"
        }
    }

    @inline(__always)
    private mutating func checkString(_ node: UnsafePointer<SchemaNode>, _ nodeIndex: Int32, _ index: Int) {
        guard node.pointee.hasStringRules else { return }
        let store = self.store
        let outcome = view.withString(index) { store.checkString(node, nodeIndex, $0) }
        switch outcome {
        case .valid: return
        case .validDateTime(let micros): lastDateTime = (Int32(index), micros) // normalization reuses it
        case .notInEnum:
            let options = (Int(node.pointee.enumValues.start)..<Int(node.pointee.enumValues.start + node.pointee.enumValues.count))
                .map { store.string(store.enumValues[$0]) }
            sink.add(index, options.count == 1 ? "must be \"\(options[0])\"" : "must be one of: \(options.joined(separator: ", "))")
        case .tooShort:
            sink.add(index, node.pointee.minLength == 1 ? "must not be empty" : "must be at least \(node.pointee.minLength) characters")
        case .tooLong: sink.add(index, "must be at most \(node.pointee.maxLength) characters")
        case .wrongFormat: sink.add(index, "expected \(node.pointee.format.expectation)")
        }
    }

    @inline(__always)
    private mutating func checkArray(_ node: UnsafePointer<SchemaNode>, _ index: Int) {
        var child = index + 1
        let end = Int(view[index].next)
        var count: Int32 = 0
        while child < end {
            if node.pointee.items >= 0 {
                check(node: node.pointee.items, token: child)
            } else if privacyClean, view[child].kind == .object || view[child].kind == .array {
                privacyClean = false // not walked: its keys were never seen
            }
            child = Int(view[child].next)
            count += 1
        }
        if count < node.pointee.minItems {
            sink.add(index, "must have at least \(node.pointee.minItems) item\(node.pointee.minItems == 1 ? "" : "s")")
        }
    }

    private mutating func checkObject(_ node: UnsafePointer<SchemaNode>, _ nodeIndex: Int32, _ index: Int) {
        var present: UInt64 = 0
        var conditionValue = -1
        let propertyStart = Int(node.pointee.properties.start)
        let propertyCount = Int(node.pointee.properties.count)
        var key = index + 1
        let end = Int(view[index].next)
        while key < end {
            let value = key + 1
            var slot = -1
            if propertyCount > 0 {
                let keyToken = view[key]
                if !keyToken.isEscaped {
                    // Only names of the key's length are compared (see SchemaStore.lengthMasks).
                    let keyLength = Int(keyToken.end &- keyToken.start)
                    let table = Int(store.propertyTable[Int(nodeIndex)])
                    var candidates = store.lengthMasks[table &+ min(keyLength, SchemaStore.lengthBuckets &- 1)]
                    while candidates != 0 {
                        let candidate = candidates.trailingZeroBitCount
                        candidates &= candidates &- 1
                        if view.stringEquals(key, store.bytes(store.properties[propertyStart &+ candidate].name)) {
                            slot = candidate
                            break
                        }
                    }
                } else {
                    for candidate in 0..<propertyCount where view.stringEquals(key, store.bytes(store.properties[propertyStart + candidate].name)) {
                        slot = candidate
                        break
                    }
                }
            }
            if privacyClean, let privacy {
                let keyToken = view[key]
                if keyToken.isEscaped {
                    privacyClean = false
                } else if slot >= 0 {
                    let fingerprint = Int(store.propertyFingerprints[propertyStart &+ slot])
                    if fingerprint < 0 || privacy.mayMatch(fingerprint: fingerprint) {
                        // < 0: too long for any rule; conservatively not clean (never happens for shipped schemas).
                        privacyClean = false
                    }
                } else {
                    if privacy.mayMatch(NameMatcher.shape(view.rawString(key), readableEnd: readableEnd)) { privacyClean = false }
                    let valueKind = view[value].kind
                    if valueKind == .object || valueKind == .array { privacyClean = false } // not walked below
                }
            }
            if slot >= 0 {
                let bit: UInt64 = 1 << UInt64(slot)
                if present & bit != 0 {
                    sink.add(key, "duplicate key")
                }
                present |= bit
                if slot == Int(node.pointee.conditionSlot) { conditionValue = value }
                check(node: store.properties[propertyStart + slot].node, token: value)
            } else if !node.pointee.additionalPropertiesAllowed {
                sink.add(key, "unknown field (not in the schema; check the spelling)")
            }
            key = Int(view[value].next)
        }
        if node.pointee.requiredMask & ~present != 0 {
            reportMissing(node.pointee.requiredMask & ~present, node.pointee, index)
        }
        if node.pointee.anyOf.count > 0 {
            checkAnyOf(node.pointee.anyOf, present, node.pointee, index)
        }
        for ruleIndex in Int(node.pointee.rules.start)..<Int(node.pointee.rules.start + node.pointee.rules.count) {
            let rule = store.rules[ruleIndex]
            var holds = rule.ifPresent & present == rule.ifPresent
            if holds, rule.constSlot >= 0 {
                holds = conditionValue >= 0 && view[conditionValue].kind == .string
                    && view.stringEquals(conditionValue, store.bytes(rule.constValue))
            }
            let required = holds ? rule.thenRequired : rule.elseRequired
            if required & ~present != 0 {
                let reason: String
                if rule.constSlot >= 0 {
                    let subject = store.string(store.properties[propertyStart + Int(rule.constSlot)].name)
                    reason = holds ? " when \(subject) is \"\(store.string(rule.constValue))\"" : ""
                } else {
                    let subjects = names(rule.ifPresent, node.pointee)
                    reason = holds ? " when \(subjects) is present" : " unless \(subjects) is present"
                }
                reportMissing(required & ~present, node.pointee, index, reason: reason)
            }
            checkAnyOf(holds ? rule.thenAnyOf : rule.elseAnyOf, present, node.pointee, index)
        }
    }

    private mutating func checkAnyOf(_ groups: TableRange, _ present: UInt64, _ node: SchemaNode, _ index: Int) {
        guard groups.count > 0 else { return }
        var alternatives: [String] = []
        for group in Int(groups.start)..<Int(groups.start + groups.count) {
            let mask = store.requiredGroups[group]
            if mask & present == mask { return }
            alternatives.append(names(mask, node))
        }
        sink.add(index, "one of \(alternatives.joined(separator: " or ")) is required")
    }

    private func names(_ mask: UInt64, _ node: SchemaNode) -> String {
        (0..<Int(node.properties.count)).filter { mask & (1 << UInt64($0)) != 0 }
            .map { store.string(store.properties[Int(node.properties.start) + $0].name) }
            .joined(separator: " and ")
    }

    private mutating func reportMissing(_ missing: UInt64, _ node: SchemaNode, _ index: Int, reason: String = "") {
        for slot in 0..<Int(node.properties.count) where missing & (1 << UInt64(slot)) != 0 {
            let name = store.string(store.properties[Int(node.properties.start) + slot].name)
            sink.add(index, "required field is missing\(reason)", missingField: name)
        }
    }
}
