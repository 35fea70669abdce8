import Foundation
import Postgres

/// Applies `migrations/` (versioned, forward-only, checksummed) and then `sql/` (repeatable).
///
/// Everything runs under a session advisory lock, so concurrent `sluice migrate` runs queue up
/// instead of colliding; the second finds nothing left to do. Each migration runs in its own
/// transaction together with its ledger row, so a failing file leaves no trace.
public struct Migrator: Sendable {
    /// Advisory lock key shared by every `sluice migrate` ("sluice" in ASCII).
    static let lockKey: Int64 = 0x736C_7569_6365

    public let files: SchemaFiles

    /// Applied migrations whose text changed after release in comments only, by file name: the
    /// checksums of their earlier versions. A ledger holding one of these is brought up to date
    /// instead of refused. Every entry must be a comment-only edit (see `MigratorTests`); any
    /// other change still belongs in a new migration.
    static let commentOnlyEdits: [String: Set<String>] = [
        // A reference to the design notes moved to docs/architecture.md.
        "0005_policies_and_models.sql": ["ef52a6900bab7d246b1c5d49b35a03d68feb2f127469c81ac1a6a6b5bd29a3bf"],
        "0007_policies.sql": ["f74f9080d3d55b225b53110aae300bf2255f174a5cf70d042c6c89c89e845697"],
    ]

    public init(files: SchemaFiles) {
        self.files = files
    }

    /// What a run did.
    public struct Report: Sendable {
        public var applied: [(fileName: String, milliseconds: Double)] = []
        public var repeatablesApplied: [String] = []
        public var alreadyApplied = 0
        public var waitedForLock = false
        public var nothingToDo: Bool { applied.isEmpty && repeatablesApplied.isEmpty }
    }

