/// Whether bytes that end without a newline already hold a whole JSON document.
///
/// A loader reading a file that is still being written must not take half an event for a bad line.
/// Once the top-level object (or array) has closed, no bytes appended after it can make the line
/// valid JSON, so the line is complete — valid or not. Before it closes, more bytes may still
/// arrive. A line that does not open with `{` or `[` is never taken for complete: events are objects.
public enum JSONCompleteness {
    /// True when the first non-whitespace byte opens an object or array and that value closes
    /// within `bytes` (strings and their escapes skipped; no other validation).
    public static func closesTopLevelValue(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0D || bytes[index] == 0x0A {
            index += 1
        }
        guard index < count, bytes[index] == UInt8(ascii: "{") || bytes[index] == UInt8(ascii: "[") else { return false }
        var depth = 0
        var inString = false
        while index < count {
            let byte = bytes[index]
            index += 1
            if inString {
                if byte == UInt8(ascii: "\\") {
                    index += 1
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return true }
            default: break
            }
        }
        return false
    }

    public static func closesTopLevelValue(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { closesTopLevelValue($0) }
    }
}
