import ArgumentParser
import Compliance
import Foundation
import Loader
import Postgres

/// `sluice retention`: retention policies applied, and the legal holds that stop them.
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Delete what is past its retention policy, except what a legal hold covers; place and release holds.",
        discussion: """
            Every event type maps to a retention category (retention_event_categories), each \
            category to a TTL (data_retention_policies): defaults in docs/operations.md, editable \
            as rows. Compliance staff's work: run as a member of sluice_compliance (dropping whole \
            months takes the owner of events). Every action is audited.
            """,
        subcommands: [RetentionApplyCommand.self, RetentionHoldCommand.self, RetentionReleaseCommand.self, RetentionHoldsCommand.self]
    )
}

/// `sluice retention apply`.
struct RetentionApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Delete the events and bookkeeping past their retention policies, except what a legal hold covers.",
        discussion: """
            For each monthly partition of events: when every row is past its category's TTL and no \
            active legal hold covers any row (a hold on one of its users, or on one of its \
            categories), the month is detached concurrently (loads into other months go on), its \
            rows checked again, and dropped; otherwise its expired, unheld rows are deleted a few \
            thousand per transaction. Dropping takes the owner of events: run as a member of \
            sluice_compliance, such a month is emptied row by row and listed as left for the \
            owner. Then ledger keys, checkpoints of finished sources, dead letters, batch rows, \
            suppression tombstones, export requests and export files past their own policies go \
            (keys and tombstones never inside the loader's accepted window). The days whose events \
            went are marked for the next `sluice refresh`.

            --dry-run prints exactly what a real run would do (audited as a dry run). Expiry is \
            measured from the run's start.

            --json prints {status, as_of, owner, partitions [{partition, range_from, range_to, \
            rows, expired, held, uncategorized, action, deleted, left_for_owner}], counts {table: \
            rows}, partitions_for_owner, busy}, or {"error": …}.

            Examples:
              sluice retention apply --dry-run
              sluice retention apply --actor "retention job" --json
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: ArgumentHelp("Who is acting, for the audit trail (default: the operating-system user).", valueName: "name"))
    var actor: String?
    @Flag(name: .customLong("dry-run"), help: "Print what would be deleted; change nothing.") var dryRun = false
    @Option(name: .customLong("batch-size"), help: "Rows deleted per transaction (smaller: shorter locks on busy partitions).")
    var batchSize = 5_000
    @Flag(help: "Print one JSON object (above).") var json = false

    func validate() throws {
        guard (1...1_000_000).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 1000000") }
    }

    func run() async throws {
        let report: Retention.Report
        do {
            let connectionString = connection.resolvedConnectionString()
            try await Preflight.check(connectionString, need: nil)
            var options = Retention.Options(actor: ActorName.resolve(actor))
            options.dryRun = dryRun
            options.batchSize = batchSize
            report = try await Retention(connectionString: connectionString).run(options) { line in
                if !json { FileHandle.standardError.write(Data("sluice retention apply: \(line)\n".utf8)) }
            }
        } catch {
            throw JSONOutput.fail(error, json: json)
        }
        if json {
            JSONOutput.print(report)
            return
        }
        let dry = report.status == "dry-run"
        Swift.print(dry ? "a real run would, as of \(report.as_of):" : "retention applied as of \(report.as_of):")
        let months = report.partitions.filter { $0.action != "keep" || $0.held > 0 || $0.left_for_owner }
        if !months.isEmpty {
            Swift.print(StatusTable.render(header: ["PARTITION", "ROWS", "EXPIRED", "HELD", "ACTION", dry ? "TO DELETE" : "DELETED"], rightAligned: [1, 2, 3, 5],
                                           rows: months.map { [$0.partition, String($0.rows), String($0.expired), String($0.held), $0.action, String($0.deleted)] }))
        }
        Swift.print(StatusTable.render(header: ["TABLE", dry ? "ROWS TO DELETE" : "ROWS DELETED"], rightAligned: [1],
                                       rows: Retention.countedTables.map { [$0, String(report.counts[$0] ?? 0)] }))
        if !report.partitions_for_owner.isEmpty {
            Swift.print("months only the owner of events may drop (run this as the owner): \(report.partitions_for_owner.joined(separator: ", "))")
        }
        if !report.busy.isEmpty {
            Swift.print("months left because a lock was not granted in time (run again): \(report.busy.joined(separator: ", "))")
        }
    }
}

/// `sluice retention hold`.
struct RetentionHoldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hold",
        abstract: "Place a legal hold on a person or a retention category: retention and erasure leave what it covers.",
        discussion: """
            A hold on --user keeps every event of that user id (and stops an erasure of them); a \
            hold on --category keeps every event of that category (and stops erasures of anyone \
            with events in it). It lasts until `sluice retention release`, or until --until passes. \
            Audited (retention.hold).

            --json prints the hold {id, tenant_id, user_id, category, reason, until, created_by, \
            created_at, released_at, released_by, active}, or {"error": …}.

            Examples:
              sluice retention hold --tenant acme --user u-1842 --reason "litigation 2026-17"
              sluice retention hold --tenant acme --category medical --reason "regulator audit" --until 2027-06-30
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "The tenant whose data it holds.") var tenant: String
    @Option(help: ArgumentHelp("Hold this user id's events.", valueName: "id")) var user: String?
    @Option(help: ArgumentHelp("Hold this retention category's events (behavioural, transactional, medical, …).", valueName: "name")) var category: String?
    @Option(help: "Why (a case or request reference): shown to whoever is stopped by it.") var reason: String
    @Option(help: ArgumentHelp("When the hold ends by itself (default: when released).", valueName: "time")) var until: String?
    @Option(help: ArgumentHelp("Who is acting, for the audit trail (default: the operating-system user).", valueName: "name"))
    var actor: String?
    @Flag(help: "Print the hold as JSON.") var json = false

    func validate() throws {
        try TenantName.check(tenant)
        guard (user == nil) != (category == nil) else { throw ValidationError("hold exactly one of --user or --category") }
        if let user, user.isEmpty { throw ValidationError("--user must not be empty") }
    }

    func run() async throws {
        let hold: LegalHold
        do {
            let connectionString = connection.resolvedConnectionString()
            try await Preflight.check(connectionString, need: nil)
            let key = try KeyConfiguration.privacyPolicy(tenant: tenant).piiHashSecret
            let session = try await ComplianceSession.open(connectionString, command: "retention hold")
            do {
                hold = try await LegalHolds.place(tenant: tenant, on: user.map { .user($0) } ?? .category(category ?? ""), reason: reason, until: until,
                                                  actor: ActorName.resolve(actor), hashKey: key, connection: session)
                await session.close()
            } catch {
                await session.close()
                throw error
            }
        } catch {
            throw JSONOutput.fail(error, json: json)
        }
        if json { JSONOutput.print(hold); return }
        Swift.print("legal hold #\(hold.id) placed on \(RetentionHoldsCommand.target(hold)) of tenant \(RejectText.escaped(tenant))"
                    + (hold.until.map { " until \($0)" } ?? " until released") + ": \(hold.reason)")
    }
}

