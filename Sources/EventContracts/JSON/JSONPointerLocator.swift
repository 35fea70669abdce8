/// Finds the JSON Pointer of the value at a byte offset of a line the strict reader refused, so a
/// `\u0000` or a byte of invalid UTF-8 inside a string is reported at its field (`/data/query`)
/// like any other rule, not at the line.
///
/// A lenient structural scan: it follows braces, brackets, commas, colons and strings (escapes
/// skipped) without validating anything, up to the offset.
enum JSONPointerLocator {
    private enum Frame {
        case object(key: String?, expectingKey: Bool)
        case array(index: Int)
    }

    /// The pointer of the innermost value that contains `offset`; for an offset inside a member's
    /// key, the pointer of the object holding it. `""` (the whole line) when the offset is outside
    /// every value.
    static func pointer(at offset: Int, in bytes: UnsafeRawBufferPointer) -> String {
        var stack: [Frame] = []
        var index = 0
        let count = bytes.count

        func path(includingTop: Bool) -> String {
            var text = ""
            for (depth, frame) in stack.enumerated() {
                if depth == stack.count - 1 && !includingTop { break }
                switch frame {
                case .object(let key, _):
                    guard let key else { continue }
                    text += "/" + key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
                case .array(let position):
                    text += "/\(position)"
                }
            }
            return text
        }

        while index < count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"):
                if index >= offset { return path(includingTop: true) }
                stack.append(.object(key: nil, expectingKey: true))
                index += 1
            case UInt8(ascii: "["):
                if index >= offset { return path(includingTop: true) }
                stack.append(.array(index: 0))
                index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if index >= offset { return path(includingTop: false) }
                if !stack.isEmpty { stack.removeLast() }
                index += 1
            case UInt8(ascii: ","):
                if index >= offset { return path(includingTop: false) }
                switch stack.last {
                case .array(let position): stack[stack.count - 1] = .array(index: position + 1)
                case .object: stack[stack.count - 1] = .object(key: nil, expectingKey: true)
                case nil: break
                }
                index += 1
            case UInt8(ascii: ":"):
                if case .object(let key, _) = stack.last { stack[stack.count - 1] = .object(key: key, expectingKey: false) }
                index += 1
            case UInt8(ascii: "\""):
                var end = index + 1
                while end < count, bytes[end] != UInt8(ascii: "\"") {
                    end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1
                }
                let isKey: Bool
                if case .object(_, true) = stack.last { isKey = true } else { isKey = false }
                if offset <= end { return path(includingTop: !isKey) }
                if isKey {
                    let raw = UnsafeRawBufferPointer(rebasing: bytes[(index + 1)..<min(end, count)])
                    stack[stack.count - 1] = .object(key: decodeLeniently(raw), expectingKey: true)
                }
                index = end + 1
            default:
                if index >= offset, byte > 0x20 { return path(includingTop: true) }
                index += 1
            }
        }
        return path(includingTop: true)
    }

    static func pointer(at offset: Int, in bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { pointer(at: offset, in: $0) }
    }

    /// A key's text with its escapes resolved; anything malformed is kept as it is.
    private static func decodeLeniently(_ raw: UnsafeRawBufferPointer) -> String {
        var scalars = String.UnicodeScalarView()
        var units: [UInt8] = []
        var index = 0
        func flush() {
            scalars.append(contentsOf: String(decoding: units, as: UTF8.self).unicodeScalars)
            units.removeAll()
        }
        while index < raw.count {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < raw.count else {
                units.append(byte)
                index += 1
                continue
            }
            flush()
            let code = raw[index + 1]
            switch code {
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "u"):
                var value: UInt32 = 0
                var valid = index + 6 <= raw.count
                if valid {
                    for digit in raw[(index + 2)..<(index + 6)] {
                        guard let nibble = hexValue(digit) else { valid = false; break }
                        value = value << 4 | UInt32(nibble)
                    }
                }
                if valid, let scalar = Unicode.Scalar(value) {
                    scalars.append(scalar)
                    index += 6
                    continue
                }
                scalars.append("\u{FFFD}")
            default: scalars.append(Unicode.Scalar(code))
            }
            index += 2
        }
        flush()
        return String(scalars)
    }
}
