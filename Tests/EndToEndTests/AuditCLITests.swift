import Foundation
import Postgres
import Testing
import TestSupport

/// `sluice audit verify|list` over the built binary, and the audit entries that `bi grant|revoke`
/// and `rejects show|discard` leave, each run as the role that runs it.
@Suite("sluice audit: verify and list as compliance staff; bi and rejects commands audited (CLITests)")
struct AuditCLITests {
    static func env(_ url: String, as role: TestRole? = nil) -> [String: String] {
        ["DATABASE_URL": role.map { TestDatabase.url(url, as: $0) } ?? url]
    }

    static func json(_ outcome: SluiceCLI.Outcome) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any], "\(outcome.combined)")
    }

    static func entries(_ url: String, _ arguments: [String] = []) async throws -> [[String: Any]] {
        let listed = try await SluiceCLI.run(["audit", "list", "--json"] + arguments, environment: env(url, as: .compliance))
        #expect(listed.status == 0, "\(listed.combined)")
        return try #require(try json(listed)["entries"] as? [[String: Any]], "\(listed.stdout)")
    }

    @Test("bi grant and revoke (owner) and rejects show and discard (loader) each leave an audit entry with actor, counts and classification; the chains verify")
    func commandsAreAudited() async throws {
        let input = try TestEvents.writeFile(MisconfigurationCLITests.cartLines(3, prefix: "a") + [#"{"type":"cart"}"#, "not json"])
        let login = "bi_audit_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(8))"
        try await MisconfigurationCLITests.withDatabase { url, loader in
            #expect(try await SluiceCLI.run(["load", "--tenant", "acme", input.path], environment: loader).status == 0)
            let password = try TestEvents.writeFile(["a password long enough"], name: "password.txt")
            let grant = try await SluiceCLI.run(["bi", "grant", "--tenant", "acme", "--login", login, "--password-file", password.path,
                                                 "--actor", "ticket 7"], environment: Self.env(url))
            #expect(grant.status == 0, "\(grant.combined)")
            let revoke = try await SluiceCLI.run(["bi", "revoke", "--login", login, "--actor", "ticket 8"], environment: Self.env(url))
            #expect(revoke.status == 0, "\(revoke.combined)")

            let ids = try await RejectsCLITests.rows(url, "SELECT id FROM rejected_events ORDER BY id").map { try $0.decode("id", as: Int64.self) }
            #expect(ids.count == 2)
            let shown = try await SluiceCLI.run(["rejects", "show", String(ids[0]), "--raw", "--actor", "support"], environment: loader)
            #expect(shown.status == 0 && shown.stdout == #"{"type":"cart"}"#, "\(shown.combined)")
            let discarded = try await SluiceCLI.run(["rejects", "discard", String(ids[1]), "--reason", "garbage", "--actor", "support"], environment: loader)
            #expect(discarded.status == 0, "\(discarded.combined)")

            let entries = try await Self.entries(url)
            let byAction = Dictionary(entries.map { ($0["action"] as? String ?? "?", $0) }) { first, _ in first }
            #expect(entries.compactMap { $0["action"] as? String } == ["rejects.discard", "rejects.show", "bi.revoke", "bi.grant"], "\(entries)")
            let owner = try await RejectsCLITests.rows(url, "SELECT current_user::text AS name")[0].decode("name", as: String.self)
            #expect(byAction["bi.grant"]?["actor"] as? String == "ticket 7@\(owner)")
            #expect(byAction["bi.grant"]?["resource"] as? String == login && byAction["bi.grant"]?["tenant"] as? String == "acme")
            #expect((byAction["bi.grant"]?["details"] as? [String: String])?["created"] == "true")
            #expect(byAction["bi.revoke"]?["actor"] as? String == "ticket 8@\(owner)" && byAction["bi.revoke"]?["tenant"] as? String == "acme")
            let show = try #require(byAction["rejects.show"])
            #expect(show["actor"] as? String == "support@\(TestRole.loader.rawValue)")
            #expect(show["classification"] as? String == "pii" && show["resource"] as? String == "rejected_events#\(ids[0])")
            #expect(show["row_counts"] as? [String: Int] == ["rejected_events": 1])
            let discard = try #require(byAction["rejects.discard"])
            #expect((discard["details"] as? [String: String])?["ids"] == String(ids[1]))
            #expect((discard["details"] as? [String: String])?["reason"] == "garbage")
            #expect(discard["row_counts"] as? [String: Int] == ["rejected_events": 1])

            let verified = try await SluiceCLI.run(["audit", "verify"], environment: Self.env(url, as: .compliance))
            #expect(verified.status == 0, "\(verified.combined)")
            #expect(verified.stdout.hasPrefix("4 rows in 1 chain verify"), "\(verified.stdout)")

            // A show of a reject that is not there reads nothing and audits nothing.
            #expect(try await SluiceCLI.run(["rejects", "show", "999999"], environment: loader).status == 1)
            #expect(try await Self.entries(url).count == 4)
        }
    }

    @Test("verify exits 1 naming tenant, position, id and what is wrong, in text and --json; only compliance staff may run it")
    func verifyNamesTheBrokenRow() async throws {
        try await MisconfigurationCLITests.withDatabase { url, loader in
            for index in 1...5 {
                _ = try await RejectsCLITests.rows(url, "SELECT * FROM sluice_audit_append('acme', 'gdpr.find', \("r\(index)"), NULL, 'me', 'pii')")
            }
            _ = try await RejectsCLITests.rows(url, "SELECT * FROM sluice_audit_append('', 'bi.grant', 'x', NULL, 'me', 'none')")
            let compliance = Self.env(url, as: .compliance)
            let clean = try await SluiceCLI.run(["audit", "verify"], environment: compliance)
            #expect(clean.status == 0 && clean.stdout.hasPrefix("6 rows in 2 chains verify"), "\(clean.combined)")

            let id = try await RejectsCLITests.rows(url, "UPDATE compliance_audit_logs SET resource = 'x' WHERE tenant_id = 'acme' AND chain_seq = 3 RETURNING id")[0]
                .decode("id", as: Int64.self)
            let broken = try await SluiceCLI.run(["audit", "verify"], environment: compliance)
            #expect(broken.status == 1, "\(broken.combined)")
            #expect(broken.stdout.contains("tenant acme: changed at position 3, id \(id):"), "\(broken.stdout)")
            let asJSON = try Self.json(try await SluiceCLI.run(["audit", "verify", "--json"], environment: compliance))
            #expect(asJSON["ok"] as? Bool == false)
            let problems = try #require(asJSON["problems"] as? [[String: Any]])
            #expect(problems.count == 1 && problems.first?["kind"] as? String == "changed" && problems.first?["chain_seq"] as? Int == 3
                    && problems.first?["id"] as? Int == Int(id), "\(problems)")
            // The other chain alone still verifies.
            #expect(try await SluiceCLI.run(["audit", "verify", "--tenant", ""], environment: compliance).status == 0)

            let refused = try await SluiceCLI.run(["audit", "verify"], environment: loader)
            #expect(refused.status == 1 && refused.stderr.contains("member of sluice_compliance"), "\(refused.combined)")
            let refusedJSON = try await SluiceCLI.run(["audit", "list", "--json"], environment: loader)
            let refusal = try Self.json(refusedJSON)["error"] as? String
            #expect(refusedJSON.status == 1 && refusal?.contains("sluice_compliance") == true, "\(refusedJSON.combined)")
        }
    }

    @Test("list: filters by tenant, action family, actor and time; newest first; a bad --since is a usage error")
    func listFilters() async throws {
        try await MisconfigurationCLITests.withDatabase { url, _ in
            for (tenant, action, actor) in [("acme", "gdpr.find", "alice"), ("acme", "gdpr.erase", "bob"), ("beta", "rejects.show", "alice")] {
                _ = try await RejectsCLITests.rows(url, "SELECT * FROM sluice_audit_append(\(tenant), \(action), 'r', NULL, \(actor), 'pii')")
            }
            #expect(try await Self.entries(url).compactMap { $0["action"] as? String } == ["rejects.show", "gdpr.erase", "gdpr.find"])
            #expect(try await Self.entries(url, ["--tenant", "acme", "--action", "gdpr"]).count == 2)
            #expect(try await Self.entries(url, ["--actor", "alice"]).compactMap { $0["tenant"] as? String } == ["beta", "acme"])
            #expect(try await Self.entries(url, ["--limit", "1"]).compactMap { $0["action"] as? String } == ["rejects.show"])
            #expect(try await Self.entries(url, ["--since", "1h"]).count == 3)
            #expect(try await Self.entries(url, ["--since", "2999-01-01"]).isEmpty)
            let text = try await SluiceCLI.run(["audit", "list", "--tenant", "beta"], environment: Self.env(url, as: .compliance))
            #expect(text.status == 0 && text.stdout.contains("rejects.show") && !text.stdout.contains("gdpr"), "\(text.combined)")
            let bad = try await SluiceCLI.run(["audit", "list", "--since", "yesterday"], environment: Self.env(url, as: .compliance))
            #expect(bad.status == 2 && bad.stderr.contains("--since"), "\(bad.combined)")
        }
    }
}
