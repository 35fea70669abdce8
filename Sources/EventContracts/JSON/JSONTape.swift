/// One value (or object key) of a parsed JSON document, as stored on a ``JSONTape``.
///
/// Offsets are byte offsets into the line that was parsed; strings are stored raw (escapes not
/// decoded) between `start` and `end`, so the common escape-free case never copies.
struct JSONToken: Sendable {
    enum Kind: UInt8, Sendable {
        case object, array, string, number, trueLiteral, falseLiteral, null
    }

    var kind: Kind
    /// For strings: ``JSONToken/hasEscape``. For numbers: ``JSONToken/integerSyntax``.
    var flags: UInt8
    /// Strings: first byte after the opening quote. Others: first byte of the value.
    var start: Int32
    /// Strings: offset of the closing quote. Others: one past the last byte.
    var end: Int32
    /// Index of the first token after this value's subtree (for skipping containers).
    var next: Int32

    static let hasEscape: UInt8 = 1
    static let integerSyntax: UInt8 = 2

    var isEscaped: Bool { flags & JSONToken.hasEscape != 0 }
}

/// Why a line is not a JSON document we accept, with the byte offset where reading stopped.
struct JSONSyntaxError: Error, Sendable {
    var offset: Int
    var message: String
    /// The fault is in the content of a string value (a `\u0000`, invalid UTF-8, a control
    /// character, a bad escape), not in the line's structure: it is reported at that value's field.
    var inString = false
}

/// Limits the reader enforces before any schema is consulted.
public struct ReaderLimits: Sendable, Equatable {
    /// Longest accepted line in bytes (default 1 MiB).
    public var maxLineBytes: Int
    /// Deepest accepted nesting of objects and arrays (default 64).
    public var maxDepth: Int

    /// Creates limits; the defaults are 1 MiB lines and nesting depth 64.
    public init(maxLineBytes: Int = 1 << 20, maxDepth: Int = 64) {
        self.maxLineBytes = maxLineBytes
        self.maxDepth = maxDepth
    }
}

/// A flat, pre-order list of the values of one JSON document (a "tape"), produced in one pass over
/// the bytes by ``JSONTapeReader``. Children follow their container; `next` skips a subtree.
struct JSONTape: Sendable {
    var tokens: ContiguousArray<JSONToken> = []
}

/// A byte-level, strict RFC 8259 reader: validates UTF-8 (no overlongs, no surrogates), refuses
/// `\u0000` and unpaired surrogate escapes (PostgreSQL jsonb refuses both), control characters in
/// strings, trailing bytes, and nesting deeper than the limit. No Foundation, no allocation per value.
///
/// Tokens are written into caller-owned storage (``read(_:maxDepth:into:)``): every token starts at
/// a distinct byte of the line, so `bytes.count` tokens always suffice and the hot path needs no
/// growable array (no capacity or uniqueness checks per value, no allocation per line).
struct JSONTapeReader {
    private let base: UnsafePointer<UInt8>
    private let count: Int
    private let maxDepth: Int
    private var position = 0
    private let tokens: UnsafeMutablePointer<JSONToken>
    private var tokenCount = 0
    private var failure: JSONSyntaxError?

    private init(base: UnsafePointer<UInt8>, count: Int, maxDepth: Int, tokens: UnsafeMutablePointer<JSONToken>) {
        self.base = base
        self.count = count
        self.maxDepth = maxDepth
        self.tokens = tokens
    }

    /// Tokens ``read(_:maxDepth:into:)`` may write for a line of `byteCount` bytes.
    @inline(__always)
    static func capacity(forByteCount byteCount: Int) -> Int { max(1, byteCount) }

    /// Reads one document filling the whole buffer (surrounding whitespace allowed) into `storage`
    /// (at least ``capacity(forByteCount:)`` tokens) and returns how many tokens it wrote.
    static func read(_ bytes: UnsafeRawBufferPointer, maxDepth: Int,
                     into storage: UnsafeMutableBufferPointer<JSONToken>) -> Result<Int, JSONSyntaxError> {
        guard let raw = bytes.baseAddress, bytes.count > 0 else {
            return .failure(JSONSyntaxError(offset: 0, message: "empty line: expected a JSON object"))
        }
        guard let tokens = storage.baseAddress, storage.count >= capacity(forByteCount: bytes.count) else {
            return .failure(JSONSyntaxError(offset: 0, message: "internal: token storage too small"))
        }
        var reader = JSONTapeReader(base: raw.assumingMemoryBound(to: UInt8.self), count: bytes.count, maxDepth: maxDepth, tokens: tokens)
        reader.skipWhitespace()
        reader.readValue(depth: 0)
        if reader.failure == nil {
            reader.skipWhitespace()
            if reader.position < reader.count {
                reader.fail("unexpected bytes after the JSON value")
            }
        }
        if let failure = reader.failure { return .failure(failure) }
        return .success(reader.tokenCount)
    }

