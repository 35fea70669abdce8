import ArgumentParser
import Compliance
import Foundation
import Postgres

/// `sluice audit verify|list`: the hash-chained compliance audit trail.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The tamper-evident audit trail: verify its hash chains, list its entries.",
        discussion: """
            Every compliance command, BI grant and revoke, and read or discard of a dead-lettered \
            line appends one entry to its tenant's chain (tenant "" for actions on no tenant): who \
            (--actor and the database login), what, on what, which classification, how many rows. \
            Each entry stores the SHA-256 of the previous entry's hash and its own content, so a \
            changed, deleted or inserted entry breaks the chain where it happened. Run as a member \
            of sluice_compliance (docs/compliance.md, "Audit trail").
            """,
        subcommands: [Verify.self, List.self]
    )

    /// `--tenant` of the audit commands: any tenant name, and "" for the tenant-less chain.
    static func checkTenant(_ tenant: String?) throws {
        guard let tenant else { return }
        guard tenant.utf8.count <= 64 else { throw ValidationError("--tenant must be at most 64 bytes (got \(tenant.utf8.count))") }
        guard tenant.unicodeScalars.allSatisfy({ ![.control, .lineSeparator, .paragraphSeparator, .format].contains($0.properties.generalCategory) }) else {
            throw ValidationError("--tenant must be printable text (no control characters)")
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every tenant's chain and name the first row changed, deleted or inserted out of order.",
            discussion: """
                Reads each chain in order, a few thousand rows per statement, in one read-only \
                snapshot, and checks every row: its content still hashes to its row_hash, its \
                prev_hash is the previous row's hash, no position is missing, and the chain ends \
                where its head (kept apart by the append function) says. A chain pruned by \
                retention starts at its signed checkpoint, which the chain's own audit.prune entry \
                must name. Exit 0 when every chain verifies, 1 naming tenant, position, row id and \
                what is wrong otherwise.

                Keep the head hashes it prints (--json: chains[].head_hash) somewhere outside the \
                database: they are what shows a rewrite of a whole chain by the owner.

                --json prints {ok, rows, chains: [{tenant, rows, anchor_seq, head_seq, head_hash, \
                ok}], problems: [{tenant, chain_seq, id, kind, message}]} (kind: changed, deleted, \
                inserted, checkpoint), or {"error": …}.

                Examples:
                  sluice audit verify
                  sluice audit verify --tenant acme --json
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Only this tenant's chain ('' for the tenant-less one).") var tenant: String?
        @Option(name: .customLong("batch-size"), help: "Rows read per statement.") var batchSize = 5_000
        @Flag(help: "Print one JSON object (above).") var json = false

        func validate() throws {
            try AuditCommand.checkTenant(tenant)
            guard (1...10_000).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 10000") }
        }

        func run() async throws {
            let report: AuditVerifier.Report
            do {
                let connectionString = connection.resolvedConnectionString()
                try await Preflight.check(connectionString, need: nil)
                let postgres = try await ComplianceSession.open(connectionString, command: "audit verify")
                do {
                    report = try await AuditVerifier(batchSize: batchSize).verify(tenant: tenant, on: postgres)
                    await postgres.close()
                } catch {
                    await postgres.close()
                    throw error
                }
            } catch {
                throw JSONOutput.fail(error, json: json)
            }
            if json {
                JSONOutput.print(report)
            } else {
                Self.print(report, tenant: tenant)
            }
            if !report.ok { throw ExitCode.failure }
        }

        static func print(_ report: AuditVerifier.Report, tenant: String?) {
            guard !report.chains.isEmpty else {
                Swift.print(tenant.map { "no audit chain for tenant \(name($0))" } ?? "the audit trail is empty")
                return
            }
            if report.ok {
                Swift.print("\(counted(report.rows, "row")) in \(counted(report.chains.count, "chain")) verify")
            } else {
                for problem in report.problems {
                    let at = [problem.chain_seq.map { "position \($0)" }, problem.id.map { "id \($0)" }].compactMap { $0 }.joined(separator: ", ")
                    Swift.print("tenant \(name(problem.tenant)): \(problem.kind.rawValue)\(at.isEmpty ? "" : " at \(at)"): \(problem.message)")
                }
                let broken = Set(report.problems.map(\.tenant)).count
                Swift.print("\(counted(broken, "chain")) of \(report.chains.count) broken; \(counted(report.chains.count - broken, "chain")) verify")
            }
            Swift.print(StatusTable.render(header: ["TENANT", "ROWS", "FROM", "HEAD", "HEAD HASH", "STATE"], rightAligned: [1, 2, 3], rows: report.chains.map {
                [name($0.tenant), String($0.rows), String($0.anchor_seq + 1), String($0.head_seq), String(($0.head_hash ?? "-").prefix(16)),
                 $0.ok ? "ok" : "BROKEN"]
            }))
        }

        static func name(_ tenant: String) -> String { tenant.isEmpty ? "\"\" (no tenant)" : RejectText.escaped(tenant) }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List audit entries, newest first.",
            discussion: """
                --actor matches the name an entry was recorded with (--actor of the command, else \
                the operating-system user) or the whole name@login; --action matches an action and \
                its sub-actions (gdpr matches gdpr.erase). --since takes an ISO 8601 time or date \
                (2026-11-01, 2026-11-01T08:00:00Z) or an age (30m, 12h, 7d).

                --json prints {"entries": [{id, tenant, timestamp, chain_seq, actor, action, \
                resource, subject_hash, classification, row_counts, details}]}, or {"error": …}.

                Examples:
                  sluice audit list --tenant acme --since 7d
                  sluice audit list --action gdpr --actor "DPO ticket 311" --json
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Only this tenant's entries ('' for the tenant-less ones).") var tenant: String?
        @Option(help: ArgumentHelp("Only entries at or after this time (ISO 8601, or an age: 30m, 12h, 7d).", valueName: "time"))
        var since: String?
        @Option(help: ArgumentHelp("Only entries of this actor.", valueName: "name")) var actor: String?
        @Option(help: ArgumentHelp("Only this action and its sub-actions.", valueName: "action")) var action: String?
        @Option(help: "How many to show.") var limit = 50
        @Flag(help: "Print one JSON object (above).") var json = false

        func validate() throws {
            try AuditCommand.checkTenant(tenant)
            if let since, Self.parseSince(since, now: Date()) == nil {
                throw ValidationError("--since must be an ISO 8601 time or date (2026-11-01, 2026-11-01T08:00:00Z) or an age (30m, 12h, 7d); got \"\(since)\"")
            }
            guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 100000") }
        }

        struct Listing: Encodable {
            var entries: [AuditLog.Listed]
        }

        func run() async throws {
            let entries: [AuditLog.Listed]
            do {
                let connectionString = connection.resolvedConnectionString()
                try await Preflight.check(connectionString, need: nil)
                let postgres = try await ComplianceSession.open(connectionString, command: "audit list")
                let filter = AuditLog.Filter(tenant: tenant, since: since.flatMap { Self.parseSince($0, now: Date()) }.map(PostgresTimestamp.init),
                                             actor: actor, action: action, limit: limit)
                do {
                    entries = try await AuditLog.list(filter, on: postgres)
                    await postgres.close()
                } catch {
                    await postgres.close()
                    throw error
                }
            } catch {
                throw JSONOutput.fail(error, json: json)
            }
            if json {
                JSONOutput.print(Listing(entries: entries))
                return
            }
            guard !entries.isEmpty else {
                print("no audit entries match")
                return
            }
            let escaped = RejectText.escaped
            print(StatusTable.render(header: ["TIME (UTC)", "TENANT", "SEQ", "ACTION", "ACTOR", "RESOURCE", "ROWS"], rightAligned: [2], rows: entries.map { entry in
                [String(entry.timestamp.prefix(19)), entry.tenant.isEmpty ? "\"\"" : escaped(entry.tenant), entry.chain_seq.map(String.init) ?? "-",
                 escaped(entry.action ?? "-"), escaped(entry.actor ?? "-"), escaped(String((entry.resource ?? "-").prefix(40))),
                 entry.row_counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")]
            }))
            if entries.count == limit { print("newest \(limit) shown; see more with --limit, or narrow with --tenant/--since/--action") }
        }

        /// An ISO 8601 time or date, or an age before `now` (`30m`, `12h`, `7d`).
        static func parseSince(_ text: String, now: Date) -> Date? {
            if let unit = text.last, let amount = Double(text.dropLast()), amount >= 0 {
                switch unit {
                case "m": return now.addingTimeInterval(-amount * 60)
                case "h": return now.addingTimeInterval(-amount * 3_600)
                case "d": return now.addingTimeInterval(-amount * 86_400)
                default: break
                }
            }
            let formatter = ISO8601DateFormatter()
            for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime], [.withFullDate]] {
                formatter.formatOptions = options
                if let date = formatter.date(from: text) { return date }
            }
            return nil
        }
    }
}
