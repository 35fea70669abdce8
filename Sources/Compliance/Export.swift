import EventContracts
import Foundation
import Postgres

/// GDPR Article 15: `sluice gdpr export`. Everything the warehouse holds about one subject, as one
/// gzip NDJSON file per table in `OUT/<request-id>/`, with `manifest.json` (rows, bytes and SHA-256
/// of every file) and `README.txt` (docs/compliance.md, "Answering an access request").
///
/// - **Streamed**: each file is read through a server-side cursor (`DECLARE … FETCH`), a few
///   thousand rows at a time, and compressed as it is read: memory stays flat whatever the volume.
/// - **Restartable**: the request row (`gdpr_export_requests`, pending → running → completed |
///   failed) records each finished file (rows, bytes, SHA-256) in `row_counts` after the file was
///   fsynced and renamed into place. A run killed anywhere is finished by the same command (the
///   unfinished request of the same subject, or `--request-id`): a recorded file whose bytes still
///   hash the same is kept, every other file is written again under a temporary name and renamed,
///   and the manifest is written last. No partial file ever carries a final name.
/// - The export is the only place medical fields are decrypted (`SLUICE_MEDICAL_KEY`); the audit
///   entry is classified `medical` when it did.
public struct Export: Sendable {
    public struct Options: Sendable {
        public var tenant: String
        public var subject: SubjectName
        public var actor: String
        /// The directory the request's own directory is made in.
        public var outputDirectory: String
        /// Resume (or create) this request instead of the subject's unfinished one.
        public var requestID: String?
        /// Rows per FETCH.
        public var fetchSize = 2_000

        public init(tenant: String, subject: SubjectName, actor: String, outputDirectory: String) {
            self.tenant = tenant
            self.subject = subject
            self.actor = actor
            self.outputDirectory = outputDirectory
        }
    }

    /// One file of an export, as manifest.json and the report list it.
    public struct File: Codable, Sendable, Equatable {
        public var name: String
        public var rows: Int64
        public var bytes: Int64
        public var sha256: String
    }

    /// What an export did.
    public struct Report: Sendable, Encodable, Equatable {
        /// `completed` (also when the request had completed before: `already_completed`).
        public var status: String
        public var request_id: String
        public var subject_hash: String
        public var resumed: Bool
        public var already_completed: Bool
        public var output_dir: String
        public var download_url: String
        public var users: Int
        public var aliases: Int
        public var files: [File]
        /// Files kept from an earlier, killed run of the same request (their bytes re-hashed).
        public var files_kept: Int
        public var medical_fields_decrypted: Int64
    }

    /// What the request row's row_counts holds while (and after) the export runs.
    struct Progress: Codable, Sendable, Equatable {
        var files: [String: ExportFileWriter.Written] = [:]
        var medical_fields_decrypted: Int64 = 0
    }

    /// The data files, in the order they are written and listed.
    public static let fileNames = [
        "events.ndjson.gz", "dim_users.ndjson.gz", "identity_links.ndjson.gz", "identity_pairs.ndjson.gz",
        "user_attribute_values.ndjson.gz", "personalization_opt_outs.ndjson.gz", "dead_letters.ndjson.gz", "audit_entries.ndjson.gz",
    ]

    public let connectionString: String
    public let hashKey: [UInt8]?
    /// `SLUICE_MEDICAL_KEY`; needed only when the subject's events carry medical fields.
    public let medicalKey: MedicalFieldKey?

    public init(connectionString: String, hashKey: [UInt8]?, medicalKey: MedicalFieldKey?) {
        self.connectionString = connectionString
        self.hashKey = hashKey
        self.medicalKey = medicalKey
    }

    public func run(_ options: Options, progress: @Sendable (String) -> Void = { _ in }) async throws -> Report {
        try await ComplianceSession.withConnection(connectionString, command: "gdpr export") { connection in
            try await run(options, on: connection, progress: progress)
        }
    }

