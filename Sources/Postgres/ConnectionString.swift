import CLibPQ
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
            if let query = trimmed.firstIndex(of: "?") {
                for pair in trimmed[trimmed.index(after: query)...].split(separator: "&") {
                    let key = String(pair.split(separator: "=", maxSplits: 1).first ?? "")
                    try checkKeyword(key.removingPercentEncoding ?? key, in: "URL parameter")
                }
            }
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
        // key=value settings: each key before an `=` that is not inside a quoted value.
        var key = ""
        var inValue = false
        var quoted = false
        var escaped = false
        for character in trimmed {
            if inValue {
                if escaped { escaped = false; continue }
                if character == "\\" { escaped = true; continue }
                if character == "'" { quoted.toggle(); continue }
                if character == " " && !quoted { inValue = false; key = "" }
                continue
            }
            if character == "=" {
                try checkKeyword(key.trimmingCharacters(in: .whitespaces), in: "setting")
                inValue = true
            } else if character != " " || !key.isEmpty {
                key.append(character)
            }
        }
    }

    /// libpq's own connection keywords (`PQconndefaults`): `host`, `sslmode`, `application_name`, …
    static let keywords: Set<String> = {
        guard let options = PQconndefaults() else { return [] }
        defer { PQconninfoFree(options) }
        var names: Set<String> = []
        var option = options
        while let keyword = option.pointee.keyword {
            names.insert(String(cString: keyword))
            option += 1
        }
        return names
    }()

    /// A misspelt parameter (`?sslmod=disable`) is named, with the keyword it most likely meant;
    /// libpq would only say "invalid URI query parameter" (and Sluice could then not even tell
    /// which endpoint was meant).
    private static func checkKeyword(_ key: String, in context: String) throws(PostgresError) {
        guard !keywords.isEmpty, !keywords.contains(key) else { return }
        let shown = String(key.prefix(40))
        let nearest = keywords.map { ($0, editDistance($0, key)) }.min { ($0.1, $0.0) < ($1.1, $1.0) }
        let hint = nearest.flatMap { $0.1 <= 3 ? " (did you mean \($0.0)?)" : nil } ?? ""
        throw malformed("unknown \(context) \"\(shown)\"\(hint); libpq's parameters are listed at https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PARAMKEYWORDS")
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
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
