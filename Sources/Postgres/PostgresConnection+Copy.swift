import CLibPQ

extension PostgresConnection {
    /// Runs a `COPY … FROM STDIN WITH (FORMAT binary)` statement and lends `body` a writer for its rows.
    ///
    /// The writer buffers rows and sends them in chunks of `chunkSize` bytes. If `body` throws, the
    /// COPY is ended with `PQputCopyEnd(errmsg)` — the server discards every row of it — and the
    /// caller's error is rethrown. Server-side failures (a constraint, a bad value) arrive when the
    /// COPY ends and are thrown as `PostgresError` with their SQLSTATE.
    ///
    /// - Returns: the number of rows the server stored.
    @discardableResult
    public func copyFromBinary(
        _ statement: PostgresQuery,
        chunkSize: Int = 64 * 1024,
        _ body: sending (inout PostgresCopyWriter) throws -> Void
    ) throws -> Int {
        let conn = try requireHandle()
        try startCopy(conn, statement)
        var writer = PostgresCopyWriter(conn: conn, chunkSize: chunkSize, endpoint: endpoint)
        do {
            try writer.writeHeader()
            try body(&writer)
            try writer.finish()
        } catch {
            abortCopy(conn, reason: "sluice: COPY aborted by the client: \(error)")
            throw error
        }
        guard PQputCopyEnd(conn, nil) == 1 else {
            let failure = lastConnectionError(statement: statement.sql)
            drainResults(conn)
            throw failure
        }
        return try finishCopy(conn, statement: statement.sql)
    }

    private func startCopy(_ conn: OpaquePointer, _ statement: PostgresQuery) throws(PostgresError) {
        let types = statement.binds.map { Oid($0.oid) }
        let formats = statement.binds.map { $0.format }
        let lengths = statement.binds.map { Int32($0.bytes?.count ?? 0) }
        guard statement.binds.isEmpty else {
            // COPY takes no parameters; refuse rather than splice values into it.
            throw PostgresError(code: .badResult, message: "COPY statements cannot have bind parameters", statement: statement.sql)
        }
        guard let result = PQexecParams(conn, statement.sql, 0, types, nil, lengths, formats, 0) else {
            throw lastConnectionError(statement: statement.sql)
        }
        let box = ResultBox(result)
        switch PQresultStatus(box.result) {
        case PGRES_COPY_IN:
            return
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
            throw serverError(box.result, statement: statement.sql)
        default:
            throw PostgresError(code: .badResult, message: "statement did not start COPY FROM STDIN", endpoint: endpoint, statement: statement.sql)
        }
    }

    private func abortCopy(_ conn: OpaquePointer, reason: String) {
        _ = PQputCopyEnd(conn, String(reason.prefix(500)))
        drainResults(conn)
    }

    /// Reads results until libpq has none left (bounded: a broken connection must not spin).
    private func drainResults(_ conn: OpaquePointer) {
        for _ in 0..<16 {
            guard let result = PQgetResult(conn) else { return }
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_COPY_IN || status == PGRES_COPY_OUT { return }
        }
    }

    private func finishCopy(_ conn: OpaquePointer, statement: String) throws(PostgresError) -> Int {
        var rows = 0
        var failure: PostgresError?
        for _ in 0..<16 {
            guard let result = PQgetResult(conn) else { break }
            let box = ResultBox(result)
            switch PQresultStatus(box.result) {
            case PGRES_COMMAND_OK:
                rows = PostgresRows(box).affectedRows
            case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
                failure = failure ?? serverError(box.result, statement: statement)
            default:
                failure = failure ?? PostgresError(code: .badResult, message: "unexpected result after COPY", endpoint: endpoint, statement: statement)
            }
        }
        if let failure { throw failure }
        return rows
    }
}

/// Writes rows of a binary COPY. Obtain one from `PostgresConnection.copyFromBinary`.
///
/// Each row is `beginRow(fieldCount:)` followed by exactly that many `write…` calls, in the column
/// order of the COPY statement. The encodings are PostgreSQL's binary send formats.
public struct PostgresCopyWriter {
    private let conn: OpaquePointer
    private let chunkSize: Int
    private let endpoint: String
    private var buffer: [UInt8]
    private var fieldsExpected = 0
    private var fieldsWritten = 0
    /// Rows written so far.
    public private(set) var rowCount = 0
    /// Bytes handed to libpq so far.
    public private(set) var bytesSent = 0

    init(conn: OpaquePointer, chunkSize: Int, endpoint: String) {
        self.conn = conn
        self.chunkSize = max(chunkSize, 1024)
        self.endpoint = endpoint
        self.buffer = []
        buffer.reserveCapacity(self.chunkSize + 4096)
    }

    mutating func writeHeader() throws(PostgresError) {
        buffer.append(contentsOf: [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00])  // PGCOPY\n\377\r\n\0
        PostgresBinary.appendInt32(0, to: &buffer)  // flags
        PostgresBinary.appendInt32(0, to: &buffer)  // header extension length
    }

