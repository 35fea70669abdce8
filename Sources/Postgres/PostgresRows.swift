import CLibPQ

/// Owns one `PGresult*` and frees it exactly once.
///
/// `@unchecked Sendable`: the result is never modified after libpq hands it over, and libpq's
/// accessors (`PQgetvalue`, `PQftype`, …) only read it, so concurrent readers are safe.
final class ResultBox: @unchecked Sendable {
    let result: OpaquePointer

    init(_ result: OpaquePointer) { self.result = result }

    deinit { PQclear(result) }
}

/// The rows (and command status) of one statement. Values are kept in libpq's binary format and
/// decoded on access.
public struct PostgresRows: Sendable, RandomAccessCollection {
    let box: ResultBox
    /// Column names in order.
    public let columns: [String]
    private let columnIndex: [String: Int]

    init(_ box: ResultBox) {
        self.box = box
        let count = Int(PQnfields(box.result))
        var names: [String] = []
        names.reserveCapacity(count)
        for column in 0..<count {
            names.append(PQfname(box.result, Int32(column)).map { String(cString: $0) } ?? "?column?")
        }
        self.columns = names
        var index: [String: Int] = [:]
        for (position, name) in names.enumerated() where index[name] == nil { index[name] = position }
        self.columnIndex = index
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { Int(PQntuples(box.result)) }
    public subscript(position: Int) -> PostgresRow { PostgresRow(rows: self, row: position) }

    /// Rows affected by an INSERT/UPDATE/DELETE/COPY (`PQcmdTuples`), 0 when not applicable.
    public var affectedRows: Int {
        guard let text = PQcmdTuples(box.result) else { return 0 }
        return Int(String(cString: text)) ?? 0
    }

    /// The command tag, e.g. `INSERT 0 3`.
    public var commandTag: String {
        PQcmdStatus(box.result).map { String(cString: $0) } ?? ""
    }

    func columnPosition(_ name: String) throws(PostgresError) -> Int {
        guard let position = columnIndex[name] else {
            throw PostgresError(code: .decoding, message: "no column named \"\(name)\" (columns: \(columns.joined(separator: ", ")))")
        }
        return position
    }
}

/// One row of a result.
public struct PostgresRow: Sendable {
    let rows: PostgresRows
    let row: Int

    /// The cell at a column position.
    public subscript(column: Int) -> PostgresCell { PostgresCell(box: rows.box, row: row, column: column, name: rows.columns[column]) }

    /// Decodes the named column.
    public func decode<Value: PostgresDecodable>(_ name: String, as type: Value.Type = Value.self) throws(PostgresError) -> Value {
        try self[rows.columnPosition(name)].decode(type)
    }

    /// Decodes the named column, `nil` for SQL NULL.
    public func decode<Value: PostgresDecodable>(_ name: String, as type: Value?.Type) throws(PostgresError) -> Value? {
        try self[rows.columnPosition(name)].decode(type)
    }
}

/// One value of a row, still in PostgreSQL's binary format.
public struct PostgresCell: Sendable {
    let box: ResultBox
    let row: Int
    let column: Int
    /// The column name.
    public let name: String

    /// The column's type OID.
    public var typeOID: UInt32 { UInt32(PQftype(box.result, Int32(column))) }
    public var isNull: Bool { PQgetisnull(box.result, Int32(row), Int32(column)) == 1 }

    /// The raw bytes of the value (empty for NULL), valid while `body` runs.
    public func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws(PostgresError) -> T) throws(PostgresError) -> T {
        let length = Int(PQgetlength(box.result, Int32(row), Int32(column)))
        guard let start = PQgetvalue(box.result, Int32(row), Int32(column)) else {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return try body(UnsafeRawBufferPointer(start: start, count: length))
    }

    public func decode<Value: PostgresDecodable>(_ type: Value.Type = Value.self) throws(PostgresError) -> Value {
        guard !isNull else {
            throw PostgresError(code: .decoding, message: "column \"\(name)\" is NULL; decode it as \(Value.self)? instead")
        }
        let oid = typeOID
        return try withBytes { (bytes) throws(PostgresError) in try Value(postgresBytes: bytes, oid: oid, column: name) }
    }

    public func decode<Value: PostgresDecodable>(_ type: Value?.Type) throws(PostgresError) -> Value? {
        isNull ? nil : try decode(Value.self)
    }
}
