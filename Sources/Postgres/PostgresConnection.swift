import CLibPQ
import Foundation

/// One libpq connection, pinned to its own OS thread.
///
/// Every method runs on the connection's `ConnectionThread` (see `unownedExecutor`), so blocking
/// libpq calls never occupy Swift's cooperative pool. From outside, call with `await`; inside
/// `withTransaction`/`copyFrom` closures the connection is `isolated` and calls are synchronous.
public actor PostgresConnection {
    private let thread: ConnectionThread
    private let owner = ConnectionOwner()
    private var handle: OpaquePointer? {
        get { owner.conn }
        set { owner.conn = newValue }
    }
    private let connectionString: String
    /// Where this connection points, as `postgres://user@host:port/db` (no password).
    public private(set) var endpoint: String

    public nonisolated var unownedExecutor: UnownedSerialExecutor { thread.asUnownedSerialExecutor() }

    private init(connectionString: String) {
        self.connectionString = connectionString
        self.thread = ConnectionThread(name: "sluice.postgres")
        self.endpoint = Redaction.endpoint(ofConnectionString: connectionString)
    }

    deinit {
        thread.shutdown()
    }

    /// Opens a connection.
    ///
    /// - Parameter connectionString: a `postgres://` URL or a `key=value` conninfo string; empty means
    ///   libpq's defaults (`PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`, `PGSERVICE`, `.pgpass`).
    /// - Throws: `PostgresError` with code `.connectionFailed`, naming host, port and database and
    ///   saying what to do; the password never appears in it.
    public static func connect(_ connectionString: String) async throws(PostgresError) -> PostgresConnection {
        try ConnectionString.validate(connectionString)
        let connection = PostgresConnection(connectionString: connectionString)
        try await connection.open()
        return connection
    }

    private func open() throws(PostgresError) {
        let keywords = ["dbname", "fallback_application_name"]
        let values = [connectionString, "sluice"]
        let conn = withCStringArray(keywords) { keywordPointers in
            withCStringArray(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let conn else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection", endpoint: endpoint)
        }
        endpoint = Redaction.endpoint(of: conn, fallback: endpoint)
        guard PQstatus(conn) == CONNECTION_OK else {
            let raw = PQerrorMessage(conn).map { String(cString: $0) } ?? "unknown error"
            PQfinish(conn)
            var error = PostgresError(
                code: .connectionFailed,
                message: Redaction.connectionAdvice(for: Redaction.redact(raw, connectionString: connectionString)),
                sqlState: ConnectionRefusal.inferredSQLState(libpqMessage: raw),
                endpoint: endpoint
            )
            error.malformedConnectionString = ConnectionRefusal.isMalformedConnectionString(libpqMessage: raw)
            throw error
        }
        handle = conn
        // Timestamps are exchanged in binary, but `now()::date`, `date_trunc` and the partition
        // bounds are read in the session time zone: make it UTC whatever the server default is.
        // NOTICEs (`relation already exists, skipping`) would go to stderr through libpq's default
        // notice processor; warnings and errors still arrive.
        try execute(unsafeSQL: "SET TIME ZONE 'UTC'; SET client_min_messages = warning")
        try endServerWorkWithClient(serverVersion: Int(PQserverVersion(conn)))
    }

    /// How often the server checks, while it runs a statement of this session, that the client is
    /// still connected (PostgreSQL ≥ 14).
    public static let clientConnectionCheckInterval = "2s"

    /// Makes the server stop this session's work when the client is gone: a `kill -9` of
    /// `sluice refresh` (or a lost host) must not leave its backend running the statement to its
    /// end for nobody, holding the refresh lock (docs/reliability.md).
    ///
    /// - PostgreSQL ≥ 14: `client_connection_check_interval` polls the socket while a statement
    ///   runs; a closed client cancels the statement and ends the session within the interval, its
    ///   transaction rolled back and its advisory locks released.
    /// - Any version, over TCP: server-side keepalives notice a vanished host within about 25 s
    ///   and end a session that waits for its next statement (one holding a lock between
    ///   statements). Before 14 a running statement still runs to its end. On a Unix socket the
    ///   keepalive settings are ignored (the kernel reports the closed peer at once).
    private func endServerWorkWithClient(serverVersion: Int) throws(PostgresError) {
        var settings = "SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3"
        if serverVersion >= 140000 {
            settings += "; SET client_connection_check_interval = '\(Self.clientConnectionCheckInterval)'"
        }
        try execute(unsafeSQL: settings)
    }

    /// Closes the connection now (it also closes when the last reference goes away).
    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    /// True while libpq believes the connection is usable.
    public var isOpen: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// The server's `server_version_num`, e.g. 150018.
    public var serverVersion: Int {
        guard let handle else { return 0 }
        return Int(PQserverVersion(handle))
    }

    func requireHandle() throws(PostgresError) -> OpaquePointer {
        guard let handle else {
            throw PostgresError(code: .closed, message: "the connection was closed", endpoint: endpoint)
        }
        return handle
    }

    // MARK: - Statements

    /// Runs one parameterized statement and returns its rows (binary format, decoded on access).
    @discardableResult
    public func query(_ query: PostgresQuery) throws(PostgresError) -> PostgresRows {
        let conn = try requireHandle()
        let count = Int32(query.binds.count)
        let types = query.binds.map { Oid($0.oid) }
        let formats = query.binds.map { $0.format }
        let lengths = query.binds.map { Int32($0.bytes?.count ?? 0) }
        let result: OpaquePointer? = withBindPointers(query.binds) { values in
            PQexecParams(conn, query.sql, count, types, values, lengths, formats, 1)
        }
        return try check(result, statement: query.sql)
    }

    /// Runs one or more statements with the simple query protocol (no parameters): migrations,
    /// `SET`, DDL. Returns the last statement's command tag.
    @discardableResult
    public func execute(unsafeSQL sql: String) throws(PostgresError) -> String {
        let conn = try requireHandle()
        let rows = try check(PQexec(conn, sql), statement: sql)
        return rows.commandTag
    }

    /// Runs `body` inside `BEGIN … COMMIT`. If `body` throws, the transaction is rolled back and the
    /// error rethrown.
    public func withTransaction<T: Sendable>(
        _ body: @Sendable (isolated PostgresConnection) throws -> T
    ) throws -> T {
        try execute(unsafeSQL: "BEGIN")
        do {
            let value = try body(self)
            try execute(unsafeSQL: "COMMIT")
            return value
        } catch {
            // A lost connection cannot roll back; the server aborts the transaction itself.
            if isOpen { _ = try? execute(unsafeSQL: "ROLLBACK") }
            throw error
        }
    }

    /// Turns a libpq result into rows or a thrown `PostgresError`.
    func check(_ result: OpaquePointer?, statement: String) throws(PostgresError) -> PostgresRows {
        guard let result else {
            throw lastConnectionError(statement: statement)
        }
        let box = ResultBox(result)
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PostgresRows(box)
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
            throw serverError(result, statement: statement)
        default:
            let status = String(cString: PQresStatus(PQresultStatus(result)))
            throw PostgresError(code: .badResult, message: "unexpected result status \(status)", endpoint: endpoint, statement: statement)
        }
    }

    func serverError(_ result: OpaquePointer, statement: String?) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.asciiValue ?? 0)) else { return nil }
            return String(cString: value)
        }
        let sqlState = field("C")
        let message = field("M") ?? PQresultErrorMessage(result).map { String(cString: $0) } ?? "unknown server error"
        // The server always sends a SQLSTATE (the 'C' field is mandatory in ErrorResponse), so an
        // error result without one was made by libpq itself: the socket broke, even if PQstatus
        // has not caught up yet (seen mid-crash). Treat it as a lost connection so it is retried.
        return PostgresError(
            code: sqlState == nil ? .connectionLost : .server,
            message: message.trimmingCharacters(in: .whitespacesAndNewlines),
            sqlState: sqlState, detail: field("D"), hint: field("H"), constraint: field("n"),
            table: field("t"), column: field("c"), endpoint: endpoint, statement: statement
        )
    }

    func lastConnectionError(statement: String?) -> PostgresError {
        let message = handle.flatMap { PQerrorMessage($0) }.map { String(cString: $0) } ?? "no connection"
        return PostgresError(
            code: .connectionLost,
            message: message.trimmingCharacters(in: .whitespacesAndNewlines),
            endpoint: endpoint, statement: statement
        )
    }
}

