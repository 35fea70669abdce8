import Foundation

/// A Swift type that can be decoded from a binary-format result value.
public protocol PostgresDecodable: Sendable {
    /// Decodes `bytes` (non-NULL) of a column whose type is `oid`.
    init(postgresBytes bytes: UnsafeRawBufferPointer, oid: UInt32, column: String) throws(PostgresError)
}

private func mismatch(_ swiftType: Any.Type, oid: UInt32, column: String) -> PostgresError {
    PostgresError(code: .decoding, message: "column \"\(column)\" has type OID \(oid), which cannot be decoded as \(swiftType)")
}

private func utf8String(_ bytes: UnsafeRawBufferPointer) -> String {
    String(decoding: bytes, as: UTF8.self)
}

extension String: PostgresDecodable {
    /// Text types as-is; `json`/`jsonb` as their text; `numeric` as its exact decimal text;
    /// `uuid` in canonical form; integers in decimal.
    public init(postgresBytes bytes: UnsafeRawBufferPointer, oid: UInt32, column: String) throws(PostgresError) {
        switch oid {
        case PostgresTypeOID.text, PostgresTypeOID.varchar, PostgresTypeOID.bpchar, PostgresTypeOID.name,
             PostgresTypeOID.json, PostgresTypeOID.unknown:
            self = utf8String(bytes)
        case PostgresTypeOID.jsonb:
            guard let version = bytes.first, version == 1 else {
                throw PostgresError(code: .decoding, message: "column \"\(column)\": unsupported jsonb binary version")
            }
            self = utf8String(UnsafeRawBufferPointer(rebasing: bytes.dropFirst()))
        case PostgresTypeOID.numeric:
            self = try NumericText.decode(bytes)
        case PostgresTypeOID.uuid:
            guard bytes.count == 16 else { throw mismatch(String.self, oid: oid, column: column) }
            let hex = bytes.map { byte in
                let digits = Array("0123456789abcdef".utf8)
                return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]], as: UTF8.self)
            }
            self = [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
        case PostgresTypeOID.int2, PostgresTypeOID.int4, PostgresTypeOID.int8:
            self = String(try Int64(postgresBytes: bytes, oid: oid, column: column))
        default:
            throw mismatch(String.self, oid: oid, column: column)
        }
    }
}

extension Int64: PostgresDecodable {
    public init(postgresBytes bytes: UnsafeRawBufferPointer, oid: UInt32, column: String) throws(PostgresError) {
        switch (oid, bytes.count) {
        case (PostgresTypeOID.int8, 8):
            self = Int64(bigEndian: bytes.loadUnaligned(as: Int64.self))
        case (PostgresTypeOID.int4, 4):
            self = Int64(Int32(bigEndian: bytes.loadUnaligned(as: Int32.self)))
        case (PostgresTypeOID.int2, 2):
            self = Int64(Int16(bigEndian: bytes.loadUnaligned(as: Int16.self)))
        case (PostgresTypeOID.oid, 4):
            self = Int64(UInt32(bigEndian: bytes.loadUnaligned(as: UInt32.self)))
        case (PostgresTypeOID.numeric, _):
            let text = try NumericText.decode(bytes)
            guard let value = Int64(text) else {
                throw PostgresError(code: .decoding, message: "column \"\(column)\": numeric \(text) is not an integer in Int64 range")
            }
            self = value
        default:
            throw mismatch(Int64.self, oid: oid, column: column)
        }
    }
}

extension Int: PostgresDecodable {
    public init(postgresBytes bytes: UnsafeRawBufferPointer, oid: UInt32, column: String) throws(PostgresError) {
        self = Int(try Int64(postgresBytes: bytes, oid: oid, column: column))
    }
}

extension Int32: PostgresDecodable {
    public init(postgresBytes bytes: UnsafeRawBufferPointer, oid: UInt32, column: String) throws(PostgresError) {
        let wide = try Int64(postgresBytes: bytes, oid: oid, column: column)
        guard let value = Int32(exactly: wide) else {
            throw PostgresError(code: .decoding, message: "column \"\(column)\": \(wide) does not fit in Int32")
        }
        self = value
    }
}

extension Double: PostgresDecodable {
    public init(postgresBytes bytes: UnsafeRawBufferPointer, oid: UInt32, column: String) throws(PostgresError) {
        switch (oid, bytes.count) {
        case (PostgresTypeOID.float8, 8):
            self = Double(bitPattern: UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self)))
        case (PostgresTypeOID.float4, 4):
            self = Double(Float(bitPattern: UInt32(bigEndian: bytes.loadUnaligned(as: UInt32.self))))
        case (PostgresTypeOID.numeric, _):
            let text = try NumericText.decode(bytes)
            guard let value = Double(text) else { throw mismatch(Double.self, oid: oid, column: column) }
            self = value
        case (PostgresTypeOID.int2, _), (PostgresTypeOID.int4, _), (PostgresTypeOID.int8, _):
            self = Double(try Int64(postgresBytes: bytes, oid: oid, column: column))
        default:
            throw mismatch(Double.self, oid: oid, column: column)
        }
    }
}

