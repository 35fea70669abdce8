/// JSON string output for the few strings Sluice writes itself (verdicts, dead-letter reasons,
/// privacy markers), without Foundation's encoder. One implementation, so every place agrees.
public enum JSONText {
    /// `text` as the UTF-8 bytes of a JSON string literal. Control characters are escaped; NUL
    /// becomes U+FFFD because PostgreSQL's jsonb refuses `\u0000` and these strings end up there.
    public static func quotedBytes(_ text: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        out.reserveCapacity(text.utf8.count + 2)
        let hex = Array("0123456789abcdef".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x00: out.append(contentsOf: Array("\\ufffd".utf8))
            case 0x01..<0x20:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return out
    }

    /// `text` as a JSON string literal.
    public static func quoted(_ text: String) -> String {
        String(decoding: quotedBytes(text), as: UTF8.self)
    }
}

extension FieldError {
    /// `{"field":…,"message":…}`
    public var json: String { #"{"field":\#(JSONText.quoted(field)),"message":\#(JSONText.quoted(message))}"# }

    /// `[{"field":…,"message":…}, …]`
    public static func jsonArray(_ errors: [FieldError]) -> String {
        "[" + errors.map(\.json).joined(separator: ",") + "]"
    }
}
