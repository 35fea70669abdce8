/// Read access to one parsed line: its bytes and its tape, both borrowed for the duration of a
/// `process` call. Everything here works on offsets; `String`s are made only for values that end
/// up in a ``CanonicalEvent`` or an error message.
struct JSONView {
    let bytes: UnsafePointer<UInt8>
    let tokens: UnsafeBufferPointer<JSONToken>

    @inline(__always)
    subscript(_ index: Int) -> JSONToken { tokens[index] }

    /// Raw bytes of a value as they appear in the line (strings include their quotes).
    func rawValue(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let token = tokens[index]
        switch token.kind {
        case .string:
            return UnsafeBufferPointer(start: bytes + Int(token.start) - 1, count: Int(token.end - token.start) + 2)
        case .object, .array, .number, .trueLiteral, .falseLiteral, .null:
            return UnsafeBufferPointer(start: bytes + Int(token.start), count: Int(token.end - token.start))
        }
    }

    /// The undecoded contents of a string token (between the quotes).
    @inline(__always)
    func rawString(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let token = tokens[index]
        return UnsafeBufferPointer(start: bytes + Int(token.start), count: Int(token.end - token.start))
    }

    /// The decoded UTF-8 bytes of a string token (escapes resolved).
    func decodedString(_ index: Int) -> [UInt8] {
        let raw = rawString(index)
        guard tokens[index].isEscaped else { return Array(raw) }
        return JSONView.unescape(raw)
    }

    /// Calls `body` with the decoded bytes of a string token, without copying when it has no escapes.
    @inline(__always)
    func withString<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if !tokens[index].isEscaped { return body(rawString(index)) }
        let decoded = JSONView.unescape(rawString(index))
        return decoded.withUnsafeBufferPointer(body)
    }

    /// A Swift `String` for a string token (the reader already proved it is valid UTF-8).
    func string(_ index: Int) -> String {
        withString(index) { String(decoding: $0, as: UTF8.self) }
    }

    /// True when the string token's decoded contents equal `expected`.
    @inline(__always)
    func stringEquals(_ index: Int, _ expected: UnsafeBufferPointer<UInt8>) -> Bool {
        let token = tokens[index]
        if !token.isEscaped {
            let length = Int(token.end - token.start)
            guard length == expected.count else { return false }
            guard let expectedBase = expected.baseAddress else { return length == 0 }
            return memcmpEqual(bytes + Int(token.start), expectedBase, length)
        }
        return withString(index) { decoded in
            decoded.count == expected.count && zip(decoded, expected).allSatisfy { $0 == $1 }
        }
    }

    func stringEquals(_ index: Int, _ expected: StaticString) -> Bool {
        stringEquals(index, UnsafeBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount))
    }

    /// The value token of member `name` in the object at `object`, if present (last one wins, as in jsonb).
    func member(_ object: Int, _ name: StaticString) -> Int? {
        member(object, UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    }

    /// The value of member `name` (the last one, as JSON readers do), or nil.
    func member(_ object: Int, named name: String) -> Int? {
        var name = name
        return name.withUTF8 { member(object, $0) }
    }

    private func member(_ object: Int, _ expected: UnsafeBufferPointer<UInt8>) -> Int? {
        var found: Int?
        var index = object + 1
        let end = Int(tokens[object].next)
        while index < end {
            let value = index + 1
            if stringEquals(index, expected) { found = value }
            index = Int(tokens[value].next)
        }
        return found
    }

    /// Visits each `(keyIndex, valueIndex)` of the object at `object`.
    @inline(__always)
    func forEachMember(_ object: Int, _ body: (Int, Int) -> Void) {
        var index = object + 1
        let end = Int(tokens[object].next)
        while index < end {
            body(index, index + 1)
            index = Int(tokens[index + 1].next)
        }
    }

    /// The numeric value of a number token (exact for integers up to 2^53 and short decimals).
    func double(_ index: Int) -> Double {
        let token = tokens[index]
        return JSONView.parseDouble(UnsafeBufferPointer(start: bytes + Int(token.start), count: Int(token.end - token.start)))
    }

    /// True when a number token denotes an integer (`5`, `5.0`, `5e2`), as JSON Schema defines it:
    /// decided on the text, so `2.0000000000000000001` is not one (as a Double it would be 2).
    func isInteger(_ index: Int) -> Bool {
        let token = tokens[index]
        if token.flags & JSONToken.integerSyntax != 0 { return true }
        return JSONBytes.isIntegral(UnsafeBufferPointer(start: bytes + Int(token.start), count: Int(token.end - token.start)))
    }

    static func parseDouble(_ text: UnsafeBufferPointer<UInt8>) -> Double {
        var index = 0
        var negative = false
        if index < text.count, text[index] == UInt8(ascii: "-") { negative = true; index += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        while index < text.count, text[index] &- 48 < 10 {
            if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(text[index] - 48); digits += mantissa == 0 ? 0 : 1 } else { exponent += 1 }
            index += 1
        }
        if index < text.count, text[index] == UInt8(ascii: ".") {
            index += 1
            while index < text.count, text[index] &- 48 < 10 {
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(text[index] - 48); digits += mantissa == 0 ? 0 : 1; exponent -= 1 }
                index += 1
            }
        }
        if index < text.count, text[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var expNegative = false
            if index < text.count, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
                expNegative = text[index] == UInt8(ascii: "-"); index += 1
            }
            var value = 0
            while index < text.count, text[index] &- 48 < 10 {
                if value < 100_000 { value = value * 10 + Int(text[index] - 48) }
                index += 1
            }
            exponent += expNegative ? -value : value
        }
        var result = Double(mantissa)
        if mantissa != 0 {
            if exponent >= -22, exponent <= 22, mantissa < (1 << 53) {
                result = exponent >= 0 ? result * powersOfTen[exponent] : result / powersOfTen[-exponent]
            } else {
                // Rare: let the standard library round correctly.
                result = Double(String(decoding: text, as: UTF8.self)) ?? result
                return result
            }
        }
        return negative ? -result : result
    }

    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// Resolves JSON escapes in a string the reader already validated.
    static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < raw.count else {
                out.append(byte); index += 1; continue
            }
            let code = raw[index + 1]
            index += 2
            switch code {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = UInt32(hexQuad(raw, index))
                index += 4
                if scalar >= 0xD800, scalar <= 0xDBFF, index + 6 <= raw.count {
                    let low = UInt32(hexQuad(raw, index + 2))
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                }
                appendUTF8(scalar, to: &out)
            default: out.append(code)
            }
        }
        return out
    }

    private static func hexQuad(_ raw: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt16 {
        var value: UInt16 = 0
        for offset in 0..<4 where at + offset < raw.count {
            value = value << 4 | UInt16(hexValue(raw[at + offset]) ?? 0)
        }
        return value
    }

    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80: out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (scalar >> 6))); out.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (scalar >> 12))); out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (scalar >> 18))); out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F))); out.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }
}