extension Bool: PostgresDecodable {
    public init(postgresBytes bytes: UnsafeRawBufferPointer, oid: UInt32, column: String) throws(PostgresError) {
        guard oid == PostgresTypeOID.bool, bytes.count == 1 else { throw mismatch(Bool.self, oid: oid, column: column) }
        self = bytes[0] != 0
    }
}

extension PostgresTimestamp: PostgresDecodable {
    /// `timestamptz` and `timestamp` (read as UTC), and `date` (its midnight, UTC).
    public init(postgresBytes bytes: UnsafeRawBufferPointer, oid: UInt32, column: String) throws(PostgresError) {
        switch (oid, bytes.count) {
        case (PostgresTypeOID.timestamptz, 8), (PostgresTypeOID.timestamp, 8):
            self.init(postgresMicroseconds: Int64(bigEndian: bytes.loadUnaligned(as: Int64.self)))
        case (PostgresTypeOID.date, 4):
            let days = Int32(bigEndian: bytes.loadUnaligned(as: Int32.self))
            switch days {
            case .max: self = .infinity
            case .min: self = .negativeInfinity
            default: self.init(postgresMicroseconds: Int64(days) * 86_400_000_000)
            }
        default:
            throw mismatch(PostgresTimestamp.self, oid: oid, column: column)
        }
    }
}

extension Date: PostgresDecodable {
    public init(postgresBytes bytes: UnsafeRawBufferPointer, oid: UInt32, column: String) throws(PostgresError) {
        self = try PostgresTimestamp(postgresBytes: bytes, oid: oid, column: column).date
    }
}

extension PostgresBytes: PostgresDecodable {
    public init(postgresBytes bytes: UnsafeRawBufferPointer, oid: UInt32, column: String) throws(PostgresError) {
        guard oid == PostgresTypeOID.bytea else { throw mismatch(PostgresBytes.self, oid: oid, column: column) }
        self.init(Array(bytes))
    }
}

extension PostgresJSONB: PostgresDecodable {
    public init(postgresBytes bytes: UnsafeRawBufferPointer, oid: UInt32, column: String) throws(PostgresError) {
        guard oid == PostgresTypeOID.jsonb || oid == PostgresTypeOID.json else {
            throw mismatch(PostgresJSONB.self, oid: oid, column: column)
        }
        self.init(try String(postgresBytes: bytes, oid: oid, column: column))
    }
}

extension Array: PostgresDecodable where Element == String {
    /// One-dimensional `text[]` / `varchar[]`. A NULL element is an error (it has no `String`).
    public init(postgresBytes bytes: UnsafeRawBufferPointer, oid: UInt32, column: String) throws(PostgresError) {
        guard oid == PostgresTypeOID.textArray || oid == PostgresTypeOID.varcharArray else {
            throw mismatch([String].self, oid: oid, column: column)
        }
        var reader = BinaryReader(bytes)
        let dimensions = try reader.readInt32()
        _ = try reader.readInt32()  // has-nulls flag
        _ = try reader.readInt32()  // element OID
        guard dimensions <= 1 else {
            throw PostgresError(code: .decoding, message: "column \"\(column)\": \(dimensions)-dimensional arrays are not supported")
        }
        var values: [String] = []
        if dimensions == 1 {
            let count = try reader.readInt32()
            _ = try reader.readInt32()  // lower bound
            values.reserveCapacity(Int(count))
            for _ in 0..<count {
                let length = try reader.readInt32()
                guard length >= 0 else {
                    throw PostgresError(code: .decoding, message: "column \"\(column)\": array has a NULL element")
                }
                values.append(utf8String(try reader.readBytes(Int(length))))
            }
        }
        self = values
    }
}

/// PostgreSQL's binary `numeric` (base-10000 digits) rendered as exact decimal text.
enum NumericText {
    static func decode(_ bytes: UnsafeRawBufferPointer) throws(PostgresError) -> String {
        var reader = BinaryReader(bytes)
        let digitCount = Int(try reader.readInt16())
        let weight = Int(try reader.readInt16())
        let sign = UInt16(bitPattern: try reader.readInt16())
        let displayScale = Int(try reader.readInt16())
        switch sign {
        case 0xC000: return "NaN"
        case 0xD000: return "Infinity"
        case 0xF000: return "-Infinity"
        default: break
        }
        var digits: [Int] = []
        for _ in 0..<digitCount { digits.append(Int(try reader.readInt16())) }
        func digit(_ index: Int) -> Int { index >= 0 && index < digits.count ? digits[index] : 0 }

        var text = sign == 0x4000 ? "-" : ""
        if weight < 0 {
            text += "0"
        } else {
            text += String(digit(0))
            if weight >= 1 {
                for index in 1...weight { text += pad4(digit(index)) }
            }
        }
        if displayScale > 0 {
            var fraction = ""
            var index = weight + 1
            while fraction.count < displayScale {
                fraction += pad4(digit(index))
                index += 1
            }
            text += "." + fraction.prefix(displayScale)
        }
        return text
    }

    private static func pad4(_ value: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }
}