/// The single owner of a `PGconn*`; its `deinit` frees it.
///
/// `@unchecked Sendable`: `conn` is only read or written by the owning actor (on its connection
/// thread) and by `deinit`, which runs when no other reference exists.
private final class ConnectionOwner: @unchecked Sendable {
    var conn: OpaquePointer?

    deinit {
        if let conn { PQfinish(conn) }
    }
}

// MARK: - C string plumbing

private func withCStringArray<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers.map { UnsafePointer($0) })
}

private func withBindPointers<R>(_ binds: [PostgresBind], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    // Copy each value into one allocation that outlives the call; NULL stays a null pointer.
    var allocations: [UnsafeMutableRawPointer?] = []
    allocations.reserveCapacity(binds.count)
    defer { for allocation in allocations { allocation?.deallocate() } }
    for bind in binds {
        guard let bytes = bind.bytes else {
            allocations.append(nil)
            continue
        }
        // Text-format values are read as C strings (libpq ignores their length): end each with NUL.
        let memory = UnsafeMutableRawPointer.allocate(byteCount: bytes.count + 1, alignment: 1)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { memory.copyMemory(from: base, byteCount: bytes.count) }
        }
        memory.storeBytes(of: 0, toByteOffset: bytes.count, as: UInt8.self)
        allocations.append(memory)
    }
    return body(allocations.map { $0.map { UnsafePointer($0.assumingMemoryBound(to: CChar.self)) } })
}
