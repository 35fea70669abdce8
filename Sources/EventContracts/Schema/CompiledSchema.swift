/// JSON types a compiled node accepts (bit set; `0` accepts anything).
struct JSONTypeSet: OptionSet, Sendable {
    let rawValue: UInt8
    static let string = JSONTypeSet(rawValue: 1)
    static let integer = JSONTypeSet(rawValue: 2)
    static let number = JSONTypeSet(rawValue: 4)
    static let boolean = JSONTypeSet(rawValue: 8)
    static let object = JSONTypeSet(rawValue: 16)
    static let array = JSONTypeSet(rawValue: 32)
    static let null = JSONTypeSet(rawValue: 64)

    var names: String {
        var parts: [String] = []
        if contains(.string) { parts.append("string") }
        if contains(.integer) { parts.append("integer") }
        if contains(.number) { parts.append("number") }
        if contains(.boolean) { parts.append("boolean") }
        if contains(.object) { parts.append("object") }
        if contains(.array) { parts.append("array") }
        if contains(.null) { parts.append("null") }
        return parts.joined(separator: " or ")
    }
}

/// A run of bytes in ``SchemaStore/bytes`` (property names, enum values).
struct ByteRange: Sendable {
    var offset: Int32
    var length: Int32
}

/// Several entries of a side table owned by a node.
struct TableRange: Sendable {
    var start: Int32 = 0
    var count: Int32 = 0
}

/// One property of an object node: its name and the node validating its value.
struct PropertyEntry: Sendable {
    var name: ByteRange
    var node: Int32
}

/// The `if`/`then`/`else` subset the seeds need: "if these properties are present (and one of
/// them equals a constant) then require these, else require those", each side possibly with
/// `anyOf` alternatives of required sets.
struct ConditionalRule: Sendable {
    var ifPresent: UInt64
    /// Property slot whose string value must equal `constValue`, or -1.
    var constSlot: Int32
    var constValue: ByteRange
    var thenRequired: UInt64
    var thenAnyOf: TableRange
    var elseRequired: UInt64
    var elseAnyOf: TableRange
}

/// One compiled schema node: plain data, no references, so the validator reads it through a
/// pointer without reference counting.
struct SchemaNode: Sendable {
    var types = JSONTypeSet()
    var format = StringFormat.none
    var minimum = -Double.infinity
    var maximum = Double.infinity
    var minLength: Int32 = 0
    var maxLength: Int32 = .max
    var enumValues = TableRange()
    var items: Int32 = -1
    var minItems: Int32 = 0
    var properties = TableRange()
    var requiredMask: UInt64 = 0
    var additionalPropertiesAllowed = true
    var rules = TableRange()
    var anyOf = TableRange()
    /// The property slot a rule compares to a constant (at most one per object), or -1.
    var conditionSlot: Int32 = -1
    var hasRange: Bool { minimum != -.infinity || maximum != .infinity }
    /// True when a string value needs more than the type check (enum, length or format).
    @inline(__always)
    var hasStringRules: Bool { enumValues.count > 0 || minLength > 0 || maxLength != .max || format != .none }
    /// What a string value needs checked, worked out once when the store is built (the fast path
    /// reads one byte per string instead of five fields).
    var stringCheck = StringCheck()

    struct StringCheck: OptionSet {
        let rawValue: UInt8
        /// ``hasStringRules``.
        static let rules = StringCheck(rawValue: 1)
        /// The node's types leave strings out.
        static let refused = StringCheck(rawValue: 2)
    }
}

/// What a node's string rules say of one (decoded) string: one implementation for the schema walk
/// (which turns failures into messages) and the fast path (which only needs pass/fail).
enum StringRuleOutcome {
    case valid
    /// Valid `date-time`, with its value in µs (normalization reuses it for `occurred_at`).
    case validDateTime(Int64)
    case notInEnum, tooShort, tooLong, wrongFormat
}

/// Every compiled node of every contract, in flat tables allocated once at start-up and never
/// mutated afterwards.
///
/// `@unchecked Sendable`: the buffers are written only in `init` and freed only in `deinit`; in
/// between they are read-only, so concurrent readers cannot race.
final class SchemaStore: @unchecked Sendable {
    /// The names of the properties `node` requires.
    func requiredNames(of node: Int32) -> [String] {
        let entry = nodes[Int(node)]
        return (0..<Int(entry.properties.count)).filter { entry.requiredMask & (1 << UInt64($0)) != 0 }
            .map { string(properties[Int(entry.properties.start) + $0].name) }
    }