    /// A request id names a directory: letters, digits, `.`, `_`, `-`, not starting with `.`.
    public static func checkRequestID(_ id: String) throws {
        guard (1...255).contains(id.utf8.count), id.first != ".",
              id.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }) else {
            throw ComplianceError("--request-id must be 1 to 255 letters, digits, '.', '_' or '-', not starting with '.' (it names the export's directory)")
        }
    }

    private func run(_ options: Options, on connection: PostgresConnection, progress: @Sendable (String) -> Void) async throws -> Report {
        let tenant = options.tenant
        if let id = options.requestID { try Self.checkRequestID(id) }
        let subject = try await SubjectResolver(hashKey: hashKey).resolve(options.subject, tenant: tenant, on: connection)
        let parent = URL(fileURLWithPath: options.outputDirectory).standardizedFileURL.path
        let request = try await claim(subject, options: options, parent: parent, on: connection)
        var report = Report(status: "completed", request_id: request.id, subject_hash: subject.subjectHash, resumed: request.resumed,
                            already_completed: request.completed, output_dir: request.directory,
                            download_url: Self.manifestURL(request.directory), users: subject.userIds.count,
                            aliases: subject.aliases.count, files: [], files_kept: 0,
                            medical_fields_decrypted: request.progress.medical_fields_decrypted)
        report.files = Self.fileNames.compactMap { name in request.progress.files[name].map { File(name: name, rows: $0.rows, bytes: $0.bytes, sha256: $0.sha256) } }
        if request.completed { return report }
        do {
            try await write(subject, request: request, options: options, report: &report, on: connection, progress: progress)
            return report
        } catch {
            let message = String(describing: error)
            _ = try? await ComplianceSession.withTenant(connection, tenant) { connection in
                try connection.query("""
                    UPDATE public.gdpr_export_requests SET status = 'failed', error = \(message)
                    WHERE tenant_id = \(tenant) AND request_id = \(request.id) AND status <> 'completed'
                    """)
            }
            throw error
        }
    }

    // MARK: - The request

    struct Claimed: Sendable {
        var id: String
        var directory: String
        var resumed: Bool
        var completed: Bool
        var progress: Progress
    }

    /// The request to work on: the one named, else the subject's unfinished one, else a new one;
    /// marked running, with its directory recorded before any file is written (erasure finds the
    /// files of an unfinished export too).
    private func claim(_ subject: Subject, options: Options, parent: String, on connection: PostgresConnection) async throws -> Claimed {
        let tenant = subject.tenant
        let actor = options.actor
        let named = options.requestID
        return try await ComplianceSession.withTenant(connection, tenant) { connection in
            let existing = try connection.query("""
                SELECT request_id, user_id, status, output_dir, row_counts::text AS progress FROM public.gdpr_export_requests
                WHERE tenant_id = \(tenant)
                  AND (CASE WHEN \(named)::text IS NULL THEN user_id = \(subject.subjectHash) AND status IN ('pending', 'running', 'failed')
                            ELSE request_id = \(named) END)
                ORDER BY id DESC LIMIT 1 FOR UPDATE
                """).first
            guard let existing else {
                let id = named ?? UUID().uuidString.lowercased()
                let directory = (parent as NSString).appendingPathComponent(id)
                try connection.query("""
                    INSERT INTO public.gdpr_export_requests (tenant_id, request_id, user_id, status, requested_by, output_dir, started_at)
                    VALUES (\(tenant), \(id), \(subject.subjectHash), 'running', \(actor), \(directory), now())
                    """)
                return Claimed(id: id, directory: directory, resumed: false, completed: false, progress: Progress())
            }
            let id = try existing.decode("request_id", as: String.self)
            guard try existing.decode("user_id", as: String.self) == subject.subjectHash else {
                throw ComplianceError("export request \(id) of tenant \(tenant) is about another subject: name that subject, or leave out --request-id")
            }
            let status = try existing.decode("status", as: String.self)
            let progress = (try? JSONDecoder().decode(Progress.self, from: Data(try existing.decode("progress", as: String.self).utf8))) ?? Progress()
            let directory = try existing.decode("output_dir", as: String?.self) ?? (parent as NSString).appendingPathComponent(id)
            if status == "completed" {
                return Claimed(id: id, directory: directory, resumed: false, completed: true, progress: progress)
            }
            guard (directory as NSString).deletingLastPathComponent == parent else {
                throw ComplianceError("export request \(id) writes to \(directory): run it again with --out \((directory as NSString).deletingLastPathComponent)")
            }
            try connection.query("""
                UPDATE public.gdpr_export_requests SET status = 'running', started_at = COALESCE(started_at, now()), output_dir = \(directory), error = NULL
                WHERE tenant_id = \(tenant) AND request_id = \(id)
                """)
            return Claimed(id: id, directory: directory, resumed: true, completed: false, progress: progress)
        }
    }

    static func manifestURL(_ directory: String) -> String {
        URL(fileURLWithPath: directory).appendingPathComponent("manifest.json").absoluteString
    }

    // MARK: - The files

    private func write(_ subject: Subject, request: Claimed, options: Options, report: inout Report, on connection: PostgresConnection,
                       progress: @Sendable (String) -> Void) async throws {
        let tenant = subject.tenant
        let directory = request.directory
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ComplianceError("cannot create \(directory): \(error.localizedDescription) (is --out writable?)")
        }
        // A killed run's temporary files are never kept.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
        }
        var state = request.progress
        let deadLetters = try await SubjectDeadLetters.ids(of: subject, on: connection)
        let months = try await connection.query("SELECT range_from, range_to FROM public.sluice_event_partitions ORDER BY range_from").map {
            (from: try $0.decode("range_from", as: PostgresTimestamp.self), to: try $0.decode("range_to", as: PostgresTimestamp.self))
        }
        var kept = 0
        for name in Self.fileNames {
            if let recorded = state.files[name],
               let onDisk = ExportFileWriter.digest(ofFileAt: (directory as NSString).appendingPathComponent(name)),
               onDisk.bytes == recorded.bytes, onDisk.sha256 == recorded.sha256 {
                kept += 1
                continue
            }
            let fetch = options.fetchSize
            let opener = MedicalFieldOpener(key: medicalKey, tenant: tenant)
            let (written, opened) = try await ComplianceSession.withTenant(connection, tenant) { connection in
                let writer = try ExportFileWriter(directory: directory, name: name)
                var opened: Int64 = 0
                switch name {
                case "events.ndjson.gz":
                    for month in months {
                        try Self.stream(ExportQueries.events(subject, from: month.from, to: month.to), fetch: fetch, on: connection) { row in
                            try Self.appendEvent(row, to: writer, opener: opener, opened: &opened)
                        }
                    }
                case "dead_letters.ndjson.gz":
                    try Self.stream(ExportQueries.deadLetters(subject, ids: deadLetters), fetch: fetch, on: connection) { row in
                        try Self.appendDeadLetter(row, to: writer)
                    }
                default:
                    try Self.stream(ExportQueries.rows(of: name, subject), fetch: fetch, on: connection) { row in
                        try Self.appendCell(row, to: writer)
                    }
                }
                return (try writer.finish(), opened)
            }
            state.files[name] = written
            if name == "events.ndjson.gz" { state.medical_fields_decrypted = opened }
            let recorded = state
            _ = try await ComplianceSession.withTenant(connection, tenant) { connection in
                try connection.query("""
                    UPDATE public.gdpr_export_requests SET row_counts = \(Self.encode(recorded))::jsonb
                    WHERE tenant_id = \(tenant) AND request_id = \(request.id)
                    """)
            }
            progress("wrote \(name): \(written.rows) row(s), \(written.bytes) bytes")
        }
        report.files_kept = kept
        report.medical_fields_decrypted = state.medical_fields_decrypted
        report.files = Self.fileNames.compactMap { name in state.files[name].map { File(name: name, rows: $0.rows, bytes: $0.bytes, sha256: $0.sha256) } }

        // The README, then the manifest: a manifest on disk means every file it lists is complete.
        let readme = try ExportFileWriter.writeWhole(Array(ExportReadme.text(requestID: request.id, tenant: tenant).utf8), as: "README.txt", in: directory)
        let generatedAt = ISO8601DateFormatter().string(from: Date())
        let manifest = Manifest(request_id: request.id, tenant: tenant, subject_hash: subject.subjectHash, generated_at: generatedAt,
                                format: "gzip-compressed NDJSON: one JSON object per line", files: report.files,
                                readme: File(name: "README.txt", rows: 0, bytes: readme.bytes, sha256: readme.sha256),
                                medical_fields_decrypted: state.medical_fields_decrypted)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        _ = try ExportFileWriter.writeWhole(Array(try encoder.encode(manifest)) + [UInt8(ascii: "\n")], as: "manifest.json", in: directory)

        let final = state
        let url = report.download_url
        let files = report.files
        try await ComplianceSession.withTenant(connection, tenant) { connection in
            try connection.query("""
                UPDATE public.gdpr_export_requests SET status = 'completed', completed_at = now(), download_url = \(url),
                       row_counts = \(Self.encode(final))::jsonb, error = NULL
                WHERE tenant_id = \(tenant) AND request_id = \(request.id)
                """)
            var entry = AuditEntry(tenant: tenant, action: "gdpr.export", resource: request.id, subjectHash: subject.subjectHash,
                                   actor: options.actor, classification: final.medical_fields_decrypted > 0 ? "medical" : "pii")
            entry.rowCounts = Dictionary(uniqueKeysWithValues: files.map { (String($0.name.prefix { $0 != "." }), $0.rows) })
            entry.details = ["output_dir": directory, "download_url": url, "users": String(subject.userIds.count),
                             "aliases": String(subject.aliases.count), "medical_fields_decrypted": String(final.medical_fields_decrypted)]
            if final.medical_fields_decrypted > 0 { entry.flags = ["medical_decrypted"] }
            try AuditLog.append(entry, on: connection)
        }
    }

    /// manifest.json.
    struct Manifest: Encodable {
        var request_id: String
        var tenant: String
        var subject_hash: String
        var generated_at: String
        var format: String
        var files: [File]
        var readme: File
        var medical_fields_decrypted: Int64
    }

    static func encode(_ progress: Progress) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(progress)) ?? Data("{}".utf8), as: UTF8.self)
    }

    // MARK: - Streaming through a cursor

    /// Runs `query` as a server-side cursor in the current transaction and hands its rows to
    /// `body`, `fetch` at a time: only one FETCH's rows are ever in memory.
    static func stream(_ query: PostgresQuery, fetch: Int, on connection: isolated PostgresConnection,
                       _ body: (PostgresRow) throws -> Void) throws {
        try connection.query(PostgresQuery(unsafeSQL: "DECLARE sluice_export NO SCROLL CURSOR FOR " + query.sql, binds: query.binds))
        while true {
            let rows = try connection.query(PostgresQuery(unsafeSQL: "FETCH FORWARD \(max(1, fetch)) FROM sluice_export"))
            for row in rows { try body(row) }
            if rows.count < fetch { break }
        }
        try connection.execute(unsafeSQL: "CLOSE sluice_export")
    }

    /// Column 0 (a JSON text) as the line, without copying it.
    static func appendCell(_ row: PostgresRow, to writer: ExportFileWriter) throws {
        var failure: Error?
        try row[0].withBytes { bytes in
            do { try writer.appendLine(bytes) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    static func appendEvent(_ row: PostgresRow, to writer: ExportFileWriter, opener: MedicalFieldOpener, opened: inout Int64) throws {
        var failure: Error?
        var count = 0
        try row[0].withBytes { bytes in
            do {
                if let plain = try opener.open(bytes) {
                    count = plain.opened
                    try writer.appendLine(plain.line)
                } else {
                    try writer.appendLine(bytes)
                }
            } catch { failure = error }
        }
        if let failure { throw failure }
        opened += Int64(count)
    }

    /// A dead letter's row (column 0, without `raw`) and its raw bytes (column 1): `raw` as text
    /// when the bytes are UTF-8, else `raw_base64`.
    static func appendDeadLetter(_ row: PostgresRow, to writer: ExportFileWriter) throws {
        var line = try row[0].withBytes { Array($0) }
        let raw = try row[1].withBytes { Array($0) }
        guard line.last == UInt8(ascii: "}") else { throw ComplianceError("unexpected dead-letter row") }
        line.removeLast()
        let member: (String, Any) = if let text = String(validating: raw, as: UTF8.self) { ("raw", text) } else { ("raw_base64", Data(raw).base64EncodedString()) }
        line += Array(", \"\(member.0)\": ".utf8)
        line += Array(try JSONSerialization.data(withJSONObject: member.1, options: [.fragmentsAllowed, .withoutEscapingSlashes]))
        line.append(UInt8(ascii: "}"))
        try writer.appendLine(line)
    }
}
