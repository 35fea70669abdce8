import Analytics
import Compliance
import EventContracts
import Foundation
import Loader
import Postgres
import SampleEvents
import Testing
import TestSupport

/// `sluice gdpr export` and `find` through their Swift API as the compliance test login: the files
/// hold exactly the subject's rows (checked against direct queries as the owner), verify against
/// their manifest, open medical fields, and find's counts are what export writes and erase deletes.
@Suite("GDPR export and find", .serialized)
struct ExportTests {
    static let medicalKey = MedicalFieldKey(id: "export-test", bytes: Array(repeating: 3, count: 32))

    /// Loads as the loader does with both keys set (pocm's clinical events need the medical key).
    static func load(_ url: String, _ lines: [String], contract: Contract, tenant: String = "acme") async throws {
        let input = try TestEvents.writeFile(lines)
        var options = LoadOptions(connectionString: TestDatabase.url(url, as: .loader))
        options.contract = contract
        options.tenant = tenant
        options.inputs = [input.path]
        options.privacy = try KeyConfiguration.privacyPolicy(tenant: tenant, environment: ["SLUICE_PII_HASH_SECRET": ComplianceFixture.secret])
        options.privacy.medicalKey = medicalKey
        _ = try await LoadJob(options: options, registry: ComplianceFixture.registry.get()).run()
    }