    /// Reads one document into a fresh ``JSONTape`` (start-up and tests; the hot path uses
    /// ``read(_:maxDepth:into:)`` with stack storage).
    static func read(_ bytes: UnsafeRawBufferPointer, maxDepth: Int) -> Result<JSONTape, JSONSyntaxError> {
        let capacity = capacity(forByteCount: bytes.count)
        let storage = UnsafeMutableBufferPointer<JSONToken>.allocate(capacity: capacity)
        defer { storage.deallocate() }
        switch read(bytes, maxDepth: maxDepth, into: storage) {
        case .failure(let error): return .failure(error)
        case .success(let written): return .success(JSONTape(tokens: ContiguousArray(storage[0..<written])))
        }
    }

    /// Appends a token; the capacity argument above guarantees room (one token per starting byte).
    @inline(__always)
    private mutating func append(_ token: JSONToken) {
        (tokens + tokenCount).initialize(to: token)
        tokenCount &+= 1
    }

    private mutating func fail(_ message: String, inString: Bool = false) {
        if failure == nil { failure = JSONSyntaxError(offset: position, message: message, inString: inString) }
        // Jump to the end so every loop terminates at once.
        position = count
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while position < count {
            let byte = base[position]
            if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                position &+= 1
            } else {
                return
            }
        }
    }

    private mutating func readValue(depth: Int) {
        guard position < count else { return fail("unexpected end of line: expected a value") }
        switch base[position] {
        case UInt8(ascii: "{"): readObject(depth: depth + 1)
        case UInt8(ascii: "["): readArray(depth: depth + 1)
        case UInt8(ascii: "\""): readString()
        case UInt8(ascii: "t"): readLiteral("true", kind: .trueLiteral)
        case UInt8(ascii: "f"): readLiteral("false", kind: .falseLiteral)
        case UInt8(ascii: "n"): readLiteral("null", kind: .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): readNumber()
        default: fail("unexpected character: expected a JSON value")
        }
    }

    private mutating func readLiteral(_ word: StaticString, kind: JSONToken.Kind) {
        let length = word.utf8CodeUnitCount
        guard count - position >= length else { return fail("invalid literal") }
        let literal = word.utf8Start
        for index in 0..<length where base[position + index] != literal[index] {
            return fail("invalid literal")
        }
        append(JSONToken(kind: kind, flags: 0, start: Int32(position), end: Int32(position + length),
                         next: Int32(tokenCount + 1)))
        position += length
    }

    private mutating func readObject(depth: Int) {
        guard depth <= maxDepth else { return fail("nesting deeper than \(maxDepth) levels") }
        let tokenIndex = tokenCount
        append(JSONToken(kind: .object, flags: 0, start: Int32(position), end: 0, next: 0))
        position &+= 1
        skipWhitespace()
        if position < count, base[position] == UInt8(ascii: "}") {
            position &+= 1
        } else {
            while failure == nil {
                guard position < count, base[position] == UInt8(ascii: "\"") else {
                    return fail("expected a string key")
                }
                readString()
                skipWhitespace()
                guard position < count, base[position] == UInt8(ascii: ":") else {
                    return fail("expected ':' after the key")
                }
                position &+= 1
                skipWhitespace()
                readValue(depth: depth)
                skipWhitespace()
                guard position < count else { return fail("unterminated object") }
                let byte = base[position]
                position &+= 1
                if byte == UInt8(ascii: ",") {
                    skipWhitespace()
                } else if byte == UInt8(ascii: "}") {
                    break
                } else {
                    position &-= 1
                    return fail("expected ',' or '}' in object")
                }
            }
        }
        tokens[tokenIndex].end = Int32(position)
        tokens[tokenIndex].next = Int32(tokenCount)
    }

    private mutating func readArray(depth: Int) {
        guard depth <= maxDepth else { return fail("nesting deeper than \(maxDepth) levels") }
        let tokenIndex = tokenCount
        append(JSONToken(kind: .array, flags: 0, start: Int32(position), end: 0, next: 0))
        position &+= 1
        skipWhitespace()
        if position < count, base[position] == UInt8(ascii: "]") {
            position &+= 1
        } else {
            while failure == nil {
                readValue(depth: depth)
                skipWhitespace()
                guard position < count else { return fail("unterminated array") }
                let byte = base[position]
                position &+= 1
                if byte == UInt8(ascii: ",") {
                    skipWhitespace()
                } else if byte == UInt8(ascii: "]") {
                    break
                } else {
                    position &-= 1
                    return fail("expected ',' or ']' in array")
                }
            }
        }
        tokens[tokenIndex].end = Int32(position)
        tokens[tokenIndex].next = Int32(tokenCount)
    }

    private mutating func readNumber() {
        let start = position
        switch JSONBytes.number(base, start, count) {
        case .valid(let end, let integer):
            position = end
            append(JSONToken(kind: .number, flags: integer ? JSONToken.integerSyntax : 0, start: Int32(start),
                             end: Int32(end), next: Int32(tokenCount + 1)))
        case .invalid(let at, let message):
            position = at
            fail(message)
        }
    }

    @inline(__always)
    private mutating func readString() {
        position &+= 1
        let start = position
        var flags: UInt8 = 0
        while true {
            skipPlainStringBytes()
            guard position < count else { return fail("unterminated string") }
            let byte = base[position]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") {
                flags = JSONToken.hasEscape
                readEscape()
            } else if byte < 0x20 {
                return fail("control character in string (escape it)", inString: true)
            } else if byte >= 0x80 {
                readMultiByteScalar(lead: byte)
            } else {
                position &+= 1
            }
            if failure != nil { return }
        }
        append(JSONToken(kind: .string, flags: flags, start: Int32(start), end: Int32(position),
                         next: Int32(tokenCount + 1)))
        position &+= 1
    }

    @inline(__always)
    private mutating func skipPlainStringBytes() {
        position = JSONBytes.plainStringEnd(base, position, count)
    }

    private mutating func readEscape() {
        guard position + 1 < count else { return fail("unterminated escape") }
        let code = base[position + 1]
        switch code {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            position &+= 2
        case UInt8(ascii: "u"):
            guard let unit = hexUnit(at: position + 2) else { return fail("invalid \\u escape", inString: true) }
            if unit == 0 { return fail("\\u0000 is not allowed in strings (PostgreSQL jsonb refuses it)", inString: true) }
            if unit >= 0xDC00, unit <= 0xDFFF { return fail("unpaired low surrogate escape", inString: true) }
            if unit >= 0xD800, unit <= 0xDBFF {
                guard position + 11 < count, base[position + 6] == UInt8(ascii: "\\"), base[position + 7] == UInt8(ascii: "u"),
                      let low = hexUnit(at: position + 8), low >= 0xDC00, low <= 0xDFFF else {
                    return fail("unpaired high surrogate escape", inString: true)
                }
                position &+= 12
            } else {
                position &+= 6
            }
        default:
            fail("invalid escape sequence", inString: true)
        }
    }

    private func hexUnit(at offset: Int) -> UInt16? {
        guard offset + 4 <= count else { return nil }
        var value: UInt16 = 0
        for index in offset..<(offset + 4) {
            guard let digit = hexValue(base[index]) else { return nil }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    private mutating func readMultiByteScalar(lead: UInt8) {
        let length = JSONBytes.scalarLength(base, position, count)
        if length > 0 {
            position &+= length
        } else {
            fail(length == 0 ? "invalid UTF-8" : "invalid UTF-8 (truncated sequence)", inString: true)
        }
    }
}

/// Byte-level pieces shared by ``JSONTapeReader`` and the fast path (``FastLineScanner``), so
/// both accept exactly the same strings.
enum JSONBytes {
    /// Whether a valid JSON number's text denotes an integer, decided exactly on its digits:
    /// `-12`, `5.0`, `5e2`, `1.5e1` and `1200e-2` are integers; `2.0000000000000000001` and `15e-1`
    /// are not. (Through a Double, the first of those would round to 2 and pass.)
    static func isIntegral(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let count = text.count
        if index < count, text[index] == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        while index < count, text[index] &- 48 < 10 { index += 1 }
        let integerEnd = index
        var fractionStart = index
        var fractionEnd = index
        if index < count, text[index] == UInt8(ascii: ".") {
            index += 1
            fractionStart = index
            while index < count, text[index] &- 48 < 10 { index += 1 }
            fractionEnd = index
        }
        var exponent = 0
        if index < count, text[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var negative = false
            if index < count, text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+") {
                negative = text[index] == UInt8(ascii: "-")
                index += 1
            }
            while index < count, text[index] &- 48 < 10 {
                // Saturate: an exponent beyond any digit count decides the same way as a huge one.
                exponent = min(exponent * 10 + Int(text[index] - 48), 1 << 40)
                index += 1
            }
            if negative { exponent = -exponent }
        }
        // The digits as one string D = integer digits + fraction digits; the decimal point sits
        // after `point` of them. The value is an integer when every digit at or after the point is 0.
        let integerDigits = integerEnd - integerStart
        let point = integerDigits + exponent
        let totalDigits = integerDigits + (fractionEnd - fractionStart)
        if point >= totalDigits { return true }
        for digitIndex in max(0, point)..<totalDigits {
            let position = digitIndex < integerDigits ? integerStart + digitIndex : fractionStart + digitIndex - integerDigits
            if text[position] != UInt8(ascii: "0") { return false }
        }
        return true
    }

    enum NumberScan {
        /// One past the number's last byte; `integer` when written without fraction or exponent.
        case valid(end: Int, integer: Bool)
        case invalid(at: Int, message: String)
    }

    /// Reads the RFC 8259 number starting at `start` (the one grammar both readers use).
    @inline(__always)
    static func number(_ base: UnsafePointer<UInt8>, _ start: Int, _ count: Int) -> NumberScan {
        var position = start
        var integer = true
        @inline(__always) func digit(_ at: Int) -> Bool { at < count && base[at] &- UInt8(ascii: "0") < 10 }
        if base[position] == UInt8(ascii: "-") { position &+= 1 }
        guard position < count else { return .invalid(at: position, message: "invalid number") }
        if base[position] == UInt8(ascii: "0") {
            position &+= 1
        } else if digit(position) {
            while digit(position) { position &+= 1 }
        } else {
            return .invalid(at: position, message: "invalid number")
        }
        if position < count, base[position] == UInt8(ascii: ".") {
            integer = false
            position &+= 1
            guard digit(position) else { return .invalid(at: position, message: "invalid number: digit expected after '.'") }
            while digit(position) { position &+= 1 }
        }
        if position < count, base[position] | 0x20 == UInt8(ascii: "e") {
            integer = false
            position &+= 1
            if position < count, base[position] == UInt8(ascii: "+") || base[position] == UInt8(ascii: "-") { position &+= 1 }
            guard digit(position) else { return .invalid(at: position, message: "invalid number: digit expected in exponent") }
            while digit(position) { position &+= 1 }
        }
        return .valid(end: position, integer: integer)
    }

    /// The offset of the first byte at or after `position` that is not printable ASCII other than
    /// `"` and `\` (or `count`), eight bytes at a time (SWAR).
    @inline(__always)
    static func plainStringEnd(_ base: UnsafePointer<UInt8>, _ start: Int, _ count: Int) -> Int {
        var position = start
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while position &+ 8 <= count {
            let word = UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self)
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            // A high bit survives iff some byte is `"`, `\`, < 0x20, or >= 0x80 (exact for "any").
            let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)
                | ((word &- ones &* 0x20) & ~word) | word
            let flagged = special & highs
            if flagged != 0 {
                // Borrows only run upward, so the lowest flagged byte is the first special one.
                return position &+ flagged.trailingZeroBitCount &>> 3
            }
            position &+= 8
        }
        while position < count {
            let byte = base[position]
            if byte < 0x20 || byte >= 0x80 || byte == 0x22 || byte == 0x5C { return position }
            position &+= 1
        }
        return position
    }

    /// Length (2–4) of the UTF-8 scalar whose lead byte (>= 0x80) is at `position`, under RFC 3629
    /// (no overlongs, surrogates or > U+10FFFF); 0 when invalid, -1 when cut off by the end.
    static func scalarLength(_ base: UnsafePointer<UInt8>, _ position: Int, _ count: Int) -> Int {
        let length: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch base[position] {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: return 0
        }
        guard position + length <= count else { return -1 }
        let second = base[position + 1]
        guard second >= lower, second <= upper else { return 0 }
        for index in 2..<max(2, length) where base[position + index] & 0xC0 != 0x80 {
            return 0
        }
        return length
    }
}

@inline(__always)
func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}
