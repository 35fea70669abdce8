import ArgumentParser
import Compliance
import Foundation
import Loader

/// `sluice gdpr erase`.
struct GDPREraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Erase one person's data (GDPR Article 17): effective when the command returns, and no replay brings it back.",
        discussion: """
            In this order: a suppression tombstone for the subject's user ids and every alias \
            stitched to them (keyed hashes, never the ids); a wait for the load batches already in \
            flight; then the subject's events in every partition (deleted a few thousand per \
            transaction), their ledger keys and dead letters, the files of earlier exports, and their \
            rows in every analytics table. The days they touched are marked: the next `sluice \
            refresh` recomputes those days' figures. From the tombstone on, `sluice load` and both \
            consumers drop (and count as suppressed) any event of the subject that occurred before \
            the erasure; its later events load normally.

            Killed at any point, the same command finishes the job (the unfinished request of the \
            same subject resumes). A legal hold on the subject (`sluice retention holds`) makes it \
            wait: it says which hold and exits 1, changing nothing. --dry-run prints exactly what a \
            real run would delete. Needs SLUICE_PII_HASH_SECRET (the loader's) and a member of \
            sluice_compliance. Audited. Backups and WAL archives are out of its reach \
            (docs/compliance.md).

            --json prints {status, request_id, subject_hash, erased_at, resumed, users, aliases, \
            shared_aliases, counts {table: rows}, holds [{id, reason, until, user_id, category}]}, \
            or {"error": …}.

            Examples:
              sluice gdpr erase --tenant acme --user u-1842 --dry-run
              sluice gdpr erase --tenant acme --email jane@example.com --actor "DPO ticket 311"
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var subject: GDPRSubjectOptions
    @Option(help: ArgumentHelp("Who is acting, for the audit trail (default: the operating-system user).", valueName: "name"))
    var actor: String?
    @Flag(name: .customLong("dry-run"), help: "Print what would be deleted; change nothing.") var dryRun = false
    @Option(name: .customLong("batch-size"), help: "Events deleted per transaction (smaller: shorter locks on busy partitions).")
    var batchSize = 5_000
    @Flag(help: "Print one JSON object (above).") var json = false

    func validate() throws {
        guard (1...1_000_000).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 1000000") }
    }

    func run() async throws {
        let report: Erasure.Report
        do {
            let connectionString = connection.resolvedConnectionString()
            try await Preflight.check(connectionString, need: nil)
            let key = try KeyConfiguration.privacyPolicy(tenant: subject.tenant).piiHashSecret
            var options = Erasure.Options(tenant: subject.tenant, subject: try subject.name(), actor: ActorName.resolve(actor))
            options.dryRun = dryRun
            options.batchSize = batchSize
            report = try await Erasure(connectionString: connectionString, hashKey: key).run(options) { line in
                if !json { FileHandle.standardError.write(Data("sluice gdpr erase: \(line)\n".utf8)) }
            }
        } catch {
            throw JSONOutput.fail(error, json: json)
        }
        if json {
            JSONOutput.print(report)
        } else {
            Self.print(report, subject: subject)
        }
        if report.status == "held" { throw ExitCode.failure }
    }

    static func print(_ report: Erasure.Report, subject: GDPRSubjectOptions) {
        let who = "\(subject.label) of tenant \(RejectText.escaped(subject.tenant))"
        switch report.status {
        case "held":
            Swift.print("the erasure of \(who) waits for legal hold(s); nothing was changed:")
            for hold in report.holds {
                Swift.print("  #\(hold.id) \(hold.user_id.map { "on user \($0)" } ?? "on category \(hold.category ?? "?")"): \(hold.reason)"
                            + (hold.until.map { " (until \($0))" } ?? ""))
            }
            Swift.print("release them with `sluice retention release ID`, then run this again (request \(report.request_id ?? "?"))")
            return
        case "dry-run":
            Swift.print("a real run would erase \(who) (\(counted(report.users, "user id")), \(counted(report.aliases, "alias", "aliases")) stitched to them; \(counted(report.shared_aliases, "shared alias", "shared aliases")) left alone):")
        default:
            Swift.print("erased \(who)\(report.resumed ? " (resumed)" : ""): request \(report.request_id ?? "?"), erased at \(report.erased_at ?? "?"); "
                        + "\(counted(report.users, "user id")) and \(counted(report.aliases, "alias", "aliases")) tombstoned")
        }
        Swift.print(StatusTable.render(header: ["TABLE", report.status == "dry-run" ? "ROWS TO DELETE" : "ROWS DELETED"], rightAligned: [1],
                                       rows: Erasure.countedTables.map { [$0, String(report.counts[$0] ?? 0)] }))
        if report.status != "dry-run" {
            Swift.print("the figures of the \(counted(report.counts["days_marked"] ?? 0, "day")) it touched change with the next `sluice refresh`")
        }
    }
}

/// How a GDPR command names its subject: a tenant and one of a user id, an email, a phone number.
struct GDPRSubjectOptions: ParsableArguments {
    @Option(help: "The tenant whose data it is.") var tenant: String
    @Option(help: ArgumentHelp("The subject's user id, as producers send it.", valueName: "id")) var user: String?
    @Option(help: ArgumentHelp("The subject's email (hashed as the privacy rules hash it, then matched).", valueName: "address")) var email: String?
    @Option(help: ArgumentHelp("The subject's phone number (hashed, then matched).", valueName: "number")) var phone: String?

    func validate() throws {
        try TenantName.check(tenant)
        guard [user, email, phone].compactMap({ $0 }).count == 1 else {
            throw ValidationError("name the subject with exactly one of --user, --email, --phone")
        }
        if let user, user.isEmpty { throw ValidationError("--user must not be empty") }
    }

    func name() throws -> SubjectName {
        if let user { return .user(user) }
        if let email { return .email(email) }
        if let phone { return .phone(phone) }
        throw ValidationError("name the subject with exactly one of --user, --email, --phone")
    }

    /// For messages to the operator who typed it.
    var label: String {
        if let user { return "user \(RejectText.escaped(user))" }
        if email != nil { return "the person with that email" }
        return "the person with that phone number"
    }
}
