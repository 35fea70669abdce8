import Foundation

/// One bind parameter as libpq sends it: a type OID (0 lets the server infer), a format
/// (0 text, 1 binary) and the bytes, or `nil` for SQL NULL.
public struct PostgresBind: Sendable {
    public var oid: UInt32
    public var format: Int32
    public var bytes: [UInt8]?

    public init(oid: UInt32, format: Int32, bytes: [UInt8]?) {
        self.oid = oid
        self.format = format
        self.bytes = bytes
    }

    public static let null = PostgresBind(oid: 0, format: 0, bytes: nil)
}

/// A Swift value that can be sent as a bind parameter.
public protocol PostgresEncodable: Sendable {
    var postgresBind: PostgresBind { get }
}

/// A statement with its parameters. Interpolated values become `$n` parameters; raw SQL must be
/// spelled `\(unsafeSQL: …)`, so input can never be spliced into SQL by accident:
///
///     let rows = try await connection.query("SELECT id FROM events WHERE user_id = \(userID)")
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public var sql: String
    public var binds: [PostgresBind]

    /// Raw SQL with explicit binds. The caller vouches the SQL holds no input.
    public init(unsafeSQL sql: String, binds: [PostgresBind] = []) {
        self.sql = sql
        self.binds = binds
    }

    public init(stringLiteral value: String) {
        self.sql = value
        self.binds = []
    }

    public init(stringInterpolation: StringInterpolation) {
        self.sql = stringInterpolation.sql
        self.binds = stringInterpolation.binds
    }

    public var description: String { sql }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var binds: [PostgresBind] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) { sql += literal }

        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            binds.append(value.postgresBind)
            sql += "$\(binds.count)"
        }

        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            binds.append(value?.postgresBind ?? .null)
            sql += "$\(binds.count)"
        }

        /// Splices SQL text as-is. Only for identifiers and fragments this program wrote itself.
        public mutating func appendInterpolation(unsafeSQL fragment: String) { sql += fragment }
    }
}

// MARK: - Encodable values

extension String: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(oid: 0, format: 0, bytes: Array(utf8)) }
}

extension Substring: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(oid: 0, format: 0, bytes: Array(utf8)) }
}

extension Int: PostgresEncodable {
    public var postgresBind: PostgresBind { Int64(self).postgresBind }
}

extension Int64: PostgresEncodable {
    public var postgresBind: PostgresBind {
        var bytes: [UInt8] = []
        PostgresBinary.appendInt64(self, to: &bytes)
        return PostgresBind(oid: PostgresTypeOID.int8, format: 1, bytes: bytes)
    }
}

extension Int32: PostgresEncodable {
    public var postgresBind: PostgresBind {
        var bytes: [UInt8] = []
        PostgresBinary.appendInt32(self, to: &bytes)
        return PostgresBind(oid: PostgresTypeOID.int4, format: 1, bytes: bytes)
    }
}

extension Double: PostgresEncodable {
    public var postgresBind: PostgresBind {
        var bytes: [UInt8] = []
        PostgresBinary.appendFloat64(self, to: &bytes)
        return PostgresBind(oid: PostgresTypeOID.float8, format: 1, bytes: bytes)
    }
}

extension Bool: PostgresEncodable {
    public var postgresBind: PostgresBind {
        PostgresBind(oid: PostgresTypeOID.bool, format: 1, bytes: [self ? 1 : 0])
    }
}

extension PostgresTimestamp: PostgresEncodable {
    public var postgresBind: PostgresBind {
        var bytes: [UInt8] = []
        PostgresBinary.appendInt64(postgresMicroseconds, to: &bytes)
        return PostgresBind(oid: PostgresTypeOID.timestamptz, format: 1, bytes: bytes)
    }
}

extension Date: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresTimestamp(self).postgresBind }
}

extension Array: PostgresEncodable where Element == String {
    public var postgresBind: PostgresBind {
        var bytes: [UInt8] = []
        PostgresBinary.appendTextArray(self.map { Optional($0) }, to: &bytes)
        return PostgresBind(oid: PostgresTypeOID.textArray, format: 1, bytes: bytes)
    }
}

/// Raw bytes sent as `bytea`.
public struct PostgresBytes: PostgresEncodable, Hashable {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var postgresBind: PostgresBind { PostgresBind(oid: PostgresTypeOID.bytea, format: 1, bytes: bytes) }
}

/// A JSON document sent as `jsonb` (the text must be valid JSON; the server checks it).
public struct PostgresJSONB: PostgresEncodable, Hashable {
    public var text: String
    public init(_ text: String) { self.text = text }
    public var postgresBind: PostgresBind {
        PostgresBind(oid: PostgresTypeOID.jsonb, format: 1, bytes: [1] + Array(text.utf8))
    }
}

/// An `int8[]` parameter (for set-based statements: `unnest($1::int8[])`).
public struct PostgresInt64Array: PostgresEncodable {
    public var values: [Int64]
    public init(_ values: [Int64]) { self.values = values }
    public var postgresBind: PostgresBind {
        var bytes: [UInt8] = []
        let elements: [[UInt8]?] = values.map { value in
            var element: [UInt8] = []
            PostgresBinary.appendInt64(value, to: &element)
            return element
        }
        PostgresBinary.appendArray(elementOID: PostgresTypeOID.int8, elements: elements, to: &bytes)
        return PostgresBind(oid: PostgresTypeOID.int8Array, format: 1, bytes: bytes)
    }
}

/// A `bytea[]` parameter.
public struct PostgresByteaArray: PostgresEncodable {
    public var values: [[UInt8]]
    public init(_ values: [[UInt8]]) { self.values = values }
    public var postgresBind: PostgresBind {
        var bytes: [UInt8] = []
        PostgresBinary.appendArray(elementOID: PostgresTypeOID.bytea, elements: values.map { Optional($0) }, to: &bytes)
        return PostgresBind(oid: PostgresTypeOID.byteaArray, format: 1, bytes: bytes)
    }
}

/// A `text[]` parameter with NULL elements.
public struct PostgresOptionalTextArray: PostgresEncodable {
    public var values: [String?]
    public init(_ values: [String?]) { self.values = values }
    public var postgresBind: PostgresBind {
        var bytes: [UInt8] = []
        PostgresBinary.appendTextArray(values, to: &bytes)
        return PostgresBind(oid: PostgresTypeOID.textArray, format: 1, bytes: bytes)
    }
}
