import ArgumentParser
import Compliance
import Foundation
import Loader

/// `sluice gdpr find`.
struct GDPRFindCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "find",
        abstract: "Show what a request about one person covers, before exporting or erasing it.",
        discussion: """
            Resolves the subject as export and erase do: its user ids (for --email or --phone, the \
            users whose events carry its keyed hash), the aliases stitched to them (sessions, \
            anonIds, profileIds whose newest pairing is with the subject) and the shared aliases \
            (seen with the subject but credited to someone else: not covered). Then counts its \
            events per partition, its dead letters, its rows in each analytics table, its audit \
            entries, the files of earlier exports still on disk, its export and erasure requests, \
            and the legal holds that would stop an erasure. The counts are those `sluice gdpr \
            export` then writes and `sluice gdpr erase` deletes. Changes nothing; audited \
            (gdpr.find). Needs SLUICE_PII_HASH_SECRET and a member of sluice_compliance.

            --json prints {subject_hash, users, aliases, shared_aliases, events, \
            events_by_partition [{partition, events}], dead_letters, rows {table: n}, export_files, \
            export_requests, erasure_requests, legal_holds}, or {"error": …}.

            Examples:
              sluice gdpr find --tenant acme --user u-1842
              sluice gdpr find --tenant acme --email jane@example.com --json
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var subject: GDPRSubjectOptions
    @Option(help: ArgumentHelp("Who is asking, for the audit trail (default: the operating-system user).", valueName: "name"))
    var actor: String?
    @Flag(help: "Print one JSON object (above).") var json = false

    func run() async throws {
        let report: SubjectCoverage.Report
        do {
            let connectionString = connection.resolvedConnectionString()
            try await Preflight.check(connectionString, need: nil)
            let key = try KeyConfiguration.privacyPolicy(tenant: subject.tenant).piiHashSecret
            report = try await SubjectCoverage(connectionString: connectionString, hashKey: key)
                .run(tenant: subject.tenant, subject: try subject.name(), actor: ActorName.resolve(actor))
        } catch {
            throw JSONOutput.fail(error, json: json)
        }
        if json { return JSONOutput.print(report) }
        print("\(subject.label) of tenant \(RejectText.escaped(subject.tenant)): \(counted(report.users.count, "user id")), "
              + "\(counted(report.aliases.count, "stitched alias", "stitched aliases")), "
              + "\(counted(report.shared_aliases.count, "shared alias", "shared aliases")) (not covered)")
        if !report.users.isEmpty { print("  users: " + report.users.map(RejectText.escaped).joined(separator: ", ")) }
        if !report.aliases.isEmpty { print("  aliases: " + report.aliases.prefix(20).map(RejectText.escaped).joined(separator: ", ") + (report.aliases.count > 20 ? ", …" : "")) }
        if !report.shared_aliases.isEmpty { print("  shared (not covered): " + report.shared_aliases.prefix(20).map(RejectText.escaped).joined(separator: ", ")) }
        print(StatusTable.render(header: ["PARTITION", "EVENTS"], rightAligned: [1],
                                 rows: report.events_by_partition.map { [$0.partition, String($0.events)] } + [["total", String(report.events)]]))
        print(StatusTable.render(header: ["TABLE", "ROWS"], rightAligned: [1],
                                 rows: [["dead letters", String(report.dead_letters)]] + SubjectCoverage.countedTables.map { [$0, String(report.rows[$0] ?? 0)] }))
        print("export files on disk: \(report.export_files.count)")
        for file in report.export_files { print("  \(file)") }
        for request in report.export_requests + report.erasure_requests {
            print("\(request.kind) request \(request.request_id): \(request.status), created \(request.created_at ?? "?")")
        }
        if report.legal_holds.isEmpty {
            print("no legal hold blocks an erasure")
        } else {
            for hold in report.legal_holds {
                print("legal hold #\(hold.id) \(hold.user_id.map { "on user \($0)" } ?? "on category \(hold.category ?? "?")"): \(hold.reason)")
            }
        }
    }
}
