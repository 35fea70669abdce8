import ArgumentParser
import Foundation
import Postgres
import Warehouse

/// `sluice status`.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the database, the applied migrations, loads, waiting rejects and the event partitions.",
        discussion: """
            Shows what the login may see: a member of sluice_loader its loads, rejects and \
            consumers; of sluice_refresher the analytics objects; a BI login its tenant's analytics; \
            compliance staff what row-level security shows them (name the tenant with --tenant). \
            A section the login may not read is listed as hidden, with why; status never fails \
            because of who runs it.

            Exit status: 0, or 1 when the database is not migrated (or older than this sluice) or \
            cannot be reached.

            --json prints one object: database {endpoint, server_version, login, role, \
            bypasses_row_level_security, tenant}, migrations {state, applied, latest, \
            latest_applied_at, required}, events {partitions, rows_estimate, bytes}, loads \
            {batches, last_batch_at}, rejects {waiting}, analytics {dirty_buckets, \
            oldest_dirty_day, objects [{object, refreshed_at, kind, inserted, updated, deleted}]}, consumers \
            [{kind, queue, group, tenant, partitions, position, lag, updated_at}], partitions \
            [{name, from, to, rows_estimate, bytes}], detail (with --detail) {events [{tenant, \
            contract, type, events}], reject_reasons [{contract, field, reason, lines}], daily \
            [{tenant, day, events, active_users, new_users, orders}], funnel [{tenant, step, \
            events}]}, hidden [{section, reason}], warnings [text], error (when it failed). A \
            section that was not read is null.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Also show what is loaded: events per tenant, contract and type, waiting rejects per reason, daily users and the funnel.")
    var detail = false

    @Option(help: ArgumentHelp("The tenant whose rows to count where row-level security applies to this login (compliance staff).", valueName: "tenant"))
    var tenant: String?

    @Flag(help: "Print one JSON object (shape above).")
    var json = false

    func validate() throws {
        if let tenant { try TenantName.check(tenant) }
    }

    func run() async throws {
        var report = StatusReport()
        let postgres: PostgresConnection
        do {
            postgres = try await connection.connect()
        } catch {
            throw JSONOutput.fail(error, json: json)
        }
        do {
            try await StatusGatherer(postgres: postgres, detail: detail, tenant: tenant, warnAboutPrivileges: !connection.targetsLocalCluster())
                .gather(into: &report)
        } catch {
            report.error = String(describing: error)
        }
        await postgres.close()
        if json {
            JSONOutput.print(report)
        } else {
            StatusText.print(report)
        }
        if report.error != nil || report.migrations?.state != "current" {
            throw ExitCode.failure
        }
    }
}
