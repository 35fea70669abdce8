/// PostgreSQL type OIDs this module encodes or decodes (see `pg_type.dat`).
public enum PostgresTypeOID {
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let name: UInt32 = 19
    public static let int8: UInt32 = 20
    public static let int2: UInt32 = 21
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let oid: UInt32 = 26
    public static let json: UInt32 = 114
    public static let float4: UInt32 = 700
    public static let float8: UInt32 = 701
    public static let unknown: UInt32 = 705
    public static let bpchar: UInt32 = 1042
    public static let varchar: UInt32 = 1043
    public static let date: UInt32 = 1082
    public static let timestamp: UInt32 = 1114
    public static let timestamptz: UInt32 = 1184
    public static let numeric: UInt32 = 1700
    public static let uuid: UInt32 = 2950
    public static let jsonb: UInt32 = 3802
    public static let textArray: UInt32 = 1009
    public static let varcharArray: UInt32 = 1015
    public static let int8Array: UInt32 = 1016
    public static let byteaArray: UInt32 = 1001
}

/// Appends PostgreSQL binary-format values to a byte buffer. One implementation serves both bind
/// parameters and `COPY … (FORMAT binary)` rows, so the two can never disagree.
public enum PostgresBinary {
    @inlinable
    public static func appendInt16(_ value: Int16, to buffer: inout [UInt8]) {
        let bits = UInt16(bitPattern: value)
        buffer.append(UInt8(truncatingIfNeeded: bits >> 8))
        buffer.append(UInt8(truncatingIfNeeded: bits))
    }

    @inlinable
    public static func appendInt32(_ value: Int32, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    }

    @inlinable
    public static func appendInt64(_ value: Int64, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    }

    @inlinable
    public static func appendFloat64(_ value: Double, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.bitPattern.bigEndian) { buffer.append(contentsOf: $0) }
    }

    /// A one-dimensional array of already-encoded binary elements (`nil` = NULL).
    public static func appendArray(elementOID: UInt32, elements: [[UInt8]?], to buffer: inout [UInt8]) {
        appendInt32(elements.isEmpty ? 0 : 1, to: &buffer)
        appendInt32(elements.contains(where: { $0 == nil }) ? 1 : 0, to: &buffer)
        appendInt32(Int32(bitPattern: elementOID), to: &buffer)
        guard !elements.isEmpty else { return }
        appendInt32(Int32(elements.count), to: &buffer)
        appendInt32(1, to: &buffer)
        for element in elements {
            guard let element else {
                appendInt32(-1, to: &buffer)
                continue
            }
            appendInt32(Int32(element.count), to: &buffer)
            buffer.append(contentsOf: element)
        }
    }

    /// A one-dimensional `text[]` (NULL elements allowed), element OID `text`.
    public static func appendTextArray(_ values: [String?], to buffer: inout [UInt8]) {
        if values.isEmpty {
            appendInt32(0, to: &buffer)  // ndim
            appendInt32(0, to: &buffer)  // has nulls
            appendInt32(Int32(bitPattern: PostgresTypeOID.text), to: &buffer)
            return
        }
        appendInt32(1, to: &buffer)
        appendInt32(values.contains(where: { $0 == nil }) ? 1 : 0, to: &buffer)
        appendInt32(Int32(bitPattern: PostgresTypeOID.text), to: &buffer)
        appendInt32(Int32(values.count), to: &buffer)
        appendInt32(1, to: &buffer)  // lower bound
        for value in values {
            guard let value else {
                appendInt32(-1, to: &buffer)
                continue
            }
            let utf8 = value.utf8
            appendInt32(Int32(utf8.count), to: &buffer)
            buffer.append(contentsOf: utf8)
        }
    }
}

/// Reads big-endian binary values out of a result cell.
struct BinaryReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func readInt32() throws(PostgresError) -> Int32 {
        guard offset + 4 <= bytes.count else { throw Self.truncated }
        defer { offset += 4 }
        return Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self))
    }

    mutating func readInt16() throws(PostgresError) -> Int16 {
        guard offset + 2 <= bytes.count else { throw Self.truncated }
        defer { offset += 2 }
        return Int16(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int16.self))
    }

    mutating func readBytes(_ count: Int) throws(PostgresError) -> UnsafeRawBufferPointer {
        guard count >= 0, offset + count <= bytes.count else { throw Self.truncated }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }

    static let truncated = PostgresError(code: .decoding, message: "binary value shorter than its header says")
}