    /// Runs pending migrations and changed repeatables.
    /// - Parameter progress: one line per step (waiting for the lock, each file applied).
    public func run(on connection: PostgresConnection, progress: @Sendable (String) -> Void = { _ in }) async throws -> Report {
        let migrations = try files.migrations()
        let repeatables = try files.repeatables()
        var report = Report()

        let gotLock = try await connection.query("SELECT pg_try_advisory_lock(\(Self.lockKey)) AS locked")[0].decode("locked", as: Bool.self)
        if !gotLock {
            report.waitedForLock = true
            progress("another `sluice migrate` holds the migration lock; waiting for it to finish")
            try await connection.query("SELECT pg_advisory_lock(\(Self.lockKey))")
        }
        do {
            try await createLedger(on: connection)
            try await applyMigrations(migrations, on: connection, report: &report, progress: progress)
            try await applyRepeatables(repeatables, on: connection, report: &report, progress: progress)
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))")
            throw error
        }
        try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))")
        return report
    }

    /// The versions recorded as applied, in order.
    public static func appliedVersions(on connection: PostgresConnection) async throws -> [(version: Int, fileName: String, appliedAt: PostgresTimestamp)] {
        let exists = try await connection.query("SELECT to_regclass('public.sluice_schema_migrations') IS NOT NULL AS present")[0].decode("present", as: Bool.self)
        guard exists else { return [] }
        return try await connection.query("SELECT version, file_name, applied_at FROM public.sluice_schema_migrations ORDER BY version").map { row in
            (try row.decode("version", as: Int.self), try row.decode("file_name", as: String.self), try row.decode("applied_at", as: PostgresTimestamp.self))
        }
    }

    private func createLedger(on connection: PostgresConnection) async throws {
        try await connection.execute(unsafeSQL: """
            CREATE TABLE IF NOT EXISTS sluice_schema_migrations (
                version      INTEGER     PRIMARY KEY,
                description  TEXT        NOT NULL,
                file_name    TEXT        NOT NULL,
                checksum     TEXT        NOT NULL,
                applied_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
                execution_ms NUMERIC(12, 3) NOT NULL
            );
            CREATE TABLE IF NOT EXISTS sluice_schema_repeatables (
                file_name  TEXT        PRIMARY KEY,
                checksum   TEXT        NOT NULL,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
            );
            """)
    }

    private func applyMigrations(
        _ migrations: [Migration], on connection: PostgresConnection, report: inout Report, progress: (String) -> Void
    ) async throws {
        var recorded: [Int: (fileName: String, checksum: String)] = [:]
        for row in try await connection.query("SELECT version, file_name, checksum FROM sluice_schema_migrations") {
            recorded[try row.decode("version", as: Int.self)] = (try row.decode("file_name", as: String.self), try row.decode("checksum", as: String.self))
        }
        // Refuse before applying anything when history on disk disagrees with the ledger.
        let onDisk = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        var knownEdits: [Migration] = []
        for (version, entry) in recorded.sorted(by: { $0.key < $1.key }) {
            guard let file = onDisk[version] else {
                throw MigrationError("refusing to migrate: \(entry.fileName) is recorded as applied but is missing from \(files.migrationsDirectory.path); restore it (migrations are forward-only)")
            }
            if file.checksum != entry.checksum, Self.commentOnlyEdits[file.fileName]?.contains(entry.checksum) == true {
                knownEdits.append(file)
                continue
            }
            guard file.checksum == entry.checksum else {
                throw MigrationError("refusing to migrate: \(file.fileName) was edited after it was applied (recorded checksum \(entry.checksum.prefix(12))…, file now \(file.checksum.prefix(12))…); applied migrations must not change: restore the file and put the change in a new migration")
            }
        }
        for file in knownEdits {
            try await connection.query("UPDATE sluice_schema_migrations SET checksum = \(file.checksum) WHERE version = \(file.version)")
            progress("recorded the new checksum of \(file.fileName) (its comments were edited in place; its SQL is unchanged)")
        }
        report.alreadyApplied = recorded.count

        for migration in migrations where recorded[migration.version] == nil {
            let started = ContinuousClock.now
            let record: @Sendable (isolated PostgresConnection, Double) throws -> Void = { connection, milliseconds in
                try connection.query("""
                    INSERT INTO sluice_schema_migrations (version, description, file_name, checksum, execution_ms)
                    VALUES (\(migration.version), \(migration.description), \(migration.fileName), \(migration.checksum), \(milliseconds)::numeric(12,3))
                    """)
            }
            do {
                if migration.runsInTransaction {
                    try await connection.withTransaction { connection in
                        try connection.execute(unsafeSQL: migration.sql)
                        try record(connection, started.duration(to: .now).milliseconds)
                    }
                } else {
                    try await connection.execute(unsafeSQL: migration.sql)
                    try await connection.withTransaction { connection in try record(connection, started.duration(to: .now).milliseconds) }
                }
            } catch let error as PostgresError {
                let undone = migration.runsInTransaction ? "nothing of it was applied" : "it ran outside a transaction: check what it left"
                throw MigrationError("migration \(migration.fileName) failed: \(error.description)\(error.hint.map { " (hint: \($0))" } ?? ""); \(undone)")
            }
            let milliseconds = started.duration(to: .now).milliseconds
            report.applied.append((migration.fileName, milliseconds))
            progress("applied \(migration.fileName) (\(String(format: "%.1f", milliseconds)) ms)")
        }
    }

    private func applyRepeatables(
        _ scripts: [RepeatableScript], on connection: PostgresConnection, report: inout Report, progress: (String) -> Void
    ) async throws {
        var recorded: [String: String] = [:]
        for row in try await connection.query("SELECT file_name, checksum FROM sluice_schema_repeatables") {
            recorded[try row.decode("file_name", as: String.self)] = try row.decode("checksum", as: String.self)
        }
        // Name order first; a file that needs an object another file creates (undefined table,
        // view or function) waits for a later round. Each file is its own transaction.
        var pending = scripts.filter { recorded[$0.fileName] != $0.checksum }
        while !pending.isEmpty {
            var deferred: [(RepeatableScript, PostgresError)] = []
            for script in pending {
                do {
                    try await connection.withTransaction { connection in
                        try connection.execute(unsafeSQL: script.sql)
                        try connection.query("""
                            INSERT INTO sluice_schema_repeatables (file_name, checksum) VALUES (\(script.fileName), \(script.checksum))
                            ON CONFLICT (file_name) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()
                            """)
                    }
                } catch let error as PostgresError where error.sqlState == "42P01" || error.sqlState == "42883" {
                    deferred.append((script, error))
                    continue
                } catch let error as PostgresError {
                    throw MigrationError("sql/\(script.fileName) failed: \(error.description)\(error.hint.map { " (hint: \($0))" } ?? ""); it was not applied")
                }
                report.repeatablesApplied.append(script.fileName)
                progress("\(recorded[script.fileName] == nil ? "created" : "updated") sql/\(script.fileName)")
            }
            if deferred.count == pending.count, let (script, error) = deferred.first {
                throw MigrationError("sql/\(script.fileName) failed: \(error.description); it was not applied (no other sql/ file creates what it needs)")
            }
            pending = deferred.map(\.0)
        }
    }
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
