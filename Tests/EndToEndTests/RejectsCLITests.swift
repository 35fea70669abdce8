import Foundation
import Postgres
import Testing
import TestSupport

/// `sluice rejects` as an operator uses it, as the least-privileged loader login: ids and paths as
/// typed, `--json`, discarding, and replaying under the tenant or contract a load should have had.
@Suite("sluice rejects: ids and paths as typed, --json, discard, re-targeted replay (CLITests)")
struct RejectsCLITests {
    static let broken = #"{"type":"cart"}"#

    /// The path of `url` as typed relative to the directory `sluice` runs in (the repository root).
    static func relative(_ url: URL) -> String {
        let up = SluiceCLI.repositoryRoot.standardizedFileURL.pathComponents.count - 1
        return String(repeating: "../", count: up) + url.standardizedFileURL.path.dropFirst()
    }

    static func json(_ outcome: SluiceCLI.Outcome) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any], "\(outcome.combined)")
    }

    /// The `#id`s `rejects list` printed, in its order.
    static func listedIDs(_ outcome: SluiceCLI.Outcome) -> [String] {
        outcome.stdout.split(separator: "\n").compactMap { line in
            line.hasPrefix("#") ? line.split(separator: " ").first.map(String.init) : nil
        }
    }

    static func withDatabase(_ body: (String, [String: String]) async throws -> Void) async throws {
        try await MisconfigurationCLITests.withDatabase(body)
    }

    static func rows(_ url: String, _ query: PostgresQuery) async throws -> PostgresRows {
        let connection = try await PostgresConnection.connect(url)
        do {
            let rows = try await connection.query(query)
            await connection.close()
            return rows
        } catch {
            await connection.close()
            throw error
        }
    }

    @Test("show takes '#ID' as list prints it; list --source takes a file's path as typed, relative or absolute")
    func idsAndPaths() async throws {
        let input = try TestEvents.writeFile(MisconfigurationCLITests.cartLines(5, prefix: "p") + [Self.broken, "not json", Self.broken])
        let relative = Self.relative(input)
        #expect(!relative.hasPrefix("/"))
        try await Self.withDatabase { url, env in
            // Loaded by its relative path: stored under its absolute one.
            let load = try await SluiceCLI.run(["load", relative], environment: env)
            #expect(load.status == 0, "\(load.combined)")
            let stored = try await Self.rows(url, "SELECT DISTINCT source FROM rejected_events").map { try $0.decode("source", as: String.self) }
            #expect(stored == [input.standardizedFileURL.path])

            let byRelative = try await SluiceCLI.run(["rejects", "list", "--source", relative], environment: env)
            let byAbsolute = try await SluiceCLI.run(["rejects", "list", "--source", input.path], environment: env)
            #expect(byRelative.status == 0 && byAbsolute.status == 0, "\(byRelative.combined)\(byAbsolute.combined)")
            let ids = Self.listedIDs(byRelative)
            #expect(ids.count == 3, "\(byRelative.stdout)")
            #expect(Self.listedIDs(byAbsolute) == ids)
            let elsewhere = try await SluiceCLI.run(["rejects", "list", "--source", "elsewhere/" + input.lastPathComponent], environment: env)
            #expect(Self.listedIDs(elsewhere).isEmpty, "\(elsewhere.stdout)")

            let id = try #require(ids.first)
            let hashed = try await SluiceCLI.run(["rejects", "show", id], environment: env)
            let bare = try await SluiceCLI.run(["rejects", "show", String(id.dropFirst())], environment: env)
            #expect(hashed.status == 0, "\(hashed.combined)")
            #expect(hashed.stdout.hasPrefix("id:          \(id.dropFirst())\n"), "\(hashed.stdout)")
            #expect(hashed.stdout == bare.stdout)
            let nonsense = try await SluiceCLI.run(["rejects", "show", "#x1"], environment: env)
            #expect(nonsense.status == 2, "\(nonsense.combined)")
        }
    }

    @Test("--json: list is {rejects, total} with every key; show adds the raw bytes; a queue reject has a position; failures print {error}, exit 1")
    func jsonShapes() async throws {
        var bytes = Array((MisconfigurationCLITests.cartLines(3, prefix: "j").joined(separator: "\n") + "\n" + Self.broken + "\n").utf8)
        bytes += [0x7B, 0xFF, 0xFE, 0x7D, 0x0A]  // {\xFF\xFE}: not UTF-8
        let input = try TestEvents.writeFile(bytes: bytes)
        try await Self.withDatabase { url, env in
            #expect(try await SluiceCLI.run(["load", input.path], environment: env).status == 0)
            // A Kafka dead letter as the consumer stores it: partition 3 offset 4999.
            _ = try await Self.rows(url, """
                INSERT INTO rejected_events (tenant_id, source, batch_id, line_number, byte_offset, contract, raw, errors)
                VALUES ('default', 'kafka:events/loaders', 'q-1', 4999, (3::int8 << 40) | 4999, 'pocm', '\\x7b7d'::bytea,
                        '[{"field":"","message":"poison"}]')
                """)

            let list = try await SluiceCLI.run(["rejects", "list", "--json"], environment: env)
            #expect(list.status == 0, "\(list.combined)")
            let object = try Self.json(list)
            #expect(Set(object.keys) == ["rejects", "total"])
            #expect(object["total"] as? Int == 3)
            let rejects = try #require(object["rejects"] as? [[String: Any]])
            let keys: Set<String> = ["id", "tenant", "contract", "source", "batch", "line", "byte_offset", "position", "received_at",
                                     "replayed_at", "discarded_at", "discarded_by", "discard_reason", "reasons"]
            for reject in rejects { #expect(Set(reject.keys) == keys, "\(reject.keys.sorted())") }
            let kafka = try #require(rejects.first { $0["source"] as? String == "kafka:events/loaders" })
            #expect(kafka["line"] is NSNull && kafka["byte_offset"] is NSNull)
            let position = try #require(kafka["position"] as? [String: Any])
            #expect(position["queue"] as? String == "kafka" && position["partition"] as? Int == 3 && position["offset"] as? Int == 4999 && position["entry"] is NSNull)
            let file = rejects.filter { $0["source"] as? String == input.standardizedFileURL.path }
            #expect(file.count == 2)
            #expect(file.allSatisfy { $0["position"] is NSNull && $0["line"] is Int && $0["replayed_at"] is NSNull })
            let brokenReject = try #require(file.first { $0["line"] as? Int == 4 })
            let reasons = try #require(brokenReject["reasons"] as? [[String: String]])
            #expect(!reasons.isEmpty && reasons.allSatisfy { Set($0.keys) == ["field", "message"] }, "\(reasons)")

            let brokenID = try #require(brokenReject["id"] as? Int)
            let shown = try Self.json(try await SluiceCLI.run(["rejects", "show", "#\(brokenID)", "--json"], environment: env))
            #expect(Set(shown.keys) == keys.union(["raw_bytes", "raw_base64", "raw_text"]))
            #expect(shown["raw_text"] as? String == Self.broken)
            #expect(shown["raw_base64"] as? String == Data(Self.broken.utf8).base64EncodedString())
            #expect(shown["raw_bytes"] as? Int == Self.broken.utf8.count)
            let invalidID = try #require(file.first { $0["line"] as? Int == 5 }?["id"] as? Int)
            let invalid = try Self.json(try await SluiceCLI.run(["rejects", "show", String(invalidID), "--json"], environment: env))
            #expect(invalid["raw_text"] is NSNull)
            #expect(invalid["raw_base64"] as? String == Data([0x7B, 0xFF, 0xFE, 0x7D]).base64EncodedString())

            let missing = try await SluiceCLI.run(["rejects", "show", "999999", "--json"], environment: env)
            #expect(missing.status == 1)
            #expect(try Self.json(missing)["error"] as? String == "no rejected line with id 999999")
        }
        let unreachable = try await SluiceCLI.run(["rejects", "list", "--json"], environment: ["DATABASE_URL": "postgres://nobody@127.0.0.1:1/x"])
        #expect(unreachable.status == 1)
        let error = try #require(try Self.json(unreachable)["error"] as? String)
        #expect(error.contains("cannot connect"), "\(error)")
    }

    @Test("discard by id or by source: counted, kept with the login and the time, no longer listed or replayed; nothing without a selection")
    func discard() async throws {
        let input = try TestEvents.writeFile(MisconfigurationCLITests.cartLines(4, prefix: "d") + [Self.broken, "not json", Self.broken, "[1]"])
        try await Self.withDatabase { url, env in
            #expect(try await SluiceCLI.run(["load", input.path], environment: env).status == 0)
            func discardedCount() async throws -> Int {
                try await Self.rows(url, "SELECT count(*) AS n FROM rejected_events WHERE discarded_at IS NOT NULL")[0].decode("n", as: Int.self)
            }
            let ids = Self.listedIDs(try await SluiceCLI.run(["rejects", "list"], environment: env))
            #expect(ids.count == 4)

            for refused in [["rejects", "discard"], ["rejects", "discard", "--tenant", "default"], ["rejects", "discard", ids[0], "--source", input.path]] {
                let outcome = try await SluiceCLI.run(refused, environment: env)
                #expect(outcome.status == 2, "\(refused): \(outcome.combined)")
            }
            #expect(try await discardedCount() == 0)

            let before = try await Self.rows(url, "SELECT errors::text AS errors, raw FROM rejected_events WHERE id = \(Int64(ids[0].dropFirst()) ?? 0)")[0]
            let discarded = try await SluiceCLI.run(["rejects", "discard", ids[0], String(ids[1].dropFirst()), "--reason", "test traffic"], environment: env)
            #expect(discarded.status == 0, "\(discarded.combined)")
            #expect(discarded.stdout.contains("discarded 2 rejected lines"), "\(discarded.stdout)")
            #expect(Self.listedIDs(try await SluiceCLI.run(["rejects", "list"], environment: env)) == Array(ids[2...]))
            let all = try await SluiceCLI.run(["rejects", "list", "--all"], environment: env)
            #expect(Self.listedIDs(all) == ids)
            #expect(all.stdout.split(separator: "\n").filter { $0.hasSuffix("[discarded]") }.count == 2, "\(all.stdout)")

            // The rows stay, with why they were rejected, who discarded them and when.
            let row = try await Self.rows(url, """
                SELECT errors::text AS errors, raw, discarded_by, discard_reason, discarded_at IS NOT NULL AS dated
                FROM rejected_events WHERE id = \(Int64(ids[0].dropFirst()) ?? 0)
                """)[0]
            #expect(try row.decode("discarded_by", as: String.self) == TestRole.loader.rawValue)
            #expect(try row.decode("discard_reason", as: String.self) == "test traffic")
            #expect(try row.decode("dated", as: Bool.self))
            #expect(try row.decode("errors", as: String.self) == before.decode("errors", as: String.self))
            #expect(try row.decode("raw", as: PostgresBytes.self) == before.decode("raw", as: PostgresBytes.self))
            let shown = try await SluiceCLI.run(["rejects", "show", ids[0]], environment: env)
            #expect(shown.stdout.contains("by \(TestRole.loader.rawValue): test traffic"), "\(shown.stdout)")

            let again = try await SluiceCLI.run(["rejects", "discard", ids[0], "--json"], environment: env)
            #expect(again.status == 0, "\(again.combined)")
            let againJSON = try Self.json(again)
            #expect(againJSON["discarded"] as? Int == 0)
            #expect(againJSON["not_waiting"] as? [Int] == [Int(ids[0].dropFirst()) ?? 0])

            // The rest by source, typed relative to the working directory.
            let bySource = try await SluiceCLI.run(["rejects", "discard", "--source", Self.relative(input), "--json"], environment: env)
            #expect(bySource.status == 0, "\(bySource.combined)")
            let bySourceJSON = try Self.json(bySource)
            #expect(bySourceJSON["discarded"] as? Int == 2, "\(bySource.stdout)")
            #expect(Set(bySourceJSON["ids"] as? [Int] ?? []) == Set(ids[2...].compactMap { Int($0.dropFirst()) }))
            #expect(try await discardedCount() == 4)
            #expect(Self.listedIDs(try await SluiceCLI.run(["rejects", "list"], environment: env)).isEmpty)

            let replay = try await SluiceCLI.run(["rejects", "replay", "--json"], environment: env)
            #expect(replay.status == 0, "\(replay.combined)")
            #expect(try Self.json(replay)["examined"] as? Int == 0, "\(replay.stdout)")
        }
    }

    @Test("replay --as-contract: pocm lines dead-lettered under recs load as pocm with their source; one that still fails keeps its contract and reasons")
    func replayAsContract() async throws {
        let input = try TestEvents.writeFile(MisconfigurationCLITests.cartLines(30, prefix: "c") + [Self.broken])
        try await Self.withDatabase { url, env in
            let load = try await SluiceCLI.run(["load", "--contract", "recs", "--misconfig-lines", "0", "--json", input.path], environment: env)
            #expect(try Self.json(load)["rejected"] as? Int == 31, "\(load.combined)")
            let brokenBefore = try await Self.rows(url, "SELECT id, errors::text AS errors FROM rejected_events WHERE raw = \(PostgresBytes(Array(Self.broken.utf8)))")[0]

            // --contract chooses (there are no pocm rejects); it does not re-target.
            let filtered = try await SluiceCLI.run(["rejects", "replay", "--contract", "pocm", "--json"], environment: env)
            #expect(try Self.json(filtered)["examined"] as? Int == 0, "\(filtered.combined)")

            let replay = try await SluiceCLI.run(["rejects", "replay", "--source", input.path, "--contract", "recs", "--as-contract", "pocm", "--json"],
                                                 environment: env)
            #expect(replay.status == 0, "\(replay.combined)")
            let summary = try Self.json(replay)
            #expect(summary["examined"] as? Int == 31 && summary["loaded"] as? Int == 30 && summary["still_rejected"] as? Int == 1, "\(replay.stdout)")
            #expect(replay.stderr.contains("also fail as default, pocm and keep waiting with their own reasons"), "\(replay.stderr)")

            let events = try await Self.rows(url, "SELECT contract, tenant_id, count(*) AS n FROM events GROUP BY 1, 2")
            #expect(events.count == 1)
            #expect(try events[0].decode("contract", as: String.self) == "pocm" && events[0].decode("n", as: Int.self) == 30)
            let batches = try await Self.rows(url, "SELECT DISTINCT source FROM batch_operations WHERE contract = 'pocm'")
            #expect(try batches.map { try $0.decode("source", as: String.self) } == [input.standardizedFileURL.path])
            let replayed = try await Self.rows(url, """
                SELECT count(*) FILTER (WHERE replayed_at IS NOT NULL AND contract = 'recs') AS replayed,
                       count(*) FILTER (WHERE r.replay_batch_id IN (SELECT batch_id FROM events)) AS traced
                FROM rejected_events AS r
                """)[0]
            #expect(try replayed.decode("replayed", as: Int.self) == 30 && replayed.decode("traced", as: Int.self) == 30)
            let brokenAfter = try await Self.rows(url, """
                SELECT contract, replayed_at IS NULL AS waiting, errors::text AS errors FROM rejected_events WHERE id = \(try brokenBefore.decode("id", as: Int64.self))
                """)[0]
            #expect(try brokenAfter.decode("contract", as: String.self) == "recs" && brokenAfter.decode("waiting", as: Bool.self))
            #expect(try brokenAfter.decode("errors", as: String.self) == brokenBefore.decode("errors", as: String.self))
        }
    }

    @Test("replay --as-tenant: tenant acme's events dead-lettered under --tenant default load for acme")
    func replayAsTenant() async throws {
        let lines = MisconfigurationCLITests.cartLines(25, prefix: "t").map { #"{"tenant_id":"acme","# + $0.dropFirst() }
        let input = try TestEvents.writeFile(lines)
        try await Self.withDatabase { url, env in
            let load = try await SluiceCLI.run(["load", "--tenant", "default", "--misconfig-lines", "0", "--json", input.path], environment: env)
            #expect(try Self.json(load)["rejected"] as? Int == 25, "\(load.combined)")
            let replay = try await SluiceCLI.run(["rejects", "replay", "--tenant", "default", "--as-tenant", "acme", "--json"], environment: env)
            #expect(replay.status == 0, "\(replay.combined)")
            #expect(try Self.json(replay)["loaded"] as? Int == 25, "\(replay.stdout)")
            let tenants = try await Self.rows(url, "SELECT DISTINCT tenant_id FROM events").map { try $0.decode("tenant_id", as: String.self) }
            #expect(tenants == ["acme"])
            let waiting = try await SluiceCLI.run(["rejects", "list"], environment: env)
            #expect(waiting.stdout.contains("no rejected lines waiting"), "\(waiting.stdout)")
            let usage = try await SluiceCLI.run(["rejects", "replay", "--as-contract", "nope"], environment: env)
            #expect(usage.status == 2, "\(usage.combined)")
        }
    }

    @Test("help documents the new commands and options (HelpTests)", arguments: [
        (["rejects"], "discard"),
        (["rejects", "discard"], "--reason"),
        (["rejects", "discard"], "not_waiting"),
        (["rejects", "replay"], "--as-contract"),
        (["rejects", "replay"], "--as-tenant"),
        (["rejects", "list"], "discarded_at"),
        (["rejects", "show"], "raw_base64"),
        (["load"], "--misconfig-lines"),
        (["consume", "redis"], "--misconfig-lines"),
        (["consume", "kafka"], "--misconfig-lines"),
    ])
    func help(path: [String], phrase: String) async throws {
        let help = try await SluiceCLI.run(path + ["--help"])
        #expect(help.status == 0, "\(help.combined)")
        #expect(help.stdout.contains(phrase), "`sluice \(path.joined(separator: " ")) --help` lacks \"\(phrase)\":\n\(help.stdout)")
    }
}
