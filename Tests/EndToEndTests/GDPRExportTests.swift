import Foundation
import Postgres
import Testing
import TestSupport

/// `sluice gdpr export`, `find`, `status` and `list` over the built binary: a kill -9 at random
/// points of an export, then the same command, leaves exactly what a clean export writes.
@Suite("sluice gdpr export, end to end", .serialized)
struct GDPRExportTests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text)")
    }

    static func gunzip(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "gzip -dc \(path)")
        return String(decoding: data, as: UTF8.self)
    }

    static func sha256(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return String(text.prefix(64))
    }

    /// Every file of the manifest verifies (size, sha256sum, lines); no other file is there.
    /// Returns each data file's decompressed text.
    static func verified(_ directory: String) throws -> [String: String] {
        let manifest = try json(String(contentsOfFile: (directory as NSString).appendingPathComponent("manifest.json"), encoding: .utf8))
        let files = try #require(manifest["files"] as? [[String: Any]])
        var contents: [String: String] = [:]
        for file in files + [try #require(manifest["readme"] as? [String: Any])] {
            let name = try #require(file["name"] as? String)
            let path = (directory as NSString).appendingPathComponent(name)
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
            #expect(file["bytes"] as? Int == size, "\(name): size")
            #expect(file["sha256"] as? String == (try sha256(path)), "\(name): sha256")
            guard name.hasSuffix(".gz") else { continue }
            let text = try gunzip(path)
            #expect(file["rows"] as? Int == text.split(separator: "\n").count, "\(name): rows")
            contents[name] = text
        }
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: directory))
        #expect(names == Set(files.compactMap { $0["name"] as? String } + ["manifest.json", "README.txt"]), "stray or missing files: \(names.sorted())")
        return contents
    }

    static func count(_ url: String, _ query: PostgresQuery) async throws -> Int {
        let connection = try await PostgresConnection.connect(url)
        let value = try await connection.query(query)[0].decode("n", as: Int.self)
        await connection.close()
        return value
    }

    @Test("kill -9 at random points of an export, five times, then the same command: one request, files verify, contents equal a clean export's; find counted them; status and list show it; other logins refused")
    func killedExportFinishesExactly() async throws {
        let (lines, hers) = GDPREraseTests.lines(count: 3_000)
        let input = try TestEvents.writeFile(lines)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("gdpr-export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        try await TestDatabase.withFresh { url in
            #expect(try await SluiceCLI.run(["migrate"], environment: ["DATABASE_URL": url]).status == 0)
            try await TestDatabase.ensureTestLogins()
            let loaded = try await SluiceCLI.run(["load", "--contract", "recs", "--tenant", "acme", input.path],
                                                 environment: GDPREraseTests.environment(url, as: .loader))
            #expect(loaded.status == 0, "\(loaded.combined)")
            let compliance = GDPREraseTests.environment(url, as: .compliance)

            let found = try await SluiceCLI.run(["gdpr", "find", "--tenant", "acme", "--user", "alice", "--json"], environment: compliance)
            #expect(found.status == 0, "\(found.combined)")
            let coverage = try Self.json(found.stdout)
            #expect(coverage["events"] as? Int == hers)

            let export = ["gdpr", "export", "--tenant", "acme", "--user", "alice", "--out", out.path, "--request-id", "dsar-1",
                          "--fetch-size", "1", "--json"]
            var killedMidway = 0
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<5 {
                let delay = Duration.milliseconds(Int.random(in: 30...300, using: &generator))
                let (killed, _) = try await SluiceCLI.runKilled(export, environment: compliance, after: delay)
                guard killed else { break }
                killedMidway += 1
            }
            #expect(killedMidway >= 3, "only \(killedMidway) kill(s) landed while the export ran")
            let final = try await SluiceCLI.run(export, environment: compliance)
            #expect(final.status == 0, "\(final.combined)")
            let report = try Self.json(final.stdout)
            #expect(report["status"] as? String == "completed")
            #expect(try await Self.count(url, "SELECT count(*)::int AS n FROM gdpr_export_requests") == 1)
            #expect(try await Self.count(url, "SELECT count(*)::int AS n FROM gdpr_export_requests WHERE status = 'completed' AND download_url LIKE 'file://%/dsar-1/manifest.json'") == 1)
            #expect(try await Self.count(url, "SELECT count(*)::int AS n FROM compliance_audit_logs WHERE action = 'gdpr.export'") == 1)
            let resumed = try Self.verified(out.appendingPathComponent("dsar-1").path)
            #expect(resumed["events.ndjson.gz"]?.split(separator: "\n").count == hers)

            // A clean export of the same subject writes the same contents (the audit trail has
            // grown by the first export meanwhile).
            let clean = try await SluiceCLI.run(["gdpr", "export", "--tenant", "acme", "--user", "alice", "--out", out.path, "--request-id", "clean", "--json"],
                                                environment: compliance)
            #expect(clean.status == 0, "\(clean.combined)")
            let reference = try Self.verified(out.appendingPathComponent("clean").path)
            for name in reference.keys.sorted() where name != "audit_entries.ndjson.gz" {
                #expect(resumed[name] == reference[name], "\(name) differs from a clean export's")
            }

            let status = try await SluiceCLI.run(["gdpr", "status", "dsar-1", "--tenant", "acme", "--json"], environment: compliance)
            #expect(status.status == 0, "\(status.combined)")
            let request = try Self.json(status.stdout)
            #expect(request["status"] as? String == "completed")
            #expect(request["kind"] as? String == "export")
            #expect((request["row_counts"] as? [String: Int])?["events.ndjson.gz"] == hers)
            let erased = try await SluiceCLI.run(["gdpr", "erase", "--tenant", "acme", "--user", "bob", "--json"], environment: compliance)
            #expect(erased.status == 0, "\(erased.combined)")
            let list = try await SluiceCLI.run(["gdpr", "list", "--tenant", "acme", "--json"], environment: compliance)
            #expect(list.status == 0, "\(list.combined)")
            let requests = try #require(try Self.json(list.stdout)["requests"] as? [[String: Any]])
            #expect(requests.map { "\($0["kind"] ?? "")/\($0["status"] ?? "")" }.sorted() == ["erasure/completed", "export/completed", "export/completed"])
            let text = try await SluiceCLI.run(["gdpr", "list", "--tenant", "acme"], environment: compliance)
            #expect(text.stdout.contains("dsar-1") && text.stdout.contains("erasure"), "\(text.stdout)")
            let untenanted = try await SluiceCLI.run(["gdpr", "list"], environment: compliance)
            #expect(untenanted.status != 0 && untenanted.stderr.contains("--tenant"), "\(untenanted.combined)")
            let missing = try await SluiceCLI.run(["gdpr", "status", "nope", "--tenant", "acme"], environment: compliance)
            #expect(missing.status != 0 && missing.stderr.contains("sluice gdpr list"), "\(missing.combined)")

            for role in [TestRole.loader, .refresher] {
                let refused = try await SluiceCLI.run(["gdpr", "export", "--tenant", "acme", "--user", "alice", "--out", out.path],
                                                      environment: GDPREraseTests.environment(url, as: role))
                #expect(refused.status != 0 && refused.stderr.contains("sluice_compliance"), "\(role): \(refused.combined)")
                let find = try await SluiceCLI.run(["gdpr", "find", "--tenant", "acme", "--user", "alice"], environment: GDPREraseTests.environment(url, as: role))
                #expect(find.status != 0 && find.stderr.contains("sluice_compliance"), "\(role): \(find.combined)")
            }
            #expect(try await Self.count(url, "SELECT count(*)::int AS n FROM gdpr_export_requests") == 2, "a refused export left a request")
        }
    }
}
