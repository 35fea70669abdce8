import CLibPQ
import Foundation

/// Keeps passwords out of everything a user or a log can see.
enum Redaction {
    /// `postgres://user@host:port/db` from a connection string, without its password.
    static func endpoint(ofConnectionString connectionString: String) -> String {
        var options: [String: String] = [:]
        var errorMessage: UnsafeMutablePointer<CChar>?
        if let parsed = PQconninfoParse(connectionString, &errorMessage) {
            var cursor = parsed
            while let keyword = cursor.pointee.keyword {
                if let value = cursor.pointee.val { options[String(cString: keyword)] = String(cString: value) }
                cursor += 1
            }
            PQconninfoFree(parsed)
        }
        if let errorMessage { PQfreemem(errorMessage) }
        let env = ProcessInfo.processInfo.environment
        let host = options["host"] ?? options["hostaddr"] ?? env["PGHOST"] ?? "localhost"
        let port = options["port"] ?? env["PGPORT"] ?? "5432"
        let user = options["user"] ?? env["PGUSER"] ?? NSUserName()
        let database = options["dbname"] ?? env["PGDATABASE"] ?? user
        return format(user: user, host: host, port: port, database: database)
    }

    /// The endpoint libpq actually tried (valid even for a failed connection).
    static func endpoint(of conn: OpaquePointer, fallback: String) -> String {
        guard let host = PQhost(conn).map({ String(cString: $0) }), !host.isEmpty else { return fallback }
        let port = PQport(conn).map { String(cString: $0) } ?? "5432"
        let user = PQuser(conn).map { String(cString: $0) } ?? ""
        let database = PQdb(conn).map { String(cString: $0) } ?? ""
        return format(user: user, host: host, port: port, database: database)
    }

    private static func format(user: String, host: String, port: String, database: String) -> String {
        let shownHost = host.hasPrefix("/") ? "[socket \(host)]" : host
        let userPart = user.isEmpty ? "" : "\(user)@"
        return "postgres://\(userPart)\(shownHost):\(port)/\(database)"
    }

    /// Removes any password that appears in `message` (libpq echoes malformed connection strings).
    static func redact(_ message: String, connectionString: String) -> String {
        var secrets: [String] = []
        // URL form: scheme://user:password@host
        if let schemeEnd = connectionString.range(of: "://") {
            let rest = connectionString[schemeEnd.upperBound...]
            if let at = rest.firstIndex(of: "@") {
                let userInfo = rest[..<at]
                if let colon = userInfo.firstIndex(of: ":") {
                    secrets.append(String(userInfo[userInfo.index(after: colon)...]))
                }
            }
        }
        // key=value form: password=secret
        for part in connectionString.split(separator: " ") where part.hasPrefix("password=") {
            secrets.append(String(part.dropFirst("password=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "'")))
        }
        if let envPassword = ProcessInfo.processInfo.environment["PGPASSWORD"] { secrets.append(envPassword) }
        var result = message
        for secret in secrets where !secret.isEmpty {
            result = result.replacingOccurrences(of: secret, with: "***")
            if let decoded = secret.removingPercentEncoding, decoded != secret, !decoded.isEmpty {
                result = result.replacingOccurrences(of: decoded, with: "***")
            }
        }
        return result
    }

    /// libpq's message condensed to one line, with what to do about it.
    static func connectionAdvice(for libpqMessage: String) -> String {
        let lines = libpqMessage.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        // libpq prefixes with `connection to server at "h" (addr), port p failed: ` — the endpoint
        // already says that, keep the reason.
        var reason = lines.first ?? "unknown error"
        if let failed = reason.range(of: "failed: ") { reason = String(reason[failed.upperBound...]) }
        // The server's severity adds nothing to "cannot connect".
        if reason.hasPrefix("FATAL:") { reason = reason.dropFirst("FATAL:".count).trimmingCharacters(in: .whitespaces) }
        let lower = reason.lowercased()
        if lower.contains("connection refused") || lower.contains("no such file or directory") {
            return "\(lower.contains("refused") ? "connection refused" : reason) (is the server running? start the embedded one with `sluice db start`, or set DATABASE_URL or the PG* variables)"
        }
        if lower.contains("password authentication failed") || lower.contains("no password supplied") {
            return "\(reason) (check the user and password in DATABASE_URL, PGPASSWORD or ~/.pgpass)"
        }
        if lower.contains("does not exist") {
            return "\(reason) (create it, or point DATABASE_URL at an existing database)"
        }
        if lower.contains("timeout") || lower.contains("timed out") {
            return "\(reason) (is the host reachable? check DATABASE_URL, PGHOST and PGPORT)"
        }
        return reason
    }
}
