import Crypto
import Foundation

/// Where `migrations/` and `sql/` are.
public struct SchemaFiles: Sendable {
    public let migrationsDirectory: URL
    public let sqlDirectory: URL
    /// The directory holding both.
    public var root: URL { migrationsDirectory.deletingLastPathComponent() }

    public init(root: URL) {
        self.migrationsDirectory = root.appendingPathComponent("migrations")
        self.sqlDirectory = root.appendingPathComponent("sql")
    }

    /// Finds the directory holding `migrations/`: `explicitRoot`, else `SLUICE_HOME`, else the
    /// working directory, else the ancestors of the executable (`.build/release/sluice` in a checkout,
    /// `/usr/local/bin/sluice` next to `/usr/local/share/sluice`).
    /// A directory the user named explicitly must hold migrations/: it is an error, never a fall
    /// back to another directory.
    public static func locate(explicitRoot: String? = nil) throws -> SchemaFiles {
        if let explicitRoot {
            let root = URL(fileURLWithPath: explicitRoot)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root.appendingPathComponent("migrations").path, isDirectory: &isDirectory),
                  isDirectory.boolValue else {
                throw MigrationError("\(root.path) holds no migrations/ directory: name the directory that holds migrations/ and sql/ (the Sluice checkout, or its share/sluice)")
            }
            return SchemaFiles(root: root)
        }
        var candidates: [URL] = []
        if let home = ProcessInfo.processInfo.environment["SLUICE_HOME"], !home.isEmpty {
            candidates.append(URL(fileURLWithPath: home))
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        // The running binary's own path: argv[0] is just `sluice` when the shell found it on PATH.
        let executablePath = Bundle.main.executablePath ?? CommandLine.arguments.first ?? ""
        var executable = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(executable)
            candidates.append(executable.appendingPathComponent("share/sluice"))
            executable = executable.deletingLastPathComponent()
        }
        for root in candidates {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root.appendingPathComponent("migrations").path, isDirectory: &isDirectory), isDirectory.boolValue {
                return SchemaFiles(root: root)
            }
        }
        throw MigrationError("cannot find the migrations/ directory (looked in \(candidates.prefix(3).map(\.path).joined(separator: ", ")) and next to the executable); run from the Sluice checkout or set SLUICE_HOME to the directory holding migrations/ and sql/")
    }

    /// The versioned migrations, in version order.
    public func migrations() throws -> [Migration] {
        var byVersion: [Int: Migration] = [:]
        for name in try sqlFileNames(in: migrationsDirectory) {
            guard let migration = try Migration(fileName: name, contents: Data(contentsOf: migrationsDirectory.appendingPathComponent(name))) else {
                throw MigrationError("migrations/\(name): file names must look like NNNN_description.sql (e.g. 0006_add_rejects.sql)")
            }
            if let existing = byVersion[migration.version] {
                throw MigrationError("migrations/\(existing.fileName) and migrations/\(name) share version \(migration.version)")
            }
            byVersion[migration.version] = migration
        }
        return byVersion.values.sorted { $0.version < $1.version }
    }

    /// The repeatable scripts of `sql/`, in name order.
    public func repeatables() throws -> [RepeatableScript] {
        guard FileManager.default.fileExists(atPath: sqlDirectory.path) else { return [] }
        return try sqlFileNames(in: sqlDirectory).map { name in
            try RepeatableScript(fileName: name, contents: Data(contentsOf: sqlDirectory.appendingPathComponent(name)))
        }
    }

    private func sqlFileNames(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
    }
}

/// One versioned, forward-only migration file.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let description: String
    public let fileName: String
    public let sql: String
    /// SHA-256 of the file's bytes, hex.
    public let checksum: String
    /// False when the file starts with `-- sluice:no-transaction` (e.g. `CREATE INDEX CONCURRENTLY`).
    public let runsInTransaction: Bool

    /// The marker for files that must run outside a transaction.
    public static let noTransactionMarker = "-- sluice:no-transaction"

    init?(fileName: String, contents: Data) throws {
        let stem = fileName.dropLast(".sql".count)
        guard let underscore = stem.firstIndex(of: "_"),
              stem.distance(from: stem.startIndex, to: underscore) == 4,
              let version = Int(stem[..<underscore]),
              stem[stem.index(after: underscore)...].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
              !stem[stem.index(after: underscore)...].isEmpty
        else { return nil }
        guard let sql = String(data: contents, encoding: .utf8) else {
            throw MigrationError("migrations/\(fileName) is not valid UTF-8")
        }
        self.version = version
        self.description = stem[stem.index(after: underscore)...].replacingOccurrences(of: "_", with: " ")
        self.fileName = fileName
        self.sql = sql
        self.checksum = Checksum.sha256Hex(contents)
        self.runsInTransaction = !sql.split(separator: "\n", maxSplits: 5).contains { $0.trimmingCharacters(in: .whitespaces) == Self.noTransactionMarker }
    }
}

/// One file of `sql/`: a view or function re-applied whenever its checksum changes.
public struct RepeatableScript: Sendable, Equatable {
    public let fileName: String
    public let sql: String
    public let checksum: String

    init(fileName: String, contents: Data) throws {
        guard let sql = String(data: contents, encoding: .utf8) else {
            throw MigrationError("sql/\(fileName) is not valid UTF-8")
        }
        self.fileName = fileName
        self.sql = sql
        self.checksum = Checksum.sha256Hex(contents)
    }
}

enum Checksum {
    static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}

/// A migration problem, worded for the person running `sluice migrate`.
public struct MigrationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