/// `sluice retention release`.
struct RetentionReleaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Release a legal hold: what it kept is subject to retention (and erasure) again.",
        discussion: """
            Audited (retention.release). A held erasure does not resume by itself: run it again.

            --json prints the released hold, or {"error": …}.

            Examples:
              sluice retention release 7 --tenant acme --actor "counsel: case closed"
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: ArgumentHelp("The hold's id (`sluice retention holds`).", valueName: "id")) var id: Int64
    @Option(help: "The tenant the hold belongs to.") var tenant: String
    @Option(help: ArgumentHelp("Who is acting, for the audit trail (default: the operating-system user).", valueName: "name"))
    var actor: String?
    @Flag(help: "Print the hold as JSON.") var json = false

    func validate() throws { try TenantName.check(tenant) }

    func run() async throws {
        let hold: LegalHold
        do {
            let connectionString = connection.resolvedConnectionString()
            try await Preflight.check(connectionString, need: nil)
            let session = try await ComplianceSession.open(connectionString, command: "retention release")
            do {
                hold = try await LegalHolds.release(id: id, tenant: tenant, actor: ActorName.resolve(actor), connection: session)
                await session.close()
            } catch {
                await session.close()
                throw error
            }
        } catch {
            throw JSONOutput.fail(error, json: json)
        }
        if json { JSONOutput.print(hold); return }
        Swift.print("legal hold #\(hold.id) on \(RetentionHoldsCommand.target(hold)) of tenant \(RejectText.escaped(tenant)) released")
    }
}

/// `sluice retention holds`.
struct RetentionHoldsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holds",
        abstract: "List the legal holds (active ones unless --all).",
        discussion: """
            Every tenant's unless --tenant. --json prints {holds: [{id, tenant_id, user_id, \
            category, reason, until, created_by, created_at, released_at, released_by, active}]}, \
            or {"error": …}.

            Examples:
              sluice retention holds --tenant acme
              sluice retention holds --all --json
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only this tenant's holds.") var tenant: String?
    @Flag(help: "Include released and expired holds.") var all = false
    @Flag(help: "Print one JSON object (above).") var json = false

    struct Output: Encodable { var holds: [LegalHold] }

    func validate() throws { if let tenant { try TenantName.check(tenant) } }

    func run() async throws {
        let holds: [LegalHold]
        do {
            let connectionString = connection.resolvedConnectionString()
            try await Preflight.check(connectionString, need: nil)
            let session = try await ComplianceSession.open(connectionString, command: "retention holds")
            do {
                holds = try await LegalHolds.list(tenant: tenant, includeInactive: all, connection: session)
                await session.close()
            } catch {
                await session.close()
                throw error
            }
        } catch {
            throw JSONOutput.fail(error, json: json)
        }
        if json { JSONOutput.print(Output(holds: holds)); return }
        guard !holds.isEmpty else { Swift.print(all ? "no legal holds" : "no active legal holds"); return }
        Swift.print(StatusTable.render(header: ["ID", "TENANT", "ON", "REASON", "UNTIL", "BY", "STATE"], rightAligned: [0],
                                       rows: holds.map { hold in
                                           [String(hold.id), RejectText.escaped(hold.tenant_id), Self.target(hold), hold.reason, hold.until ?? "released by hand",
                                            hold.created_by, hold.active ? "active" : (hold.released_at.map { "released \($0)" } ?? "expired")]
                                       }))
    }

    static func target(_ hold: LegalHold) -> String {
        hold.user_id.map { "user \(RejectText.escaped($0))" } ?? "category \(hold.category ?? "?")"
    }
}