    /// Generated pocm lines, every 5th made alice's; three of hers sent again without a user
    /// (same session, another key): hers only through the stitched session.
    static func pocmLines(tenant: String, seed: UInt64, count: Int) throws -> [String] {
        let generator = try EventGenerator(options: .init(contract: .pocm, seed: seed, tenantId: tenant, days: 20,
                                                          now: NormalizationContext.nowMicroseconds() - 3_600_000_000))
        var lines: [String] = []
        var anonymous = 0
        for index in 0..<count {
            var line = String(decoding: generator.line(index), as: UTF8.self)
            guard index % 5 == 0, let range = userRange(in: line) else { lines.append(line); continue }
            line.replaceSubrange(range, with: #""user_id":"alice","#)
            lines.append(line)
            if anonymous < 3, line.contains(#""session_id":""#), let mine = userRange(in: line) {
                var copy = line
                copy.removeSubrange(mine)
                lines.append(copy.replacingOccurrences(of: #""idempotency_key":""#, with: #""idempotency_key":"anon-"#))
                anonymous += 1
            }
        }
        return lines
    }

    static func userRange(in line: String) -> Range<String.Index>? {
        guard let start = line.range(of: #""user_id":""#), let close = line[start.upperBound...].firstIndex(of: "\""),
              line[line.index(after: close)...].hasPrefix(",") else { return nil }
        return start.lowerBound..<line.index(close, offsetBy: 2)
    }

    static func view(daysAgo: Int, user: String? = nil, anon: String) -> String {
        let micros = PostgresTimestamp.now().microsecondsSinceUnixEpoch - Int64(daysAgo) * 86_400_000_000
        var fields = [#""eventId":"\#(UUID().uuidString.lowercased())""#, #""eventType":"view""#,
                      #""timestamp":"\#(PostgresTimestamp(microsecondsSinceUnixEpoch: micros).description)""#,
                      #""productId":"sku_1""#, #""metadata":{"schemaVersion":1}"#, #""anonId":"\#(anon)""#]
        if let user { fields.append(#""userId":"\#(user)""#) }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// acme: alice (pocm and recs, with an anon id only she used and a kiosk bob used last), bob;
    /// globex: another alice. A dead letter names acme's alice. Refreshed.
    static func populate(_ url: String) async throws {
        try await load(url, try pocmLines(tenant: "acme", seed: 11, count: 600), contract: .pocm)
        try await load(url, [view(daysAgo: 6, user: "alice", anon: "anon-alice"), view(daysAgo: 5, anon: "anon-alice"),
                             view(daysAgo: 9, user: "alice", anon: "kiosk"), view(daysAgo: 3, user: "bob", anon: "kiosk"),
                             view(daysAgo: 2, anon: "kiosk"), view(daysAgo: 4, user: "bob", anon: "anon-bob")], contract: .recs)
        try await load(url, try pocmLines(tenant: "globex", seed: 12, count: 200), contract: .pocm, tenant: "globex")
        try await load(url, [#"{"type":"cart","user_id":"alice","broken"#], contract: .pocm)
        _ = try await RefreshJob(connectionString: TestDatabase.url(url, as: .refresher)).run(full: false)
    }

    static func export(_ url: String, into directory: URL, requestID: String? = nil, role: TestRole = .compliance,
                       medicalKey: MedicalFieldKey? = Self.medicalKey) async throws -> Export.Report {
        var options = Export.Options(tenant: "acme", subject: .user("alice"), actor: "dpo", outputDirectory: directory.path)
        options.requestID = requestID
        options.fetchSize = 7  // many FETCHes
        return try await Export(connectionString: TestDatabase.url(url, as: role), hashKey: try ComplianceFixture.hashKey("acme"),
                                medicalKey: medicalKey).run(options)
    }

    /// The lines of a gzip file, decompressed by gzip(1) (independent of the writer).
    static func lines(ofGzip path: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "gzip -t \(path)")
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    static func object(_ line: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
    }

    static func owner<T: Sendable>(_ url: String, _ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await PostgresConnection.connect(url)
        do {
            let value = try await body(connection)
            await connection.close()
            return value
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Checks every file of the manifest against the disk (bytes, SHA-256 by sha256sum, lines).
    static func verifyManifest(_ directory: String) throws -> [String: Int] {
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent("manifest.json"))) as? [String: Any])
        var rows: [String: Int] = [:]
        let files = try #require(manifest["files"] as? [[String: Any]])
        #expect(files.map { $0["name"] as? String ?? "" } == Export.fileNames)
        for file in files + [try #require(manifest["readme"] as? [String: Any])] {
            let name = try #require(file["name"] as? String)
            let path = (directory as NSString).appendingPathComponent(name)
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(file["bytes"] as? Int == data.count, "\(name) size")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            process.arguments = [path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let sum = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
            process.waitUntilExit()
            #expect(file["sha256"] as? String == String(sum), "\(name) sha256")
            if name.hasSuffix(".gz") {
                let count = try lines(ofGzip: path).count
                #expect(file["rows"] as? Int == count, "\(name) rows")
                rows[name] = count
            }
        }
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: directory))
        #expect(names == Set(Export.fileNames + ["manifest.json", "README.txt"]), "stray files: \(names.sorted())")
        return rows
    }

    @Test("export: exactly the subject's events (own, through a stitched session and anon id; not the kiosk bob used last, not globex's alice) and rows; medical fields open; manifest verifies; request completed; audited medical; find counted what export wrote and erase deleted")
    func exportHoldsExactlyTheSubjectsRows() async throws {
        try await TestDatabase.withMigrated { url in
            try await Self.populate(url)
            let compliance = try await ComplianceFixture.compliance(url)
            let subject = try await SubjectResolver(hashKey: try ComplianceFixture.hashKey("acme")).resolve(.user("alice"), tenant: "acme", on: compliance)
            await compliance.close()
            #expect(subject.aliases.contains(.init(kind: "anon_id", value: "anon-alice")))
            #expect(subject.sharedAliases.contains(.init(kind: "anon_id", value: "kiosk")))
            let aliasKeys = subject.aliasKeys

            // The oracle: the owner's own reading of who each event is about.
            let expected = try await Self.owner(url) { connection in
                Set(try await connection.query("""
                    SELECT id FROM analytics.event_identities
                    WHERE tenant_id = 'acme' AND (own_user_id = 'alice' OR (own_user_id IS NULL AND alias_kind || ':' || alias = ANY(\(aliasKeys))))
                    """).map { try $0.decode("id", as: Int64.self) })
            }
            let onlyStitched = try await Self.owner(url) { connection in
                try await connection.query("""
                    SELECT id, session_id FROM events WHERE tenant_id = 'acme' AND user_id IS NULL
                      AND (data_json ->> 'anonId' = 'anon-alice' OR (contract = 'pocm' AND idempotency_key LIKE 'anon-%'))
                    """).map { try $0.decode("id", as: Int64.self) }
            }
            #expect(onlyStitched.count == 4, "3 anonymous pocm events on her sessions and 1 recs view on her anon id")
            let kiosk = try await Self.owner(url) { connection in
                try await connection.query("SELECT id FROM events WHERE tenant_id = 'acme' AND user_id IS NULL AND data_json ->> 'anonId' = 'kiosk'")[0]
                    .decode("id", as: Int64.self)
            }
            let encrypted = try await Self.owner(url) { connection in
                try await connection.query("""
                    SELECT COALESCE(sum((length(data_json::text) - length(replace(data_json::text, 'AES-256-GCM', ''))) / 11), 0)::int8 AS n
                    FROM events WHERE tenant_id = 'acme' AND id = ANY(\(PostgresInt64Array(Array(expected)))::int8[])
                    """)[0].decode("n", as: Int64.self)
            }
            #expect(encrypted > 0, "her events carry medical fields")

            // find first: its counts are what export writes and erase deletes.
            let found = try await SubjectCoverage(connectionString: TestDatabase.url(url, as: .compliance), hashKey: try ComplianceFixture.hashKey("acme"))
                .run(tenant: "acme", subject: .user("alice"), actor: "dpo")
            #expect(found.events == Int64(expected.count))
            #expect(found.dead_letters == 1)
            #expect(found.export_files.isEmpty)

            let out = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: out) }
            let report = try await Self.export(url, into: out)
            #expect(report.status == "completed")
            #expect(!report.resumed)
            let directory = out.appendingPathComponent(report.request_id).path
            #expect(report.output_dir == directory)
            let rows = try Self.verifyManifest(directory)

            let events = try Self.lines(ofGzip: (directory as NSString).appendingPathComponent("events.ndjson.gz")).map(Self.object)
            let ids = events.compactMap { ($0["id"] as? NSNumber)?.int64Value }
            #expect(ids.count == events.count && Set(ids).count == ids.count, "an event twice")
            #expect(Set(ids) == expected, "missing \(expected.subtracting(ids).count), extra \(Set(ids).subtracting(expected).count)")
            #expect(Set(onlyStitched).isSubset(of: Set(ids)), "the events reached only through a stitched alias")
            #expect(!ids.contains(kiosk), "the kiosk's anonymous view is bob's")
            #expect(events.allSatisfy { $0["tenant_id"] as? String == "acme" })
            let text = try Self.lines(ofGzip: (directory as NSString).appendingPathComponent("events.ndjson.gz")).joined(separator: "\n")
            #expect(!text.contains("AES-256-GCM"), "a medical field left encrypted")
            #expect(report.medical_fields_decrypted == encrypted)
            #expect(text.contains("\"patient_id\""), "decrypted medical fields appear by name")
            #expect(found.events == Int64(rows["events.ndjson.gz"] ?? -1))

            // The other files against direct queries.
            for (file, table) in [("dim_users", "analytics.dim_users"), ("identity_links", "analytics.identity_links"),
                                  ("identity_pairs", "analytics.identity_pairs"), ("user_attribute_values", "analytics.user_attribute_values")] {
                let direct = try await Self.owner(url) { connection in
                    try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int AS n FROM \(table) WHERE tenant_id = 'acme' AND user_id = 'alice'"))[0]
                        .decode("n", as: Int.self)
                }
                #expect(rows["\(file).ndjson.gz"] == direct, "\(file)")
                #expect(Int64(direct) == found.rows[file], "find's \(file)")
                let exported = try Self.lines(ofGzip: (directory as NSString).appendingPathComponent("\(file).ndjson.gz")).map(Self.object)
                #expect(exported.allSatisfy { $0["user_id"] as? String == "alice" && $0["tenant_id"] as? String == "acme" }, "\(file) holds someone else's row")
            }
            #expect(rows["dim_users.ndjson.gz"] == 1)
            let deadLetters = try Self.lines(ofGzip: (directory as NSString).appendingPathComponent("dead_letters.ndjson.gz")).map(Self.object)
            #expect(deadLetters.count == 1)
            #expect((deadLetters.first?["raw"] as? String)?.contains(#""user_id":"alice""#) == true)
            let audit = try Self.lines(ofGzip: (directory as NSString).appendingPathComponent("audit_entries.ndjson.gz")).map(Self.object)
            #expect(audit.map { $0["action"] as? String } == ["gdpr.find"], "the find before it, about her")

            // The request row and the audit entry.
            let request = try await Self.owner(url) { connection in
                try await connection.query("""
                    SELECT status, download_url, completed_at IS NOT NULL AND started_at IS NOT NULL AS timed, user_id, output_dir
                    FROM gdpr_export_requests WHERE tenant_id = 'acme' AND request_id = \(report.request_id)
                    """)[0]
            }
            #expect(try request.decode("status", as: String.self) == "completed")
            #expect(try request.decode("download_url", as: String.self) == URL(fileURLWithPath: directory).appendingPathComponent("manifest.json").absoluteString)
            #expect(try request.decode("timed", as: Bool.self))
            #expect(try request.decode("user_id", as: String.self) == subject.subjectHash)
            let entry = try await Self.owner(url) { connection in
                try await connection.query("""
                    SELECT data_classification, actor, (row_counts ->> 'events')::int8 AS events FROM compliance_audit_logs
                    WHERE tenant_id = 'acme' AND action = 'gdpr.export' AND resource = \(report.request_id)
                    """)
            }
            #expect(entry.count == 1)
            #expect(try entry.first?.decode("data_classification", as: String.self) == "medical")
            #expect(try entry.first?.decode("events", as: Int64.self) == Int64(expected.count))

            // find sees the files; erase deletes exactly what find counted.
            let again = try await SubjectCoverage(connectionString: TestDatabase.url(url, as: .compliance), hashKey: try ComplianceFixture.hashKey("acme"))
                .run(tenant: "acme", subject: .user("alice"), actor: "dpo")
            #expect(again.export_files.count == Export.fileNames.count + 2)
            #expect(again.export_requests.map(\.request_id) == [report.request_id])
            let erased = try await Erasure(connectionString: TestDatabase.url(url, as: .compliance), hashKey: try ComplianceFixture.hashKey("acme"))
                .run(Erasure.Options(tenant: "acme", subject: .user("alice"), actor: "dpo"))
            #expect(erased.counts["events"] == again.events)
            #expect(erased.counts["rejected_events"] == again.dead_letters)
            #expect(erased.counts["export_files"] == Int64(again.export_files.count))
            for table in ["dim_users", "identity_links", "identity_pairs", "user_attribute_values", "alias_days", "user_days", "funnel_user_days"] {
                #expect(erased.counts[table] == again.rows[table], "\(table): erase \(erased.counts[table] ?? -1), find \(again.rows[table] ?? -1)")
            }
            #expect(!FileManager.default.fileExists(atPath: directory), "erasure removes the export's files")
        }
    }

    @Test("export refuses a login outside sluice_compliance, and an export of medical events without SLUICE_MEDICAL_KEY fails, marked failed, with advice")
    func refusals() async throws {
        try await TestDatabase.withMigrated { url in
            try await Self.populate(url)
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: out) }
            let refused = await #expect(throws: ComplianceError.self) { try await Self.export(url, into: out, role: .loader) }
            #expect(refused?.description.contains("sluice_compliance") == true, "\(String(describing: refused))")
            let keyless = await #expect(throws: ComplianceError.self) { try await Self.export(url, into: out, requestID: "no-key", medicalKey: nil) }
            #expect(keyless?.description.contains("SLUICE_MEDICAL_KEY") == true, "\(String(describing: keyless))")
            let status = try await Self.owner(url) { connection in
                try await connection.query("SELECT status FROM gdpr_export_requests WHERE request_id = 'no-key'")[0].decode("status", as: String.self)
            }
            #expect(status == "failed")
            let names = (try? FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("no-key").path)) ?? []
            #expect(!names.contains("events.ndjson.gz") && !names.contains("manifest.json"), "a partial file under its final name: \(names)")
            // With the key, the same request resumes and completes.
            let report = try await Self.export(url, into: out, requestID: "no-key")
            #expect(report.resumed && report.status == "completed")
            _ = try Self.verifyManifest(out.appendingPathComponent("no-key").path)
        }
    }
}