    /// Starts a row of `fieldCount` columns.
    public mutating func beginRow(fieldCount: Int) throws(PostgresError) {
        try checkRowComplete()
        if buffer.count >= chunkSize { try flush() }
        fieldsExpected = fieldCount
        fieldsWritten = 0
        rowCount += 1
        PostgresBinary.appendInt16(Int16(fieldCount), to: &buffer)
    }

    public mutating func writeNull() {
        fieldsWritten += 1
        PostgresBinary.appendInt32(-1, to: &buffer)
    }

    /// `text`/`varchar` from UTF-8 bytes (the caller guarantees valid UTF-8 without NUL).
    public mutating func writeText(_ utf8: UnsafeRawBufferPointer) {
        fieldsWritten += 1
        PostgresBinary.appendInt32(Int32(utf8.count), to: &buffer)
        buffer.append(contentsOf: utf8)
    }

    public mutating func write(_ value: String) {
        var value = value
        value.withUTF8 { writeText(UnsafeRawBufferPointer($0)) }
    }

    public mutating func write(_ value: String?) {
        if let value { write(value) } else { writeNull() }
    }

    public mutating func write(_ value: Int64) {
        fieldsWritten += 1
        PostgresBinary.appendInt32(8, to: &buffer)
        PostgresBinary.appendInt64(value, to: &buffer)
    }

    public mutating func write(_ value: Int32) {
        fieldsWritten += 1
        PostgresBinary.appendInt32(4, to: &buffer)
        PostgresBinary.appendInt32(value, to: &buffer)
    }

    public mutating func write(int16 value: Int16) {
        fieldsWritten += 1
        PostgresBinary.appendInt32(2, to: &buffer)
        PostgresBinary.appendInt16(value, to: &buffer)
    }

    public mutating func write(_ value: Double) {
        fieldsWritten += 1
        PostgresBinary.appendInt32(8, to: &buffer)
        PostgresBinary.appendFloat64(value, to: &buffer)
    }

    public mutating func write(_ value: Bool) {
        fieldsWritten += 1
        PostgresBinary.appendInt32(1, to: &buffer)
        buffer.append(value ? 1 : 0)
    }

    /// `timestamptz`: microseconds since 2000-01-01 UTC.
    public mutating func write(_ value: PostgresTimestamp) {
        fieldsWritten += 1
        PostgresBinary.appendInt32(8, to: &buffer)
        PostgresBinary.appendInt64(value.postgresMicroseconds, to: &buffer)
    }

    /// `jsonb`: version byte 1, then the JSON text (valid UTF-8, no `\u0000` escapes).
    public mutating func writeJSONB(_ utf8: UnsafeRawBufferPointer) {
        fieldsWritten += 1
        PostgresBinary.appendInt32(Int32(utf8.count + 1), to: &buffer)
        buffer.append(1)
        buffer.append(contentsOf: utf8)
    }

    public mutating func writeJSONB(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { writeJSONB($0) }
    }

    /// `bytea`: the bytes as they are.
    public mutating func writeBytea(_ bytes: UnsafeRawBufferPointer) {
        fieldsWritten += 1
        PostgresBinary.appendInt32(Int32(bytes.count), to: &buffer)
        buffer.append(contentsOf: bytes)
    }

    /// `text[]`, one-dimensional.
    public mutating func write(textArray values: [String]) {
        fieldsWritten += 1
        let lengthAt = buffer.count
        PostgresBinary.appendInt32(0, to: &buffer)
        PostgresBinary.appendTextArray(values.map { Optional($0) }, to: &buffer)
        let length = Int32(buffer.count - lengthAt - 4).bigEndian
        withUnsafeBytes(of: length) { bytes in
            for index in 0..<4 { buffer[lengthAt + index] = bytes[index] }
        }
    }

    mutating func finish() throws(PostgresError) {
        try checkRowComplete()
        PostgresBinary.appendInt16(-1, to: &buffer)  // trailer
        try flush()
    }

    private func checkRowComplete() throws(PostgresError) {
        guard fieldsWritten == fieldsExpected else {
            throw PostgresError(
                code: .copyFailed,
                message: "COPY row \(rowCount) has \(fieldsWritten) values but beginRow(fieldCount: \(fieldsExpected)) announced \(fieldsExpected)"
            )
        }
    }

    private mutating func flush() throws(PostgresError) {
        guard !buffer.isEmpty else { return }
        let status = buffer.withUnsafeBytes { bytes in
            PQputCopyData(conn, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
        }
        guard status == 1 else {
            let message = PQerrorMessage(conn).map { String(cString: $0) } ?? "PQputCopyData failed"
            throw PostgresError(code: .connectionLost, message: "sending COPY data failed: \(message)", endpoint: endpoint)
        }
        bytesSent += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}
