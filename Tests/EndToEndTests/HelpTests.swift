import Foundation
import Testing

@Suite("sluice --help is accurate")
struct HelpTests {
    /// Every command path the binary offers, and a phrase its help must contain.
    static let commands: [([String], String)] = [
        (["db"], "throwaway local PostgreSQL"),
        (["db", "start"], "DATABASE_URL"),
        (["db", "stop"], "Stop the local cluster"),
        (["db", "status"], "exit 0 when it does"),
        (["db", "url"], "DATABASE_URL"),
        (["migrate"], "migrations/"),
        (["partitions"], "monthly partitions"),
        (["partitions", "list"], "estimated rows"),
        (["partitions", "ensure"], "--months-ahead"),
        (["status"], "partitions"),
        (["validate"], "--contract"),
        (["load"], "exactly once"),
        (["rejects"], "raw bytes"),
        (["rejects", "list"], "--source"),
        (["rejects", "show"], "--raw"),
        (["rejects", "replay"], "current schemas"),
        (["generate"], "--invalid-every"),
        (["refresh"], "dirty"),
        (["bi"], "row-level"),
        (["bi", "grant"], "--password-file"),
        (["bi", "revoke"], "--login"),
        (["bi", "list"], "tenants"),
        (["consume"], "exactly-once effect"),
        (["consume", "redis"], "--claim-idle-ms"),
        (["consume", "kafka"], "-X <key=value>"),
        (["gdpr"], "sluice_compliance"),
        (["gdpr", "erase"], "--dry-run"),
        (["audit"], "sluice_compliance"),
        (["audit", "verify"], "signed checkpoint"),
        (["audit", "list"], "--since"),
        (["rejects", "discard"], "--actor"),
        (["retention"], "sluice_compliance"),
        (["retention", "apply"], "detached concurrently"),
        (["retention", "hold"], "--category"),
        (["retention", "release"], "retention.release"),
        (["retention", "holds"], "--all"),
        (["gdpr", "find"], "shared aliases"),
        (["gdpr", "export"], "manifest.json"),
        (["gdpr", "status"], "--tenant"),
        (["gdpr", "list"], "newest first"),
    ]

    @Test("the root help lists exactly the commands that exist, and explains the connection")
    func rootHelp() async throws {
        let help = try await SluiceCLI.run(["--help"])
        #expect(help.status == 0)
        // Command names sit at two spaces of indent; wrapped descriptions are indented further.
        let listed = Set(help.stdout.split(separator: "\n")
            .drop { !$0.hasPrefix("SUBCOMMANDS:") }.dropFirst()
            .filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
            .filter { $0 != "See" })
        #expect(listed == Set(Self.commands.filter { $0.0.count == 1 }.map { $0.0[0] }))
        #expect(help.stdout.contains("DATABASE_URL"))
        #expect(help.stdout.contains("sluice db start"))
    }

    @Test("every subcommand's help runs and says what it does", arguments: commands)
    func subcommandHelp(path: [String], phrase: String) async throws {
        let help = try await SluiceCLI.run(path + ["--help"])
        #expect(help.status == 0, "\(help.combined)")
        #expect(help.stdout.contains(phrase), "`sluice \(path.joined(separator: " ")) --help` lacks \"\(phrase)\":\n\(help.stdout)")
        #expect(help.stdout.contains("USAGE: sluice \(path.joined(separator: " "))"))
    }
}
