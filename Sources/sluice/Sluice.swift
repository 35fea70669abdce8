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
            AuditCommand.self,
            BiCommand.self,
            ConsumeCommand.self,
            DatabaseCommand.self,
            GDPRCommand.self,
            GenerateCommand.self,
            MigrateCommand.self,
            LoadCommand.self,
            RejectsCommand.self,
            RetentionCommand.self,
            PartitionsCommand.self,
            RefreshCommand.self,
            StatusCommand.self,
            ValidateCommand.self,
        ]
    )

    /// Exit codes scripts can rely on: 0 success, 1 failure (or invalid data where a command says
    /// so), 2 usage errors (argument-parser's default would be 64), 3 "not running" for `db`.
    static func main() async {
        var parsed: ParsableCommand?
        do {
            var command = try parseAsRoot()
            parsed = command
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                // A ValidationError thrown while running names the subcommand's usage, as one
                // thrown while parsing does (fullMessage alone would show the root's).
                if let error = error as? ValidationError, let parsed {
                    let usage = usageString(for: type(of: parsed))
                    FileHandle.standardError.write(Data("Error: \(error.message)\nUsage: \(usage)\n  See 'sluice \(commandPath(of: type(of: parsed))) --help' for more information.\n".utf8))
                } else {
                    FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                }
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }

    /// `bi grant` for BiCommand.Grant: the names from the root down to `command`.
    static func commandPath(of command: ParsableCommand.Type) -> String {
        func search(_ node: ParsableCommand.Type, _ path: [String]) -> [String]? {
            if node == command { return path }
            for child in node.configuration.subcommands {
                let name = child.configuration.commandName ?? String(describing: child).lowercased()
                if let found = search(child, path + [name]) { return found }
            }
            return nil
        }
        return search(Sluice.self, [])?.joined(separator: " ") ?? ""
    }
}
