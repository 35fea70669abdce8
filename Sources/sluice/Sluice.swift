import ArgumentParser
import Foundation

@main
struct Sluice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "Load JSON events into a partitioned PostgreSQL analytics warehouse.",
        discussion: """
            Sluice validates events against their contracts and bulk-COPYs them into a monthly-partitioned \
            `events` table, with the compliance tables beside it.

            Connection: --database-url, else DATABASE_URL, else libpq's PG* variables (PGHOST, PGPORT, \
            PGDATABASE, PGUSER, PGPASSWORD, PGSERVICE), else the local cluster started by `sluice db start`.

            First run on a fresh machine:
              sluice db start          # a throwaway local PostgreSQL under .sluice/
              sluice migrate           # create the tables
              sluice partitions ensure # this month and the next three
              sluice status

            Check events offline, without a database:
              sluice validate --contract pocm events.ndjson
            """,
        version: "0.1.0",
        subcommands: [
            BiCommand.self,
            ConsumeCommand.self,
            DatabaseCommand.self,
            GenerateCommand.self,
            MigrateCommand.self,
            LoadCommand.self,
            RejectsCommand.self,
            PartitionsCommand.self,
            RefreshCommand.self,
            StatusCommand.self,
            ValidateCommand.self,
        ]
    )

    /// Exit codes scripts can rely on: 0 success, 1 failure (or invalid data where a command says
    /// so), 2 usage errors (argument-parser's default would be 64), 3 "not running" for `db`.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
