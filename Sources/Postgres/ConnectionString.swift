import Foundation

/// Checks a connection string before libpq sees it.
///
/// libpq takes a string that is neither a URL nor `key=value` settings for a database *name*, so
/// `DATABASE_URL="not a url"` would fail as `database "not a url" does not exist` — or, worse,
/// connect. Sluice refuses such strings up front and says what is wrong, without echoing the
/// string (it may hold a password).
public enum ConnectionString {
    /// Throws a `PostgresError` (code `.connectionFailed`, `malformedConnectionString`) when
    /// `text` is not empty, not a `postgres://`/`postgresql://` URL with valid ports, and not
    /// `key=value` settings.
    public static func validate(_ text: String) throws(PostgresError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return }
        if let schemeEnd = trimmed.range(of: "://") {
            let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
            guard scheme == "postgres" || scheme == "postgresql" else {
                throw malformed("the scheme is \"\(scheme.prefix(20))\", not postgres:// or postgresql://")
            }
            var authority = trimmed[schemeEnd.upperBound...]
            if let end = authority.firstIndex(where: { $0 == "/" || $0 == "?" }) { authority = authority[..<end] }
            if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
            for host in authority.split(separator: ",", omittingEmptySubsequences: false) {
                let port: Substring?
                if host.hasPrefix("[") {
                    guard let close = host.firstIndex(of: "]") else { throw malformed("an IPv6 host is missing its closing ]") }
                    let rest = host[host.index(after: close)...]
                    port = rest.hasPrefix(":") ? rest.dropFirst() : (rest.isEmpty ? nil : rest)
                } else if let colon = host.lastIndex(of: ":") {
                    port = host[host.index(after: colon)...]
                } else {
                    port = nil
                }
                if let port, !isPort(port) {
                    throw malformed("the port \"\(port.prefix(12))\" is not a number from 1 to 65535")
                }
            }
            return
        }
        guard trimmed.contains("=") else {
            throw malformed("it is neither a postgres:// URL nor key=value settings (to name just a database, write postgres:///NAME or dbname=NAME)")
        }
    }

    private static func isPort(_ text: Substring) -> Bool {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text) else { return false }
        return (1...65535).contains(value)
    }

    private static func malformed(_ reason: String) -> PostgresError {
        var error = PostgresError(code: .connectionFailed,
                                  message: "malformed connection string (--database-url, DATABASE_URL): \(reason)")
        error.malformedConnectionString = true
        return error
    }
}
