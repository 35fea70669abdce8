import Foundation
import Postgres
import Testing
import TestSupport

/// `sluice load` run with the wrong contract or tenant stops before committing anything, and says
/// what looks wrong; bad data still loads as before. As the least-privileged loader login.
@Suite("misconfiguration stops sluice load (CLITests)")
struct MisconfigurationCLITests {
    /// Valid pocm cart lines with keys `prefix0`, `prefix1`, ….
    static func cartLines(_ count: Int, prefix: String = "mc") -> [String] {
        (0..<count).map { TestEvents.cartLine(key: "\(prefix)\($0)", day: $0 % 27 + 1) }
    }

    /// Everything a load could have committed.
    struct Committed: Equatable, CustomStringConvertible {
        var events = 0
        var rejects = 0
        var checkpoints = 0
        var batches = 0
        var description: String { "events \(events), rejects \(rejects), checkpoints \(checkpoints), batches \(batches)" }
    }

    static func committed(_ url: String) async throws -> Committed {
        let row = try await RejectsCLITests.rows(url, """
            SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM rejected_events) AS rejects,
                   (SELECT count(*) FROM load_checkpoints) AS checkpoints, (SELECT count(*) FROM batch_operations) AS batches
            """)[0]
        return Committed(events: try row.decode("events", as: Int.self), rejects: try row.decode("rejects", as: Int.self),
                         checkpoints: try row.decode("checkpoints", as: Int.self), batches: try row.decode("batches", as: Int.self))
    }

    static func json(_ outcome: SluiceCLI.Outcome) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any], "\(outcome.combined)")
    }

    /// A migrated fresh database and the loader login's environment.
    static func withDatabase(_ body: (String, [String: String]) async throws -> Void) async throws {
        try await TestDatabase.withFresh { url in
            #expect(try await SluiceCLI.run(["migrate"], environment: ["DATABASE_URL": url]).status == 0)
            try await TestDatabase.ensureTestLogins()
            try await body(url, ["DATABASE_URL": TestDatabase.url(url, as: .loader)])
        }
    }

    @Test("--contract recs on 302 pocm lines: exit 1 before committing anything, in one batch or many; the error names pocm; --contract pocm then loads all")
    func wrongContract() async throws {
        let input = try TestEvents.writeFile(Self.cartLines(302))
        try await Self.withDatabase { url, env in
            let wrong = try await SluiceCLI.run(["load", "--contract", "recs", "--json", input.path], environment: env)
            #expect(wrong.status == 1, "\(wrong.combined)")
            let summary = try Self.json(wrong)
            #expect(summary["read"] as? Int == 0 && summary["loaded"] as? Int == 0 && summary["rejected"] as? Int == 0, "\(wrong.stdout)")
            let error = try #require(summary["error"] as? String, "\(wrong.stdout)")
            #expect(error.contains("the first 200 lines were all rejected for the same reason (/eventType: required field is missing)"), "\(error)")
            #expect(error.contains("--contract pocm"), "\(error)")
            #expect(error.contains("nothing of them was committed"), "\(error)")
            #expect(wrong.stderr.contains("--contract pocm"), "\(wrong.stderr)")
            #expect(try await Self.committed(url) == Committed())

            // Batches of 50: the first three are held back (nobody commits them), the fourth decides.
            let small = try await SluiceCLI.run(["load", "--contract", "recs", "--batch-rows", "50", input.path], environment: env)
            #expect(small.status == 1, "\(small.combined)")
            #expect(small.stdout.contains("nothing was committed"), "\(small.stdout)")
            #expect(try await Self.committed(url) == Committed())

            let right = try await SluiceCLI.run(["load", "--contract", "pocm", "--json", input.path], environment: env)
            #expect(right.status == 0, "\(right.combined)")
            let loaded = try Self.json(right)
            #expect(loaded["loaded"] as? Int == 302 && loaded["rejected"] as? Int == 0, "\(right.stdout)")
        }
    }

    @Test("events of tenant default loaded with --tenant acme: exit 1, the error says to run with --tenant default; nothing committed")
    func wrongTenant() async throws {
        let lines = Self.cartLines(250).map { #"{"tenant_id":"default","# + $0.dropFirst() }
        let input = try TestEvents.writeFile(lines)
        try await Self.withDatabase { url, env in
            let wrong = try await SluiceCLI.run(["load", "--tenant", "acme", input.path], environment: env)
            #expect(wrong.status == 1, "\(wrong.combined)")
            #expect(wrong.stderr.contains(#"the events' tenant_id is "default", not "acme": run with --tenant default"#), "\(wrong.stderr)")
            #expect(wrong.stdout.contains("nothing was committed"), "\(wrong.stdout)")
            #expect(try await Self.committed(url) == Committed())
            let right = try await SluiceCLI.run(["load", "--tenant", "default", input.path], environment: env)
            #expect(right.status == 0, "\(right.combined)")
            #expect(try await Self.committed(url).events == 250)
        }
    }

    @Test("inputs shorter than --misconfig-lines: 25 such lines stop, 19 are dead-lettered as before; --misconfig-lines 0 dead-letters all 302")
    func shortInputsAndOff() async throws {
        let twentyFive = try TestEvents.writeFile(Self.cartLines(25))
        let nineteen = try TestEvents.writeFile(Self.cartLines(19, prefix: "n"))
        let many = try TestEvents.writeFile(Self.cartLines(302, prefix: "o"))
        try await Self.withDatabase { url, env in
            let stopped = try await SluiceCLI.run(["load", "--contract", "recs", "--json", twentyFive.path], environment: env)
            #expect(stopped.status == 1, "\(stopped.combined)")
            let error = try #require(try Self.json(stopped)["error"] as? String)
            #expect(error.hasPrefix("all 25 lines of the input were rejected for the same reason"), "\(error)")
            #expect(try await Self.committed(url) == Committed())

            let few = try await SluiceCLI.run(["load", "--contract", "recs", "--json", nineteen.path], environment: env)
            #expect(few.status == 0, "\(few.combined)")
            #expect(try Self.json(few)["rejected"] as? Int == 19, "\(few.stdout)")
            #expect(try await Self.committed(url).rejects == 19)

            let off = try await SluiceCLI.run(["load", "--contract", "recs", "--misconfig-lines", "0", "--json", many.path], environment: env)
            #expect(off.status == 0, "\(off.combined)")
            #expect(try Self.json(off)["rejected"] as? Int == 302, "\(off.stdout)")
            #expect(try await Self.committed(url).rejects == 19 + 302)

            let negative = try await SluiceCLI.run(["load", "--misconfig-lines", "-1", many.path], environment: env)
            #expect(negative.status == 2, "\(negative.combined)")
        }
    }

    @Test("mixed good and bad lines load as before, even when bad lines come first")
    func mixedLines() async throws {
        let broken = #"{"type":"cart"}"#
        let lines = Array(repeating: broken, count: 15) + Self.cartLines(300).enumerated().flatMap { $0.offset % 2 == 0 ? [$0.element, broken] : [$0.element] }
        let input = try TestEvents.writeFile(lines)
        try await Self.withDatabase { url, env in
            let outcome = try await SluiceCLI.run(["load", "--json", "--batch-rows", "10", input.path], environment: env)
            #expect(outcome.status == 0, "\(outcome.combined)")
            let summary = try Self.json(outcome)
            #expect(summary["loaded"] as? Int == 300 && summary["rejected"] as? Int == 165, "\(outcome.stdout)")
            #expect(summary["error"] == nil)
            #expect(try await Self.committed(url).rejects == 165)
        }
    }
}