    let nodes: UnsafeMutableBufferPointer<SchemaNode>
    let properties: UnsafeMutableBufferPointer<PropertyEntry>
    let enumValues: UnsafeMutableBufferPointer<ByteRange>
    let rules: UnsafeMutableBufferPointer<ConditionalRule>
    let requiredGroups: UnsafeMutableBufferPointer<UInt64>
    let bytes: UnsafeMutableBufferPointer<UInt8>
    /// Length-bucket tables of ``lengthBuckets`` masks each: in a node's property table, bit `slot`
    /// of mask `length` is set when property `slot`'s name is `length` bytes long (the last bucket
    /// also holds longer names); enum tables likewise for enum values. A key (or string) is then
    /// compared only with names of its length, lowest slot first, as a linear scan would.
    let lengthMasks: UnsafeMutableBufferPointer<UInt64>
    /// Per node: offset of its property table in ``lengthMasks``, or -1 (no properties).
    let propertyTable: UnsafeMutableBufferPointer<Int32>
    /// Per node: offset of its enum table in ``lengthMasks``, or -1 (no enum, or more than 64 values).
    let enumTable: UnsafeMutableBufferPointer<Int32>
    static let lengthBuckets = 32
    /// Per property entry: the privacy ``NameMatcher/Shape/fingerprint`` of its name, or -1 when
    /// the name is too long to match any privacy rule. Policy-independent, so the walker can tell
    /// whether a matched key may hit a rule without looking at its bytes again.
    let propertyFingerprints: UnsafeMutableBufferPointer<Int16>

    init(builder: SchemaStoreBuilder) {
        nodes = freeze(builder.nodes.map { node in
            var node = node
            if node.hasStringRules { node.stringCheck.insert(.rules) }
            if !node.types.isEmpty, !node.types.contains(.string) { node.stringCheck.insert(.refused) }
            return node
        })
        properties = freeze(builder.properties)
        enumValues = freeze(builder.enumValues)
        rules = freeze(builder.rules)
        requiredGroups = freeze(builder.requiredGroups)
        bytes = freeze(builder.bytes)
        let buckets = SchemaStore.lengthBuckets
        var masks: [UInt64] = []
        var propertyOffsets = [Int32](repeating: -1, count: builder.nodes.count)
        var enumOffsets = [Int32](repeating: -1, count: builder.nodes.count)
        for (nodeIndex, node) in builder.nodes.enumerated() {
            if node.properties.count > 0 {
                propertyOffsets[nodeIndex] = Int32(masks.count)
                masks.append(contentsOf: repeatElement(0, count: buckets))
                for slot in 0..<Int(node.properties.count) {
                    let length = Int(builder.properties[Int(node.properties.start) + slot].name.length)
                    masks[Int(propertyOffsets[nodeIndex]) + min(length, buckets - 1)] |= 1 << UInt64(slot)
                }
            }
            if node.enumValues.count > 0, node.enumValues.count <= 64 {
                enumOffsets[nodeIndex] = Int32(masks.count)
                masks.append(contentsOf: repeatElement(0, count: buckets))
                for slot in 0..<Int(node.enumValues.count) {
                    let length = Int(builder.enumValues[Int(node.enumValues.start) + slot].length)
                    masks[Int(enumOffsets[nodeIndex]) + min(length, buckets - 1)] |= 1 << UInt64(slot)
                }
            }
        }
        lengthMasks = freeze(masks)
        propertyFingerprints = freeze(builder.properties.map { entry -> Int16 in
            let name = builder.bytes[Int(entry.name.offset)..<Int(entry.name.offset + entry.name.length)]
            let shape = Array(name).withUnsafeBufferPointer { NameMatcher.shape($0) }
            return shape.length < 64 ? Int16(shape.fingerprint) : -1
        })
        propertyTable = freeze(propertyOffsets)
        enumTable = freeze(enumOffsets)
    }

