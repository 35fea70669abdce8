/// Why the server (or libpq) refused a connection, read from libpq's message.
///
/// A refused connection has no `PGresult`, so libpq gives no SQLSTATE: only the text of the
/// server's `FATAL` (or libpq's own complaint). These are the server's English messages
/// (`lc_messages` = C or en); a translated message is simply not recognized, and the failure is
/// then treated as one that may heal.
enum ConnectionRefusal {
    /// The SQLSTATE the server sent with its message, where the message is recognized.
    static func inferredSQLState(libpqMessage message: String) -> String? {
        let lower = message.lowercased()
        if lower.contains("database \""), lower.contains("\" does not exist") { return "3D000" }
        if lower.contains("password authentication failed") || lower.contains("no password supplied") { return "28P01" }
        if lower.contains("role \""), lower.contains("\" does not exist") { return "28000" }
        if lower.contains("is not permitted to log in") || lower.contains("no pg_hba.conf entry")
            || lower.contains("peer authentication failed") || lower.contains("ident authentication failed")
            || lower.contains("authentication failed for user") {
            return "28000"
        }
        if lower.contains("too many connections") || lower.contains("remaining connection slots are reserved") { return "53300" }
        if lower.contains("the database system is starting up") || lower.contains("the database system is shutting down")
            || lower.contains("the database system is in recovery mode") {
            return "57P03"
        }
        return nil
    }

    /// libpq could not parse the connection string: no server was asked, and no retry will help.
    static func isMalformedConnectionString(libpqMessage message: String) -> Bool {
        let lower = message.lowercased()
        return lower.contains("invalid connection option") || lower.contains("missing \"=\" after")
            || lower.contains("invalid uri") || lower.contains("unterminated quoted string")
            || lower.contains("invalid integer value") || lower.contains("invalid port number")
            || lower.contains("invalid sslmode value") || lower.contains("invalid percent-encoded token")
            || lower.contains("unexpected spaces found")
    }
}
