/// The one error type of the Postgres module.
///
/// Server errors carry the fields PostgreSQL reports (`sqlState`, `detail`, `hint`, `constraint`, …).
/// `description` is what a user sees: the message and SQLSTATE, never a password. `debugDescription`
/// adds detail, hint, position and the statement.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of failure this is. A struct over a private enum so cases can be added later.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Sendable, Hashable {
            case connectionFailed, connectionLost, server, copyFailed, decoding, badResult, closed
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The connection could not be made.
        public static let connectionFailed = Code(.connectionFailed)
        /// An open connection broke (server crash or shutdown, network).
        public static let connectionLost = Code(.connectionLost)
        /// PostgreSQL reported an error (see `sqlState`).
        public static let server = Code(.server)
        /// Sending `COPY` data failed on the client side.
        public static let copyFailed = Code(.copyFailed)
        /// A value could not be decoded into the requested Swift type.
        public static let decoding = Code(.decoding)
        /// libpq returned a result this module did not expect.
        public static let badResult = Code(.badResult)
        /// The connection was closed by this process.
        public static let closed = Code(.closed)

        public var description: String {
            switch base {
            case .connectionFailed: "connection failed"
            case .connectionLost: "connection lost"
            case .server: "server error"
            case .copyFailed: "copy failed"
            case .decoding: "decoding failed"
            case .badResult: "unexpected result"
            case .closed: "connection closed"
            }
        }
    }

    public var code: Code
    /// Human-readable message (libpq's or the server's primary message).
    public var message: String
    /// The five-character SQLSTATE, e.g. `23505` (unique violation), `42P01` (undefined table).
    public var sqlState: String?
    public var detail: String?
    public var hint: String?
    public var constraint: String?
    public var table: String?
    public var column: String?
    /// Where it happened, as `postgres://user@host:port/db` — never with a password.
    public var endpoint: String?
    /// The statement that failed (debug output only: it can hold literal values).
    public var statement: String?

    public init(
        code: Code, message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil,
        constraint: String? = nil, table: String? = nil, column: String? = nil,
        endpoint: String? = nil, statement: String? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.table = table
        self.column = column
        self.endpoint = endpoint
        self.statement = statement
    }

    /// True when the connection itself failed in a way a new connection may heal: SQLSTATE class 08,
    /// an administrator or crash shutdown (57P01–57P03), or a socket error seen by libpq. The
    /// operation may be retried on a new connection. A connection refused for a reason that no wait
    /// heals (no such database, role or password: see ``isPermanentConnectionFailure``) is not one.
    public var isConnectionFailure: Bool {
        if isPermanentConnectionFailure { return false }
        if code == .connectionFailed || code == .connectionLost || code == .closed { return true }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03"
    }

    /// The server refused the connection for a reason that retrying cannot heal: the database does
    /// not exist (3D000), the role does not exist or may not log in, or authentication failed
    /// (class 28). Fix the URL, the role or pg_hba.conf.
    /// libpq exposes no SQLSTATE for a failed connection, so `PostgresConnection.connect` infers one
    /// from the server's message (``ConnectionRefusal``) when it recognizes it; a malformed
    /// connection string is permanent too.
    public var isPermanentConnectionFailure: Bool {
        guard code == .connectionFailed else { return false }
        if malformedConnectionString { return true }
        guard let sqlState else { return false }
        return sqlState == "3D000" || sqlState.hasPrefix("28")
    }

    /// The connection string itself could not be parsed (set by `connect`).
    public var malformedConnectionString = false

    /// What a writer should do about this error; see ``Recovery``.
    public var recovery: Recovery {
        if isConnectionFailure { return .reconnect }
        guard code == .server, let sqlState else { return .stop }
        if sqlState == "57014" { return .statementTimeout }
        // Deadlock, serialization failure; insufficient resources (disk full, out of memory, too many
        // connections); a lock not available right now (55P03).
        if sqlState == "40P01" || sqlState == "40001" || sqlState.hasPrefix("53") || sqlState == "55P03" { return .retry }
        // Data exceptions (22), integrity constraint violations (23), a value too large to index (54000):
        // the row's own fault.
        if sqlState.hasPrefix("22") || sqlState.hasPrefix("23") || sqlState == "54000" { return .rowData }
        return .stop
    }

    /// How to react to an error, by what caused it: the row, the moment, or the set-up.
    public enum Recovery: Sendable, Equatable {
        /// The connection is gone but may come back: reconnect with backoff and retry.
        case reconnect
        /// A transient condition of the server (deadlock, serialization, resources): retry the
        /// transaction after a pause.
        case retry
        /// `statement_timeout` cancelled a statement: retry, then with less work per statement.
        case statementTimeout
        /// The data of a row was refused (SQLSTATE classes 22 and 23, 54000): the row's own fault.
        case rowData
        /// Anything else (permissions, a missing table, a read-only server, a bug): retrying will
        /// not help; stop and say what to fix.
        case stop
    }

    public var description: String {
        if code == .connectionFailed, let endpoint {
            return "cannot connect to \(endpoint): \(message)"
        }
        if code == .connectionLost, let endpoint {
            return "lost the connection to \(endpoint): \(message)"
        }
        if let sqlState { return "\(message) (SQLSTATE \(sqlState))" }
        return message
    }

    public var debugDescription: String {
        var parts = ["PostgresError(\(code)): \(description)"]
        if let detail { parts.append("detail: \(detail)") }
        if let hint { parts.append("hint: \(hint)") }
        if let constraint { parts.append("constraint: \(constraint)") }
        if let table { parts.append("table: \(table)") }
        if let column { parts.append("column: \(column)") }
        if let endpoint { parts.append("endpoint: \(endpoint)") }
        if let statement { parts.append("statement: \(statement)") }
        return parts.joined(separator: "\n  ")
    }
}