    deinit {
        nodes.baseAddress?.deallocate()
        properties.baseAddress?.deallocate()
        enumValues.baseAddress?.deallocate()
        rules.baseAddress?.deallocate()
        requiredGroups.baseAddress?.deallocate()
        bytes.baseAddress?.deallocate()
        lengthMasks.baseAddress?.deallocate()
        propertyTable.baseAddress?.deallocate()
        enumTable.baseAddress?.deallocate()
        propertyFingerprints.baseAddress?.deallocate()
    }

    @inline(__always)
    func bytes(_ range: ByteRange) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: bytes.baseAddress.map { UnsafePointer($0) + Int(range.offset) }, count: Int(range.length))
    }

    func string(_ range: ByteRange) -> String {
        String(decoding: bytes(range), as: UTF8.self)
    }

    /// Applies the string rules of `node` (number `nodeIndex`) to `text`: enum, then length in
    /// characters (as JSON Schema and VARCHAR(n) count them), then format.
    @inline(__always)
    func checkString(_ node: UnsafePointer<SchemaNode>, _ nodeIndex: Int32, _ text: UnsafeBufferPointer<UInt8>) -> StringRuleOutcome {
        if node.pointee.enumValues.count > 0 {
            var matched = false
            let table = Int(enumTable[Int(nodeIndex)])
            if table >= 0, let textBase = text.baseAddress {
                // Only values of the text's length are compared (see lengthMasks).
                var candidates = lengthMasks[table &+ min(text.count, SchemaStore.lengthBuckets &- 1)]
                while candidates != 0 {
                    let slot = Int(node.pointee.enumValues.start) &+ candidates.trailingZeroBitCount
                    candidates &= candidates &- 1
                    let candidate = bytes(enumValues[slot])
                    if candidate.count == text.count, let candidateBase = candidate.baseAddress, memcmpEqual(candidateBase, textBase, text.count) {
                        matched = true
                        break
                    }
                }
            } else {
                for slot in Int(node.pointee.enumValues.start)..<Int(node.pointee.enumValues.start + node.pointee.enumValues.count) {
                    let candidate = bytes(enumValues[slot])
                    if candidate.count == text.count, let a = candidate.baseAddress, let b = text.baseAddress, memcmpEqual(a, b, text.count) {
                        matched = true
                        break
                    }
                    if candidate.count == 0, text.count == 0 { matched = true; break }
                }
            }
            if !matched { return .notInEnum }
        }
        if node.pointee.minLength > 0 || node.pointee.maxLength != .max {
            // A string of n bytes has between ⌈n/4⌉ and n characters: when that range lies within
            // the limits, no need to count (the common case: ids well inside their limits).
            let bytes = text.count
            if (bytes &+ 3) / 4 < Int(node.pointee.minLength) || bytes > Int(node.pointee.maxLength) {
                var characters: Int32 = 0
                for byte in text where byte & 0xC0 != 0x80 { characters &+= 1 }
                if characters < node.pointee.minLength { return .tooShort }
                if characters > node.pointee.maxLength { return .tooLong }
            }
        }
        switch node.pointee.format {
        case .none: return .valid
        case .dateTime:
            guard let micros = Timestamp.parseMicroseconds(text) else { return .wrongFormat }
            return .validDateTime(micros)
        default:
            return node.pointee.format.matches(text) ? .valid : .wrongFormat
        }
    }
}

/// A table built once and then only read (through its pointer, without reference counting),
/// until the owner's `deinit` deallocates it. Never `nil`-based, even when empty.
func freeze<T>(_ array: [T]) -> UnsafeMutableBufferPointer<T> {
    let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, array.count))
    _ = buffer.initialize(from: array)
    return UnsafeMutableBufferPointer(rebasing: buffer[0..<array.count])
}

/// Mutable tables the compiler appends to; frozen into a ``SchemaStore``.
struct SchemaStoreBuilder {
    var nodes: [SchemaNode] = []
    var properties: [PropertyEntry] = []
    var enumValues: [ByteRange] = []
    var rules: [ConditionalRule] = []
    var requiredGroups: [UInt64] = []
    var bytes: [UInt8] = []

    mutating func intern(_ text: String) -> ByteRange {
        let range = ByteRange(offset: Int32(bytes.count), length: Int32(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
        return range
    }
}