/// Byte equality of two ranges of `count` bytes, a word at a time: keys and enum values are short,
/// so a byte loop (one unpredictable branch per byte) cost more than the comparison itself. Only
/// bytes inside both ranges are read (overlapping loads cover the tail).
@inline(__always)
func memcmpEqual(_ lhs: UnsafePointer<UInt8>, _ rhs: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    let a = UnsafeRawPointer(lhs)
    let b = UnsafeRawPointer(rhs)
    if count >= 8 {
        var offset = 0
        while offset &+ 8 < count {
            if a.loadUnaligned(fromByteOffset: offset, as: UInt64.self) != b.loadUnaligned(fromByteOffset: offset, as: UInt64.self) {
                return false
            }
            offset &+= 8
        }
        return a.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
    }
    if count >= 4 {
        return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
            && a.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self) == b.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
    }
    if count >= 2 {
        return a.loadUnaligned(as: UInt16.self) == b.loadUnaligned(as: UInt16.self)
            && a.loadUnaligned(fromByteOffset: count &- 2, as: UInt16.self) == b.loadUnaligned(fromByteOffset: count &- 2, as: UInt16.self)
    }
    return count == 0 || lhs[0] == rhs[0]
}

/// A small JSON tree, used only at start-up to compile schema documents (never on the hot path).
indirect enum JSONValue: Sendable, Equatable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case let (.object(a), .object(b)): return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.array(a), .array(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }

    /// Parses a whole document with the same strict reader the validator uses.
    static func parse(_ text: String) -> Result<JSONValue, JSONSyntaxError> {
        var utf8 = Array(text.utf8)
        return utf8.withUnsafeMutableBytes { buffer in
            switch JSONTapeReader.read(UnsafeRawBufferPointer(buffer), maxDepth: 256) {
            case .failure(let error): return .failure(error)
            case .success(let tape):
                return tape.tokens.withUnsafeBufferPointer { tokens in
                    guard let base = buffer.baseAddress else { return .success(.null) }
                    let view = JSONView(bytes: UnsafePointer(base.assumingMemoryBound(to: UInt8.self)), tokens: tokens)
                    return .success(build(view, 0))
                }
            }
        }
    }

    private static func build(_ view: JSONView, _ index: Int) -> JSONValue {
        switch view[index].kind {
        case .object:
            var members: [(String, JSONValue)] = []
            view.forEachMember(index) { key, value in members.append((view.string(key), build(view, value))) }
            return .object(members)
        case .array:
            var items: [JSONValue] = []
            var child = index + 1
            while child < Int(view[index].next) { items.append(build(view, child)); child = Int(view[child].next) }
            return .array(items)
        case .string: return .string(view.string(index))
        case .number: return .number(view.double(index))
        case .trueLiteral: return .bool(true)
        case .falseLiteral: return .bool(false)
        case .null: return .null
        }
    }

    subscript(_ key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.0 == key }?.1
    }
}
